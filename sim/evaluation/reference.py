"""Reference forecasts: what a forecaster knows at the cut-off without a model.

A forecast is judged against simple benchmarks built only from information at the cut-off, as
conflict-forecast evaluations do (the VIEWS prediction challenge scores every model beside
"no change" and other naive forecasts; Hegre et al. 2022). Each reference is a point forecast of
the day each capital is lost, scored with the same CRPS, Brier, rank correlation and coverage as
the model (the CRPS of a point forecast is its absolute error; a point forecast's intervals have
no width, so its coverage is that of exact hits):

* ``no_change``: nothing changes after the cut-off - every capital held at the cut-off is still
  held at the horizon (persistence).
* ``last_observed_day``: every capital still held falls on the last day a capital was observed
  lost (on or before the cut-off; the cut-off itself when none was) - the cascade has started
  and takes all the rest at once.
* ``distance_order``: capitals still held fall in order of road travel time from the national
  capital, the farthest first and the national capital last, one after another evenly over
  ``window`` days from the day after the cut-off (outside-in, the intuition that the periphery
  goes first). The window is a stated choice (default 30 days).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.inference.forecast import Forecast
from sim.scenario import ScenarioError, load_scenario

REFERENCES = ("no_change", "last_observed_day", "distance_order")


def travel_days_from_hub(fc: Forecast) -> dict[str, float]:
    """Road travel days from the national capital to every capital of the forecast's scenario."""
    scen = load_scenario(fc.meta["scenario"], list(fc.meta.get("overrides") or []))
    n = scen.n_locations
    r = scen.roads
    g = csr_matrix((r["travel_days"], (r["src"], r["dst"])), shape=(n, n))
    caps = scen.capital_indices()
    hub = int(caps[np.argmax(scen.locations["value"][caps])])
    d = dijkstra(g, directed=False, indices=hub)
    ids = scen.locations["location_id"]
    return {str(ids[i]): float(d[i]) for i in caps}


def reference_forecasts(
    fc: Forecast, truth: pd.DataFrame, window: int = 30, distances: dict[str, float] | None = None
) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    """The reference forecasts as one-sample "ensembles" per measure and capital (NaN: held).

    Parameters
    ----------
    fc : Forecast
        The forecast being judged (its capitals, cut-off, horizon and scenario).
    truth : pandas.DataFrame
        The observed outcome per capital (:func:`sim.evaluation.scoring._truth`); only what was
        known at the cut-off (losses dated on or before it) is used.
    window : int, default 30
        Days over which ``distance_order`` spreads the capitals still held.
    distances : dict, optional
        Road travel days from the national capital per capital (default: computed from the
        forecast's scenario; ``distance_order`` is left out when that cannot be loaded).
    """
    cut = int(fc.meta["cutoff_day"])
    caps = list(dict.fromkeys(fc.fall_dates["location_id"].astype(str)))
    known = truth[(truth["observed"] == "fell") & (truth["observed_day"] <= cut)]
    lost_at_cut = dict(zip(known["location_id"], known["observed_day"].astype(float), strict=True))
    last = max(lost_at_cut.values()) if lost_at_cut else float(cut)
    if distances is None:
        try:
            distances = travel_days_from_hub(fc)
        except (ScenarioError, KeyError) as e:
            distances = None
            warnings.warn(
                f"the distance_order reference is left out: the forecast's scenario cannot be "
                f"loaded here ({e})",
                stacklevel=2,
            )
    remaining = [c for c in caps if c not in lost_at_cut]
    order = sorted(remaining, key=lambda c: (-(distances or {}).get(c, 0.0), c))
    step = window / max(len(order), 1)
    out: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for name in REFERENCES:
        if name == "distance_order" and distances is None:
            continue
        per: dict[str, np.ndarray] = {}
        for c in caps:
            if c in lost_at_cut:
                per[c] = np.array([lost_at_cut[c]])
            elif name == "no_change":
                per[c] = np.array([np.nan])
            elif name == "last_observed_day":
                per[c] = np.array([last])
            else:
                per[c] = np.array([float(cut + 1 + int(order.index(c) * step))])
        out[name] = {"lost": per, "fell": per}
    return out
