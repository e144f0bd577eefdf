"""Posterior parameter draws shipped with a scenario (a fit), and which draw a replicate takes.

A fit's draws (``posterior.samples``, written by :func:`sim.inference.abc.export_fit`) are
equally weighted rows of parameter values keyed by config path. With ``posterior.draw: sample``
replicate r (seed s) takes row ``splitmix64(s) mod n``: a pure function of its seed, so replicate
r of an ensemble equals a lone run with seed s, on any number of workers, and two ensembles with
the same seeds pair draw for draw (common random numbers for what-if comparisons).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.kernels.rng import uniform_py
from sim.lazy import lazy_module
from sim.scenario import Scenario, ScenarioError
from sim.scenario.values import check_param_values

pd = lazy_module("pandas")  # imported on first use (sim.lazy)

#: The ``kind`` key of the stream that picks a posterior draw for a seed.
DRAW_POSTERIOR = 101


@lru_cache(maxsize=8)
def read_samples(path: str, sha256: str) -> pd.DataFrame:
    """Posterior draws of a fit (cached by file and hash); values checked against the schema."""
    df = pd.read_parquet(path)
    if df.empty:
        raise ScenarioError(path, "rows", 0, "at least one posterior draw")
    for row in df.head(1).to_dict("records"):
        check_param_values(row, where=path, per_replicate=True)
    lo, hi = df.min().to_dict(), df.max().to_dict()
    check_param_values(lo, where=path, per_replicate=True)
    check_param_values(hi, where=path, per_replicate=True)
    return df


def draw_index(seed: int, n: int) -> int:
    """The posterior row replicate seed ``seed`` takes (of ``n`` rows)."""
    return min(int(uniform_py(int(seed), 0, DRAW_POSTERIOR, 0) * n), n - 1)


def replicate_params(scenario: Scenario, seeds: np.ndarray) -> list[dict] | None:
    """Parameter values of each replicate drawn from the scenario's posterior, or None.

    None (every replicate takes the scenario's own values) when the scenario names no
    ``posterior.samples`` or sets ``posterior.draw: point``. A parameter the user set by an
    override (``model.morale.b0=1.2``, a design point of ``conflict-sim-explore``) is not drawn:
    it keeps the value set, and the other calibrated parameters are drawn as usual.
    """
    post = scenario.config.get("posterior", None)
    if post is None or not scenario.posterior_file or str(post.draw) == "point":
        return None
    from sim.scenario.cache import samples

    cols = samples(scenario.posterior_file, scenario.posterior_sha256, read_samples)
    cols = {k: v for k, v in cols.items() if k not in scenario.pinned}
    if not cols:
        return None
    n = len(next(iter(cols.values())))
    return [{k: float(v[draw_index(int(s), n)]) for k, v in cols.items()} for s in seeds]
