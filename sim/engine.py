"""The batched loop: an ensemble of replicates as one kernel call.

:func:`run` is the one-call entry point: ``sim.run("afghanistan_2021", seed=1)`` or
``sim.run(scenario, seed=0, replicates=1000)``. Replicate r uses seed ``seed + r`` and equals
``ConflictModel(scenario, seed=seed + r)`` run alone (tests assert it). With the numba backend the
replicates run as batched kernel calls over the replicate axis
(:func:`sim.kernels.step.run_batch`), one block of replicates per core in threads that release
the GIL, each thread with its own arrays. (A ``prange`` over replicates gave the same numbers but
did not scale: numba's atomic reference counting on the shared state arrays serialised its
threads; it is no longer compiled.) With the python backend each replicate is a Mesa model stepped by
its agents.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from sim.kernels import codes as C
from sim.kernels.step import N_SIDE, run_batch
from sim.outputs import RunResult
from sim.resources import check_run
from sim.scenario import Scenario, load_scenario
from sim.world import Static, build_static, initial_state, pack_state, param_table

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
    params: Any = None,
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
    params : None, "point", DataFrame or sequence of mappings, optional
        Model parameters per replicate. None: the scenario's default (draws from its shipped
        posterior when it has one, see :func:`sim.inference.posterior.replicate_params`, else
        its point values); "point": the scenario's point values for every replicate; a table
        with one row per replicate and config paths as columns (``"model.morale.b0"``).

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
    )  # refuse what cannot fit before allocating
    seeds = np.arange(seed, seed + replicates, dtype=np.int64)
    draws = replicate_draws(scenario, seeds, params)
    if backend == "python":
        return _run_python(scenario, seeds, T, record_locations, draws)
    if backend != "numba":
        raise ValueError(f"backend must be 'numba' or 'python', not {backend!r}")
    S = build_static(scenario)
    ptab = param_table(scenario, replicates, draws)
    threads = _threads(parallel, replicates)
    step = max(1, int(chunk or -(-replicates // threads)))
    blocks = [(a, min(step, replicates - a)) for a in range(0, replicates, step)]

    def run_block(block: tuple[int, int], S_: Static) -> tuple:
        a, R = block
        st = initial_state(scenario, R, ptab=ptab[a : a + R])
        side = np.zeros((R, T + 1, N_SIDE))
        acc = np.zeros((R, T + 1, C.N_ACC))
        shape = (R, T + 1, N) if record_locations else (0, 0, 0)
        lc, lg = np.zeros(shape, np.int8), np.zeros(shape)
        lm, li = np.zeros(shape), np.zeros(shape)
        run_batch(st, S_, ptab[a : a + R], seeds[a : a + R], 0, T, side, acc, lc, lg, lm, li)
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


def replicate_draws(scenario: Scenario, seeds: np.ndarray, params: Any = None) -> list[dict] | None:
    """Parameter values of each replicate (config path -> value), or None for the point values.

    See :func:`run`'s ``params``. Posterior draws depend only on each replicate's seed, so
    replicate r of an ensemble equals a lone run with seed ``seed + r``.
    """
    if isinstance(params, str):
        if params != "point":
            raise ValueError(f"params must be None, 'point' or a table, not {params!r}")
        return None
    if params is None:
        from sim.inference.posterior import replicate_params

        return replicate_params(scenario, seeds)
    rows = params.to_dict("records") if hasattr(params, "to_dict") else [dict(r) for r in params]
    if len(rows) != len(seeds):
        raise ValueError(f"params has {len(rows)} rows for {len(seeds)} replicates")
    return rows


def _run_python(
    scenario: Scenario, seeds: np.ndarray, T: int, record: bool, draws: list[dict] | None = None
) -> RunResult:
    import pandas as pd

    from sim.model import ConflictModel

    parts = []
    for r, s in enumerate(seeds):
        m = ConflictModel(
            scenario,
            backend="python",
            days=T,
            record_locations=record,
            draw=None if draws is None else draws[r],
            seed=int(s),
        ).run()
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


class Ensemble:
    """Particles - replicates with their own parameters, seeds and state - stepped in segments.

    The replicates are split into blocks, one per worker thread, each with its own copy of the
    static arrays and its own state (as :func:`run` does), and :meth:`advance` steps every block
    to a day in parallel; between segments the caller reads the state (:meth:`field`), changes
    it in place (:meth:`for_blocks`), or resamples the particles (:meth:`resample`), as the
    particle filter of :mod:`sim.inference.assimilate` does. Each replicate depends only on its
    own parameters and seed, so results do not depend on the number of threads. With
    ``backend="python"`` every replicate is a :class:`~sim.model.ConflictModel` stepped by its
    agents' reference rules (slow; tests hold the two backends equal).

    Parameters
    ----------
    scenario : Scenario
    ptab : numpy.recarray
        One parameter record per replicate (:func:`sim.world.param_table`).
    seeds : array of int
        One seed per replicate.
    parallel : bool or int, default True
        Worker threads (as in :func:`run`).
    static : Static, optional
        The scenario's static arrays, when already built (:func:`sim.world.build_static`).
    record_control : bool, default False
        Keep every replicate's control of every location on every day (:meth:`control`).
    backend : {"numba", "python"}, default "numba"
    """

    def __init__(
        self,
        scenario: Scenario,
        ptab: np.ndarray,
        seeds: np.ndarray,
        parallel: bool | int = True,
        static: Static | None = None,
        record_control: bool = False,
        backend: str = "numba",
    ) -> None:
        self.scenario = scenario
        self.record_control = bool(record_control)
        self.backend = backend
        self.T = int(scenario.horizon_days)
        R = len(seeds)
        if len(ptab) != R:
            raise ValueError(f"{len(ptab)} parameter records for {R} replicates")
        if backend not in ("numba", "python"):
            raise ValueError(f"backend must be 'numba' or 'python', not {backend!r}")
        if backend == "python":
            if record_control:
                raise ValueError("record_control needs the numba backend")
            self.ranges = [(r, r + 1) for r in range(R)]
            self.blocks = [self._model_block(ptab[r : r + 1], int(seeds[r])) for r in range(R)]
            self.statics = [b["model"].static for b in self.blocks]
        else:
            threads = _threads(parallel, R)
            step = -(-R // threads)
            self.ranges = [(a, min(a + step, R)) for a in range(0, R, step)]
            S = build_static(scenario) if static is None else static
            self.statics = [S] + [_copy_static(S) for _ in range(len(self.ranges) - 1)]
            self.blocks = [
                self._new_block(ptab[a:b], np.asarray(seeds[a:b], np.int64)) for a, b in self.ranges
            ]
        self.day = 0  # the state is at the start of this day (the end of day - 1)

    def _new_block(self, ptab: np.ndarray, seeds: np.ndarray) -> dict:
        R = len(seeds)
        n = self.scenario.n_locations
        return {
            "st": initial_state(self.scenario, R, ptab=ptab),
            "ptab": ptab,
            "seeds": seeds,
            "side": np.zeros((R, self.T + 1, N_SIDE)),
            "acc": np.zeros((R, self.T + 1, C.N_ACC)),
            "lc": np.zeros((R, self.T + 1, n) if self.record_control else (0, 0, 0), np.int8),
        }

    def _model_block(self, ptab: np.ndarray, seed: int) -> dict:
        from sim.model import ConflictModel
        from sim.world import params_view

        m = ConflictModel(self.scenario, backend="python", record_locations=False, seed=seed)
        m.param_record = ptab[0]
        m.params = params_view(ptab[0])
        for a, b in zip(m.state, initial_state(self.scenario, 1, ptab=ptab), strict=True):
            np.copyto(a, b)
        m._record()
        return {
            "model": m,
            "st": m.state,
            "ptab": ptab.copy().view(np.recarray),
            "seeds": np.array([seed], np.int64),
            "side": m._side,
            "acc": m._acc,
            "lc": np.zeros((0, 0, 0), np.int8),
        }

    @property
    def replicates(self) -> int:
        return self.ranges[-1][1]

    def advance(self, until: int) -> None:
        """Step every replicate through days ``[self.day, until)`` (to the start of ``until``)."""
        until = min(int(until), self.T)
        if until <= self.day:
            return
        t0 = self.day
        if self.backend == "python":
            for b in self.blocks:
                m = b["model"]
                m.run(until - m.day)
            self.day = until
            return
        z = np.zeros((0, 0, 0))

        def work(k: int) -> None:
            b = self.blocks[k]
            run_batch(
                b["st"],
                self.statics[k],
                b["ptab"],
                b["seeds"],
                t0,
                until,
                b["side"],
                b["acc"],
                b["lc"],
                z,
                z,
                z,
            )

        if len(self.blocks) == 1:
            work(0)
        else:
            with ThreadPoolExecutor(max_workers=len(self.blocks)) as pool:
                list(pool.map(work, range(len(self.blocks))))
        self.day = until

    def control(self) -> np.ndarray:
        """Control of every location on every day so far, shape (R, day + 1, N) (``int8``; day k
        is the state after k days), when the ensemble records it."""
        if not self.record_control:
            raise ValueError("this ensemble does not record control (record_control=False)")
        return np.concatenate([b["lc"][:, : self.day + 1] for b in self.blocks])

    def field(self, name: str) -> np.ndarray:
        """A state field of all replicates (a new array, blocks concatenated)."""
        return np.concatenate([getattr(b["st"], name) for b in self.blocks])

    @property
    def seeds(self) -> np.ndarray:
        return np.concatenate([b["seeds"] for b in self.blocks])

    @property
    def ptab(self) -> np.ndarray:
        return np.concatenate([b["ptab"] for b in self.blocks]).view(np.recarray)

    def for_blocks(self, fn: Callable[[Any, Any, np.ndarray, np.ndarray], None]) -> None:
        """Call ``fn(state, static, ptab, rows)`` for every block, ``rows`` the global indices of
        its replicates, to change the state in place (e.g. assimilation nudges)."""
        for (a, b), blk, S in zip(self.ranges, self.blocks, self.statics, strict=True):
            fn(blk["st"], S, blk["ptab"], np.arange(a, b))

    def resample(self, parents: np.ndarray, seeds: np.ndarray) -> None:
        """Replace replicate r by a copy of replicate ``parents[r]`` (state, series so far and
        parameters) that continues with seed ``seeds[r]``."""
        parents = np.asarray(parents, np.int64)
        seeds = np.asarray(seeds, np.int64)
        fields = [np.concatenate(f)[parents] for f in zip(*(b["st"] for b in self.blocks), strict=True)]
        ptab = self.ptab[parents]
        side = np.concatenate([b["side"] for b in self.blocks])[parents]
        acc = np.concatenate([b["acc"] for b in self.blocks])[parents]
        lc = np.concatenate([b["lc"] for b in self.blocks])[parents] if self.record_control else None
        if self.backend == "python":
            from sim.world import params_view

            for (a, _), blk in zip(self.ranges, self.blocks, strict=True):
                m = blk["model"]
                for dst, src in zip(m.state, fields, strict=True):
                    np.copyto(dst, src[a : a + 1])
                np.copyto(m._side, side[a : a + 1])
                np.copyto(m._acc, acc[a : a + 1])
                m.param_record = ptab[a]
                m.params = params_view(ptab[a])
                m.seed = int(seeds[a])
                blk["ptab"] = ptab[a : a + 1].copy().view(np.recarray)
                blk["seeds"] = seeds[a : a + 1].copy()
            return
        State = type(self.blocks[0]["st"])
        self.blocks = [
            {
                "st": pack_state(State(*(f[a:b] for f in fields))),
                "ptab": ptab[a:b].copy().view(np.recarray),
                "seeds": seeds[a:b].copy(),
                "side": np.ascontiguousarray(side[a:b]),
                "acc": np.ascontiguousarray(acc[a:b]),
                "lc": np.ascontiguousarray(lc[a:b]) if lc is not None else np.zeros((0, 0, 0), np.int8),
            }
            for a, b in self.ranges
        ]

    def result(self) -> RunResult:
        """The ensemble so far as a :class:`RunResult` (days after ``self.day`` are not run yet)."""
        st = type(self.blocks[0]["st"])(
            *(np.concatenate(f) for f in zip(*(b["st"] for b in self.blocks), strict=True))
        )
        k = self.day + 1
        side = np.concatenate([b["side"] for b in self.blocks])[:, :k]
        acc = np.concatenate([b["acc"] for b in self.blocks])[:, :k]
        z = np.zeros((0, 0, 0))
        return RunResult.from_arrays(
            self.scenario,
            self.seeds,
            st,
            side,
            acc,
            np.zeros((0, 0, 0), np.int8),
            z,
            z,
            z,
            backend=self.backend,
        )
