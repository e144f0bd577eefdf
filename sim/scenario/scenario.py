"""The validated, immutable :class:`Scenario`: what a world is, as arrays."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.lazy import lazy_module

pd = lazy_module("pandas")  # imported on first use (sim.lazy)


class Control(IntEnum):
    """Who controls a location. Stored as ``int8``."""

    GOVERNMENT = 0
    CONTESTED = 1
    INSURGENT = 2
    AIRPORT = 3  # government holds only the airport (a holdout)


CONTROL_NAMES = {"government": 0, "contested": 1, "insurgent": 2, "airport": 3}
GARRISON_TYPES = ("army", "police", "commando", "mixed")


class Table(Mapping[str, np.ndarray]):
    """A read-only struct of arrays: column name -> 1-D array, all of one length."""

    def __init__(self, columns: Mapping[str, Any]) -> None:
        cols: dict[str, np.ndarray] = {}
        n = None
        for k, v in columns.items():
            a = np.array(v)  # copy, so the caller cannot mutate us
            a.setflags(write=False)
            if n is None:
                n = len(a)
            elif len(a) != n:
                raise ValueError(f"column {k!r} has {len(a)} rows, expected {n}")
            cols[k] = a
        self._cols = MappingProxyType(cols)
        self._n = 0 if n is None else n

    def __getitem__(self, key: str) -> np.ndarray:
        return self._cols[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cols)

    def __len__(self) -> int:  # number of columns (Mapping protocol)
        return len(self._cols)

    @property
    def n_rows(self) -> int:
        return self._n

    def to_frame(self) -> pd.DataFrame:
        """Return a copy as a pandas DataFrame (safe to modify)."""
        return pd.DataFrame({k: np.array(v) for k, v in self._cols.items()})

    def digest(self, h: Any) -> None:
        for k, v in self._cols.items():
            h.update(k.encode())
            if v.dtype == object:
                h.update("\x1f".join(map(str, v.tolist())).encode())
            else:
                h.update(np.ascontiguousarray(v).tobytes())

    def __repr__(self) -> str:
        return f"Table({self._n} rows: {', '.join(self._cols)})"


@dataclass(frozen=True)
class Event:
    """A scripted event, resolved: ``day`` counts from the scenario start (day 0)."""

    day: int
    kind: str
    location: int  # -1 when not applicable
    patron: int  # -1 when not applicable
    value: float
    source: str
    note: str


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated world: geography, roads, forces, timeline, events, parameters, sources.

    Built by :func:`sim.load_scenario` (or :meth:`from_config` on a Hydra config). All tables
    are read-only arrays; ``config`` is the resolved, read-only Hydra config, which is what is
    saved beside every result so a run can be reproduced. Two scenarios are equal when their
    :attr:`fingerprint` (a hash of the resolved config and every table) is equal.
    """

    name: str
    description: str
    scenario_file: str
    config: DictConfig
    start: dt.date
    horizon_days: int
    provinces: Table
    locations: Table
    roads: Table
    garrisons: Table
    militias: Table
    patrons: tuple[str, ...]
    insurgents: Table
    pools: Table
    events: tuple[Event, ...]
    sources: Mapping[str, str]
    schedules: np.ndarray  # support schedules (codes.SCHED_*), shape (3, horizon_days + 1)
    campaign: Mapping[str, Any]  # theatres, phase start days, focus weights (load._campaign)
    posterior_file: str = ""  # resolved path of posterior.samples ("" without one)
    posterior_sha256: str = ""  # SHA-256 of that file (part of the fingerprint)
    #: :func:`sim.scenario.load.data_fingerprint` of the tables read ("synthetic" for a synthetic world)
    data_fingerprint: str = ""
    #: Config paths set by overrides (``model.morale.b0=1.2``): posterior draws leave them as set.
    pinned: frozenset[str] = frozenset()

    # ---------------------------------------------------------------- identity
    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the resolved config and all tables (hex; computed once)."""
        h = hashlib.sha256()
        h.update(OmegaConf.to_yaml(self.run_free_config()).encode())
        for t in (
            self.provinces,
            self.locations,
            self.roads,
            self.garrisons,
            self.militias,
            self.insurgents,
            self.pools,
        ):
            t.digest(h)
        h.update(repr(self.events).encode())
        h.update(repr(sorted(self.sources.items())).encode())
        h.update(self.posterior_sha256.encode())
        return h.hexdigest()

    def run_free_config(self) -> DictConfig:
        """The config without run settings (seed, replicates, backend): the world alone."""
        c = OmegaConf.to_container(self.config, resolve=True)
        for k in ("seed", "replicates", "backend"):
            c.pop(k, None)
        return OmegaConf.create(c)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    # ---------------------------------------------------------------- convenience
    @property
    def support(self) -> np.ndarray:
        """Foreign logistics support lambda(t) for t = 0..horizon_days (the logistics schedule)."""
        return self.schedules[1]

    @property
    def n_locations(self) -> int:
        return self.locations.n_rows

    @property
    def params(self) -> DictConfig:
        """The model parameters (``config.model``)."""
        return self.config.model

    def date_of(self, day: int) -> dt.date:
        """Calendar date of simulation day ``day`` (day 0 is the start)."""
        return self.start + dt.timedelta(days=int(day))

    def location_index(self, location_id: str) -> int:
        """Row index of a location id (or display name)."""
        ids = self.locations["location_id"]
        hit = np.flatnonzero(ids == location_id)
        if len(hit) == 0:
            hit = np.flatnonzero(self.locations["name"] == location_id)
        if len(hit) == 0:
            raise KeyError(location_id)
        return int(hit[0])

    @property
    def report_day(self) -> int:
        """Day of ``report.by_date`` (the horizon when unset), for headline tables."""
        d = str(self.config.get("report", {}).get("by_date", "") or "")
        if not d:
            return self.horizon_days
        return min(max((dt.date.fromisoformat(d) - self.start).days, 0), self.horizon_days)

    def capital_indices(self) -> np.ndarray:
        return np.flatnonzero(self.locations["is_capital"])

    def summary(self) -> str:
        """A readable multi-line summary: counts of each part of the world."""
        loc = self.locations
        ctrl = np.bincount(loc["initial_control"], minlength=4)
        pf = float(self.config.forces.present_fraction)
        g_nom = float(self.garrisons["personnel_nominal"].sum()) if self.garrisons.n_rows else 0.0
        lines = [
            f"Scenario {self.name!r}: {self.description}".rstrip(": "),
            f"  timeline   : {self.start.isoformat()} + {self.horizon_days} days "
            f"(to {self.date_of(self.horizon_days).isoformat()})",
            f"  geography  : {self.provinces.n_rows} provinces, {loc.n_rows} locations "
            f"({int(loc['is_capital'].sum())} capitals, {int(loc['has_airport'].sum())} airports, "
            f"{int(loc['has_prison'].sum())} prisons)",
            f"  roads      : {self.roads.n_rows} road links "
            f"({', '.join(f'{k} {v}' for k, v in _counts(self.roads['road_class']))})",
            f"  control    : {ctrl[0]} government, {ctrl[1]} contested, {ctrl[2]} insurgent at start",
            f"  government : {self.garrisons.n_rows} garrisons, {g_nom:,.0f} nominal personnel "
            f"({pf:.0%} present = {g_nom * pf:,.0f}); reserve {self.config.reserve.commandos:,.0f}"
            f" commandos, airlift {self.config.reserve.airlift_per_day:,.0f}/day",
            f"  militias   : {self.militias.n_rows} militias, "
            f"{float(self.militias['personnel'].sum()) if self.militias.n_rows else 0:,.0f} "
            f"personnel, patrons {', '.join(self.patrons) or 'none'}",
            f"  insurgents : {self.insurgents.n_rows} units, "
            f"{float(self.insurgents['strength'].sum()) if self.insurgents.n_rows else 0:,.0f} "
            f"fighters, {float(self.pools['part_time'].sum()):,.0f} part-time",
            f"  events     : {len(self.events)} scripted "
            f"({', '.join(f'{self.date_of(e.day)} {e.kind}' for e in self.events[:6])}"
            f"{', ...' if len(self.events) > 6 else ''})",
            f"  sources    : {len(self.sources)} cited",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"<Scenario {self.name!r}: {self.provinces.n_rows} provinces, "
            f"{self.n_locations} locations, {self.roads.n_rows} roads, "
            f"{self.insurgents.n_rows} insurgent units, {len(self.sources)} sources>"
        )


def _counts(a: np.ndarray) -> list[tuple[str, int]]:
    vals, cnt = np.unique(a.astype(str), return_counts=True)
    return list(zip(vals.tolist(), cnt.tolist(), strict=True))
