"""Global sensitivity of a sweep outcome: Sobol', Morris and RBD-FAST indices via SALib, and how
much of the outcome's variance is the parameters' and how much the replicates' noise.

Every design point runs the same R replicate seeds (common random numbers). For an outcome Y of
one run at parameters X, the law of total variance splits

    Var(Y) = Var_X(E[Y | X]) + E_X[Var(Y | X)]
             parameter effect   replicate noise

With s_w^2 the mean within-point variance (ddof 1; replicates of one point are independent
seeds), s^2 the variance of all runs pooled and s_b^2 the variance of the point means,
:func:`variance_split` estimates

    var_within = s_w^2,   var_param = max(s^2 - s_w^2, 0),
    noise_share    = var_within / s^2                        (share of a single run's variance)
    noise_in_means = max(s_b^2 - var_param, 0) / s_b^2       (share of what the indices analyse)

The point mean of R replicates carries the parameters' effect plus what is left of the noise:
Var(Y | X) / R with independent seeds, less with common random numbers, which make the
replicate noise of different points alike (it cancels entirely for noise that does not depend on
X), hence the estimate from s_b^2 rather than from s_w^2 / R.

The indices are computed on the point means, a deterministic function of X under common random
numbers: they describe the parameters' effect on the expected outcome, and ``noise_in_means``
says how much replicate noise is left in it (raise R when it is not small). Methods:

* Sobol' first-order S1, total ST and second-order S2 with bootstrap confidence intervals
  (Saltelli 2002; Saltelli et al. 2010, the estimators of ``SALib.analyze.sobol``).
* Morris elementary effects: mu, mu* (mean absolute effect, with a bootstrap interval) and sigma
  (Morris 1991; Campolongo et al. 2007), per unit of the normalised range of each parameter.
* RBD-FAST first-order indices from any sample, e.g. a Latin hypercube (Tarantola et al. 2006;
  Plischke 2010), with bootstrap intervals.

Confidence intervals are SALib's: half-widths of the ``conf_level`` interval of the bootstrap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.explore.design import Design

INDEX_COLUMNS = ["outcome", "method", "index", "param", "param2", "value", "conf", "conf_level"]


def point_stats(values: pd.Series, jobs: Sequence[int]) -> pd.DataFrame:
    """Per design point: mean, variance (ddof 1) and count of an outcome's replicates.

    Parameters
    ----------
    values : Series
        One value per run, indexed by ``(job, replicate)`` (:func:`sim.explore.outcomes.outcome_values`).
    jobs : sequence of int
        Every point of the design; points without runs (failed) get NaN and ``n = 0``.
    """
    g = values.groupby(level=0)
    out = pd.DataFrame({"mean": g.mean(), "var": g.var(ddof=1), "n": g.size()})
    out = out.reindex(pd.Index(jobs, name="job"))
    out["n"] = out["n"].fillna(0).astype("int64")
    return out


def variance_split(stats: pd.DataFrame) -> dict[str, float]:
    """Split an outcome's variance into the parameters' effect and replicate noise.

    Parameters
    ----------
    stats : DataFrame
        From :func:`point_stats`; points with fewer than two replicates are left out.

    Returns
    -------
    dict
        ``replicates`` (R, the median count), ``points``, ``mean``, ``var_total`` (all runs),
        ``var_means``, ``var_within``, ``var_param``, ``noise_share`` and ``noise_in_means``
        (see the module docstring); NaN where undefined (one replicate, a constant outcome).
    """
    s = stats[stats["n"] >= 1]
    R = float(s["n"].median()) if len(s) else float("nan")
    var_means = float(s["mean"].var(ddof=1)) if len(s) > 1 else float("nan")
    multi = s[s["n"] >= 2]
    var_within = float(multi["var"].mean()) if len(multi) else float("nan")
    # total variance of single runs from the pooled sums of squares of the points
    n_tot = float(s["n"].sum())
    grand = float((s["mean"] * s["n"]).sum() / n_tot) if n_tot else float("nan")
    ss = float(
        ((s["n"] - 1).clip(lower=0) * s["var"].fillna(0.0)).sum() + (s["n"] * (s["mean"] - grand) ** 2).sum()
    )
    var_total = ss / (n_tot - 1) if n_tot > 1 else float("nan")
    var_param = max(var_total - var_within, 0.0) if np.isfinite(var_within) else var_total
    return {
        "replicates": R,
        "points": float(len(s)),
        "mean": grand,
        "var_total": var_total,
        "var_means": var_means,
        "var_within": var_within,
        "var_param": var_param,
        "noise_share": var_within / var_total if var_total > 0 else float("nan"),
        "noise_in_means": max(var_means - var_param, 0.0) / var_means if var_means > 0 else float("nan"),
    }


def complete_blocks(design: Design, y: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows whose whole analysis block (Saltelli block, Morris trajectory)
    has a value; a failed point drops its block, which keeps the estimators valid."""
    b = design.block_size
    ok = np.isfinite(y).reshape(-1, b).all(axis=1)
    return np.repeat(ok, b)


def _long(
    outcome: str, method: str, conf_level: float, rows: list[tuple[str, str, str, float, float]]
) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["index", "param", "param2", "value", "conf"])
    df.insert(0, "method", method)
    df.insert(0, "outcome", outcome)
    df["conf_level"] = conf_level
    return df[INDEX_COLUMNS]


def sobol_indices(
    design: Design,
    y: np.ndarray,
    outcome: str = "y",
    conf_level: float = 0.95,
    num_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol' S1, ST (and S2 when the design has the cross rows) of ``y`` over a Sobol design.

    Parameters
    ----------
    design : Design
        A ``sobol`` design.
    y : ndarray, shape (n_points,)
        One value per point in design order (NaN for a failed point: its block is dropped).
    outcome : str
        Name written in the ``outcome`` column.
    conf_level : float, default 0.95
    num_resamples : int, default 1000
        Bootstrap resamples for the intervals.
    seed : int, default 0
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        Long format: ``outcome, method, index (S1, ST, S2), param, param2, value, conf, conf_level``.
    """
    if design.method != "sobol":
        raise ValueError(f"Sobol indices need a sobol design, not {design.method!r}")
    from SALib.analyze import sobol

    y = np.asarray(y, dtype=np.float64)
    keep = complete_blocks(design, y)
    if keep.sum() < 2 * design.block_size:
        raise ValueError(f"{outcome}: fewer than two complete Saltelli blocks; nothing to analyse")
    with np.errstate(all="ignore"):
        res = sobol.analyze(
            design.problem,
            y[keep],
            calc_second_order=design.second_order,
            num_resamples=int(num_resamples),
            conf_level=conf_level,
            seed=int(seed),
        )
    rows: list[tuple[str, str, str, float, float]] = []
    for j, name in enumerate(design.names):
        rows.append(("S1", name, "", float(res["S1"][j]), float(res["S1_conf"][j])))
        rows.append(("ST", name, "", float(res["ST"][j]), float(res["ST_conf"][j])))
    if design.second_order:
        D = len(design.names)
        for j in range(D):
            for k in range(j + 1, D):
                rows.append(
                    (
                        "S2",
                        design.names[j],
                        design.names[k],
                        float(res["S2"][j, k]),
                        float(res["S2_conf"][j, k]),
                    )
                )
    return _long(outcome, "sobol", conf_level, rows)


def morris_indices(
    design: Design,
    y: np.ndarray,
    outcome: str = "y",
    conf_level: float = 0.95,
    num_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris mu, mu* (with its bootstrap interval) and sigma of ``y`` over a Morris design.

    Effects are per unit of each parameter's normalised range (log10 range for log parameters),
    so they compare across parameters; trajectories with a failed point are dropped.
    """
    if design.method != "morris":
        raise ValueError(f"Morris indices need a morris design, not {design.method!r}")
    from SALib.analyze import morris

    y = np.asarray(y, dtype=np.float64)
    keep = complete_blocks(design, y)
    if keep.sum() < 2 * design.block_size:
        raise ValueError(f"{outcome}: fewer than two complete Morris trajectories; nothing to analyse")
    res = morris.analyze(
        design.problem,
        design.X[keep],
        y[keep],
        num_resamples=int(num_resamples),
        conf_level=conf_level,
        num_levels=design.levels,
        seed=int(seed),
    )
    rows: list[tuple[str, str, str, float, float]] = []
    for j, name in enumerate(design.names):
        rows.append(("mu_star", name, "", float(res["mu_star"][j]), float(res["mu_star_conf"][j])))
        rows.append(("mu", name, "", float(res["mu"][j]), float("nan")))
        rows.append(("sigma", name, "", float(res["sigma"][j]), float("nan")))
    return _long(outcome, "morris", conf_level, rows)


def rbd_fast_indices(
    design: Design,
    y: np.ndarray,
    outcome: str = "y",
    conf_level: float = 0.95,
    num_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """RBD-FAST first-order indices of ``y`` from any design (points with NaN are left out)."""
    from SALib.analyze import rbd_fast

    y = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(y)
    if keep.sum() < 5:
        raise ValueError(f"{outcome}: {keep.sum()} points with a value; RBD-FAST needs at least 5")
    with np.errstate(all="ignore"):
        res = rbd_fast.analyze(
            design.problem,
            design.X[keep],
            y[keep],
            M=int(min(10, (keep.sum() - 1) // 2)),  # harmonics: at most (N - 1) / 2
            num_resamples=int(num_resamples),
            conf_level=conf_level,
            seed=int(seed),
        )
    rows = [
        ("S1", name, "", float(res["S1"][j]), float(res["S1_conf"][j])) for j, name in enumerate(design.names)
    ]
    return _long(outcome, "rbd_fast", conf_level, rows)


def indices(design: Design, y: np.ndarray, outcome: str = "y", **kw: Any) -> pd.DataFrame:
    """The indices a design supports: Sobol for ``sobol``, Morris for ``morris``, RBD-FAST for ``lhs``."""
    fn = {"sobol": sobol_indices, "morris": morris_indices, "lhs": rbd_fast_indices}[design.method]
    return fn(design, y, outcome, **kw)
