"""Phase 2: insurgent targeting and movement along the road graph.

A unit at a node that is not defended (no government garrison or active militia) chooses a
target among the node's K nearest locations by road travel time (``Static.cand``) that the
government still holds, scoring each (MODEL-NOTES step 2)::

    U_j = w_value value_j - w_distance days_ij - w_defence D_j / S_u
          + w_concentration n_j + w_keep [j == yesterday's target]

where D_j is the effective defence at j (garrison + active militia), S_u the unit's strength
and n_j the number of units that were heading to j yesterday (concentration of force). The
target is drawn from softmax(U / temperature) with the uniform keyed (seed, day, TARGET, unit).
The unit then travels hop by hop along shortest paths with one day of travel time per day, and
stops at any defended location on its way (where it will fight). Units below the minimum attack
morale, and all units before the offensive starts, hold their position.

Units are independent within a day (they read yesterday's targets and today's control), so the
result does not depend on the order in which they are visited.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import defence_of
from sim.kernels.rng import uniform


@njit(cache=True)
def is_defended(st, r: int, i: int) -> bool:
    """A location where the government still has personnel (garrison or active militia)."""
    if st.ctrl[r, i] == C.INSURGENT:
        return False
    return st.gov[r, i] > 0.0 or (st.mstate[r, i] == C.MIL_ACTIVE and st.mil[r, i] > 0.0)


@njit(cache=True)
def choose_target(st, S, P, seed: int, r: int, t: int, u: int, here: int) -> int:
    """Softmax choice among candidate targets; returns a node id or -1 (nothing to attack)."""
    k_max = S.cand.shape[1]
    best = -np.inf
    for k in range(k_max):  # pass 1: max score, for a stable softmax
        j = S.cand[here, k]
        if j < 0:
            break
        if st.ctrl[r, j] == C.INSURGENT or S.cand_days[here, k] > P.radius_days:
            continue
        sc = target_score(st, S, P, r, u, here, k)
        if sc > best:
            best = sc
    if best == -np.inf:
        return -1
    total = 0.0
    for k in range(k_max):  # pass 2: normaliser
        j = S.cand[here, k]
        if j < 0:
            break
        if st.ctrl[r, j] == C.INSURGENT or S.cand_days[here, k] > P.radius_days:
            continue
        total += math.exp((target_score(st, S, P, r, u, here, k) - best) / P.temperature)
    x = uniform(seed, t, C.DRAW_TARGET, u) * total
    acc = 0.0
    last = -1
    for k in range(k_max):  # pass 3: inverse CDF
        j = S.cand[here, k]
        if j < 0:
            break
        if st.ctrl[r, j] == C.INSURGENT or S.cand_days[here, k] > P.radius_days:
            continue
        acc += math.exp((target_score(st, S, P, r, u, here, k) - best) / P.temperature)
        last = j
        if x < acc:
            return j
    return last


@njit(cache=True)
def target_score(st, S, P, r: int, u: int, here: int, k: int) -> float:
    """U_j of candidate k of node ``here`` for unit u (see module docstring)."""
    j = S.cand[here, k]
    _, d_eff = defence_of(st, P, r, j)
    sc = P.w_value * S.value[j] - P.w_distance * S.cand_days[here, k]
    sc -= P.w_defence * d_eff / max(st.s[r, u], 1.0)
    sc += P.w_concentration * st.tgt_count[r, j]
    if st.utgt[r, u] == j:
        sc += P.w_keep
    return sc


@njit(cache=True)
def find_candidate(S, here: int, target: int) -> int:
    for k in range(S.cand.shape[1]):
        j = S.cand[here, k]
        if j < 0:
            return -1
        if j == target:
            return k
    return -1


def move_units(st, S, P, seed: int, r: int, t: int) -> None:
    """Advance every insurgent unit of replicate r by one day (see module docstring)."""
    n_u = st.s.shape[1]
    # yesterday's targets -> concentration counts
    for i in range(S.n_loc):
        st.tgt_count[r, i] = 0.0
    for u in range(n_u):
        if st.s[r, u] > 0.0 and st.utgt[r, u] >= 0:
            st.tgt_count[r, st.utgt[r, u]] += 1.0
    if t < S.offensive_day:
        return
    for u in range(n_u):
        move_unit(st, S, P, seed, r, t, u)


@njit(cache=True)
def move_unit(st, S, P, seed: int, r: int, t: int, u: int) -> None:
    """One unit's day of movement."""
    if st.s[r, u] <= 0.0:
        return
    budget = 1.0
    if st.ueta[r, u] > 0.0:  # on the road
        if st.ueta[r, u] > budget:
            st.ueta[r, u] -= budget
            return
        budget -= st.ueta[r, u]
        st.ueta[r, u] = 0.0
        st.uloc[r, u] = st.unext[r, u]
    here = st.uloc[r, u]
    if is_defended(st, r, here) or st.um[r, u] < P.i_min_attack:
        return
    st.utgt[r, u] = choose_target(st, S, P, seed, r, t, u, here)
    if st.utgt[r, u] < 0:
        return
    for _ in range(P.max_hops):
        here = st.uloc[r, u]
        if here == st.utgt[r, u] or is_defended(st, r, here):
            return
        k = find_candidate(S, here, st.utgt[r, u])
        if k < 0:
            return
        nxt = S.cand_next[here, k]
        d = S.cand_hop_days[here, k]
        if d > budget:
            st.unext[r, u] = nxt
            st.ueta[r, u] = d - budget
            return
        budget -= d
        st.uloc[r, u] = nxt
        st.unext[r, u] = nxt


move_units_nb = njit(cache=True)(move_units)
