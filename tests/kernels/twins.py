"""Run a kernel's source as plain Python, and call compiled phase kernels from Python.

:func:`pure` returns a copy of a jitted function's Python source whose globals name, for every
jitted helper it calls, that helper's own plain twin (recursively; the random streams map to
their integer-arithmetic twins ``uniform_py``/``normal_py``): the whole phase then runs in the
interpreter with the same arithmetic in the same order. :func:`call_phase` runs the compiled
phase (phases have no CPython wrapper: they are only called from compiled code).
"""

from __future__ import annotations

import types

import numpy as np
from numba import njit
from numba.core.registry import CPUDispatcher

from sim.kernels import layout as L
from sim.kernels import rng
from sim.world import blocks_of

_SPECIAL = {id(rng.uniform): rng.uniform_py, id(rng.normal): rng.normal_py}
_MEMO: dict[int, types.FunctionType] = {}


def pure(fn):
    """The plain-Python twin of a jitted function (or of a plain function calling jitted ones)."""
    if isinstance(fn, CPUDispatcher):
        if id(fn) in _SPECIAL:
            return _SPECIAL[id(fn)]
        fn = fn.py_func
    if id(fn) in _MEMO:
        return _MEMO[id(fn)]
    g = dict(fn.__globals__)
    twin = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
    _MEMO[id(fn)] = twin
    for name in fn.__code__.co_names:
        obj = g.get(name)
        if isinstance(obj, CPUDispatcher):
            g[name] = pure(obj)
    return twin


@njit
def call_phase(phase, X, G, P, seed, t):
    """Call a compiled phase kernel (``phase(X, G, P, seed, t)``) from Python."""
    phase(X, G, P, seed, t)


def working_rows(st, r=0):
    """Replicate r of a block-backed state as the phases see it (a copy): units in (location,
    id) order with their id row."""
    B = blocks_of(st)
    U = B.uf.shape[2]
    key = np.where(st.ueta[r] == 0.0, st.uloc[r], st.unext[r])
    order = np.lexsort((np.arange(U), key))
    uf = np.ascontiguousarray(B.uf[r][:, order])
    ui = np.ascontiguousarray(np.vstack([B.ui[r][:, order], order[None, :]]))
    X = L.Rows(B.lf[r], B.l8[r], B.li[r], uf, ui, *(getattr(B, f)[r] for f in L.Rows._fields[5:]))
    return L.Rows(*(a.copy() for a in X))
