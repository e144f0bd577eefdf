"""Shared helpers of :mod:`sim.plot`: colours, axes, coercion of tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.kernels import codes as C
from sim.outputs import RunResult

#: Colour of each control state (colour-blind safe: blue, amber, dark red, purple).
CONTROL_COLORS: dict[str, str] = {
    "government": "#2166ac",
    "contested": "#f0b429",
    "insurgent": "#a50f15",
    "airport": "#7b3294",
}
#: Legend labels of the control states.
CONTROL_NAMES: dict[str, str] = {
    "government": "government",
    "contested": "contested",
    "insurgent": "insurgent",
    "airport": "airport holdout",
}
GOV_COLOR = CONTROL_COLORS["government"]
INS_COLOR = CONTROL_COLORS["insurgent"]
ALT_COLOR = "#e08214"
NEUTRAL = "#4d4d4d"

DateLike = int | str | dt.date | pd.Timestamp


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """Return ``(figure, axes)``: ``ax`` and its figure, or a new figure of ``figsize``."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def date_axis(ax: Axes, axis: str = "x") -> None:
    """Concise date ticks on one axis."""
    loc = mdates.AutoDateLocator(minticks=4, maxticks=9)
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(loc)
    target.set_major_formatter(mdates.ConciseDateFormatter(loc))


def pretty(name: str) -> str:
    """``"reserve.commandos"`` -> ``"reserve commandos"``, ``"hub_fell_day"`` -> ``"hub fell day"``."""
    return name.replace("_", " ").replace(".", " ")


def runs_of(x: RunResult | pd.DataFrame) -> pd.DataFrame:
    """The ``runs`` table of a result, or the frame itself."""
    return x.runs if isinstance(x, RunResult) else x


def start_of(result: RunResult) -> pd.Timestamp:
    """Calendar date of day 0 of a result."""
    s = result.sides
    if len(s):
        row = s.iloc[0]
        return pd.Timestamp(row["date"]) - pd.Timedelta(days=int(row["day"]))
    raise ValueError("the result has an empty 'sides' table")


def horizon_of(result: RunResult) -> int:
    """Last simulated day of a result."""
    return int(result.sides["day"].max())


def day_of(result: RunResult, when: DateLike) -> int:
    """Simulation day of ``when`` (an int is a day already; anything else a calendar date)."""
    if isinstance(when, int | np.integer):
        day = int(when)
    else:
        day = int((pd.Timestamp(when) - start_of(result)).days)
    h = horizon_of(result)
    if not 0 <= day <= h:
        raise ValueError(f"{when!r} is day {day}, outside the result's days 0..{h}")
    return day


def control_codes(values: Any) -> np.ndarray:
    """Control labels (categorical or strings) -> int codes of :data:`sim.kernels.codes`."""
    cat = pd.Categorical(np.asarray(values, dtype=object), categories=list(C.CONTROL_LABELS))
    codes = np.asarray(cat.codes, dtype=np.int64)
    if (codes < 0).any():
        raise ValueError("unknown control label in series")
    return codes


def outcome_values(df: pd.DataFrame, outcome: str, na_value: float | None) -> pd.Series:
    """An outcome column as floats; <NA> (held to the horizon) becomes ``na_value`` or NaN."""
    if outcome not in df:
        raise KeyError(f"no column {outcome!r}; columns are {list(df.columns)}")
    col = df[outcome]
    if pd.api.types.is_datetime64_any_dtype(col):
        raise TypeError(f"{outcome!r} is a date column; plot the matching *_day column")
    v = pd.to_numeric(col, errors="coerce").astype("float64")
    if na_value is not None:
        v = v.fillna(float(na_value))
    return v


def quantiles(v: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles of the finite values (NaN if none)."""
    v = np.asarray(v, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return np.full(len(qs), np.nan)
    return np.quantile(v, qs)


def band_quantiles(bands: Sequence[float]) -> list[tuple[float, float]]:
    """Central interval widths -> (low, high) quantiles, widest first."""
    out = []
    for b in sorted(bands, reverse=True):
        if not 0 < b < 1:
            raise ValueError(f"band widths must be in (0, 1), not {b}")
        out.append(((1 - b) / 2, 1 - (1 - b) / 2))
    return out
