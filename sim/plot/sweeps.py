"""Sweep views: an outcome against one or two swept parameters, and paired comparisons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from sim.outputs import RunResult
from sim.plot._common import (
    ALT_COLOR,
    GOV_COLOR,
    INS_COLOR,
    NEUTRAL,
    DateLike,
    date_axis,
    new_axes,
    outcome_values,
    pretty,
    runs_of,
)
from sim.results import coerce_param

Stat = str | float | Callable[[np.ndarray], float]


def _check(df: pd.DataFrame, *cols: str) -> None:
    missing = [c for c in cols if c not in df]
    if missing:
        raise KeyError(f"no column(s) {missing}; columns are {list(df.columns)}")


def _na_line(ax: Axes, na_value: float | None, had_na: bool) -> None:
    if na_value is not None and had_na:
        ax.axhline(na_value, color=NEUTRAL, ls=":", lw=1)
        ax.annotate(
            "held to the horizon (censored)",
            (0.0, na_value),
            xycoords=("axes fraction", "data"),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=7.5,
            color=NEUTRAL,
        )


def _day_zero(runs: pd.DataFrame, outcome: str, start: DateLike | None) -> pd.Timestamp | None:
    """Calendar date of day 0 for a ``*_day`` outcome: ``start``, or read off the matching
    ``*_date`` column of the runs table (``hub_fell_day`` -> ``hub_fell_date``); None if neither."""
    if start is not None:
        return pd.Timestamp(start)
    if not outcome.endswith("_day"):
        return None
    date_col = outcome[: -len("_day")] + "_date"
    if date_col not in runs:
        return None
    ok = runs[outcome].notna() & runs[date_col].notna()
    if not ok.any():
        return None
    row = runs.loc[ok].iloc[0]
    return pd.Timestamp(row[date_col]) - pd.Timedelta(days=int(row[outcome]))


def sweep_line(
    runs: pd.DataFrame,
    param: str,
    outcome: str = "capitals_fallen",
    interval: float = 0.9,
    ax: Axes | None = None,
    points: bool = True,
    na_value: float | None = None,
    label: str | None = None,
    color: str = GOV_COLOR,
    start: DateLike | None = None,
) -> Figure:
    """An outcome against one swept parameter: median and central interval per value.

    Parameters
    ----------
    runs : DataFrame
        One row per replicate with a column ``param`` and a column ``outcome`` (the ``runs``
        table of a sweep). Parameter values stored as strings are parsed as numbers or dates.
    param : str
        The swept parameter column, e.g. ``"reserve.commandos"``.
    outcome : str, default "capitals_fallen"
        A numeric outcome column; <NA> (e.g. ``hub_fell_day`` when the hub held) is dropped
        unless ``na_value`` is given. A ``*_day`` outcome is drawn as calendar dates when day 0
        is known (``start``, or the matching ``*_date`` column of a runs table).
    interval : float, default 0.9
        Width of the central interval drawn around the median.
    ax : Axes, optional
    points : bool, default True
        Draw every replicate as a jittered dot (censored ones as hollow dots on the censoring line).
    na_value : float, optional
        Value for <NA> outcomes (e.g. the horizon day: a censored fall day). A median or interval
        end that lands on it is censored ("at least this"): such a median is drawn as a hollow
        triangle on the censoring line and never joined by the line to the real medians.
    label, color : str, optional
        Legend label and colour (to overlay several sweeps on one ``ax``).
    start : date-like, optional
        Calendar date of day 0, to draw a ``*_day`` outcome as dates.

    Returns
    -------
    Figure
    """
    _check(runs, param, outcome)
    x = coerce_param(runs[param])
    y = outcome_values(runs, outcome, na_value)
    had_na = bool(runs[outcome].isna().any())
    censored = runs[outcome].isna().to_numpy() & (na_value is not None)
    df = pd.DataFrame({"x": x.to_numpy(), "y": y.to_numpy(), "cens": censored}).dropna(subset=["y"])
    if len(df) == 0:
        raise ValueError(f"no finite values of {outcome!r} (pass na_value?)")
    categorical = not (
        pd.api.types.is_numeric_dtype(df["x"]) or pd.api.types.is_datetime64_any_dtype(df["x"])
    )
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    stats = df.groupby("x", sort=True)["y"].agg(
        median="median", lo=lambda v: v.quantile(lo), hi=lambda v: v.quantile(hi), n="size"
    )
    cens_med = (
        np.zeros(len(stats), bool) if na_value is None else (stats["median"] >= float(na_value)).to_numpy()
    )
    day0 = _day_zero(runs, outcome, start)

    def yv(v: Any) -> Any:  # day numbers -> dates where day 0 is known
        if day0 is None:
            return np.asarray(v, dtype=float)
        return day0 + pd.to_timedelta(np.asarray(v, dtype=float), unit="D")

    fig, ax = new_axes(ax, (7, 4.2))
    if categorical:
        pos = pd.Series(np.arange(len(stats), dtype=float), index=stats.index)
        xs = pos.to_numpy()
    else:
        xs = stats.index.to_numpy()
    if points:
        rng = np.random.default_rng(0)
        if categorical:
            px = pos[df["x"]].to_numpy() + rng.uniform(-0.12, 0.12, len(df))
        elif pd.api.types.is_datetime64_any_dtype(df["x"]):
            px = df["x"].to_numpy()
        else:
            span = float(np.ptp(xs)) if len(xs) > 1 else 1.0
            px = df["x"].to_numpy(float) + rng.uniform(-0.012, 0.012, len(df)) * span
        real = ~df["cens"].to_numpy()
        ax.plot(px[real], yv(df["y"].to_numpy()[real]), ls="", marker=".", ms=3, color=color, alpha=0.25)
        if (~real).any():
            ax.plot(
                px[~real],
                yv(df["y"].to_numpy()[~real]),
                ls="",
                marker="o",
                ms=3,
                mfc="none",
                mec=color,
                alpha=0.25,
            )
    med = stats["median"].to_numpy(float)
    med_line = np.where(cens_med, np.nan, med)  # NaN breaks the line: no segment to a censored point
    if categorical or len(stats) < 3:
        ok = ~cens_med
        ax.errorbar(
            np.asarray(xs)[ok],
            yv(med[ok]),
            yerr=None
            if day0 is not None
            else [med[ok] - stats["lo"].to_numpy()[ok], stats["hi"].to_numpy()[ok] - med[ok]],
            fmt="o",
            color=color,
            capsize=4,
            lw=1.6,
            label=label or f"median, {interval:.0%} interval",
        )
        if day0 is not None:
            ax.vlines(
                np.asarray(xs)[ok],
                yv(stats["lo"].to_numpy()[ok]),
                yv(stats["hi"].to_numpy()[ok]),
                color=color,
                lw=1.6,
            )
    else:
        ok = ~cens_med
        # the band and the line stop where the median is censored: nothing joins a censored point
        ax.fill_between(
            xs,
            yv(np.where(ok, stats["lo"], np.nan)),
            yv(np.where(ok, stats["hi"], np.nan)),
            color=color,
            alpha=0.2,
            lw=0,
            label=f"{interval:.0%} interval",
        )
        ax.vlines(
            np.asarray(xs)[ok],
            yv(stats["lo"].to_numpy()[ok]),
            yv(stats["hi"].to_numpy()[ok]),
            color=color,
            lw=1,
            alpha=0.6,
        )
        ax.plot(xs, yv(med_line), "o-", color=color, lw=2, ms=4, label=label or "median")
    if cens_med.any():
        ax.plot(
            np.asarray(xs)[cens_med],
            yv(med[cens_med]),
            ls="",
            marker="^",
            ms=8,
            mfc="white",
            mec=color,
            mew=1.6,
            label="median beyond the horizon (censored)",
        )
    if categorical:
        ax.set_xticks(xs, [str(v) for v in stats.index])
    elif pd.api.types.is_datetime64_any_dtype(df["x"]):
        date_axis(ax)
    if day0 is not None:
        import matplotlib.dates as mdates

        ax.yaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=8))
        ax.yaxis.set_major_formatter(mdates.DateFormatter("%d %b %Y"))
        if na_value is not None and had_na:
            ax.axhline(yv([na_value])[0], color=NEUTRAL, ls=":", lw=1)
            ax.annotate(
                "held to the horizon (censored)",
                (0.0, yv([na_value])[0]),
                xycoords=("axes fraction", "data"),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=7.5,
                color=NEUTRAL,
            )
    else:
        _na_line(ax, na_value, had_na)
    ax.set_xlabel(pretty(param))
    ylab = pretty(outcome)
    ylab = ylab[: -len(" day")] + " date" if day0 is not None and ylab.endswith(" day") else ylab
    ax.set_ylabel(ylab)
    n_lo, n_hi = int(stats["n"].min()), int(stats["n"].max())
    ax.set_title(
        f"{ylab} against {pretty(param)} (n = {n_lo if n_lo == n_hi else f'{n_lo}-{n_hi}'} per value)"
    )
    ax.grid(color="#e5e5e5", lw=0.6)
    ax.legend(fontsize=8, frameon=False)
    return fig


def _stat(v: np.ndarray, stat: Stat) -> float:
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return np.nan
    if callable(stat):
        return float(stat(v))
    if isinstance(stat, float):
        return float(np.quantile(v, stat))
    if stat == "median":
        return float(np.median(v))
    if stat == "mean":
        return float(np.mean(v))
    raise ValueError(f"stat must be 'median', 'mean', a quantile or a callable, not {stat!r}")


def sweep_heatmap(
    runs: pd.DataFrame,
    x: str,
    y: str,
    outcome: str = "capitals_fallen",
    stat: Stat = "median",
    ax: Axes | None = None,
    annotate: bool = True,
    na_value: float | None = None,
    cmap: str = "YlOrRd",
    fmt: str = ".0f",
    reverse: bool = False,
) -> Figure:
    """A statistic of an outcome over a grid of two swept parameters.

    Parameters
    ----------
    runs : DataFrame
        One row per replicate with columns ``x``, ``y`` and ``outcome``.
    x, y : str
        The swept parameter columns for the horizontal and vertical axes.
    outcome : str, default "capitals_fallen"
    stat : {"median", "mean"}, float or callable, default "median"
        Statistic per cell: a name, a quantile in [0, 1], or a function of the values.
    ax : Axes, optional
    annotate : bool, default True
        Write each cell's value in it.
    na_value : float, optional
        Value for <NA> outcomes before the statistic (else they are dropped).
    cmap : str, default "YlOrRd"
        A sequential colour map: by default, dark red for a high outcome.
    fmt : str, default ".0f"
        Format of the annotations.
    reverse : bool, default False
        Reverse the colour map (use when a higher outcome is better for the government).

    Returns
    -------
    Figure
    """
    _check(runs, x, y, outcome)
    df = pd.DataFrame(
        {
            "x": coerce_param(runs[x]).to_numpy(),
            "y": coerce_param(runs[y]).to_numpy(),
            "v": outcome_values(runs, outcome, na_value).to_numpy(),
        }
    )
    grid = df.groupby(["y", "x"], sort=True)["v"].apply(lambda s: _stat(s.to_numpy(float), stat))
    table = grid.unstack("x").sort_index().sort_index(axis=1)
    fig, ax = new_axes(ax, (1.6 + 1.1 * table.shape[1], 1.2 + 0.75 * table.shape[0]))
    vals = table.to_numpy(float)
    im = ax.imshow(vals, cmap=cmap + ("_r" if reverse else ""), aspect="auto", origin="lower")

    def lab(v: object) -> str:
        return f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else str(v)

    ax.set_xticks(range(table.shape[1]), [lab(v) for v in table.columns], fontsize=8)
    ax.set_yticks(range(table.shape[0]), [lab(v) for v in table.index], fontsize=8)
    ax.set_xlabel(pretty(x))
    ax.set_ylabel(pretty(y))
    if annotate:
        for (i, j), v in np.ndenumerate(vals):
            if np.isfinite(v):
                r, g, b, _ = im.cmap(im.norm(v))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
                ax.text(
                    j,
                    i,
                    format(v, fmt),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if dark else "black",
                )
    sname = stat if isinstance(stat, str) else (f"q{stat:g}" if isinstance(stat, float) else "stat")
    fig.colorbar(im, ax=ax, label=f"{sname} {pretty(outcome)}", shrink=0.9)
    ax.set_title(f"{sname} {pretty(outcome)}", fontsize=10)
    return fig


def _paired(
    base: RunResult | pd.DataFrame,
    alt: RunResult | pd.DataFrame,
    outcome: str,
    key: str,
    na_value: float | None,
) -> pd.DataFrame:
    a, b = runs_of(base), runs_of(alt)
    _check(a, key, outcome)
    _check(b, key, outcome)
    left = pd.DataFrame({key: a[key].to_numpy(), "a": outcome_values(a, outcome, na_value).to_numpy()})
    right = pd.DataFrame({key: b[key].to_numpy(), "b": outcome_values(b, outcome, na_value).to_numpy()})
    m = left.merge(right, on=key, how="inner").dropna()
    if len(m) == 0:
        raise ValueError(f"no common {key!r} values with finite {outcome!r} in both runs")
    m["d"] = m["b"] - m["a"]
    return m


def paired_difference(
    base: RunResult | pd.DataFrame,
    alt: RunResult | pd.DataFrame,
    outcome: str = "capitals_fallen",
    labels: tuple[str, str] = ("baseline", "what-if"),
    key: str = "seed",
    na_value: float | None = None,
) -> Figure:
    """Paired comparison of two scenarios run with common random numbers (the same seeds).

    Left: each seed's outcome in both scenarios joined by a line. Right: the histogram of the
    per-seed difference ``alt - base``, with its mean, a 95% interval of the mean and the share
    of seeds that went up and down.

    Parameters
    ----------
    base, alt : RunResult or DataFrame
        Results (or their ``runs`` tables) sharing seeds.
    outcome : str, default "capitals_fallen"
    labels : (str, str), default ("baseline", "what-if")
    key : str, default "seed"
        Column that pairs replicates.
    na_value : float, optional
        Value for <NA> outcomes (e.g. the horizon for ``hub_fell_day``); else unpaired.

    Returns
    -------
    Figure
    """
    m = _paired(base, alt, outcome, key, na_value)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9.5, 4), width_ratios=(1, 1.6), layout="constrained")
    n = len(m)
    rng = np.random.default_rng(0)
    jit = rng.uniform(-0.06, 0.06, n)
    alpha = max(0.08, min(0.6, 15 / n))
    a_b = np.stack(
        [np.column_stack([jit, m["a"].to_numpy(float)]), np.column_stack([1 + jit, m["b"].to_numpy(float)])],
        axis=1,
    )  # one segment per seed, drawn as one collection (hundreds of lines lay out slowly)
    ax0.add_collection(LineCollection(a_b, colors=NEUTRAL, linewidths=0.6, alpha=alpha))
    ax0.plot(jit, m["a"], ls="", marker="o", ms=3, color=GOV_COLOR, alpha=min(1, alpha * 2))
    ax0.plot(1 + jit, m["b"], ls="", marker="o", ms=3, color=ALT_COLOR, alpha=min(1, alpha * 2))
    ax0.plot([0, 1], [m["a"].median(), m["b"].median()], "k-", lw=2.2, marker="D", ms=6, label="median")
    ax0.set_xticks([0, 1], list(labels))
    ax0.set_xlim(-0.4, 1.4)
    ax0.set_ylabel(pretty(outcome))
    ax0.set_title(f"per seed ({n} seeds)", fontsize=10)
    ax0.legend(fontsize=8, frameon=False)
    ax0.grid(axis="y", color="#e5e5e5", lw=0.6)
    d = m["d"].to_numpy(float)
    mean = float(d.mean())
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    u = np.unique(d)
    if len(u) <= 30 and np.allclose(u, np.round(u)):
        bins = np.arange(u.min() - 0.5, u.max() + 1.5)
    else:
        bins = min(30, max(8, n // 4))
    ax1.hist(d, bins=bins, color=ALT_COLOR, alpha=0.75, edgecolor="white")
    ax1.axvline(0, color="black", lw=1)
    ax1.axvline(
        mean,
        color=INS_COLOR,
        lw=2,
        ls="--",
        label=f"mean {mean:+.2f} (95% CI {mean - 1.96 * se:+.2f} to {mean + 1.96 * se:+.2f})",
    )
    up, down = float(np.mean(d > 0)), float(np.mean(d < 0))
    ax1.set_xlabel(f"difference in {pretty(outcome)}: {labels[1]} - {labels[0]}")
    ax1.set_ylabel("seeds")
    ax1.set_title(
        f"per-seed difference: up in {up:.0%}, down in {down:.0%}, same in {1 - up - down:.0%}", fontsize=10
    )
    ax1.legend(fontsize=8, framealpha=0.9, loc="best")
    ax1.grid(axis="y", color="#e5e5e5", lw=0.6)
    fig.suptitle(f"{labels[1]} against {labels[0]}, common random numbers", fontsize=11)
    return fig


def paired_capitals(
    base: RunResult,
    alt: RunResult,
    labels: tuple[str, str] = ("baseline", "what-if"),
    capitals: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """What a counterfactual does to each capital: the per-seed change in its fall day.

    A capital that held to the horizon counts as falling the day after it (a censored,
    conservative delay). Each row shows the median change (dot) and its 25-75% (bar) and
    5-95% (line) ranges over seeds; at the right the probability that it fell, in
    ``base`` -> ``alt``. Rows are ordered by median change.

    Parameters
    ----------
    base, alt : RunResult
        Ensembles with the same seeds.
    labels : (str, str), default ("baseline", "what-if")
    capitals : sequence of str, optional
        Names or location ids to show (default: all).
    title : str, optional

    Returns
    -------
    Figure
    """
    horizon = int(base.sides["day"].max())
    keys = ["seed", "location_id"]

    def table(res: RunResult, col: str) -> pd.DataFrame:
        s = res.summary
        d = pd.to_numeric(s["fell_day"], errors="coerce").astype(float)
        return pd.DataFrame(
            {
                "seed": s["seed"].to_numpy(),
                "location_id": s["location_id"].astype(str),
                "name": s["name"].astype(str),
                col: d.fillna(horizon + 1).to_numpy(),
            }
        )

    m = table(base, "a").merge(table(alt, "b").drop(columns="name"), on=keys, how="inner")
    if len(m) == 0:
        raise ValueError("the two results share no seeds")
    if capitals is not None:
        want = set(capitals)
        m = m[m["name"].isin(want) | m["location_id"].isin(want)]
    m["d"] = m["b"] - m["a"]
    g = m.groupby("name")
    st = pd.DataFrame(
        {
            "med": g["d"].median(),
            "q05": g["d"].quantile(0.05),
            "q25": g["d"].quantile(0.25),
            "q75": g["d"].quantile(0.75),
            "q95": g["d"].quantile(0.95),
            "pa": g["a"].apply(lambda v: float(np.mean(v <= horizon))),
            "pb": g["b"].apply(lambda v: float(np.mean(v <= horizon))),
        }
    ).sort_values(["med", "q75"], ascending=False, kind="stable")
    n = len(st)
    fig, ax = new_axes(None, (8, 1.4 + 0.24 * n))
    y = np.arange(n)
    ax.hlines(y, st["q05"], st["q95"], color=NEUTRAL, lw=1)
    ax.hlines(y, st["q25"], st["q75"], color=NEUTRAL, lw=5)
    colors = np.where(st["med"] > 0, GOV_COLOR, np.where(st["med"] < 0, INS_COLOR, NEUTRAL))
    ax.scatter(st["med"], y, s=28, c=colors, edgecolors="black", linewidths=0.6, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    for yi, (pa, pb) in enumerate(zip(st["pa"], st["pb"], strict=True)):
        ax.annotate(
            f"{pa:.0%}→{pb:.0%}",
            (1.0, yi),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
            color=NEUTRAL,
        )
    ax.annotate(
        "P(fell)",
        (1.0, 1.0),
        xycoords="axes fraction",
        xytext=(4, 2),
        textcoords="offset points",
        fontsize=7,
        fontweight="bold",
        color=NEUTRAL,
    )
    ax.set_yticks(y, st.index.tolist(), fontsize=8)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel(f"change in fall day, {labels[1]} - {labels[0]} (days; > 0: held longer)")
    ax.set_title(
        title or f"{labels[1]} against {labels[0]}: each capital ({m['seed'].nunique()} common seeds)",
        fontsize=10,
    )
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    return fig
