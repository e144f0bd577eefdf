"""Phase 2: insurgent targeting and movement along the road graph.

A unit at a node that is not defended (no government garrison or active militia) chooses a
target among the node's K nearest locations by road travel time (``Static.cand``) that the
government still holds, scoring each (MODEL-NOTES step 2)::

    U_j = w_value value_j - w_distance days_ij - w_defence D_j / S_u
          + w_concentration n_j + w_keep [j == yesterday's target]

where D_j = X_eff_j (1 + air_support air(t)) (1 + f_j) is the effective defence at j (garrison +
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

Investing an isolated capital (``besiege_isolated``): a hopeless candidate j is kept when it is a
capital with no open road to the national capital (``st.iso``, yesterday's value). It scores
U_j = w_value value_j - w_distance days_ij + w_siege + w_concentration n_j + w_keep [...] (no
defence term: it will not be stormed), and a unit that draws it stops one hop short of it, next
door, where it counts half in the garrison's threat (docs/model.md, step 2).

Campaign sequencing (``model.campaign``, :func:`campaign_state`): targets in the focus theatres
of today's phase score ``w_focus`` more, and before ``capitals_day`` a provincial capital is no
objective - a hopeless or not-yet-allowed capital may only be invested (as above), and a unit
that reaches one breaks off.

Units are independent within a day (they read yesterday's targets and today's control), so the
result does not depend on the order in which they are visited.

Implementation: the per-location quantities every unit reads (effective defence with its
multipliers, the threat as the garrison sees it, whether a location is defended or held) are
computed once a day into arrays (:func:`location_view`), and the unit loop
(:func:`move_all`) works on plain 1-D arrays, scoring each candidate once into a small buffer.
This keeps numba from reference-counting the whole state tuple on every helper call, which made
an earlier version two orders of magnitude slower. The per-agent reference
(:meth:`sim.agents.InsurgentUnit.move`) computes the same numbers in the same order.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import defence, morale_factor, multiplier
from sim.kernels.rng import uniform


@njit(cache=True)
def location_view(
    st, S, P, r: int, t: int, deff: np.ndarray, teff: np.ndarray, defended: np.ndarray, held: np.ndarray
) -> None:
    """Fill today's per-location arrays that targeting reads (shape (N,) each):

    ``deff`` = X_eff (1 + air_support air(t))(1 + f), ``teff`` = threat * mean insurgent quality *
    (1 + terrain r) (the T_eff of the siege ratio), ``defended`` and ``held`` (by insurgents).
    """
    air = S.sched[C.SCHED_AIR, t]
    gov, gq, gm, mil, loy, ms = st.gov[r], st.gq[r], st.gm[r], st.mil[r], st.loy[r], st.mstate[r]
    holdout, ins, ins_eff, threat, ctrl = st.holdout[r], st.ins[r], st.ins_eff[r], st.threat[r], st.ctrl[r]
    for j in range(S.n_loc):
        _x, x_eff = defence(gov, gq, gm, mil, loy, ms, P.mil_quality, j)
        x_eff *= multiplier(holdout, S.is_capital, P, air, j)
        deff[j] = x_eff
        ins_q = ins_eff[j] / ins[j] if ins[j] > 0.0 else P.ins_quality0
        teff[j] = threat[j] * ins_q * (1.0 + P.terrain * S.ruggedness[j])
        held[j] = ctrl[j] == C.INSURGENT
        defended[j] = not held[j] and (gov[j] > 0.0 or (ms[j] == C.MIL_ACTIVE and mil[j] > 0.0))


@njit(cache=True)
def campaign_state(campaign: int, phase_day, focus, capitals_day: float, t: int, focus_now) -> int:
    """Today's campaign phase: fill ``focus_now`` with its focus row (zeros before the first
    phase or with the campaign off) and return 1 when provincial capitals are objectives
    (``t >= capitals_day``, or the campaign off), else 0."""
    if campaign == 0:
        return 1
    ph = -1
    for k in range(len(phase_day)):
        if phase_day[k] <= t:
            ph = k
    if ph >= 0:
        for j in range(len(focus_now)):
            focus_now[j] = focus[ph, j]
    return 1 if t >= capitals_day else 0


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
    n = S.n_loc
    deff = np.empty(n)
    teff = np.empty(n)
    defended = np.empty(n, np.bool_)
    held = np.empty(n, np.bool_)
    location_view(st, S, P, r, t, deff, teff, defended, held)
    focus_now = np.zeros(S.focus.shape[1])
    cap_ok = campaign_state(S.campaign, S.phase_day, S.focus, P.capitals_day, t, focus_now)
    move_all(
        st.s[r],
        st.uq[r],
        st.um[r],
        st.uloc[r],
        st.unext[r],
        st.ueta[r],
        st.utgt[r],
        st.tgt_count[r],
        st.ins[r],
        deff,
        teff,
        defended,
        held,
        st.iso[r],
        S.is_capital,
        S.value,
        S.cand,
        S.cand_days,
        S.cand_next,
        S.cand_hop_days,
        S.indptr,
        S.indices,
        S.edge_days,
        S.theatre,
        focus_now,
        cap_ok,
        P,
        seed,
        t,
    )


@njit(cache=True)
def move_all(
    s,
    uq,
    um,
    uloc,
    unext,
    ueta,
    utgt,
    tgt_count,
    ins,
    deff,
    teff,
    defended,
    held,
    iso,
    is_capital,
    value,
    cand,
    cand_days,
    cand_next,
    cand_hop_days,
    indptr,
    indices,
    edge_days,
    theatre,
    focus_now,
    cap_ok: int,
    P,
    seed: int,
    t: int,
) -> None:
    """The unit loop of one replicate-day over plain arrays (see :func:`move_units`).

    ``focus_now`` (n_theatres,) is 1 for the focus theatres of today's campaign phase and
    ``cap_ok`` is 0 while provincial capitals are not yet objectives (:func:`campaign_state`).
    """
    k_max = cand.shape[1]
    score = np.empty(k_max)
    ok = np.empty(k_max, np.bool_)
    siege = np.empty(k_max, np.bool_)
    for u in range(len(s)):
        if s[u] <= 0.0:
            continue
        budget = 1.0
        if ueta[u] > 0.0:  # on the road
            if ueta[u] > budget:
                ueta[u] -= budget
                continue
            budget -= ueta[u]
            ueta[u] = 0.0
            uloc[u] = unext[u]
        here = uloc[u]
        own = s[u] * uq[u] * morale_factor(um[u])
        if defended[here]:
            n_conv = tgt_count[here] + (0.0 if utgt[u] == here else 1.0)
            ratio = (deff[here] + 1.0) / (max(teff[here], own * n_conv) + 1.0)
            blocked = cap_ok == 0 and is_capital[here]
            if um[u] >= P.i_min_attack and ratio <= P.withdraw_ratio and not blocked:
                continue  # stay and fight
            # break off: the adjacent insurgent-held location with the most insurgents,
            # else the adjacent undefended one with the most; ties to the lowest id
            w = -1
            best_ins = -1.0
            for e in range(indptr[here], indptr[here + 1]):
                v = indices[e]
                if held[v] and ins[v] > best_ins:
                    w = v
                    best_ins = ins[v]
            if w < 0:
                for e in range(indptr[here], indptr[here + 1]):
                    v = indices[e]
                    if not defended[v] and ins[v] > best_ins:
                        w = v
                        best_ins = ins[v]
            if w < 0:
                continue
            utgt[u] = here  # besiege the location it left
            d = np.inf
            for e in range(indptr[here], indptr[here + 1]):
                if indices[e] == w and edge_days[e] < d:
                    d = edge_days[e]
            unext[u] = w
            if d > budget:
                ueta[u] = d - budget
            else:
                uloc[u] = w
            continue
        if um[u] < P.i_min_attack:
            continue
        # score every candidate once: U_j, or excluded (held, too far, hopeless unless it is
        # an isolated capital to besiege)
        best = -np.inf
        for k in range(k_max):
            j = cand[here, k]
            ok[k] = False
            siege[k] = False
            if j < 0:
                break
            if held[j] or cand_days[here, k] > P.radius_days:
                continue
            n_conv = tgt_count[j] + (0.0 if utgt[u] == j else 1.0)
            hopeless = (deff[j] + 1.0) / (max(teff[j], own * n_conv) + 1.0) > P.withdraw_ratio
            if hopeless or (cap_ok == 0 and is_capital[j]):
                if P.besiege == 0 or not is_capital[j] or iso[j] == 0:
                    continue
                siege[k] = True
            sc = P.w_value * value[j] - P.w_distance * cand_days[here, k]
            if siege[k]:
                sc += P.w_siege
            else:
                sc -= P.w_defence * deff[j] / max(s[u], 1.0)
            sc += P.w_concentration * tgt_count[j] + P.w_focus * focus_now[theatre[j]]
            if utgt[u] == j:
                sc += P.w_keep
            score[k] = sc
            ok[k] = True
            if sc > best:
                best = sc
        if best == -np.inf:
            utgt[u] = -1
            continue
        total = 0.0
        for k in range(k_max):
            if cand[here, k] < 0:
                break
            if ok[k]:
                score[k] = math.exp((score[k] - best) / P.temperature)  # now the weight
                total += score[k]
        x = uniform(seed, t, C.DRAW_TARGET, u) * total
        acc = 0.0
        target = -1
        besieging = False
        for k in range(k_max):
            if cand[here, k] < 0:
                break
            if ok[k]:
                acc += score[k]
                target = cand[here, k]
                besieging = siege[k]
                if x < acc:
                    break
        utgt[u] = target
        # travel toward the target, hop by hop, stopping at defended locations (and, for a
        # siege, next door to the target)
        for _ in range(P.max_hops):
            here = uloc[u]
            if here == target or defended[here]:
                break
            kk = -1
            for k in range(k_max):
                j = cand[here, k]
                if j < 0:
                    break
                if j == target:
                    kk = k
                    break
            if kk < 0:
                break
            nxt = cand_next[here, kk]
            if besieging and nxt == target:
                break
            d = cand_hop_days[here, kk]
            if d > budget:
                unext[u] = nxt
                ueta[u] = d - budget
                break
            budget -= d
            uloc[u] = nxt
            unext[u] = nxt


move_units_nb = njit(cache=True)(move_units)
