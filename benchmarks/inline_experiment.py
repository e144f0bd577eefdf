"""Profile experiment: the same kernel source re-jitted with its small helpers inlined.

The phase kernels pass the whole ``State`` / ``Static`` / ``Params`` NamedTuples (about 80
arrays) to every helper (``target_score``, ``defence_of``, ``siege_ratio``, ``uniform``, ...).
A call to a non-inlined numba function increfs and decrefs every array member of a tuple
argument (``NRT_incref`` / ``NRT_decref``, atomic), so a helper called K times per unit per
pass costs thousands of atomic operations per unit-day. This module rebuilds the day kernel
from the *unchanged* source of ``sim.kernels`` with every ``@njit`` helper compiled with
``inline="always"`` (numba IR inlining, so tuple members are read in place) and the phase
functions left as they are, so the benchmark can measure what that one-word change would buy.
Nothing in ``sim/`` is modified: functions are re-created from their code objects with
substituted globals.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

from numba import njit, prange  # noqa: F401  (prange is looked up by the re-created source)
from numba.core.registry import CPUDispatcher

import sim.kernels


def _kernel_modules() -> list[types.ModuleType]:
    mods = []
    for info in pkgutil.iter_modules(sim.kernels.__path__):
        mods.append(importlib.import_module(f"sim.kernels.{info.name}"))
    mods.append(importlib.import_module("sim.world"))
    return mods


def build_inlined() -> tuple[object, object]:
    """Return ``(step_day, run_batch_serial)`` rebuilt with helpers inlined (not cached)."""
    mods = _kernel_modules()
    # every dispatcher, and whether it is a helper (defined with @njit) or a phase kernel
    # (``name_nb = njit(...)(name)``, called once per day)
    originals: dict[int, tuple[CPUDispatcher, types.ModuleType]] = {}
    for m in mods:
        for v in vars(m).values():
            if isinstance(v, CPUDispatcher) and v.py_func.__module__ == m.__name__:
                originals[id(v)] = (v, m)
    new_globals = {m.__name__: dict(vars(m)) for m in mods}
    replaced: dict[int, CPUDispatcher] = {}
    for key, (d, m) in originals.items():
        f = d.py_func
        is_phase = getattr(m, f.__name__, None) is not d  # helper: the name binds the dispatcher
        g = new_globals[m.__name__]
        nf = types.FunctionType(f.__code__, g, f.__name__, f.__defaults__, f.__closure__)
        opts = dict(d.targetoptions)
        opts.pop("cache", None)
        if not is_phase and not opts.get("parallel"):
            opts["inline"] = "always"
        replaced[key] = njit(**opts)(nf)
    for m in mods:
        g = new_globals[m.__name__]
        for name, v in list(g.items()):
            if isinstance(v, CPUDispatcher) and id(v) in replaced:
                g[name] = replaced[id(v)]
    from sim.kernels import step

    return (replaced[id(step.step_day_nb)], replaced[id(step.run_batch_serial_nb)])
