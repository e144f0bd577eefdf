"""The batched loop: an ensemble of replicates as one kernel call.

:func:`run` is the one-call entry point: ``sim.run("afghanistan_2021", seed=1)`` or
``sim.run(scenario, seed=0, replicates=1000)``. Replicate r uses seed ``seed + r`` and equals
``ConflictModel(scenario, seed=seed + r)`` run alone (tests assert it). With the numba backend the
replicates run as batched kernel calls over the replicate axis
(:func:`sim.kernels.step.run_batch_serial_nb`), one block of replicates per core in threads that
release the GIL, each thread with its own arrays. (The ``prange`` variant
:func:`sim.kernels.step.run_batch_nb` gives the same numbers but does not scale here: numba's
atomic reference counting on the shared state arrays serialises its threads; see
``benchmarks/RESULTS.md``.) With the python backend each replicate is a Mesa model stepped by
its agents.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sim.kernels import codes as C
from sim.kernels.step import N_SIDE, run_batch_serial_nb
from sim.outputs import RunResult
from sim.resources import check_run
from sim.scenario import Scenario, load_scenario
from sim.world import Static, build_params, build_static, initial_state

#: Above this many (replicate x day x location) cells the per-location series is not kept
#: unless asked for (it would be the bulk of memory for large ensembles).
SERIES_CELL_LIMIT = 20_000_000


def run(
    scenario: Scenario | str = "afghanistan_2021",
    seed: int = 0,
    replicates: int = 1,
    days: int | None = None,
    backend: str = "numba",
    record_locations: bool | None = None,
    parallel: bool | int = True,
    overrides: Sequence[str] = (),
    chunk: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run a scenario for ``replicates`` replicates and return the result tables.

    Parameters
    ----------
    scenario : Scenario or str, default "afghanistan_2021"
        A loaded scenario, or a scenario name (loaded with ``overrides``).
    seed : int, default 0
        Seed of replicate 0; replicate r uses ``seed + r``.
    replicates : int, default 1
    days : int, optional
        Days to simulate (default: the scenario's horizon).
    backend : {"numba", "python"}, default "numba"
    record_locations : bool, optional
        Keep daily per-location series; default True when the series is small.
    parallel : bool or int, default True
        Run blocks of replicates in parallel threads (one per core, or this many); results are
        identical either way, since each replicate depends only on its own seed.
    overrides : sequence of str
        Hydra overrides, used only when ``scenario`` is a name.
    chunk : int, optional
        Run the replicates in kernel calls of at most this many (default: all in one call);
        results are identical, since each replicate depends only on its own seed.
    progress : callable, optional
        Called with the number of replicates finished after each chunk (for progress bars).

    Returns
    -------
    RunResult
        ``summary`` (capital falls), ``runs``, ``events``, ``sides``, ``series``.
    """
    if isinstance(scenario, str):
        scenario = load_scenario(scenario, overrides)
    elif overrides:  # issue 15: never ignore overrides silently
        raise ValueError(
            "overrides apply to a scenario name only; load the scenario with them: "
            f"sim.run(sim.load_scenario({scenario.name!r}, overrides=[...]), ...)"
        )
    if replicates < 1:
        raise ValueError(f"replicates must be >= 1, not {replicates}")
    if not 0 <= seed <= 2**63 - replicates:  # issue 15: seeds are int64
        raise ValueError(
            f"seed must be in 0..{2**63 - replicates} (seed + replicates - 1 fits int64), not {seed}"
        )
    T = int(scenario.horizon_days if days is None else days)
    if not 0 < T <= scenario.horizon_days:
        raise ValueError(f"days must be in 1..{scenario.horizon_days}, not {T}")
    N = scenario.n_locations
    if record_locations is None:
        record_locations = replicates * (T + 1) * N <= SERIES_CELL_LIMIT
    check_run(
        initial_state(scenario, 1), replicates, T, N, N_SIDE, C.N_ACC, bool(record_locations)
    )  # issue 15: refuse what cannot fit before allocating
    seeds = np.arange(seed, seed + replicates, dtype=np.int64)
    if backend == "python":
        return _run_python(scenario, seeds, T, record_locations)
    if backend != "numba":
        raise ValueError(f"backend must be 'numba' or 'python', not {backend!r}")
    S = build_static(scenario)
    P = build_params(scenario)
    threads = _threads(parallel, replicates)
    step = max(1, int(chunk or -(-replicates // threads)))
    blocks = [(a, min(step, replicates - a)) for a in range(0, replicates, step)]

    def run_block(block: tuple[int, int], S_: Static) -> tuple:
        a, R = block
        st = initial_state(scenario, R)
        side = np.zeros((R, T + 1, N_SIDE))
        acc = np.zeros((R, T + 1, C.N_ACC))
        shape = (R, T + 1, N) if record_locations else (0, 0, 0)
        lc, lg = np.zeros(shape, np.int8), np.zeros(shape)
        lm, li = np.zeros(shape), np.zeros(shape)
        run_batch_serial_nb(st, S_, P, seeds[a : a + R], 0, T, side, acc, lc, lg, lm, li)
        return st, side, acc, lc, lg, lm, li

    if threads == 1:
        parts = []
        for b in blocks:
            parts.append(run_block(b, S))
            if progress is not None:
                progress(b[0] + b[1])
    else:
        # One worker thread per core, each with its own copy of the static arrays and its own
        # state arrays: the kernel releases the GIL, and no two threads touch the same array
        # (numba's atomic reference counts on shared arrays serialise a prange over replicates).
        copies = [S] + [_copy_static(S) for _ in range(threads - 1)]
        local = threading.local()
        counter = itertools.count()

        def work(b: tuple[int, int]) -> tuple:
            if not hasattr(local, "S"):
                local.S = copies[next(counter)]
            return run_block(b, local.S)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = []
            for out in pool.map(work, blocks):
                parts.append(out)
                if progress is not None:
                    progress(sum(p[1].shape[0] for p in parts))
    if len(parts) == 1:
        st, side, acc, lc, lg, lm, li = parts[0]
    else:
        st = type(parts[0][0])(*(np.concatenate(f) for f in zip(*(p[0] for p in parts), strict=True)))
        side, acc, lc, lg, lm, li = (np.concatenate([p[k] for p in parts]) for k in range(1, 7))
    return RunResult.from_arrays(scenario, seeds, st, side, acc, lc, lg, lm, li, backend="numba")


def _threads(parallel: bool | int, replicates: int) -> int:
    """Worker threads for an ensemble: ``parallel`` True = one per core (numba's thread count,
    ``NUMBA_NUM_THREADS``), False = 1, an int = that many; never more than replicates."""
    if parallel is True:
        import numba

        n = numba.get_num_threads() or os.cpu_count() or 1
    elif parallel is False:
        n = 1
    else:
        n = int(parallel)
    return max(1, min(n, replicates))


def _copy_static(S: Static) -> Static:
    return Static(*(a.copy() if isinstance(a, np.ndarray) else a for a in S))


def _run_python(scenario: Scenario, seeds: np.ndarray, T: int, record: bool) -> RunResult:
    import pandas as pd

    from sim.model import ConflictModel

    parts = []
    for r, s in enumerate(seeds):
        m = ConflictModel(scenario, backend="python", days=T, record_locations=record, seed=int(s)).run()
        res = m.result()
        for name in ("summary", "runs", "events", "sides", "series"):
            df = getattr(res, name)
            if "replicate" in df:
                df["replicate"] = r
        parts.append(res)
    first = parts[0]
    merged = {
        name: pd.concat([getattr(p, name) for p in parts], ignore_index=True)
        for name in ("summary", "runs", "events", "sides", "series")
    }
    return RunResult(scenario_name=first.scenario_name, config_yaml=first.config_yaml, seeds=seeds, **merged)
