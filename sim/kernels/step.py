"""One day of the model, and the batched loop over replicates and days.

The daily cycle (same order in both backends; MODEL-NOTES "Daily cycle"):

1. :mod:`~sim.kernels.events`   scripted events and policy
2. :mod:`~sim.kernels.movement` insurgent targeting and movement (then the units are re-sorted
   into (location, id) order, :mod:`~sim.kernels.order`; no result depends on it)
3. :mod:`~sim.kernels.combat`   presence, then Lanchester combat where both sides are present
4. :mod:`~sim.kernels.morale`   isolation, garrison morale and breaking, militia loyalty;
   :mod:`~sim.kernels.negotiation` negotiated handovers; insurgent morale
5. :mod:`~sim.kernels.control`  control, falls, news, prisoners, revenue lost;
   :mod:`~sim.kernels.collapse` political collapse of the centre
6. :mod:`~sim.kernels.command`  reinforcement requests, arrivals, airlift of the reserve
7. :mod:`~sim.kernels.growth`   recruitment, pools absorbed, captured equipment

:func:`run_batch_nb` is the one compiled entry point: it runs the day's phases above for days
``[t0, t1)`` for every replicate of a block of state (:class:`~sim.kernels.layout.StateBlocks`),
one replicate after another; each replicate writes only its own rows, so replicate r equals a
lone run with seed ``seeds[r]``, and :func:`sim.engine.run` runs blocks of replicates in parallel
threads (the kernel releases the GIL). Everything else - the phases, the unit sort - is compiled
without a CPython wrapper, as part of it. :func:`run_batch`, :func:`step_day_nb` and
:func:`record_nb` are the Python entry points on a :class:`~sim.world.State`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.collapse import collapse_nb
from sim.kernels.combat import combat_nb, presence_nb
from sim.kernels.command import command_nb
from sim.kernels.common import kernel
from sim.kernels.control import update_control_nb
from sim.kernels.events import apply_events_nb
from sim.kernels.growth import growth_nb
from sim.kernels.morale import garrison_morale_nb, insurgent_morale_nb, isolation_nb, militia_loyalty_nb
from sim.kernels.movement import move_units_nb
from sim.kernels.negotiation import negotiate_nb
from sim.kernels.order import load_units, sort_units, store_units

# columns of the per-day side series
SIDE_LABELS = (
    "gov_present",
    "ins_present",
    "capitals_held",
    "locations_held",
    "locations_contested",
    "reserve",
    "in_transit",
)
N_SIDE = len(SIDE_LABELS)


def record(X, G, r: int, k: int, side, acc, loc_ctrl, loc_gov, loc_morale, loc_ins) -> None:
    """Write replicate r's day-k snapshot into the output arrays (shape (R, T + 1, ...)). The
    per-location arrays may be 0-row (not kept); ``loc_ctrl`` alone may be kept (control is what
    observations read); with a 0-row ``side`` nothing is recorded."""
    if side.shape[0] == 0:
        return
    lf, l8 = X.lf, X.l8
    gov_a, mil, pool, ins_a, gm = lf[L.L_GOV], lf[L.L_MIL], lf[L.L_POOL], lf[L.L_INS], lf[L.L_GM]
    mstate, ctrl = l8[L.L8_MSTATE], l8[L.L8_CTRL]
    is_capital = G.gb[L.G_IS_CAPITAL]
    n = len(gov_a)
    gov = 0.0
    caps = 0.0
    held = 0.0
    cont = 0.0
    ins = 0.0
    for i in range(n):
        gov += gov_a[i]
        if mstate[i] == C.MIL_ACTIVE or mstate[i] == C.MIL_STOOD_ASIDE:
            gov += mil[i]
        ins += pool[i]
        c = ctrl[i]
        if c != C.INSURGENT:
            held += 1.0
            if is_capital[i]:
                caps += 1.0
        if c == C.CONTESTED or c == C.AIRPORT:
            cont += 1.0
    s = X.uf[L.U_S]
    for u in range(len(s)):
        ins += s[u]
    transit = 0.0
    for j in range(X.transit.shape[0]):
        for i in range(n):
            transit += X.transit[j, i]
    side[r, k, 0] = gov
    side[r, k, 1] = ins
    side[r, k, 2] = caps
    side[r, k, 3] = held
    side[r, k, 4] = cont
    side[r, k, 5] = X.rf[L.RF_RESERVE]
    side[r, k, 6] = transit
    for a in range(X.acc.shape[0]):
        acc[r, k, a] = X.acc[a]
    if loc_ctrl.shape[0] > 0:
        for i in range(n):
            loc_ctrl[r, k, i] = ctrl[i]
    if loc_gov.shape[0] > 0:
        for i in range(n):
            g = gov_a[i]
            if mstate[i] == C.MIL_ACTIVE:
                g += mil[i]
            loc_gov[r, k, i] = g
            loc_morale[r, k, i] = gm[i]
            loc_ins[r, k, i] = ins_a[i]


record_k = kernel(record)


@njit(cache=True, nogil=True)
def run_batch_nb(B, G, ptab, seeds, t0: int, t1: int, side, acc, loc_ctrl, loc_gov, loc_morale, loc_ins):
    """Run days [t0, t1) for every replicate of the state blocks ``B``; record day k = t + 1
    after each step (day t0 first).

    ``B`` :class:`~sim.kernels.layout.StateBlocks`, ``G`` :class:`~sim.kernels.layout.Geo`,
    ``ptab`` one parameter record per replicate (:func:`sim.world.param_table`). Output arrays
    have shape (R, T + 1, ...) and are indexed by day (``side`` 0-row: nothing recorded).
    """
    R = len(seeds)
    U = B.uf.shape[2]
    n = B.lf.shape[2]
    work_f = np.empty((B.uf.shape[1], U))
    work_i = np.empty((L.N_UI_WORK, U), np.int64)
    spare_f = np.empty((B.uf.shape[1], U))
    spare_i = np.empty((L.N_UI_WORK, U), np.int64)
    count = np.empty(n + 1, np.int64)
    for r in range(R):
        P = ptab[r]
        load_units(B.uf[r], B.ui[r], work_f, work_i, count)
        X = L.Rows(
            B.lf[r],
            B.l8[r],
            B.li[r],
            work_f,
            work_i,
            B.rf[r],
            B.ri[r],
            B.r8[r],
            B.transit[r],
            B.acc[r],
            B.log_day[r],
            B.log_kind[r],
            B.log_loc[r],
            B.log_val[r],
        )
        record_k(X, G, r, t0, side, acc, loc_ctrl, loc_gov, loc_morale, loc_ins)
        seed = seeds[r]
        for t in range(t0, t1):
            # the day, phase by phase (module docstring); called here rather than through a
            # step function, since every level of calls compiles all the code below it again
            apply_events_nb(X, G, P, seed, t)
            move_units_nb(X, G, P, seed, t)
            if sort_units(X.uf, X.ui, spare_f, spare_i, count):
                old_f, old_i = X.uf, X.ui
                X = L.Rows(
                    X.lf,
                    X.l8,
                    X.li,
                    spare_f,
                    spare_i,
                    X.rf,
                    X.ri,
                    X.r8,
                    X.transit,
                    X.acc,
                    X.log_day,
                    X.log_kind,
                    X.log_loc,
                    X.log_val,
                )
                spare_f, spare_i = old_f, old_i
            presence_nb(X, G, P, seed, t)
            combat_nb(X, G, P, seed, t)
            isolation_nb(X, G, P, seed, t)
            garrison_morale_nb(X, G, P, seed, t)
            militia_loyalty_nb(X, G, P, seed, t)
            negotiate_nb(X, G, P, seed, t)
            insurgent_morale_nb(X, G, P, seed, t)
            update_control_nb(X, G, P, seed, t)
            collapse_nb(X, G, P, seed, t)
            command_nb(X, G, P, seed, t)
            growth_nb(X, G, P, seed, t)
            record_k(X, G, r, t + 1, side, acc, loc_ctrl, loc_gov, loc_morale, loc_ins)
        store_units(X.uf, X.ui, B.uf[r], B.ui[r])
        work_f, work_i = X.uf, X.ui


# ------------------------------------------------------------------ Python entry points
_NO_OUT = np.zeros((0, 0, 0))
_NO_CTRL = np.zeros((0, 0, 0), np.int8)


def _ptab(ptab: np.ndarray) -> np.ndarray:
    """Parameter records as a plain structured array (a recarray's dtype types differently)."""
    from sim.world import PARAM_DTYPE

    return np.ascontiguousarray(np.asarray(ptab).view(PARAM_DTYPE))


def run_batch(
    st,
    S,
    ptab: np.ndarray,
    seeds: np.ndarray,
    t0: int,
    t1: int,
    side: np.ndarray,
    acc: np.ndarray,
    loc_ctrl: np.ndarray,
    loc_gov: np.ndarray,
    loc_morale: np.ndarray,
    loc_ins: np.ndarray,
) -> None:
    """Run days [t0, t1) for every replicate of a :class:`~sim.world.State`; record day k = t + 1
    after each step (day t0 first) into the outputs (shape (R, T + 1, ...), indexed by day).

    ``ptab`` holds one parameter record per replicate (:func:`sim.world.param_table`). The state
    is changed in place; a state whose fields do not view blocks (built by hand or by
    concatenation) is packed into blocks for the call and copied back.
    """
    from sim.world import blocks_of, geo, pack_state

    B = blocks_of(st)
    packed = None
    if B is None:
        packed = pack_state(st)
        B = blocks_of(packed)
    seeds = np.ascontiguousarray(seeds, np.int64)
    if len(ptab) != len(seeds) or B.lf.shape[0] != len(seeds):
        raise ValueError(
            f"{len(ptab)} parameter records and {len(seeds)} seeds for {B.lf.shape[0]} replicates"
        )
    run_batch_nb(
        B, geo(S), _ptab(ptab), seeds, int(t0), int(t1), side, acc, loc_ctrl, loc_gov, loc_morale, loc_ins
    )
    if packed is not None:
        for dst, src in zip(st, packed, strict=True):
            np.copyto(dst, src)


def _one(st, r: int, fn) -> None:
    """Call ``fn`` on replicate r of a state as a one-replicate state of views into its blocks
    (a state that is not block-backed is packed for the call and copied back)."""
    from sim.world import blocks_of, pack_state, state_of

    packed = pack_state(st)
    fn(state_of(L.StateBlocks(*(b[r : r + 1] for b in blocks_of(packed)))))
    if packed is not st:
        for dst, src in zip(st, packed, strict=True):
            np.copyto(dst, src)


def step_day_nb(st, S, P, seed: int, r: int, t: int) -> None:
    """Advance replicate r of a :class:`~sim.world.State` from day t to day t + 1 (parameter
    record ``P``); what :class:`sim.model.ConflictModel` steps with the numba backend."""
    ptab, seeds = np.array([P]), np.array([seed], np.int64)
    no = (_NO_OUT, _NO_OUT, _NO_CTRL, _NO_OUT, _NO_OUT, _NO_OUT)
    _one(st, r, lambda one: run_batch(one, S, ptab, seeds, t, t + 1, *no))


def record_nb(
    st,
    S,
    r: int,
    k: int,
    side: np.ndarray,
    acc: np.ndarray,
    loc_ctrl: np.ndarray,
    loc_gov: np.ndarray,
    loc_morale: np.ndarray,
    loc_ins: np.ndarray,
) -> None:
    """Write replicate r's day-k snapshot of a :class:`~sim.world.State` into the outputs
    (shape (R, T + 1, ...); the per-location ones may be 0-row)."""
    from sim.world import PARAM_DTYPE

    outs = [
        a[r : r + 1] if a.shape[0] > 0 else a for a in (side, acc, loc_ctrl, loc_gov, loc_morale, loc_ins)
    ]
    ptab, seeds = np.zeros(1, PARAM_DTYPE), np.zeros(1, np.int64)
    _one(st, r, lambda one: run_batch(one, S, ptab, seeds, k, k, *outs))
