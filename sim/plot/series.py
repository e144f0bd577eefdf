"""Force and morale series of one location, with its events marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.kernels import codes as C
from sim.outputs import RunResult
from sim.plot._common import CONTROL_COLORS, CONTROL_NAMES, GOV_COLOR, INS_COLOR, NEUTRAL, date_axis
from sim.plot.maps import location_arrays
from sim.scenario import Scenario

_SHORT = {
    "district_fell": "fell",
    "capital_fell": "fell",
    "reinforcement_requested": "requested",
    "reinforcement_sent": "sent",
    "reinforcement_arrived": "arrived",
    "prisoners_freed": "prisoners freed",
    "militia_stood_aside": "militia aside",
    "militia_switched": "militia switched",
    "retreated_to_airport": "to airport",
    "retaken": "retaken",
    "countryside_abandoned": "countryside abandoned",
    "leader_returned": "leader returned",
}


def _letter(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA ..."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def location_series(
    result: RunResult,
    scenario: Scenario,
    location: str,
    replicate: int = 0,
    national_events: bool = True,
    gap_days: int = 3,
) -> Figure:
    """Force and morale at one location over time, its control shaded and its events marked.

    Parameters
    ----------
    result : RunResult
        A result with per-location series (``record_locations=True``).
    scenario : Scenario
    location : str
        A location id (``"jowzjan_sheberghan"``) or display name (``"Sheberghan"``).
    replicate : int, default 0
    national_events : bool, default True
        Also mark events with no location (countryside abandoned, leader returned).
    gap_days : int, default 3
        Events at most this many days apart share one letter (each keeps its line); the
        letters are explained in a key at the right.

    Returns
    -------
    Figure
        Two axes sharing the date axis: forces present (top) and government morale (bottom).
    """
    i = scenario.location_index(location)
    loc_id = str(scenario.locations["location_id"][i])
    name = str(scenario.locations["name"][i])
    arr = location_arrays(result, scenario, replicate)
    dates = arr.dates
    fig, (ax0, ax1) = plt.subplots(
        2, 1, sharex=True, figsize=(10, 5.8), height_ratios=(2, 1), layout="constrained"
    )
    ctrl = arr.control[:, i]
    change = np.flatnonzero(np.diff(ctrl)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(ctrl) - 1]])
    for ax in (ax0, ax1):
        for a, b in zip(starts, ends, strict=True):
            ax.axvspan(dates[a], dates[b], color=CONTROL_COLORS[C.CONTROL_LABELS[ctrl[a]]], alpha=0.13, lw=0)
    ax0.plot(dates, arr.gov[:, i], color=GOV_COLOR, lw=2, label="government strength")
    ax0.plot(dates, arr.ins[:, i], color=INS_COLOR, lw=2, label="insurgent strength")
    ax1.plot(dates, arr.morale[:, i], color=GOV_COLOR, lw=2, label="government morale")
    ev = result.events
    ev = ev[(ev["replicate"] == replicate)]
    here = ev[ev["location_id"].astype(object) == loc_id]
    if national_events:
        here = pd.concat([here, ev[ev["location_id"].isna()]])
    ymax = float(max(np.nanmax(arr.gov[:, i]), np.nanmax(arr.ins[:, i]), 1.0))
    # one label per cluster of events a few days apart, so that labels do not overlap
    clusters: list[list[tuple[int, pd.DataFrame]]] = []
    for day, grp in here.groupby("day", sort=True):
        if clusters and int(day) - clusters[-1][-1][0] <= gap_days:
            clusters[-1].append((int(day), grp))
        else:
            clusters.append([(int(day), grp)])
    key = []
    for n, cl in enumerate(clusters):
        for day, grp in cl:
            when = dates[int(np.searchsorted(arr.days, day))]
            national = bool(grp["location_id"].isna().all())
            for ax in (ax0, ax1):
                ax.axvline(when, color=NEUTRAL, lw=0.8, ls=":" if national else "--", zorder=1)
        letter = _letter(n)
        first = dates[int(np.searchsorted(arr.days, cl[0][0]))]
        ax0.annotate(
            letter,
            (first, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
            fontweight="bold",
            color=NEUTRAL,
        )
        parts = []
        for day, grp in cl:
            kinds = ", ".join(dict.fromkeys(_SHORT.get(str(e), str(e)) for e in grp["event"]))
            parts.append(f"{dates[int(np.searchsorted(arr.days, day))]:%d %b} {kinds}")
        key.append(f"{letter}  " + "\n    ".join(parts))
    if key:
        ax0.text(
            1.02,
            1.0,
            "events\n" + "\n".join(key),
            transform=ax0.transAxes,
            va="top",
            ha="left",
            fontsize=7.5,
            color=NEUTRAL,
            linespacing=1.4,
        )
    ax0.set_ylim(0, ymax * 1.1)
    ax0.set_ylabel("personnel present")
    ax1.set_ylim(0, 1)
    ax1.set_ylabel("morale")
    ax1.set_xlabel("date")
    seen = list(dict.fromkeys(C.CONTROL_LABELS[c] for c in ctrl))
    handles, labs = ax0.get_legend_handles_labels()
    handles += [Patch(color=CONTROL_COLORS[k], alpha=0.3) for k in seen]
    labs += [f"{CONTROL_NAMES[k]} control" for k in seen]
    handles1, labs1 = ax1.get_legend_handles_labels()
    fig.legend(
        handles + handles1, labs + labs1, fontsize=8, loc="outside lower center", ncols=4, frameon=False
    )
    seed = int(result.sides.loc[result.sides["replicate"] == replicate, "seed"].iloc[0])
    fig.suptitle(
        f"{name} ({scenario.locations['province'][i]}): forces, morale and events (seed {seed})", fontsize=11
    )
    ax0.set_xlim(dates[0], dates[-1])
    date_axis(ax1)
    return fig
