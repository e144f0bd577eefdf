"""Figures of exploratory modelling: sensitivity indices, PRIM trade-offs and boxes, response surfaces.

They take the tables of :class:`sim.explore.Explore` (``sensitivity``, ``prim.trajectory``,
``prim.limits``, ``points(outcome)``), so the notebook, the CLI and the app draw the same thing::

    from sim.explore import open_explore
    import sim.plot as P

    ex = open_explore("outputs/explore/kabul")
    P.sensitivity_bars(ex.sensitivity("hub_fell_day"))
    d = ex.prim("hub_fell_day>2021-08-31")
    P.prim_tradeoff(d.prim.trajectory); P.prim_box(d.prim.limits, d.prim.stats)
    P.response_surface(ex.points("hub_fell_day"), "forces.present_fraction", "reserve.commandos")
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plot._common import ALT_COLOR, GOV_COLOR, INS_COLOR, NEUTRAL, new_axes


def _label(outcome: str) -> str:
    from sim.explore.outcomes import outcome_label

    return outcome_label(outcome)


def sensitivity_bars(indices: pd.DataFrame, outcome: str | None = None) -> Figure:
    """Sensitivity indices of one outcome as bars with their confidence intervals.

    Sobol: S1 and ST per parameter (grouped horizontal bars, error bars the bootstrap interval),
    plus a panel of the second-order indices S2 when present. Morris: mu* with its interval, and
    mu* against sigma (a parameter far above the diagonal acts through interactions or
    non-linearly). RBD-FAST: S1 bars.

    Parameters
    ----------
    indices : DataFrame
        Long table from :meth:`sim.explore.Explore.sensitivity` (columns ``outcome, method, index,
        param, param2, value, conf, conf_level``).
    outcome : str, optional
        Which outcome to draw (required when the table holds several).

    Raises
    ------
    ValueError
        For an empty table, or several outcomes and none chosen.
    """
    df = indices
    if outcome is not None:
        df = df[df["outcome"] == outcome]
    if df.empty:
        raise ValueError("no indices to draw (an empty table, or no rows for that outcome)")
    if df["outcome"].nunique() > 1:
        raise ValueError(f"several outcomes {sorted(df['outcome'].unique())}; choose one with outcome=")
    outcome = str(df["outcome"].iloc[0])
    method = str(df["method"].iloc[0])
    level = float(df["conf_level"].iloc[0])
    if method == "morris":
        return _morris(df, outcome, level)
    first = df[df["param2"].fillna("") == ""]
    params = list(dict.fromkeys(first["param"]))
    order = first[first["index"] == ("ST" if "ST" in set(first["index"]) else "S1")].set_index("param")[
        "value"
    ]
    params = sorted(params, key=lambda p: order.get(p, 0.0))  # largest on top
    s2 = df[df["index"] == "S2"]
    ncols = 2 if len(s2) else 1
    fig, axes = plt.subplots(
        1,
        ncols,
        figsize=(5.2 + 3.6 * (ncols - 1), 0.5 * len(params) + 1.6),
        layout="constrained",
        width_ratios=[1.4, 1] if ncols == 2 else None,
        squeeze=False,
    )
    ax = axes[0, 0]
    y = np.arange(len(params))
    kinds = [k for k in ("S1", "ST") if k in set(first["index"])]
    h = 0.8 / len(kinds)
    for i, (k, color) in enumerate(zip(kinds, (GOV_COLOR, INS_COLOR), strict=False)):
        t = first[first["index"] == k].set_index("param").reindex(params)
        pos = y + (i - (len(kinds) - 1) / 2) * h
        err = t["conf"].to_numpy(dtype=float)
        ax.barh(pos, t["value"], height=h, color=color, alpha=0.85, label=k)
        ax.errorbar(
            t["value"], pos, xerr=np.where(np.isfinite(err), err, 0), fmt="none", ecolor="k", lw=1, capsize=2
        )
    ax.set_yticks(y, params)
    ax.axvline(0, color=NEUTRAL, lw=0.8)
    # indices live in [0, 1]; keep the axis there (with room for estimates a little outside it)
    # so that the wide intervals of a small design do not squash the bars
    vals = first["value"].to_numpy(dtype=float)
    lo = max(min(-0.05, float(np.nanmin(vals)) - 0.05), -0.5)
    hi = min(max(1.0, float(np.nanmax(vals)) + 0.05), 1.5)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(f"index (bars: {level:.0%} bootstrap interval, clipped to the axis)")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    name = {"sobol": "Sobol'", "rbd_fast": "RBD-FAST"}.get(method, method)
    ax.set_title(f"{name} indices: {_label(outcome)}", fontsize=10)
    if len(s2):
        _s2_panel(axes[0, 1], s2, params[::-1])
    return fig


def _s2_panel(ax: Axes, s2: pd.DataFrame, params: list[str]) -> None:
    n = len(params)
    M = np.full((n, n), np.nan)
    idx = {p: i for i, p in enumerate(params)}
    for r in s2.itertuples():
        i, j = sorted((idx[r.param], idx[r.param2]))
        M[j, i] = r.value
    vmax = min(max(float(np.nanmax(np.abs(M))) if np.isfinite(M).any() else 0.0, 0.05), 1.0)
    im = ax.imshow(M, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    for r in s2.itertuples():
        i, j = sorted((idx[r.param], idx[r.param2]))
        ax.text(i, j, f"{r.value:.2f}\n±{r.conf:.2f}", ha="center", va="center", fontsize=7)
    short = [p.rsplit(".", 1)[-1] for p in params]
    ax.set_xticks(range(n), short, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), short, fontsize=8)
    ax.set_title("second order S2", fontsize=10)
    ax.figure.colorbar(im, ax=ax, shrink=0.7)


def _morris(df: pd.DataFrame, outcome: str, level: float) -> Figure:
    t = df.pivot_table(index="param", columns="index", values="value", aggfunc="first")
    conf = df[df["index"] == "mu_star"].set_index("param")["conf"]
    t = t.sort_values("mu_star")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9.5, 0.45 * len(t) + 2.0), layout="constrained")
    y = np.arange(len(t))
    a1.barh(y, t["mu_star"], color=GOV_COLOR, alpha=0.85, label="mu*")
    a1.errorbar(
        t["mu_star"], y, xerr=conf.reindex(t.index).fillna(0), fmt="none", ecolor="k", lw=1, capsize=2
    )
    a1.set_yticks(y, t.index)
    a1.set_xlabel(f"mu* (mean |elementary effect| per range; {level:.0%} interval)")
    a1.set_title(f"Morris: {_label(outcome)}", fontsize=10)
    a2.scatter(t["mu_star"], t["sigma"], color=INS_COLOR, zorder=3)
    for p, r in t.iterrows():
        a2.annotate(
            str(p).rsplit(".", 1)[-1],
            (r["mu_star"], r["sigma"]),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=8,
        )
    lim = max(float(t["mu_star"].max()), float(t["sigma"].max()), 1e-9) * 1.1
    a2.plot([0, lim], [0, lim], color=NEUTRAL, ls=":", lw=1, label="sigma = mu*")
    a2.set_xlim(0, lim)
    a2.set_ylim(0, lim)
    a2.set_xlabel("mu*")
    a2.set_ylabel("sigma (spread of the effects)")
    a2.legend(fontsize=8, frameon=False, loc="upper left")
    return fig


def prim_tradeoff(trajectory: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """The PRIM peeling trajectory: coverage against density, coloured by restricted dimensions.

    Parameters
    ----------
    trajectory : DataFrame
        ``box, coverage, density, res_dim`` and ``chosen`` (``Discovery.prim.trajectory``).
    ax : Axes, optional
    """
    fig, ax = new_axes(ax, (5.6, 4.2))
    t = trajectory
    dims = t["res_dim"].to_numpy()
    cmap = plt.get_cmap("viridis", max(int(dims.max()) + 1, 2))
    ax.plot(t["coverage"], t["density"], color=NEUTRAL, lw=0.8, zorder=1)
    sc = ax.scatter(
        t["coverage"], t["density"], c=dims, cmap=cmap, vmin=-0.5, vmax=cmap.N - 0.5, s=22, zorder=2
    )
    if "chosen" in t and t["chosen"].any():
        c = t[t["chosen"]].iloc[0]
        ax.scatter(
            [c["coverage"]], [c["density"]], s=140, facecolors="none", edgecolors=ALT_COLOR, lw=2, zorder=3
        )
        ax.annotate(
            f"box {int(c['box'])}: coverage {c['coverage']:.2f}, density {c['density']:.2f}",
            (c["coverage"], c["density"]),
            xytext=(-10, -18),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color=ALT_COLOR,
        )
    cb = fig.colorbar(sc, ax=ax, ticks=range(cmap.N))
    cb.set_label("restricted dimensions")
    ax.set_xlabel("coverage (share of the cases of interest inside)")
    ax.set_ylabel("density (share of the box of interest)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title("PRIM peeling trajectory", fontsize=10)
    return fig


def prim_box(limits: pd.DataFrame, stats: dict | None = None, ax: Axes | None = None) -> Figure:
    """The chosen PRIM box: each restricted parameter's limits within its whole range.

    Parameters
    ----------
    limits : DataFrame
        ``param, lo, hi, range_lo, range_hi, qp_lo, qp_hi`` (``Discovery.prim.limits``); ``*_text``
        columns, when present, label the ends as the parameter is written (dates as dates).
    stats : dict, optional
        The box's statistics (``Discovery.prim.stats``), shown in the title.
    ax : Axes, optional

    Raises
    ------
    ValueError
        When the box restricts nothing.
    """
    if limits.empty:
        raise ValueError("the box restricts no parameter")
    fig, ax = new_axes(ax, (6.4, 0.6 * len(limits) + 1.5))
    for i, r in enumerate(limits.itertuples()):
        span = (r.range_hi - r.range_lo) or 1.0
        lo, hi = (r.lo - r.range_lo) / span, (r.hi - r.range_lo) / span
        ax.plot([0, 1], [i, i], color="#d9d9d9", lw=8, solid_capstyle="butt", zorder=1)
        ax.plot([lo, hi], [i, i], color=GOV_COLOR, lw=8, solid_capstyle="butt", zorder=2)
        lt = getattr(r, "lo_text", r.lo)
        ht = getattr(r, "hi_text", r.hi)
        ax.annotate(_short(lt), (lo, i), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7.5)
        ax.annotate(_short(ht), (hi, i), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7.5)
        q = [v for v in (r.qp_lo, r.qp_hi) if np.isfinite(v)]
        ax.annotate(
            f"qp {min(q):.1g}" if q else "",
            (1.02, i),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=7.5,
            color=NEUTRAL if (q and min(q) < 0.05) else INS_COLOR,
        )
    ax.set_yticks(range(len(limits)), limits["param"])
    ax.set_ylim(-0.6, len(limits) - 0.3)
    ax.set_xlim(-0.03, 1.03)
    ax.set_xlabel("position within the sampled range (0 = low end, 1 = high end)")
    title = "PRIM box"
    if stats:
        title += (
            f" {stats.get('box', '')}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, "
            f"mass {stats['mass']:.2f}"
        )
    ax.set_title(title, fontsize=10)
    return fig


def _short(v: object) -> str:
    return f"{v:.3g}" if isinstance(v, float | np.floating) else str(v)


def response_surface(
    points: pd.DataFrame,
    x: str,
    y: str,
    outcome: str | None = None,
    stat: str = "mean",
    bins: int | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A two-parameter response surface of a design: the outcome over (x, y), the rest averaged.

    The (x, y) plane is cut into ``bins x bins`` equal cells; each cell shows the mean of the
    design points' ``stat`` that fall in it. Since the design spreads the other parameters over
    their ranges in every cell, this is an estimate of the outcome's mean over them (the
    two-parameter marginal), not a slice at fixed values. Design points are drawn as dots.

    Parameters
    ----------
    points : DataFrame
        ``Explore.points(outcome)``: parameter columns and ``mean`` (or ``stat``).
    x, y : str
        Two parameter columns (numbers or dates).
    outcome : str, optional
        For the colour bar's label.
    stat : str, default "mean"
    bins : int, optional
        Cells per axis (default from the number of points: about 12 points per cell, 3 to 12).
    ax : Axes, optional
    """
    for c in (x, y, stat):
        if c not in points:
            raise KeyError(f"no column {c!r}; columns are {list(points.columns)}")
    df = points.dropna(subset=[stat])
    if df.empty:
        raise ValueError(f"no point has a value of {stat!r}")
    xs, ys, z = _num(df[x]), _num(df[y]), df[stat].to_numpy(dtype=float)
    nb = int(bins or np.clip(np.sqrt(len(df) / 12.0), 3, 12))
    ex = np.linspace(xs.min(), xs.max(), nb + 1)
    ey = np.linspace(ys.min(), ys.max(), nb + 1)
    total, _, _ = np.histogram2d(xs, ys, bins=(ex, ey), weights=z)
    count, _, _ = np.histogram2d(xs, ys, bins=(ex, ey))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    fig, ax = new_axes(ax, (6.0, 4.6))
    mesh = ax.pcolormesh(ex, ey, mean.T, cmap="viridis", shading="flat")
    cb = fig.colorbar(mesh, ax=ax)
    cb.set_label(f"{stat} of {_label(outcome)}" if outcome else stat)
    ax.scatter(xs, ys, s=5, color="w", edgecolors="k", linewidths=0.3, alpha=0.6)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if pd.api.types.is_datetime64_any_dtype(df[x]):
        _date_ticks(ax, "x")
    if pd.api.types.is_datetime64_any_dtype(df[y]):
        _date_ticks(ax, "y")
    ax.set_title(f"response surface: {len(df)} design points, other parameters averaged per cell", fontsize=9)
    return fig


def _num(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(s):
        import matplotlib.dates as mdates

        return mdates.date2num(pd.to_datetime(s))
    return s.to_numpy(dtype=float)


def _date_ticks(ax: Axes, axis: str) -> None:
    from sim.plot._common import date_axis

    date_axis(ax, axis)
