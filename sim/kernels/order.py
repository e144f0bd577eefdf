"""Units kept in (location, unit id) order, so that a day's passes over units read locations in
order instead of at random.

Movement scores each unit's K nearest locations; with units in scenario order those rows are
scattered over the whole world, and at 10^6 units the day was bound by memory latency (about
three million random DRAM lines a day). In (location, id) order the units at one location come
one after another and their candidate rows stay in cache.

The kernels keep a working copy of the unit blocks (:class:`~sim.kernels.layout.Rows` ``uf``,
``ui``, the fourth row of ``ui`` the unit's id): :func:`load_units` sorts the state's units (in id
order) into it at the start of a batch call, :func:`sort_units` re-sorts it after movement each
day (a stable counting sort by location, then each location's units by id), and
:func:`store_units` writes it back in id order at the end. The sort key is the location a unit
stands at, or for a unit on the road the node it is travelling to (where it arrives and scores).

Results do not depend on this order: a unit's random draws are keyed by its id, units are
independent within a day's movement, and the passes where order matters - sums of the units
present at a location, and units absorbing a location's pool one after another - visit each
location's units in id order, as before. Only sums over all units (the day's insurgent
casualties, the insurgents present in the side series) add the same numbers in another order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import layout as L


@njit(cache=True, no_cpython_wrapper=True)
def _key(uf, ui, u: int) -> int:
    """Sort key of unit slot u: where it stands, or the node it is travelling to."""
    return ui[L.UI_LOC, u] if uf[L.U_ETA, u] == 0.0 else ui[L.UI_NEXT, u]


@njit(cache=True, no_cpython_wrapper=True)
def _scatter(uf, ui, uf_out, ui_out, count, with_id: int) -> None:
    """Stable counting sort of the unit columns by :func:`_key` into ``uf_out``, ``ui_out``;
    ``count`` (N + 1,) ends with the end of each location's run. ``with_id`` 1: ``ui`` carries
    the id row; 0: the id is the column (the state's own order)."""
    n = len(count) - 1
    for b in range(n + 1):
        count[b] = 0
    U = uf.shape[1]
    for u in range(U):
        count[_key(uf, ui, u) + 1] += 1
    for b in range(n):
        count[b + 1] += count[b]
    for u in range(U):
        b = _key(uf, ui, u)
        d = count[b]
        count[b] = d + 1
        for f in range(uf.shape[0]):
            uf_out[f, d] = uf[f, u]
        for f in range(L.N_UI_WORK - 1):
            ui_out[f, d] = ui[f, u]
        ui_out[L.UI_ID, d] = ui[L.UI_ID, u] if with_id == 1 else u


@njit(cache=True, no_cpython_wrapper=True)
def _order_runs(uf, ui, count) -> None:
    """Sort each location's run of unit columns by unit id (``count[b]`` the end of location
    b's run). A run arrives as a few pieces that are each in id order (units from different
    locations), so most runs need no move; the others are ordered by an insertion sort of their
    slots (adaptive: cheap for nearly ordered runs) and their columns moved once."""
    ids = ui[L.UI_ID]
    nf, ni = uf.shape[0], ui.shape[0]
    idx = np.empty(uf.shape[1], np.int64)
    tf = np.empty((nf, uf.shape[1]))
    ti = np.empty((ni, uf.shape[1]), np.int64)
    a = 0
    for b in range(len(count) - 1):
        e = count[b]
        ordered = True
        for k in range(a + 1, e):
            if ids[k] < ids[k - 1]:
                ordered = False
                break
        if not ordered:
            m = e - a
            for k in range(m):
                v = a + k
                j = k
                while j > 0 and ids[idx[j - 1]] > ids[v]:
                    idx[j] = idx[j - 1]
                    j -= 1
                idx[j] = v
            for k in range(m):
                for f in range(nf):
                    tf[f, k] = uf[f, idx[k]]
                for f in range(ni):
                    ti[f, k] = ui[f, idx[k]]
            for k in range(m):
                for f in range(nf):
                    uf[f, a + k] = tf[f, k]
                for f in range(ni):
                    ui[f, a + k] = ti[f, k]
        a = e


@njit(cache=True, no_cpython_wrapper=True)
def is_sorted(uf, ui) -> bool:
    """Whether the units are in (key, id) order already (then a sort would move nothing)."""
    for u in range(1, uf.shape[1]):
        a, b = _key(uf, ui, u - 1), _key(uf, ui, u)
        if b < a or (b == a and ui[L.UI_ID, u] < ui[L.UI_ID, u - 1]):
            return False
    return True


@njit(cache=True, no_cpython_wrapper=True)
def sort_units(uf, ui, uf_out, ui_out, count) -> bool:
    """Sort the working units into ``uf_out``, ``ui_out`` in (location, id) order; returns False
    (and leaves the outputs untouched) when they are in that order already."""
    if is_sorted(uf, ui):
        return False
    _scatter(uf, ui, uf_out, ui_out, count, np.int64(1))
    _order_runs(uf_out, ui_out, count)
    return True


@njit(cache=True, no_cpython_wrapper=True)
def load_units(uf_state, ui_state, uf, ui, count) -> None:
    """The state's units (in id order, ``ui_state`` without the id row) into the working copy,
    in (location, id) order (a stable sort of id order needs no second pass)."""
    _scatter(uf_state, ui_state, uf, ui, count, np.int64(0))


@njit(cache=True, no_cpython_wrapper=True)
def store_units(uf, ui, uf_state, ui_state) -> None:
    """The working copy back into the state, in id order."""
    for u in range(uf.shape[1]):
        k = ui[L.UI_ID, u]
        for f in range(uf.shape[0]):
            uf_state[f, k] = uf[f, u]
        for f in range(ui_state.shape[0]):
            ui_state[f, k] = ui[f, u]
