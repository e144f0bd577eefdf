"""Memory estimates made before a run allocates: refuse what cannot fit, in one line.

A request too large for the machine (a huge ``replicates``, a synthetic world of millions of
locations) would otherwise allocate until the operating system kills it, after minutes of
compute and with nothing saved. The estimates are deliberately simple upper bounds:

* the world: ``WORLD_BYTES_PER_LOCATION * n_locations + WORLD_BYTES_PER_UNIT * n_units``
  (measured peak while building a synthetic scenario: about 1.6 kB per location and 0.25 kB per
  unit, rounded up);
* a run: per replicate, the bytes of its state arrays (measured on a one-replicate state, so it
  follows the model's own layout) plus its daily side arrays and, when recorded, the
  per-location series, times :data:`TABLE_FACTOR` for the copies made while building the tables.

The memory available is ``MemAvailable`` of ``/proc/meminfo``, capped by the cgroup limit.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from sim.scenario.errors import ScenarioError

WORLD_BYTES_PER_LOCATION = 2_000
WORLD_BYTES_PER_UNIT = 300
#: Peak bytes per byte of kernel arrays (concatenating blocks, building the pandas tables).
TABLE_FACTOR = 3.0
#: Bytes per (replicate x day x location) cell of the per-location series (int8 + 3 float64).
SERIES_CELL_BYTES = 25


def available_memory() -> int | None:
    """Bytes this process can still allocate (None when unknown)."""
    avail = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError):
        pass
    if avail is None and hasattr(os, "sysconf"):
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if limit != "max":
            room = int(limit) - used
            avail = room if avail is None else min(avail, room)
    except (OSError, ValueError):
        pass
    return avail


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def check_world(n_locations: int, n_units: int, where: str) -> None:
    """Refuse a synthetic world whose construction alone would not fit in memory."""
    need = WORLD_BYTES_PER_LOCATION * int(n_locations) + WORLD_BYTES_PER_UNIT * int(n_units)
    avail = available_memory()
    if avail is not None and need > avail:
        max_loc = max(2, int(avail / (WORLD_BYTES_PER_LOCATION + WORLD_BYTES_PER_UNIT)))
        raise ScenarioError(
            where,
            "synthetic.n_locations",
            int(n_locations),
            f"a world that fits in the {_gib(avail)} available (this one needs about {_gib(need)}: "
            f"~{WORLD_BYTES_PER_LOCATION} B per location, ~{WORLD_BYTES_PER_UNIT} B per unit; at most "
            f"~{max_loc:,} locations with as many units)",
        )


def run_bytes(state: Any, days: int, n_locations: int, n_side: int, n_acc: int) -> tuple[int, int]:
    """Bytes per replicate of a run: ``(without per-location series, of the series alone)``."""
    arrays = sum(a.nbytes for a in state if isinstance(a, np.ndarray))
    daily = (days + 1) * (n_side + n_acc) * 8
    series = (days + 1) * n_locations * SERIES_CELL_BYTES
    return int(TABLE_FACTOR * (arrays + daily)), int(TABLE_FACTOR * series)


def check_run(
    state_one: Any,
    replicates: int,
    days: int,
    n_locations: int,
    n_side: int,
    n_acc: int,
    record_locations: bool,
) -> None:
    """Refuse a run of ``replicates`` that would not fit in memory, saying how many would.

    Parameters
    ----------
    state_one : NamedTuple of arrays
        A one-replicate initial state (its arrays' sizes are measured).
    replicates, days, n_locations : int
    n_side, n_acc : int
        Daily per-side and accounting columns.
    record_locations : bool
        Whether the per-location series is kept.

    Raises
    ------
    ScenarioError
    """
    base, series = run_bytes(state_one, days, n_locations, n_side, n_acc)
    per = base + (series if record_locations else 0)
    need = per * int(replicates)
    avail = available_memory()
    if avail is None or need <= avail:
        return
    fit = int(avail // per)
    fit_no_series = int(avail // base)
    extra = (
        f"; {fit_no_series:,} without per-location series (record_locations=False)"
        if record_locations and fit_no_series > fit
        else ""
    )
    raise ScenarioError(
        "memory",
        "replicates",
        int(replicates),
        f"at most {fit:,} here: each replicate needs about {per / 2**20:.1f} MiB and {_gib(avail)} "
        f"is available{extra}; run fewer, or in several runs with other seeds",
    )
