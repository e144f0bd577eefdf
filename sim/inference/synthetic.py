"""Observation tables made by the model itself (a synthetic truth), to test methods before 2021.

A synthetic truth is the only honest way to test a calibration or an assimilation: one run of
the model with known parameters and a held-out seed plays the observed world, so whether a
method recovers the parameters, or forecasts what that world did after the cut-off, can be
checked. The world is a single realisation, as the real one was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import Ensemble
from sim.inference.observations import Observations, from_frame
from sim.kernels import codes as C
from sim.scenario import Scenario, load_scenario
from sim.world import param_table

#: Dating error (days) of an observed district loss: as the 2021 table's border crossings.
DISTRICT_EVENT_SD = 5.0
_MODE = {C.NEGOTIATED: "without_fight", C.SURRENDER: "without_fight", C.LOST_AIRPORT: "airport"}


def truth_run(scenario: Scenario, seed: int, values: Mapping[str, Any] | None = None) -> Ensemble:
    """One run of the scenario to its horizon with parameter ``values`` (the truth's world)."""
    ens = Ensemble(
        scenario, param_table(scenario, 1, None if values is None else [dict(values)]), [seed], parallel=1
    )
    return ens


def observations_from_run(
    scenario: str | Scenario,
    overrides: Sequence[str] = (),
    *,
    values: Mapping[str, Any] | None = None,
    seed: int = 10_000,
    count_days: Sequence[int] = (10, 20, 30),
    cutoff_day: int | None = None,
    until_day: int | None = None,
    provinces: bool = False,
    modes: bool = False,
    district_events: Sequence[str] = (),
    source: str = "synthetic truth",
) -> Observations:
    """Run the model once and write what it did as an observation table.

    Counts: districts held by the insurgents on each of ``count_days`` (and per province with
    ``provinces``). Events: every capital lost on or before ``until_day`` is a ``fell`` row on its
    city-lost day (with its mode when ``modes``), every other one ``not_fallen_by`` that day.

    Parameters
    ----------
    scenario : str or Scenario
    overrides : sequence of str
        Overrides of the truth's scenario.
    values : mapping, optional
        Parameter values of the truth (config path -> value), as a posterior draw.
    seed : int, default 10000
        The truth's seed (use one the method does not use).
    count_days : sequence of int
        Days of the count observations (those after ``until_day`` are dropped).
    cutoff_day : int, optional
        Deprecated alias of ``until_day``.
    until_day : int, optional
        Last day observed; default ``max(count_days)``.
    provinces, modes : bool, default False
    district_events : sequence of str
        District centres (location ids, not capitals) whose loss is observed too, as the 2021
        table observes the border crossings: a ``fell`` row on the day the truth lost it, with
        the crossings' dating error (sd 5 days, weight 0.5), if by ``until_day``.
    source : str
        The ``source`` column.
    """
    scen = load_scenario(scenario, overrides) if isinstance(scenario, str) else scenario
    last = until_day if until_day is not None else cutoff_day
    last = int(max(count_days) if last is None else last)
    ens = truth_run(scen, seed, values)
    loc = scen.locations
    is_cap = np.asarray(loc["is_capital"])
    provs = np.asarray(loc["province"])
    rows: list[dict[str, Any]] = []
    for d in sorted(int(x) for x in count_days if x <= last):
        ens.advance(d + 1)
        ins = ens.field("ctrl")[0] == C.INSURGENT
        rows.append(
            {
                "date": scen.date_of(d).isoformat(),
                "kind": "count",
                "quantity": "districts_insurgent_held",
                "value": float(ins.sum()),  # every district centre, capitals included
                "source": source,
            }
        )
        if provinces:
            for p in sorted(set(provs[~is_cap].tolist())):
                m = provs == p
                rows.append(
                    {
                        "date": scen.date_of(d).isoformat(),
                        "kind": "count",
                        "quantity": "districts_insurgent_held",
                        "province": p,
                        "value": float(ins[m].sum()),
                        "source": source,
                    }
                )
    ens.advance(scen.horizon_days)
    lost = ens.field("lost_day")[0]
    mode = ens.field("lost_mode")[0]
    for i in scen.capital_indices():
        lid = str(loc["location_id"][i])
        d = int(lost[i])
        if 0 <= d <= last:
            rows.append(
                {
                    "date": scen.date_of(d).isoformat(),
                    "kind": "fell",
                    "quantity": "capital",
                    "location": lid,
                    "mode": _MODE.get(int(mode[i]), "after_fight") if modes else "",
                    "source": source,
                }
            )
        else:
            rows.append(
                {
                    "date": scen.date_of(last).isoformat(),
                    "kind": "not_fallen_by",
                    "quantity": "capital",
                    "location": lid,
                    "source": source,
                }
            )
    ids = [str(x) for x in loc["location_id"]]
    for lid in district_events:
        if str(lid) not in ids or is_cap[ids.index(str(lid))]:
            raise ValueError(f"district_events: {lid!r} is not a district post of {scen.name}")
        d = int(lost[ids.index(str(lid))])
        if 0 <= d <= last:
            rows.append(
                {
                    "date": scen.date_of(d).isoformat(),
                    "kind": "fell",
                    "quantity": "district",
                    "location": str(lid),
                    "sd": DISTRICT_EVENT_SD,
                    "weight": 0.5,
                    "source": source,
                }
            )
    return from_frame(pd.DataFrame(rows), path="<synthetic truth>")
