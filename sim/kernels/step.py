"""One day of the model, and the batched loop over replicates and days.

The daily cycle (same order in both backends; MODEL-NOTES "Daily cycle"):

1. :mod:`~sim.kernels.events`   scripted events and policy
2. :mod:`~sim.kernels.movement` insurgent targeting and movement
3. :mod:`~sim.kernels.combat`   presence, then Lanchester combat where both sides are present
4. :mod:`~sim.kernels.morale`   isolation, garrison morale and breaking, militia loyalty;
   :mod:`~sim.kernels.negotiation` negotiated handovers; insurgent morale
5. :mod:`~sim.kernels.control`  control, falls, news, prisoners, revenue lost;
   :mod:`~sim.kernels.collapse` political collapse of the centre
6. :mod:`~sim.kernels.command`  reinforcement requests, arrivals, airlift of the reserve
7. :mod:`~sim.kernels.growth`   recruitment, pools absorbed, captured equipment

:func:`run_batch` runs days ``[t0, t1)`` for every replicate, in parallel over replicates
(``prange``); each replicate writes only its own rows, so the result is the same on any number of
threads, and replicate r equals a lone run with seed ``seeds[r]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.kernels import codes as C
from sim.kernels.collapse import collapse_nb
from sim.kernels.combat import combat_nb, presence_nb
from sim.kernels.command import command_nb
from sim.kernels.control import update_control_nb
from sim.kernels.events import apply_events_nb
from sim.kernels.growth import growth_nb
from sim.kernels.morale import (
    garrison_morale_nb,
    insurgent_morale_nb,
    isolation_nb,
    militia_loyalty_nb,
)
from sim.kernels.movement import move_units_nb
from sim.kernels.negotiation import negotiate_nb

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


def step_day(st, S, P, seed: int, r: int, t: int) -> None:
    """Advance replicate r from day t to day t + 1."""
    apply_events_nb(st, S, P, r, t)
    move_units_nb(st, S, P, seed, r, t)
    presence_nb(st, S, P, r)
    combat_nb(st, S, P, seed, r, t)
    isolation_nb(st, S, r)
    garrison_morale_nb(st, S, P, seed, r, t)
    militia_loyalty_nb(st, S, P, seed, r, t)
    negotiate_nb(st, S, P, seed, r, t)
    insurgent_morale_nb(st, S, P, r)
    update_control_nb(st, S, P, r, t)
    collapse_nb(st, S, P, seed, r, t)
    command_nb(st, S, P, r, t)
    growth_nb(st, S, P, r)


step_day_nb = njit(cache=True)(step_day)


def record(
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
    """Write replicate r's day-k snapshot into the output arrays. The per-location arrays may be
    0-row (not kept); ``loc_ctrl`` alone may be kept (control is what observations read)."""
    gov = 0.0
    caps = 0.0
    held = 0.0
    cont = 0.0
    ins = 0.0
    for i in range(S.n_loc):
        gov += st.gov[r, i]
        if st.mstate[r, i] == C.MIL_ACTIVE or st.mstate[r, i] == C.MIL_STOOD_ASIDE:
            gov += st.mil[r, i]
        ins += st.pool[r, i]
        c = st.ctrl[r, i]
        if c != C.INSURGENT:
            held += 1.0
            if S.is_capital[i]:
                caps += 1.0
        if c == C.CONTESTED or c == C.AIRPORT:
            cont += 1.0
    for u in range(st.s.shape[1]):
        ins += st.s[r, u]
    transit = 0.0
    for j in range(st.transit.shape[1]):
        for i in range(S.n_loc):
            transit += st.transit[r, j, i]
    side[r, k, 0] = gov
    side[r, k, 1] = ins
    side[r, k, 2] = caps
    side[r, k, 3] = held
    side[r, k, 4] = cont
    side[r, k, 5] = st.reserve[r]
    side[r, k, 6] = transit
    for a in range(st.acc.shape[1]):
        acc[r, k, a] = st.acc[r, a]
    if loc_ctrl.shape[0] > 0:
        for i in range(S.n_loc):
            loc_ctrl[r, k, i] = st.ctrl[r, i]
    if loc_gov.shape[0] > 0:
        for i in range(S.n_loc):
            g = st.gov[r, i]
            if st.mstate[r, i] == C.MIL_ACTIVE:
                g += st.mil[r, i]
            loc_gov[r, k, i] = g
            loc_morale[r, k, i] = st.gm[r, i]
            loc_ins[r, k, i] = st.ins[r, i]


record_nb = njit(cache=True)(record)


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
    """Run days [t0, t1) for every replicate; record day k = t + 1 after each step.

    ``ptab`` holds one parameter record per replicate (:func:`sim.world.param_table`). Output
    arrays have shape (R, T + 1, ...) and are indexed by day; day t0 is recorded first.
    """
    R = len(seeds)
    for r in prange(R):
        P = ptab[r]
        record_nb(st, S, r, t0, side, acc, loc_ctrl, loc_gov, loc_morale, loc_ins)
        for t in range(t0, t1):
            step_day_nb(st, S, P, seeds[r], r, t)
            record_nb(st, S, r, t + 1, side, acc, loc_ctrl, loc_gov, loc_morale, loc_ins)


run_batch_nb = njit(cache=True, parallel=True)(run_batch)
run_batch_serial_nb = njit(cache=True, nogil=True)(run_batch)
