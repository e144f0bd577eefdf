"""The ensemble panel: N replicates of the current settings against the baseline, paired by seed.

Both ensembles run seeds ``seed .. seed + N - 1`` (common random numbers: replicate r of the
what-if and of the baseline draw the same random numbers wherever their states agree), so the
per-seed difference isolates the effect of the settings from luck. The baseline is the scenario
as its file defines it. Figures are :mod:`sim.plot`'s: the fan chart of capitals held, the
fall-date distribution per capital, and the per-seed paired difference of one outcome.

No solara here: the app calls :func:`run_pair` and :func:`figures`; a notebook can too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

import sim.plot as P
from sim.engine import run
from sim.outputs import RunResult
from sim.scenario import Scenario

#: Outcomes offered for the paired difference: runs-table column -> label. A fall day that never
#: came (the place held to the horizon) counts as the day after the horizon.
OUTCOMES: Mapping[str, str] = {
    "first_fall_day": "day the first capital falls",
    "hub_fell_day": "day the national capital falls",
    "capitals_fallen": "capitals fallen by the horizon",
    "capitals_fallen_by_report": "capitals fallen by the report date",
    "districts_lost": "locations lost by the horizon",
    "gov_reinforcements": "reinforcements delivered (people)",
}


@dataclass(frozen=True)
class Pair:
    """Two ensembles over the same seeds.

    Attributes
    ----------
    base, alt : RunResult
        The baseline and the current settings (``alt is base`` when they are the same scenario).
    seed : int
        Seed of replicate 0.
    replicates : int
    same : bool
        True when the settings equal the baseline.
    """

    base: RunResult
    alt: RunResult
    seed: int
    replicates: int
    same: bool


_cache: OrderedDict[tuple, RunResult] = OrderedDict()
_lock = threading.Lock()
_inflight: dict[tuple, threading.Lock] = {}  # one computation per key; later callers wait for it


def _ensemble(scenario: Scenario, seed: int, replicates: int, parallel: bool | int) -> RunResult:
    """An ensemble, cached by (scenario fingerprint, seed, replicates): the baseline is run once,
    and a request for an ensemble being computed waits for it instead of computing it again."""
    key = (scenario.fingerprint, int(seed), int(replicates))
    with _lock:
        key_lock = _inflight.setdefault(key, threading.Lock())
    with key_lock:
        with _lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
                return hit
        res = run(
            scenario, seed=int(seed), replicates=int(replicates), record_locations=False, parallel=parallel
        )
        with _lock:
            _cache[key] = res
            while len(_cache) > 8:
                _cache.popitem(last=False)
            _inflight.pop(key, None)
    return res


def prefetch_baseline(base: Scenario, seed: int = 0, replicates: int = 200) -> threading.Thread:
    """Start computing the baseline ensemble in a background thread (the app does this when the
    panel appears, so that pressing the button runs only the what-if)."""
    t = threading.Thread(target=_ensemble, args=(base, seed, replicates, True), daemon=True)
    t.start()
    return t


def run_pair(
    base: Scenario, alt: Scenario, seed: int = 0, replicates: int = 200, parallel: bool | int = True
) -> Pair:
    """Run the baseline and the what-if over seeds ``seed .. seed + replicates - 1``.

    Parameters
    ----------
    base, alt : Scenario
        The scenario as its file defines it, and with the app's settings.
    seed : int, default 0
    replicates : int, default 200
    parallel : bool or int, default True
        Threads (see :func:`sim.run`); results do not depend on it.

    Returns
    -------
    Pair
    """
    if replicates < 1:
        raise ValueError(f"replicates must be >= 1, not {replicates}")
    same = base.fingerprint == alt.fingerprint
    b = _ensemble(base, seed, replicates, parallel)
    a = b if same else _ensemble(alt, seed, replicates, parallel)
    return Pair(b, a, int(seed), int(replicates), same)


def outcome_table(res: RunResult) -> pd.DataFrame:
    """The runs table with ``first_fall_day`` added (the first day any capital fell)."""
    runs = res.runs.copy()
    s = res.summary
    first = s.groupby("replicate")["fell_day"].min()
    runs["first_fall_day"] = runs["replicate"].map(first).astype("Int64")
    return runs


def figures(pair: Pair, outcome: str = "first_fall_day", dpi: float = 72) -> dict[str, Figure]:
    """The panel's figures: ``fan``, ``fall_dates`` and ``paired`` (not when the two are the same).

    Parameters
    ----------
    pair : Pair
    outcome : str, default "first_fall_day"
        A key of :data:`OUTCOMES` for the paired difference.
    dpi : float, default 72

    Returns
    -------
    dict of str to Figure
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    horizon = int(pair.base.sides["day"].max())
    n = pair.replicates
    out: dict[str, Figure] = {}
    results = {"baseline": pair.base} if pair.same else {"baseline": pair.base, "what-if": pair.alt}
    out["fan"] = P.capitals_fan(
        results, title=f"capitals held: {n} replicates, seeds {pair.seed}..{pair.seed + n - 1}"
    )
    label = "baseline" if pair.same else "what-if"
    out["fall_dates"] = P.fall_dates(pair.alt, title=f"{label}: when each capital fell ({n} replicates)")
    if pair.same:  # every difference is zero: nothing to pair
        return _dpi(out, dpi)
    na = float(horizon + 1) if outcome.endswith("_day") else None
    out["paired"] = P.paired_difference(
        outcome_table(pair.base),
        outcome_table(pair.alt),
        outcome=outcome,
        labels=("baseline", "what-if"),
        na_value=na,
    )
    return _dpi(out, dpi)


def _dpi(figs: dict[str, Figure], dpi: float) -> dict[str, Figure]:
    for fig in figs.values():
        fig.set_dpi(dpi)
    return figs
