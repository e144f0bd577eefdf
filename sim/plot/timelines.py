"""Timelines: capitals held per day (one run, ensemble fan) and fall-date distributions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.outputs import RunResult
from sim.plot._common import (
    ALT_COLOR,
    GOV_COLOR,
    INS_COLOR,
    NEUTRAL,
    DateLike,
    band_quantiles,
    date_axis,
    horizon_of,
    new_axes,
    start_of,
)
from sim.scenario import Scenario

_PALETTE = (GOV_COLOR, ALT_COLOR, "#1b7837", "#762a83", "#8c510a")


def _marks(ax: Axes, marks: Mapping[str, DateLike] | None, start: pd.Timestamp) -> None:
    """Vertical reference lines with labels (e.g. the date after which nothing is an input)."""
    for label, when in (marks or {}).items():
        x = start + pd.Timedelta(days=int(when)) if isinstance(when, int) else pd.Timestamp(when)
        ax.axvline(x, color=NEUTRAL, ls=":", lw=1, zorder=0)
        ax.annotate(
            label,
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            va="top",
            ha="left",
            fontsize=8,
            color=NEUTRAL,
        )


def _n_capitals(result: RunResult) -> int:
    s = result.summary
    return int(s.groupby("replicate").size().max()) if len(s) else 0


def capitals_timeline(
    result: RunResult,
    replicate: int = 0,
    ax: Axes | None = None,
    marks: Mapping[str, DateLike] | None = None,
    annotate: int = 3,
    scenario: Scenario | None = None,
) -> Figure:
    """Capitals held by the government per day in one replicate, each fall marked.

    Parameters
    ----------
    result : RunResult
    replicate : int, default 0
    ax : Axes, optional
    marks : mapping of str to date or day, optional
        Labelled vertical reference lines, e.g. ``{"AFP report": "2021-08-08"}``.
    annotate : int, default 3
        Name the first ``annotate`` capitals to fall.
    scenario : Scenario, optional
        Gives the national capital's (hub's) name for the label of its fall.

    Returns
    -------
    Figure
    """
    sd = result.sides[result.sides["replicate"] == replicate]
    if len(sd) == 0:
        raise ValueError(f"no replicate {replicate} in the result")
    fig, ax = new_axes(ax, (8, 4))
    n_caps = _n_capitals(result)
    ax.step(
        sd["date"],
        sd["capitals_held"],
        where="post",
        color=GOV_COLOR,
        lw=2,
        label="capitals held by the government",
    )
    falls = result.falls(replicate)
    ax.plot(
        falls["fell_date"],
        np.zeros(len(falls)) + 0.4,
        ls="",
        marker="|",
        ms=10,
        color=INS_COLOR,
        label=f"a capital falls ({len(falls)})",
        clip_on=False,
    )
    hub_day = result.runs.loc[result.runs["replicate"] == replicate, "hub_fell_day"]
    if len(hub_day) and pd.notna(hub_day.iloc[0]):
        hub_date = start_of(result) + pd.Timedelta(days=int(hub_day.iloc[0]))
        if scenario is not None:
            caps = scenario.capital_indices()
            hub_name = str(scenario.locations["name"][caps[np.argmax(scenario.locations["value"][caps])]])
        else:  # the capital that fell that day, if only one did
            same = falls.loc[falls["fell_day"] == hub_day.iloc[0], "name"]
            hub_name = str(same.iloc[0]) if len(same) == 1 else "national capital"
        ax.axvline(hub_date, color=INS_COLOR, lw=1, ls="--")
        ax.annotate(
            f"{hub_name} falls\n{hub_date:%d %b}",
            (hub_date, n_caps * 0.8),
            xytext=(5, 0),
            textcoords="offset points",
            fontsize=8,
            color=INS_COLOR,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    for i, (_, row) in enumerate(falls.head(annotate).iterrows()):
        on_day = sd.loc[sd["date"] == row["fell_date"], "capitals_held"]
        y = float(on_day.iloc[0]) if len(on_day) else n_caps
        ax.annotate(
            f"{row['name']} {row['fell_date']:%d %b}",
            (row["fell_date"], y),
            xytext=(-40, -22 - 13 * i),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=7.5,
            color=NEUTRAL,
            arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.6},
        )
    _marks(ax, marks, start_of(result))
    ax.set_ylim(0, n_caps + 1)
    ax.set_xlim(sd["date"].min(), sd["date"].max())
    ax.set_ylabel("capitals held")
    ax.set_xlabel("date")
    seed = int(sd["seed"].iloc[0])
    ax.set_title(f"{result.scenario_name}: capitals held by the government (seed {seed})")
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    date_axis(ax)
    return fig


def capitals_fan(
    result: RunResult | Mapping[str, RunResult],
    bands: Sequence[float] = (0.5, 0.9),
    ax: Axes | None = None,
    marks: Mapping[str, DateLike] | None = None,
    title: str | None = None,
) -> Figure:
    """Ensemble fan chart: median capitals held per day with central bands over replicates.

    Parameters
    ----------
    result : RunResult or mapping of str to RunResult
        One ensemble, or several (label -> result) drawn over each other for comparison.
    bands : sequence of float, default (0.5, 0.9)
        Central interval widths to shade.
    ax : Axes, optional
    marks : mapping of str to date or day, optional
        Labelled vertical reference lines.
    title : str, optional

    Returns
    -------
    Figure
    """
    results = dict(result) if isinstance(result, Mapping) else {"": result}
    fig, ax = new_axes(ax, (8, 4.2))
    qs = band_quantiles(bands)
    n_caps = 0
    for j, (label, res) in enumerate(results.items()):
        color = _PALETTE[j % len(_PALETTE)]
        wide = res.sides.pivot(index="date", columns="replicate", values="capitals_held")
        v = wide.to_numpy(float)
        n_rep = v.shape[1]
        widths = "/".join(f"{round((hi - lo) * 100)}" for lo, hi in reversed(qs))
        for k, (lo, hi) in enumerate(qs):
            ax.fill_between(
                wide.index,
                np.quantile(v, lo, axis=1),
                np.quantile(v, hi, axis=1),
                step="post",
                color=color,
                alpha=0.18 + 0.17 * k,
                lw=0,
                label=None if label else f"{round((hi - lo) * 100)}% band",
            )
        ax.step(
            wide.index,
            np.median(v, axis=1),
            where="post",
            color=color,
            lw=2,
            label=(
                f"{label}: median and {widths}% bands, {n_rep} replicates"
                if label
                else f"median of {n_rep} replicates"
            ),
        )
        n_caps = max(n_caps, _n_capitals(res))
        start = start_of(res)
    _marks(ax, marks, start)
    ax.set_ylim(0, n_caps + 1)
    ax.set_xlim(wide.index.min(), wide.index.max())
    ax.set_ylabel("capitals held")
    ax.set_xlabel("date")
    first = next(iter(results.values()))
    ax.set_title(title or f"{first.scenario_name}: capitals held by the government")
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    date_axis(ax)
    return fig


def fall_dates(
    result: RunResult, ax: Axes | None = None, points: bool = True, title: str | None = None
) -> Figure:
    """Distribution of each capital's fall date over replicates, one row per capital.

    Rows are ordered by median fall date (capitals held to the horizon in most replicates go
    last). Each row shows the 5-95% range (line), the 25-75% range (bar), the median (white dot)
    and, with ``points``, every replicate's date. The share of replicates in which a capital
    held to the horizon is written at the right.

    Parameters
    ----------
    result : RunResult
    ax : Axes, optional
    points : bool, default True
        Draw each replicate's fall date as a small dot.
    title : str, optional

    Returns
    -------
    Figure
    """
    s = result.summary
    if len(s) == 0:
        raise ValueError("the result has no capitals")
    horizon = horizon_of(result)
    start = start_of(result)
    day = pd.to_numeric(s["fell_day"], errors="coerce").astype(float)
    censored = day.fillna(np.inf)
    df = pd.DataFrame({"name": s["name"].astype(str), "day": censored})
    g = df.groupby("name", sort=False)["day"]
    med = g.median()
    order = med.sort_values(kind="stable").index.tolist()
    n = len(order)
    fig, ax = new_axes(ax, (8, 1.3 + 0.24 * n))
    n_rep = int(s["replicate"].nunique())

    def to_date(d: np.ndarray) -> pd.DatetimeIndex:
        return start + pd.to_timedelta(np.minimum(d, horizon + 1), unit="D")

    rng = np.random.default_rng(0)
    for y, name in enumerate(order):
        d = np.asarray(g.get_group(name), float)
        q = np.quantile(d, [0.05, 0.25, 0.5, 0.75, 0.95])
        qd = to_date(q)
        fell = d[np.isfinite(d)]
        if points and len(fell):
            ax.plot(
                to_date(fell),
                y + rng.uniform(-0.25, 0.25, len(fell)),
                ls="",
                marker=".",
                ms=2.5,
                color=INS_COLOR,
                alpha=min(0.6, 12 / max(len(fell), 1)),
                zorder=1,
            )
        if np.isfinite(q[0]):
            ax.plot([qd[0], qd[4]], [y, y], color=NEUTRAL, lw=1, zorder=2)
            ax.plot([qd[1], qd[3]], [y, y], color=NEUTRAL, lw=5, solid_capstyle="butt", zorder=2)
        if np.isfinite(q[2]):
            ax.plot([qd[2]], [y], ls="", marker="o", ms=4, mfc="white", mec="black", zorder=3)
        held = float(np.mean(~np.isfinite(d)))
        if held > 0:
            ax.annotate(
                f"held {held:.0%}",
                (1.0, y),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color=GOV_COLOR,
            )
    end = start + pd.Timedelta(days=horizon)
    ax.axvline(end, color=NEUTRAL, ls=":", lw=1)
    ax.set_yticks(range(n), order, fontsize=8)
    ax.set_ylim(n - 0.5, -0.5)
    fell_days = censored[np.isfinite(censored)]
    first = int(fell_days.min()) if len(fell_days) else 0
    ax.set_xlim(start + pd.Timedelta(days=max(0, first - 10)), end + pd.Timedelta(days=2))
    ax.set_xlabel("fall date (dot: median; bar: 25-75%; line: 5-95%; dotted: horizon)")
    ax.set_title(title or f"{result.scenario_name}: when each capital fell ({n_rep} replicates)")
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    date_axis(ax)
    return fig
