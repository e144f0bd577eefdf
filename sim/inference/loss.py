"""The calibration loss: how far an ensemble is from a table of observations.

Every used row i of the table (weight > 0, dated on day 0 .. cut-off) gives a score L_i >= 0:

* a **count** (quantity q on day d, observed value v out of ``of_total``): the CRPS of the
  ensemble's fractions ``model_q(d) / model_total_q`` at the observed fraction
  ``v / of_total`` (``of_total`` defaults to the model's own total). Unit: fraction of the total.
* an **event** of a location (``fell`` on day d, or ``not_fallen_by`` day D): the censored CRPS
  of the ensemble's fall days (:func:`sim.evaluation.scores.crps_censored`) with censoring point
  c = cut-off + 1 for ``fell`` and c = D + 1 for ``not_fallen_by``, divided by (cut-off + 1) so it
  is a fraction of the observed window. A replicate in which the location has not fallen by the
  cut-off counts as c, so "not fallen yet" is scored as what it is, not as a date.

The loss is the weighted mean ``sum_i w_i L_i / sum_i w_i``; both kinds are dimensionless
fractions of comparable size (0 = every replicate exactly right). Rows dated before day 0 (before
the scenario starts) are reported and skipped. With one replicate the CRPS is the absolute error,
which is what :func:`per_replicate_loss` uses to rank replicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.evaluation.scores import censor, crps_censored, crps_ensemble
from sim.inference.observations import (
    EVENT_KINDS,
    Observations,
    fall_days,
    quantity_array,
    quantity_totals,
    resolve_location,
)
from sim.outputs import RunResult
from sim.scenario import Scenario, ScenarioError


@dataclass(frozen=True)
class PreparedObservations:
    """Observations resolved against a scenario: days, location indices, observed fractions.

    Attributes
    ----------
    counts : pandas.DataFrame
        Used count rows with ``day``, ``quantity``, ``obs`` (observed fraction), ``weight``.
    events : pandas.DataFrame
        Used event rows with ``day``, ``loc`` (location index), ``c`` (censoring point),
        ``obs`` (observed day, NaN for "not fallen"), ``weight``.
    skipped : pandas.DataFrame
        Rows not used, with a ``reason``.
    cutoff_day : int
        Day of the last used observation (or the given cut-off); the simulation runs to it.
    """

    counts: pd.DataFrame
    events: pd.DataFrame
    skipped: pd.DataFrame
    cutoff_day: int
    locations: list[int] = field(default_factory=list)

    @property
    def n_used(self) -> int:
        return len(self.counts) + len(self.events)


def prepare(obs: Observations, scen: Scenario, cutoff_day: int | None = None) -> PreparedObservations:
    """Resolve an observation table against a scenario.

    Parameters
    ----------
    obs : Observations
    scen : Scenario
    cutoff_day : int, optional
        Ignore rows after this day; default: the day of the last row.

    Raises
    ------
    ScenarioError
        For an unknown location, or a row after the scenario's horizon.
    """
    t = obs.table.copy()
    t["day"] = [(d - scen.start).days for d in t["date"]]
    if cutoff_day is None:
        cutoff_day = int(t["day"].max()) if len(t) else 0
    cutoff_day = int(cutoff_day)
    if cutoff_day > scen.horizon_days:
        raise ScenarioError(
            obs.path or "observations",
            "date",
            scen.date_of(cutoff_day).isoformat(),
            f"a date within the scenario's horizon (day 0 .. {scen.horizon_days}, "
            f"{scen.start} .. {scen.date_of(scen.horizon_days)})",
        )
    reason = np.full(len(t), "", dtype=object)
    reason[(t["weight"] <= 0).to_numpy()] = "weight 0"
    reason[(t["day"] < 0).to_numpy()] = "before the scenario start"
    reason[(t["day"] > cutoff_day).to_numpy()] = "after the cut-off"
    t["reason"] = reason
    used = t[t["reason"] == ""]
    totals = quantity_totals(scen)
    counts = used[used["kind"] == "count"].copy()
    counts["obs"] = counts["value"] / counts["of_total"].fillna(counts["quantity"].map(totals).astype(float))
    ev = used[used["kind"].isin(EVENT_KINDS)].copy()
    ids, names = scen.locations["location_id"], scen.locations["name"]
    ev["loc"] = [resolve_location(ids, names, s, obs.path or "observations") for s in ev["location"]]
    is_fell = (ev["kind"] == "fell").to_numpy()
    ev["c"] = np.where(is_fell, cutoff_day + 1, ev["day"].to_numpy() + 1).astype(float)
    ev["obs"] = np.where(is_fell, ev["day"].to_numpy(dtype=float), np.nan)
    locs = sorted(set(ev["loc"].tolist()))
    return PreparedObservations(
        counts=counts[["date", "day", "quantity", "obs", "weight"]].reset_index(drop=True),
        events=ev[["date", "day", "kind", "location", "loc", "c", "obs", "weight"]].reset_index(drop=True),
        skipped=t[t["reason"] != ""][["date", "kind", "quantity", "location", "reason"]].reset_index(
            drop=True
        ),
        cutoff_day=cutoff_day,
        locations=locs,
    )


def _samples(res: RunResult, scen: Scenario, prep: PreparedObservations) -> tuple[np.ndarray, np.ndarray]:
    """Model samples for every used row: counts (R, n_counts) and event days (R, n_events)."""
    totals = quantity_totals(scen)
    R = len(res.seeds)
    cs = np.zeros((R, len(prep.counts)))
    cache: dict[str, np.ndarray] = {}
    for k, row in enumerate(prep.counts.itertuples(index=False)):
        if row.quantity not in cache:
            cache[row.quantity] = quantity_array(res.sides, scen, row.quantity) / totals[row.quantity]
        arr = cache[row.quantity]
        if row.day >= arr.shape[1]:
            raise ValueError(f"the run stops on day {arr.shape[1] - 1}, before observation day {row.day}")
        cs[:, k] = arr[:, row.day]
    fd = fall_days(res, scen, prep.locations).astype(float)
    fd[fd < 0] = np.nan
    col = {loc: j for j, loc in enumerate(prep.locations)}
    es = np.zeros((R, len(prep.events)))
    for k, loc in enumerate(prep.events["loc"]):
        es[:, k] = fd[:, col[loc]]
    return cs, es


def ensemble_loss(res: RunResult, scen: Scenario, prep: PreparedObservations) -> dict[str, float]:
    """Loss of an ensemble against prepared observations.

    Returns
    -------
    dict
        ``loss`` (the weighted mean, see the module docstring), ``loss_counts`` and
        ``loss_events`` (weighted means within each kind; NaN when a kind has no rows).
    """
    cs, es = _samples(res, scen, prep)
    lc = crps_ensemble(cs.T, prep.counts["obs"].to_numpy()) if len(prep.counts) else np.zeros(0)
    c = prep.events["c"].to_numpy()
    le = (
        crps_censored(es.T, prep.events["obs"].to_numpy(), c) / (prep.cutoff_day + 1)
        if len(prep.events)
        else np.zeros(0)
    )
    wc, we = prep.counts["weight"].to_numpy(), prep.events["weight"].to_numpy()
    return _combine(lc, le, wc, we)


def _combine(lc: np.ndarray, le: np.ndarray, wc: np.ndarray, we: np.ndarray) -> dict[str, float]:
    def wmean(v: np.ndarray, w: np.ndarray) -> float:
        return float((v * w).sum() / w.sum()) if w.sum() > 0 else float("nan")

    return {
        "loss": wmean(np.concatenate([lc, le]), np.concatenate([wc, we])),
        "loss_counts": wmean(lc, wc),
        "loss_events": wmean(le, we),
    }


def per_replicate_loss(res: RunResult, scen: Scenario, prep: PreparedObservations) -> np.ndarray:
    """The loss of each replicate alone (the CRPS of one sample is its absolute error)."""
    cs, es = _samples(res, scen, prep)
    wc, we = prep.counts["weight"].to_numpy(), prep.events["weight"].to_numpy()
    lc = np.abs(cs - prep.counts["obs"].to_numpy()[None, :])
    c = prep.events["c"].to_numpy()
    le = np.abs(censor(es, c[None, :]) - censor(prep.events["obs"].to_numpy(), c)[None, :]) / (
        prep.cutoff_day + 1
    )
    w = np.concatenate([wc, we])
    if w.sum() <= 0:
        return np.zeros(len(res.seeds))
    return (np.concatenate([lc, le], axis=1) * w[None, :]).sum(axis=1) / w.sum()
