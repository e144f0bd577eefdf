"""Maps of the world on a day: locations, roads, control, capitals and force present."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import animation
from matplotlib import patheffects as pe
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from sim.kernels import codes as C
from sim.outputs import RunResult
from sim.plot._common import CONTROL_COLORS, CONTROL_NAMES, DateLike, control_codes, day_of
from sim.scenario import Scenario, scenarios_dir

Labels = Literal["capitals", "hub", "none"]
_COLORS = np.array([CONTROL_COLORS[k] for k in C.CONTROL_LABELS])
#: Force (people) drawn at the reference marker size.
_SIZE_REF = 1000.0
_LAND = "#f6f5f0"  # fill of the border polygons
_BORDER = "#a3a3a3"


@dataclass
class LocationArrays:
    """Daily per-location arrays of one replicate, rows in the scenario's location order.

    Attributes
    ----------
    days : ndarray, shape (T + 1,)
    dates : DatetimeIndex
    control : ndarray of int, shape (T + 1, N)
        Codes of :data:`sim.kernels.codes.CONTROL_LABELS`.
    gov, ins, morale : ndarray of float, shape (T + 1, N)
        Government strength, insurgent strength and government morale at each location.
    """

    days: np.ndarray
    dates: pd.DatetimeIndex
    control: np.ndarray
    gov: np.ndarray
    ins: np.ndarray
    morale: np.ndarray

    @property
    def force(self) -> np.ndarray:
        """Force present at each location (both sides), shape (T + 1, N)."""
        return self.gov + self.ins


def location_arrays(result: RunResult, scenario: Scenario, replicate: int = 0) -> LocationArrays:
    """Pivot the ``series`` table of one replicate into (day x location) arrays.

    Parameters
    ----------
    result : RunResult
        A result run with ``record_locations=True``.
    scenario : Scenario
        The scenario it was run on (gives the location order).
    replicate : int, default 0

    Returns
    -------
    LocationArrays

    Raises
    ------
    ValueError
        If the result has no per-location series or no such replicate.
    """
    s = result.series
    if len(s) == 0:
        raise ValueError("the result has no per-location series: run with record_locations=True")
    s = s[s["replicate"] == replicate]
    if len(s) == 0:
        raise ValueError(
            f"no replicate {replicate} in the series (replicates 0..{int(result.series['replicate'].max())})"
        )
    ids = pd.Index(scenario.locations["location_id"])
    col = ids.get_indexer(np.asarray(s["location_id"], dtype=object))
    if (col < 0).any():
        raise ValueError("series has location ids that are not in the scenario; wrong scenario?")
    days = np.sort(s["day"].unique())
    row = np.searchsorted(days, s["day"].to_numpy())
    shape = (len(days), len(ids))

    def grid(values: np.ndarray, fill: float) -> np.ndarray:
        out = np.full(shape, fill, dtype=values.dtype)
        out[row, col] = values
        return out

    start = pd.Timestamp(s["date"].iloc[0]) - pd.Timedelta(days=int(s["day"].iloc[0]))
    return LocationArrays(
        days=days,
        dates=start + pd.to_timedelta(days, unit="D"),
        control=grid(control_codes(s["control"]), 0),
        gov=grid(s["gov_strength"].to_numpy(float), 0.0),
        ins=grid(s["ins_strength"].to_numpy(float), 0.0),
        morale=grid(s["gov_morale"].to_numpy(float), np.nan),
    )


def _sizes(force: np.ndarray, is_cap: np.ndarray | None = None) -> np.ndarray:
    """Marker area (pt^2) of a force: area grows with the square root of the force.

    Capitals get at least a visible marker so their colour shows when nobody is there.
    """
    s = 3.0 + 40.0 * np.sqrt(np.maximum(force, 0.0) / _SIZE_REF)
    if is_cap is not None:
        s = np.where(is_cap, np.maximum(s, 24.0), s)
    return s


def _place_labels(
    ax: Axes,
    xs: np.ndarray,
    ys: np.ndarray,
    names: list[str],
    radii: np.ndarray,
    fontsizes: list[float],
    bold: list[bool],
    obstacles: np.ndarray,
) -> list[Text]:
    """Write labels beside their points, each at the first of eight offsets that overlaps
    neither a label already placed nor a marker in ``obstacles`` (x, y, radius in points).

    Labels are placed in the given order (put the important ones first).
    """
    fig = ax.figure
    fig.draw_without_rendering()  # run the layout so that display coordinates are final
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    halo = [pe.withStroke(linewidth=2.2, foreground="white")]
    to_px = fig.dpi / 72.0
    obs_px = ax.transData.transform(obstacles[:, :2]) if len(obstacles) else np.zeros((0, 2))
    obs_r = obstacles[:, 2] * to_px if len(obstacles) else np.zeros(0)
    placed: list = []
    texts: list[Text] = []
    dirs = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    for x, y, name, r, fs, b in zip(xs, ys, names, radii, fontsizes, bold, strict=True):
        t = ax.annotate(
            name,
            (x, y),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=fs,
            fontweight="bold" if b else "normal",
            path_effects=halo,
            zorder=4,
            clip_on=True,
        )
        best, best_cost = None, np.inf
        for dx, dy in dirs:
            gap = 0.75 * r + 1.0 if dx and dy else r + 1.5
            t.set_position((dx * gap, dy * gap))
            t.set_ha({1: "left", -1: "right", 0: "center"}[dx])
            t.set_va({1: "bottom", -1: "top", 0: "center"}[dy])
            bb = t.get_window_extent(renderer).padded(1.0)
            cost = sum(bb.overlaps(o) for o in placed) * 10.0
            if len(obs_px):
                cx = np.clip(obs_px[:, 0], bb.x0, bb.x1)
                cy = np.clip(obs_px[:, 1], bb.y0, bb.y1)
                cost += float(np.sum(np.hypot(cx - obs_px[:, 0], cy - obs_px[:, 1]) < obs_r))
            if cost < best_cost:
                best, best_cost = ((dx * gap, dy * gap), t.get_ha(), t.get_va(), bb), cost
            if cost == 0:
                break
        assert best is not None
        t.set_position(best[0])
        t.set_ha(best[1])
        t.set_va(best[2])
        placed.append(best[3])
        texts.append(t)
    return texts


def borders(scenario: Scenario) -> list[np.ndarray]:
    """Border polygons drawn under the map of a scenario, or ``[]`` when it has none.

    Read from ``scenarios/geo/<scenario name>.geojson`` (for ``afghanistan_2021``: the 34
    provinces of geoBoundaries ADM1, public domain; see ``scenarios/geo/README.md``).

    Returns
    -------
    list of ndarray, each of shape (n, 2)
        Exterior rings as (longitude, latitude) in degrees; a MultiPolygon gives one per part.
    """
    name = str(scenario.name)
    if not name.replace("_", "").isalnum():  # a name is never a path
        return []
    path = scenarios_dir() / "geo" / f"{name}.geojson"
    if not path.is_file():
        return []
    return _rings(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _rings(path: str, _mtime: int) -> list[np.ndarray]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    rings: list[np.ndarray] = []
    for feat in data.get("features", []):
        geom = feat.get("geometry") or {}
        parts = {"Polygon": [geom.get("coordinates")], "MultiPolygon": geom.get("coordinates")}.get(
            geom.get("type"), []
        )
        for poly in parts or []:
            if poly:
                ring = np.asarray(poly[0], dtype=float)[:, :2]
                ring.setflags(write=False)
                rings.append(ring)
    return rings


def _draw_borders(ax: Axes, scenario: Scenario) -> PolyCollection | None:
    rings = borders(scenario)
    if not rings:
        return None
    return ax.add_collection(
        PolyCollection(rings, facecolors=_LAND, edgecolors=_BORDER, linewidths=0.6, zorder=0.5)
    )


@dataclass
class _MapArtists:
    points: PathCollection
    title: Text


def _hub(scenario: Scenario) -> int:
    caps = scenario.capital_indices()
    return int(caps[np.argmax(scenario.locations["value"][caps])])


def _draw(
    ax: Axes,
    scenario: Scenario,
    control: np.ndarray,
    force: np.ndarray,
    labels: Labels,
    title: str,
    ticks: bool,
    label_sizes: np.ndarray | None = None,
) -> _MapArtists:
    loc = scenario.locations
    lon, lat = np.asarray(loc["lon"], float), np.asarray(loc["lat"], float)
    _draw_borders(ax, scenario)
    roads = scenario.roads
    src, dst = np.asarray(roads["src"]), np.asarray(roads["dst"])
    seg = np.stack([np.column_stack([lon[src], lat[src]]), np.column_stack([lon[dst], lat[dst]])], axis=1)
    major = np.asarray(roads["road_class"]).astype(str) != "local"
    ax.add_collection(LineCollection(seg[~major], colors="#c8c8c8", linewidths=0.5, zorder=1))
    ax.add_collection(
        LineCollection(seg[major], colors="#8c8c8c", linewidths=1.1, zorder=1.5, label="highway")
    )
    is_cap = np.asarray(loc["is_capital"], bool)
    sizes = _sizes(force, is_cap)
    points = ax.scatter(
        lon,
        lat,
        s=sizes,
        c=_COLORS[control],
        edgecolors=np.where(is_cap, "black", "none"),
        linewidths=np.where(is_cap, 0.8, 0.0),
        zorder=3,
        alpha=0.9,
    )
    pad = 0.4
    ax.set_xlim(lon.min() - pad, lon.max() + pad)
    ax.set_ylim(lat.min() - pad, lat.max() + pad)
    ax.set_aspect(1.0 / np.cos(np.deg2rad(lat.mean())))
    if ticks:
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        ax.tick_params(labelsize=8)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    t = ax.set_title(title, fontsize=10 if ticks else 9)
    if labels != "none":
        hub = _hub(scenario)
        which = [hub]
        if labels == "capitals":
            caps = np.flatnonzero(is_cap)
            which += [int(i) for i in caps[np.argsort(-np.asarray(loc["value"], float)[caps])] if i != hub]
        radii = np.sqrt(label_sizes if label_sizes is not None else sizes) / 2
        cap_idx = np.flatnonzero(is_cap)
        obstacles = np.column_stack([lon[cap_idx], lat[cap_idx], radii[cap_idx]])
        _place_labels(
            ax,
            lon[which],
            lat[which],
            [str(loc["name"][i]) for i in which],
            radii[which],
            [8.0 if i == hub else 6.5 for i in which],
            [i == hub for i in which],
            obstacles,
        )
    return _MapArtists(points=points, title=t)


def _legend(fig: Figure, ax: Axes | None = None, loc: str = "lower right", ncols: int = 1) -> None:
    handles = [
        Line2D([], [], ls="", marker="o", ms=7, color=CONTROL_COLORS[k], label=CONTROL_NAMES[k])
        for k in C.CONTROL_LABELS
    ]
    handles.append(
        Line2D([], [], ls="", marker="o", ms=7, mfc="white", mec="black", label="province capital")
    )
    for f in (300, 3000, 10000):
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=np.sqrt(_sizes(np.array(f))),
                mfc="#bdbdbd",
                mec="none",
                label=f"{f:,} present",
            )
        )
    handles.append(Line2D([], [], color="#8c8c8c", lw=1.1, label="highway"))
    target = ax if ax is not None else fig
    target.legend(
        handles=handles,
        loc=loc,
        fontsize=7,
        ncols=ncols,
        frameon=True,
        framealpha=0.9,
        borderpad=0.6,
        labelspacing=0.9,
        handletextpad=0.4,
    )


def _held(result: RunResult, replicate: int) -> pd.Series:
    """Capitals held per day (from the ``sides`` table) of one replicate, indexed by day."""
    sd = result.sides
    sd = sd[sd["replicate"] == replicate]
    return pd.Series(sd["capitals_held"].to_numpy(), index=sd["day"].to_numpy())


def _title(scenario: Scenario, arr: LocationArrays, k: int, short: bool, held_by_day: pd.Series) -> str:
    caps = np.asarray(scenario.locations["is_capital"], bool)
    held = int(held_by_day.get(int(arr.days[k]), 0))
    date = arr.dates[k].strftime("%Y-%m-%d")
    if short:
        return f"{date}: {held}/{int(caps.sum())} capitals held"
    return (
        f"{scenario.name}, {date} (day {int(arr.days[k])}): government holds {held} of "
        f"{int(caps.sum())} capitals"
    )


def map_day(
    result: RunResult,
    scenario: Scenario,
    when: DateLike,
    replicate: int = 0,
    ax: Axes | None = None,
    labels: Labels = "capitals",
    legend: bool = True,
) -> Figure:
    """Map of the world on one day: roads, locations coloured by control, sized by force.

    Parameters
    ----------
    result : RunResult
        A result with per-location series (``record_locations=True``).
    scenario : Scenario
        The scenario it was run on (coordinates, roads, names).
    when : int, str, date or Timestamp
        A simulation day (int) or a calendar date (``"2021-08-07"``).
    replicate : int, default 0
    ax : Axes, optional
        Draw into these axes instead of a new figure.
    labels : {"capitals", "hub", "none"}, default "capitals"
        Which names to write: every province capital, the national capital only, or none.
    legend : bool, default True
        Draw the control and size legend.

    Returns
    -------
    Figure
    """
    arr = location_arrays(result, scenario, replicate)
    held = _held(result, replicate)
    k = int(np.searchsorted(arr.days, day_of(result, when)))
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 7.6), layout="constrained")
    else:
        fig = ax.figure  # type: ignore[assignment]
    _draw(
        ax, scenario, arr.control[k], arr.force[k], labels, _title(scenario, arr, k, False, held), ticks=True
    )
    if legend:
        _legend(fig, ax)
    return fig


def map_strip(
    result: RunResult,
    scenario: Scenario,
    dates: Sequence[DateLike],
    replicate: int = 0,
    ncols: int | None = None,
    labels: Labels = "hub",
    panel_width: float = 3.6,
) -> Figure:
    """Small multiples: the map on each of ``dates`` side by side, with one shared legend.

    Parameters
    ----------
    result : RunResult
        A result with per-location series.
    scenario : Scenario
    dates : sequence of int, str, date or Timestamp
        Days or calendar dates, one panel each.
    replicate : int, default 0
    ncols : int, optional
        Panels per row (default: all in one row, at most 4).
    labels : {"capitals", "hub", "none"}, default "hub"
    panel_width : float, default 3.6
        Width of one panel in inches.

    Returns
    -------
    Figure
    """
    if len(dates) == 0:
        raise ValueError("dates is empty")
    arr = location_arrays(result, scenario, replicate)
    held = _held(result, replicate)
    n = len(dates)
    ncols = min(n, 4) if ncols is None else ncols
    nrows = -(-n // ncols)
    loc = scenario.locations
    lat = np.asarray(loc["lat"], float)
    lon = np.asarray(loc["lon"], float)
    ratio = (np.ptp(lat) + 0.8) / ((np.ptp(lon) + 0.8) * np.cos(np.deg2rad(lat.mean())))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        squeeze=False,
        layout="constrained",
        figsize=(panel_width * ncols, panel_width * ratio * nrows + 1.0),
    )
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_axis_off()
            continue
        k = int(np.searchsorted(arr.days, day_of(result, dates[i])))
        _draw(
            ax,
            scenario,
            arr.control[k],
            arr.force[k],
            labels,
            _title(scenario, arr, k, True, held),
            ticks=False,
        )
    fig.suptitle(f"{scenario.name}: control over time (replicate {replicate})", fontsize=11)
    handles = [
        Line2D([], [], ls="", marker="o", ms=7, color=CONTROL_COLORS[k], label=CONTROL_NAMES[k])
        for k in C.CONTROL_LABELS
    ]
    handles.append(
        Line2D([], [], ls="", marker="o", ms=7, mfc="white", mec="black", label="province capital")
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    return fig


def animate_map(
    result: RunResult,
    scenario: Scenario,
    path: str | os.PathLike | None = None,
    replicate: int = 0,
    step: int = 1,
    fps: int = 8,
    dpi: int = 80,
    labels: Labels = "hub",
) -> animation.FuncAnimation:
    """Animate the map over the horizon; save it as GIF (pillow) or MP4 (ffmpeg) if ``path``.

    Parameters
    ----------
    result : RunResult
        A result with per-location series.
    scenario : Scenario
    path : str or PathLike, optional
        ``*.gif`` (written with :class:`matplotlib.animation.PillowWriter`) or ``*.mp4``
        (:class:`matplotlib.animation.FFMpegWriter`, needs ``ffmpeg`` on the PATH).
    replicate : int, default 0
    step : int, default 1
        Days per frame.
    fps : int, default 8
    dpi : int, default 80
    labels : {"capitals", "hub", "none"}, default "hub"

    Returns
    -------
    matplotlib.animation.FuncAnimation
        Its figure is ``anim._fig``; in Jupyter, ``IPython.display.HTML(anim.to_jshtml())``
        shows it inline.

    Raises
    ------
    ValueError
        For a suffix other than ``.gif`` or ``.mp4``.
    RuntimeError
        For ``.mp4`` when ffmpeg is not available.
    """
    if step < 1:
        raise ValueError(f"step must be >= 1, not {step}")
    if path is not None and Path(path).suffix.lower() not in (".gif", ".mp4"):
        raise ValueError(f"path must end in .gif or .mp4, not {Path(path).name!r}")
    arr = location_arrays(result, scenario, replicate)
    held = _held(result, replicate)
    frames = list(range(0, len(arr.days), step))
    if frames[-1] != len(arr.days) - 1:
        frames.append(len(arr.days) - 1)
    fig, ax = plt.subplots(figsize=(8, 6.2), layout="constrained")
    is_cap = np.asarray(scenario.locations["is_capital"], bool)
    art = _draw(
        ax,
        scenario,
        arr.control[0],
        arr.force[0],
        labels,
        _title(scenario, arr, 0, False, held),
        ticks=True,
        label_sizes=_sizes(arr.force.max(axis=0), is_cap),
    )
    _legend(fig, ax)

    def update(k: int) -> tuple:
        art.points.set_facecolors(_COLORS[arr.control[k]])
        art.points.set_sizes(_sizes(arr.force[k], is_cap))
        art.title.set_text(_title(scenario, arr, k, False, held))
        return art.points, art.title

    anim = animation.FuncAnimation(fig, update, frames=frames, interval=1000 / fps, blit=False)
    if path is not None:
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".gif":
            writer: animation.AbstractMovieWriter = animation.PillowWriter(fps=fps)
        elif suffix == ".mp4":
            if not animation.writers.is_available("ffmpeg"):
                raise RuntimeError("saving .mp4 needs ffmpeg on the PATH; save a .gif instead")
            writer = animation.FFMpegWriter(fps=fps)
        else:
            raise ValueError(f"path must end in .gif or .mp4, not {path.name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        anim.save(path, writer=writer, dpi=dpi)
    return anim
