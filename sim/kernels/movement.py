"""Phase 2: insurgent targeting and movement along the road graph.

A unit at a node that is not defended (no government garrison or active militia) chooses a
target among the node's K nearest locations by road travel time (``Static.cand``) that the
government still holds, scoring each (MODEL-NOTES step 2)::

    U_j = w_value value_j - w_distance days_ij - w_defence D_j / S_u
          + w_concentration n_j + w_keep [j == yesterday's target]

where D_j = X_eff_j (1 + air sigma(t)) (1 + f_j) is the effective defence at j (garrison +
active militia, with today's foreign air support and fortification, so units avoid cities while
air support lasts and turn to them as it ends), S_u the unit's strength and n_j the number of
units that were heading to j yesterday (concentration of force). Candidates where the attack is
hopeless, siege ratio rho_j = (D_j + 1) / (max(T_eff_j, e_u) + 1) > ``withdraw_ratio`` (T_eff_j
the effective insurgent threat at j as its garrison sees it, e_u = n_j S_u q_u h(m_u) the unit's
own effective strength times the number of units converging on j, itself included), are not
considered. The target is drawn from softmax(U / temperature) with the uniform keyed (seed,
day, TARGET, unit). The unit then travels hop by hop along shortest paths with one day of travel
time per day, and stops at any defended location on its way (where it will fight). All units
hold their position before the offensive starts; units below the minimum attack morale do not
advance.

Siege and withdrawal: a unit at a defended location whose morale is below the minimum attack
morale, or whose siege ratio there exceeds ``withdraw_ratio``, breaks off: it withdraws to the
adjacent insurgent-held location with the most insurgents present (ties: lowest id; failing
that, an adjacent undefended location), keeping the location it left as its target. From there it
besieges it (neighbours count half in a garrison's threat), recovers morale away from the fight
and absorbs local recruits.

Units are independent within a day (they read yesterday's targets and today's control), so the
result does not depend on the order in which they are visited.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import defence_of, gov_multiplier, morale_factor, siege_ratio
from sim.kernels.rng import uniform


@njit(cache=True)
def is_defended(st, r: int, i: int) -> bool:
    """A location where the government still has personnel (garrison or active militia)."""
    if st.ctrl[r, i] == C.INSURGENT:
        return False
    return st.gov[r, i] > 0.0 or (st.mstate[r, i] == C.MIL_ACTIVE and st.mil[r, i] > 0.0)


@njit(cache=True)
def unit_eff(st, r: int, u: int, j: int) -> float:
    """Effective strength the attack on j can count on, as unit u sees it: its own S q h(m)
    times the number of units converging on j (yesterday's targets, itself included)."""
    n = st.tgt_count[r, j]
    if st.utgt[r, u] != j:
        n += 1.0
    return st.s[r, u] * st.uq[r, u] * morale_factor(st.um[r, u]) * n


@njit(cache=True)
def excluded(st, S, P, r: int, u: int, here: int, k: int, sigma: float) -> bool:
    """Whether candidate k of ``here`` is not a target for unit u today: held by the
    insurgents, beyond the radius, or hopeless (siege ratio above ``withdraw_ratio``)."""
    j = S.cand[here, k]
    if st.ctrl[r, j] == C.INSURGENT or S.cand_days[here, k] > P.radius_days:
        return True
    return siege_ratio(st, S, P, r, j, unit_eff(st, r, u, j), sigma) > P.withdraw_ratio


@njit(cache=True)
def choose_target(st, S, P, seed: int, r: int, t: int, u: int, here: int) -> int:
    """Softmax choice among candidate targets; returns a node id or -1 (nothing to attack)."""
    sigma = S.support[t]
    k_max = S.cand.shape[1]
    best = -np.inf
    for k in range(k_max):  # pass 1: max score, for a stable softmax
        j = S.cand[here, k]
        if j < 0:
            break
        if excluded(st, S, P, r, u, here, k, sigma):
            continue
        sc = target_score(st, S, P, r, u, here, k, sigma)
        if sc > best:
            best = sc
    if best == -np.inf:
        return -1
    total = 0.0
    for k in range(k_max):  # pass 2: normaliser
        j = S.cand[here, k]
        if j < 0:
            break
        if excluded(st, S, P, r, u, here, k, sigma):
            continue
        total += math.exp((target_score(st, S, P, r, u, here, k, sigma) - best) / P.temperature)
    x = uniform(seed, t, C.DRAW_TARGET, u) * total
    acc = 0.0
    last = -1
    for k in range(k_max):  # pass 3: inverse CDF
        j = S.cand[here, k]
        if j < 0:
            break
        if excluded(st, S, P, r, u, here, k, sigma):
            continue
        acc += math.exp((target_score(st, S, P, r, u, here, k, sigma) - best) / P.temperature)
        last = j
        if x < acc:
            return j
    return last


@njit(cache=True)
def target_score(st, S, P, r: int, u: int, here: int, k: int, sigma: float) -> float:
    """U_j of candidate k of node ``here`` for unit u (see module docstring)."""
    j = S.cand[here, k]
    _, d_eff = defence_of(st, P, r, j)
    d_eff *= gov_multiplier(S, P, st, r, j, sigma)
    sc = P.w_value * S.value[j] - P.w_distance * S.cand_days[here, k]
    sc -= P.w_defence * d_eff / max(st.s[r, u], 1.0)
    sc += P.w_concentration * st.tgt_count[r, j]
    if st.utgt[r, u] == j:
        sc += P.w_keep
    return sc


@njit(cache=True)
def withdraw_to(st, S, r: int, here: int) -> int:
    """Where a unit breaking off at ``here`` goes: the adjacent insurgent-held location with the
    most insurgents present (yesterday), ties to the lowest id; else the adjacent undefended
    location with the most; else -1 (it stays)."""
    best = -1
    best_ins = -1.0
    for e in range(S.indptr[here], S.indptr[here + 1]):
        w = S.indices[e]
        if st.ctrl[r, w] == C.INSURGENT and st.ins[r, w] > best_ins:
            best = w
            best_ins = st.ins[r, w]
    if best >= 0:
        return best
    for e in range(S.indptr[here], S.indptr[here + 1]):
        w = S.indices[e]
        if not is_defended(st, r, w) and st.ins[r, w] > best_ins:
            best = w
            best_ins = st.ins[r, w]
    return best


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
    if is_defended(st, r, here):
        if (st.um[r, u] >= P.i_min_attack and siege_ratio(
                st, S, P, r, here, unit_eff(st, r, u, here), S.support[t]) <= P.withdraw_ratio):
            return  # stay and fight
        w = withdraw_to(st, S, r, here)
        if w < 0:
            return
        st.utgt[r, u] = here  # besiege the location it left
        d = np.inf
        for e in range(S.indptr[here], S.indptr[here + 1]):
            if S.indices[e] == w and S.edge_days[e] < d:
                d = S.edge_days[e]
        st.unext[r, u] = w
        if d > budget:
            st.ueta[r, u] = d - budget
        else:
            st.uloc[r, u] = w
        return
    if st.um[r, u] < P.i_min_attack:
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
