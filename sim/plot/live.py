"""Figures redrawn many times a second: the map and the daily series of a running model.

A live view (the app, or a notebook loop) redraws the same figure every day of a run. Drawing
the whole map again takes 0.1-0.3 s (borders, roads, labels with halos), so these figures render
their static layers once and then, for each day, restore that image and draw only what changed
(matplotlib's blitting): the markers (colour = control, area = force present), the title and the
day's series. Labels are rendered once into a transparent overlay that is laid over the
markers, so they stay legible. The layers are the ones :func:`sim.plot.map_day` draws (same
colours, sizes, borders, roads and labels), so the page and a notebook show the same map.

Each figure returns PNG bytes (:meth:`LiveMap.png`) or an RGBA array (:meth:`LiveMap.render`),
and shows its last frame in Jupyter.

Examples
--------
>>> import sim                                                          # doctest: +SKIP
>>> from sim.plot.live import LiveMap, model_day
>>> m = sim.ConflictModel("afghanistan_2021", seed=1).run(100)
>>> live = LiveMap(m.conflict_scenario)
>>> png = live.png(*model_day(m, 100))                                 # bytes of a PNG image
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from PIL import Image

from sim.kernels import codes as C
from sim.plot._common import CONTROL_COLORS, CONTROL_NAMES, GOV_COLOR, NEUTRAL, date_axis
from sim.plot.maps import _COLORS, _draw, _legend, _sizes
from sim.scenario import Scenario

#: Force (people) at which capitals' labels are placed clear of their marker.
_LABEL_FORCE = 4000.0


def model_day(model: Any, day: int | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """Control, force present and a title of a :class:`sim.ConflictModel` on a day it has run.

    Parameters
    ----------
    model : ConflictModel
        Built with ``record_locations=True`` (the default).
    day : int, optional
        A day in ``0..model.day`` (default: the model's current day).

    Returns
    -------
    control : ndarray of int8, shape (N,)
        Codes of :data:`sim.kernels.codes.CONTROL_LABELS`.
    force : ndarray of float, shape (N,)
        Government plus insurgent strength present at each location (people).
    title : str
    """
    d = model.day if day is None else int(day)
    if not 0 <= d <= model.day:
        raise ValueError(f"day {d} is outside the days run so far (0..{model.day})")
    if model._loc_ctrl.shape[1] == 0:
        raise ValueError("the model keeps no per-location series (record_locations=False)")
    # the daily arrays the model records (the tables of model.result() are built from them)
    control = model._loc_ctrl[0, d]
    force = model._loc_gov[0, d] + model._loc_ins[0, d]
    scen = model.conflict_scenario
    caps = scen.capital_indices()
    held = int((control[caps] != C.INSURGENT).sum())
    title = f"{scen.date_of(d):%d %b %Y} (day {d}): government holds {held} of {len(caps)} capitals"
    return control, force, title


def _encode(rgba: np.ndarray, fmt: str) -> bytes:
    buf = io.BytesIO()
    img = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
    if fmt == "png":
        img.save(buf, format="png", compress_level=1)  # fast; the image is mostly flat colour
    else:
        img.save(buf, format="jpeg", quality=92)
    return buf.getvalue()


class _Blitted:
    """A figure whose background is rendered once; subclasses draw the animated artists."""

    fig: Figure
    canvas: FigureCanvasAgg
    _bg: Any
    _last: np.ndarray | None = None

    def _freeze(self) -> None:
        self.canvas.draw()
        self._bg = self.canvas.copy_from_bbox(self.fig.bbox)

    def _grab(self) -> np.ndarray:
        self._last = np.asarray(self.canvas.buffer_rgba()).copy()
        return self._last

    def _repr_png_(self) -> bytes | None:
        return None if self._last is None else _encode(self._last, "png")


class LiveMap(_Blitted):
    """The map of :func:`sim.plot.map_day`, redrawn in milliseconds for each new day.

    Parameters
    ----------
    scenario : Scenario
        Gives coordinates, roads, borders and names.
    figsize : (float, float), optional
        Inches; default 7.6 wide and as tall as the scenario's extent needs (no white margins).
    dpi : float, default 90
    labels : {"capitals", "hub", "none"}, default "capitals"
    legend : bool, default True
    ticks : bool, default False
        Longitude and latitude ticks (``map_day`` draws them; a live view does without).

    Notes
    -----
    Not thread-safe: one LiveMap per view (each browser session has its own).
    """

    def __init__(
        self,
        scenario: Scenario,
        figsize: tuple[float, float] | None = None,
        dpi: float = 90,
        labels: str = "capitals",
        legend: bool = True,
        ticks: bool = False,
    ) -> None:
        self.scenario = scenario
        if figsize is None:
            lat = np.asarray(scenario.locations["lat"], float)
            lon = np.asarray(scenario.locations["lon"], float)
            ratio = (np.ptp(lat) + 0.8) / ((np.ptp(lon) + 0.8) * np.cos(np.deg2rad(lat.mean())))
            figsize = (7.6, 7.6 * float(np.clip(ratio, 0.4, 1.6)) + (0.7 if ticks else 0.35))
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        ax = self.fig.add_subplot()
        self.ax = ax
        self._is_cap = np.asarray(scenario.locations["is_capital"], bool)
        n = scenario.n_locations
        label_sizes = _sizes(np.full(n, _LABEL_FORCE), self._is_cap)
        art = _draw(
            ax,
            scenario,
            np.zeros(n, np.int64),
            np.zeros(n),
            labels,  # type: ignore[arg-type]
            scenario.name,
            ticks=ticks,
            label_sizes=label_sizes,
        )
        if legend:
            _legend(self.fig, ax)
        self.fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02)  # type: ignore[union-attr]
        self.fig.draw_without_rendering()  # settle the layout before it is frozen
        self.fig.set_layout_engine("none")
        self.points = art.points
        self.title = art.title
        self.labels: list[Text] = list(ax.texts)
        self.points.set_animated(True)
        self.title.set_animated(True)
        self._overlay = self._label_overlay()
        for t in self.labels:
            t.set_visible(False)
        self._freeze()

    def _label_overlay(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Pixels of the labels alone: (flat indices, RGB, alpha) where alpha > 0."""
        if not self.labels:
            return None
        hidden = [a for a in (*self.fig.get_children(), *self.ax.get_children()) if a.get_visible()]
        for a in hidden:
            a.set_visible(False)
        self.ax.set_visible(True)
        for t in self.labels:
            t.set_visible(True)
        self.fig.patch.set_visible(False)
        self.ax.patch.set_visible(False)
        self.canvas.draw()
        px = np.asarray(self.canvas.buffer_rgba()).reshape(-1, 4)
        idx = np.flatnonzero(px[:, 3] > 0)
        rgb = px[idx, :3].astype(np.float32)
        alpha = (px[idx, 3:4].astype(np.float32)) / 255.0
        for a in hidden:
            a.set_visible(True)
        self.fig.patch.set_visible(True)
        self.ax.patch.set_visible(True)
        return idx, rgb, alpha

    def update(self, control: np.ndarray, force: np.ndarray, title: str) -> None:
        """Set the markers and the title to a day's state (no drawing)."""
        self.points.set_facecolors(_COLORS[np.asarray(control, np.int64)])
        self.points.set_sizes(_sizes(np.asarray(force, float), self._is_cap))
        self.title.set_text(title)

    def render(self, control: np.ndarray, force: np.ndarray, title: str) -> np.ndarray:
        """Draw a day and return the image as an RGBA array of shape (height, width, 4)."""
        self.update(control, force, title)
        self.canvas.restore_region(self._bg)
        self.ax.draw_artist(self.points)
        self.fig.draw_artist(self.title)
        img = self._grab()
        if self._overlay is not None:
            idx, rgb, alpha = self._overlay
            flat = img.reshape(-1, 4)
            under = flat[idx, :3].astype(np.float32)
            flat[idx, :3] = (rgb * alpha + under * (1.0 - alpha) + 0.5).astype(np.uint8)
        return img

    def png(self, control: np.ndarray, force: np.ndarray, title: str, fmt: str = "png") -> bytes:
        """Draw a day and return it encoded (``fmt``: ``"png"`` or ``"jpeg"``)."""
        return _encode(self.render(control, force, title), fmt)


class LiveSeries(_Blitted):
    """Capitals held and locations by control, day by day, over the scenario's horizon.

    Two panels share the date axis: capitals held by the government (a step line), and the
    number of locations in each control state (stacked areas, the map's colours). The axes
    span the whole horizon from the start, so a run fills them in as it goes; a vertical line
    marks the day shown on the map.

    Parameters
    ----------
    scenario : Scenario
    figsize : (float, float), default (5.6, 4.4)
    dpi : float, default 90
    """

    def __init__(
        self, scenario: Scenario, figsize: tuple[float, float] = (6.0, 4.6), dpi: float = 90
    ) -> None:
        self.scenario = scenario
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        ax0, ax1 = self.fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.3))
        self.axes = (ax0, ax1)
        T = scenario.horizon_days
        start = pd.Timestamp(scenario.start)
        self.dates = mdates.date2num(start + pd.to_timedelta(np.arange(T + 1), unit="D"))
        self._caps = scenario.capital_indices()
        n_caps, n = len(self._caps), scenario.n_locations
        ax0.set_ylim(0, n_caps + 1)
        ax0.set_ylabel("capitals held")
        ax0.set_title(f"{scenario.name}: capitals held and control of all {n} locations", fontsize=10)
        ax1.set_ylim(0, n)
        ax1.set_ylabel("locations")
        for ax in self.axes:
            ax.set_xlim(self.dates[0], self.dates[-1])
            ax.grid(axis="y", color="#e5e5e5", lw=0.6)
        date_axis(ax1)
        handles = [
            Line2D([], [], color=CONTROL_COLORS[k], lw=6, label=CONTROL_NAMES[k]) for k in C.CONTROL_LABELS
        ]
        self.fig.legend(
            handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False
        )
        (self.held,) = ax0.step([], [], where="post", color=GOV_COLOR, lw=2, animated=True)
        self.marks = [
            ax.axvline(self.dates[0], color=NEUTRAL, lw=0.8, ls="--", animated=True) for ax in self.axes
        ]
        self.fig.draw_without_rendering()
        self.fig.set_layout_engine("none")
        self._freeze()

    def counts(self, control: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Capitals held and locations per control state, per day.

        Parameters
        ----------
        control : ndarray of int, shape (days, N)

        Returns
        -------
        held : ndarray of int, shape (days,)
        by_state : ndarray of int, shape (len(CONTROL_LABELS), days)
        """
        control = np.asarray(control, np.int64)
        held = (control[:, self._caps] != C.INSURGENT).sum(axis=1)
        k = len(C.CONTROL_LABELS)
        by_state = np.stack([(control == s).sum(axis=1) for s in range(k)])
        return held, by_state

    def render(self, control: np.ndarray, mark: int | None = None) -> np.ndarray:
        """Draw days ``0..len(control)-1`` and return the RGBA image.

        Parameters
        ----------
        control : ndarray of int, shape (days, N)
            Control of every location on each day run so far.
        mark : int, optional
            Day to mark with a vertical line (default: the last).
        """
        held, by_state = self.counts(control)
        d = len(held)
        x = self.dates[:d]
        self.canvas.restore_region(self._bg)
        ax0, ax1 = self.axes
        self.held.set_data(x, held)
        ax0.draw_artist(self.held)
        if d > 0:
            polys = ax1.stackplot(
                x, by_state, colors=[CONTROL_COLORS[k] for k in C.CONTROL_LABELS], step="post", alpha=0.85
            )
            for p in polys:
                p.set_animated(True)
                ax1.draw_artist(p)
                p.remove()
        m = self.dates[min(d - 1 if mark is None else int(mark), len(self.dates) - 1)] if d else self.dates[0]
        for ax, line in zip(self.axes, self.marks, strict=True):
            line.set_xdata([m, m])
            ax.draw_artist(line)
        return self._grab()

    def png(self, control: np.ndarray, mark: int | None = None) -> bytes:
        """Draw and return PNG bytes (see :meth:`render`)."""
        return _encode(self.render(control, mark), "png")
