"""Scenario discovery: which boxes of parameters make an outcome of interest likely.

PRIM, the patient rule induction method (Friedman and Fisher 1999), as used for scenario discovery
(Bryant and Lempert 2010; Kwakkel 2017), through EMA Workbench's implementation
(``ema_workbench.analysis.prim``): starting from the whole design it peels off a small share
(``peel_alpha``) of the points along one parameter at a time, always the peel that raises the
density of points of interest most, then pastes back what it can. Each step is a box on the
*peeling trajectory*, with

    coverage = (points of interest in the box) / (points of interest)
    density  = (points of interest in the box) / (points in the box)
    mass     = (points in the box) / (points)

The chosen box is the first on the trajectory (the one of highest coverage) whose density reaches
``density``. For each restricted parameter EMA's quasi-p-values (a one-sided binomial test of
whether the restriction raises the density, Bryant and Lempert 2010) tell whether it is
significant; the box as a whole is tested against the base rate with
``scipy.stats.binomtest`` (one-sided).

CART (Breiman et al. 1984; ``sklearn.tree.DecisionTreeClassifier``) is the alternative: its
leaves are boxes too, each with its coverage, density and mass.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class PrimResult:
    """The peeling trajectory and the chosen box.

    Attributes
    ----------
    trajectory : DataFrame
        One row per box: ``box, coverage, density, mass, res_dim, n, k`` and ``chosen``.
    limits : DataFrame
        The chosen box: ``param, lo, hi, range_lo, range_hi, qp_lo, qp_hi, significant`` for each
        restricted parameter (``qp_*`` NaN on an unrestricted side).
    stats : dict
        The chosen box's ``box, coverage, density, mass, res_dim, n, k``, the base rate, and
        ``p_value`` of the binomial test of its density against the base rate.
    """

    trajectory: pd.DataFrame
    limits: pd.DataFrame
    stats: dict[str, Any]
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)


def _ema_prim() -> Any:
    with warnings.catch_warnings():  # it warns about optional extras (ipyparallel, altair) on import
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    return prim


def prim(
    x: pd.DataFrame,
    y: np.ndarray,
    density: float = 0.8,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    alpha: float = 0.05,
) -> PrimResult:
    """Run PRIM on points ``x`` with cases of interest ``y`` and choose a box.

    Parameters
    ----------
    x : DataFrame, shape (n, D)
        Numeric parameter values, one column per parameter.
    y : ndarray of bool, shape (n,)
        Whether each point is of interest.
    density : float, default 0.8
        The chosen box is the first on the peeling trajectory with at least this density (the
        densest box when none reaches it).
    peel_alpha, paste_alpha, mass_min : float
        EMA Workbench's PRIM settings (share peeled per step, share pasted, smallest box mass).
    alpha : float, default 0.05
        Significance level for the restrictions' quasi-p-values.

    Raises
    ------
    ValueError
        When ``y`` has no case of interest or is all of interest (there is nothing to find).
    """
    y = np.asarray(y, dtype=bool)
    x = x.reset_index(drop=True).astype("float64")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows, y {len(y)}")
    k_all = int(y.sum())
    if k_all == 0 or k_all == len(y):
        raise ValueError(
            f"the condition holds at {k_all} of {len(y)} points; PRIM needs points of interest and others"
        )
    ema = _ema_prim()
    kw: dict[str, Any] = {"peel_alpha": peel_alpha, "paste_alpha": paste_alpha, "mass_min": mass_min}
    if "threshold" in inspect.signature(ema.Prim.__init__).parameters:  # ema_workbench < 3
        # there it also defines the cases of interest (y >= threshold): just above 0 counts the
        # True points and always returns the box; the choice of box is made below
        kw["threshold"] = 1e-9
    import logging

    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = ema.Prim(x, y, **kw).find_box()
    pt = box.peeling_trajectory
    traj = pd.DataFrame(
        {
            "box": np.arange(len(pt)),
            "coverage": pt["coverage"].to_numpy(dtype=float),
            "density": pt["density"].to_numpy(dtype=float),
            "mass": pt["mass"].to_numpy(dtype=float),
            "res_dim": pt["res_dim"].to_numpy(dtype=int),
        }
    )
    traj["n"] = np.rint(traj["mass"] * len(y)).astype(int)
    traj["k"] = np.rint(traj["coverage"] * k_all).astype(int)
    ok = np.flatnonzero(traj["density"].to_numpy() >= density)
    i = int(ok[0]) if len(ok) else int(traj["density"].to_numpy().argmax())
    traj["chosen"] = traj["box"] == i
    qps = getattr(box, "p_values", None) or getattr(box, "qp", None) or []
    lims, first = box.box_lims[i], box.box_lims[0]
    rows = []
    for col in x.columns:
        lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
        r_lo, r_hi = float(first[col].iloc[0]), float(first[col].iloc[1])
        if lo == r_lo and hi == r_hi:
            continue
        q = qps[i].get(col, [-1, -1]) if i < len(qps) else [-1, -1]
        q_lo = float(q[0]) if q[0] is not None and q[0] >= 0 else float("nan")
        q_hi = float(q[1]) if q[1] is not None and q[1] >= 0 else float("nan")
        rows.append(
            {
                "param": col,
                "lo": lo,
                "hi": hi,
                "range_lo": r_lo,
                "range_hi": r_hi,
                "qp_lo": q_lo,
                "qp_hi": q_hi,
                "significant": bool(np.nanmin([q_lo, q_hi, np.inf]) < alpha),
            }
        )
    limits = pd.DataFrame(
        rows, columns=["param", "lo", "hi", "range_lo", "range_hi", "qp_lo", "qp_hi", "significant"]
    )
    from scipy.stats import binomtest

    st = traj.iloc[i]
    base = k_all / len(y)
    p_value = binomtest(int(st["k"]), int(st["n"]), base, alternative="greater").pvalue if st["n"] else np.nan
    stats = {
        **{c: st[c].item() for c in ("box", "coverage", "density", "mass", "res_dim", "n", "k")},
        "base_rate": base,
        "n_points": len(y),
        "n_interest": k_all,
        "p_value": float(p_value),
        "density_target": density,
    }
    ranges = {c: (float(first[c].iloc[0]), float(first[c].iloc[1])) for c in x.columns}
    return PrimResult(traj.drop(columns=[]), limits, stats, ranges)


def cart(
    x: pd.DataFrame,
    y: np.ndarray,
    max_depth: int = 3,
    mass_min: float = 0.05,
    seed: int = 0,
    fmt: dict[str, Callable[[float], str]] | None = None,
) -> pd.DataFrame:
    """Fit a classification tree and return its leaves as boxes, densest first.

    Parameters
    ----------
    x : DataFrame, shape (n, D)
    y : ndarray of bool, shape (n,)
    max_depth : int, default 3
        Depth of the tree (a leaf restricts at most this many parameter sides).
    mass_min : float, default 0.05
        Smallest leaf as a share of the points (``min_samples_leaf``).
    seed : int, default 0
    fmt : dict, optional
        Per parameter, how a split value is written in ``rule`` (default ``{:.4g}``).

    Returns
    -------
    DataFrame
        One row per leaf: ``leaf, n, k, coverage, density, mass, rule`` and, per parameter,
        ``<param>:lo`` and ``<param>:hi`` (the range when the leaf does not restrict it).
    """
    from sklearn.tree import DecisionTreeClassifier

    y = np.asarray(y, dtype=bool)
    X = x.reset_index(drop=True).astype("float64")
    n = len(y)
    tree = DecisionTreeClassifier(
        max_depth=int(max_depth), min_samples_leaf=max(1, int(np.ceil(mass_min * n))), random_state=int(seed)
    ).fit(X.to_numpy(), y)
    t = tree.tree_
    leaf_of = tree.apply(X.to_numpy())
    lo0, hi0 = X.min().to_numpy(), X.max().to_numpy()
    rows = []
    k_all = max(int(y.sum()), 1)

    def walk(node: int, lo: np.ndarray, hi: np.ndarray) -> None:
        if t.children_left[node] == -1:
            members = leaf_of == node
            nn, kk = int(members.sum()), int(y[members].sum())
            row = {
                "leaf": node,
                "n": nn,
                "k": kk,
                "coverage": kk / k_all,
                "density": kk / nn if nn else np.nan,
                "mass": nn / n,
                "rule": _rule(X.columns, lo, hi, lo0, hi0, fmt or {}),
            }
            for j, c in enumerate(X.columns):
                row[f"{c}:lo"], row[f"{c}:hi"] = lo[j], hi[j]
            rows.append(row)
            return
        j, thr = int(t.feature[node]), float(t.threshold[node])
        hi_l = hi.copy()
        hi_l[j] = min(hi[j], thr)
        walk(int(t.children_left[node]), lo, hi_l)
        lo_r = lo.copy()
        lo_r[j] = max(lo[j], thr)
        walk(int(t.children_right[node]), lo_r, hi)

    walk(0, lo0.copy(), hi0.copy())
    return pd.DataFrame(rows).sort_values(["density", "coverage"], ascending=False).reset_index(drop=True)


def _rule(
    names: Any, lo: np.ndarray, hi: np.ndarray, lo0: np.ndarray, hi0: np.ndarray, fmt: dict[str, Callable]
) -> str:
    """A leaf's box as text, one condition per restricted parameter (``a < x <= b``)."""
    parts = []
    for j, name in enumerate(names):
        f = fmt.get(name, lambda v: f"{v:.4g}")
        low, high = lo[j] > lo0[j], hi[j] < hi0[j]
        if low and high:
            parts.append(f"{f(lo[j])} < {name} <= {f(hi[j])}")
        elif low:
            parts.append(f"{name} > {f(lo[j])}")
        elif high:
            parts.append(f"{name} <= {f(hi[j])}")
    return " and ".join(parts) or "all"
