"""Phase 4: morale, the engine of the cascade (a Granovetter 1978 threshold model).

Garrison morale m relaxes toward a logistic target (MODEL-NOTES step 4)::

    m <- m + alpha (target - m)
    target = logistic(b0 + b_ratio clip(log((X_eff + 1) / (T_eff + 1)), -3, 3)
                      - b_losses loss_today / X - b_isolated isolated - b_news (news_i + news_g)
                      + b_support lambda(t) + b_supply min(supply / 30, 1) - b_revenue R(t))

with X_eff the government's effective strength (multipliers included), T_eff the effective
threat (insurgents present plus half of those at neighbouring locations, times the insurgents'
average effectiveness), ``isolated`` = no road to the national capital through locations the
insurgents do not hold (supply then runs down one day per day unless there is an airport), and
news = news of falls: local news decays with exp(-1/tau) per day and is raised by falls among
the K nearest locations with weight exp(-days/lambda); national news of capital falls decays the
same way; lambda(t) is the logistics schedule (foreign troops and contractors: pay, supply) and
R(t) the share of customs revenue through insurgent-held crossings (``model.revenue``; 0 off).

A garrison under threat whose morale drops below ``break_threshold`` breaks (draws keyed by
(seed, day, BREAK, location)): where there is an airport it retreats there with probability
``retreat_prob`` if insurgents are inside the town, ``retreat_prob (1 - retreat_besieged)`` if it
breaks under a siege with none inside (it rather negotiates the handover), and holds out
(control AIRPORT, fortification ``fort_airport``, ``retreat_keep`` of it arrives);
otherwise it surrenders with probability logistic(surrender_base + surrender_affinity (a_i - 0.5)
- log force ratio), its personnel captured, or else deserts. A broken holdout surrenders.

Militia loyalty l relaxes the same way toward clip(logistic(c0 + c_patron patron_present +
c_support lambda(t) - c_news news + c_capital [province capital held]) + shift, 0, 1), where shift is
``forces.militia_loyalty_shift`` (which also shifts the initial loyalty, so a "militias that
held" counterfactual persists instead of relaxing back within weeks); below ``stand_aside`` under threat the
militia stops fighting, and each day standing aside it switches sides with ``switch_prob``
(its fighters join the local insurgent pool). Insurgent unit morale relaxes toward
logistic(i_b0 - i_b_losses loss_fraction + i_b_news news_g).
"""

from __future__ import annotations

import math

from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import defence, log_event, logistic, multiplier
from sim.kernels.rng import uniform


def isolation(st, S, r: int) -> None:
    """Mark locations with no open road to the national capital (BFS over non-insurgent nodes).

    ``st.iso[r, i]`` becomes 0 where location i is connected to ``S.hub`` through locations
    the insurgents do not hold, else 1 (everything is isolated once the hub has fallen).
    """
    n = S.n_loc
    for i in range(n):
        st.iso[r, i] = 1
    hub = S.hub
    if st.ctrl[r, hub] == C.INSURGENT:
        return
    queue = [hub]
    st.iso[r, hub] = 0
    head = 0
    while head < len(queue):
        v = queue[head]
        head += 1
        for e in range(S.indptr[v], S.indptr[v + 1]):
            w = S.indices[e]
            if st.iso[r, w] == 1 and st.ctrl[r, w] != C.INSURGENT:
                st.iso[r, w] = 0
                queue.append(w)


@njit(cache=True, inline="always")
def retreat_probability(P, stormed: bool) -> float:
    """Chance that a broken garrison with an airport withdraws there and holds out.

    ``retreat_prob`` where insurgents are inside the town (a fighting withdrawal to the airport);
    ``retreat_prob (1 - retreat_besieged)`` where the garrison breaks under a siege with no
    insurgents inside yet: it then usually negotiates the handover of the town instead (Kalyvas
    2006). ``retreat_besieged = 0`` gives the constant ``retreat_prob``.
    """
    return P.retreat_prob if stormed else P.retreat_prob * (1.0 - P.retreat_besieged)


def garrison_morale(st, S, P, seed: int, r: int, t: int) -> None:
    """Update threat, supply and morale of every garrison; break those below threshold."""
    air = S.sched[C.SCHED_AIR, t]
    lam = S.sched[C.SCHED_LOGISTICS, t]
    rev = P.b_revenue * st.revenue_lost[r] if S.revenue_on == 1 else 0.0
    gov, gq, gm, mil, loy, ms = st.gov[r], st.gq[r], st.gm[r], st.mil[r], st.loy[r], st.mstate[r]
    holdout = st.holdout[r]
    # threat: insurgents present + half those at neighbouring locations
    for i in range(S.n_loc):
        th = st.ins[r, i]
        for e in range(S.indptr[i], S.indptr[i + 1]):
            th += 0.5 * st.ins[r, S.indices[e]]
        st.threat[r, i] = th
    for i in range(S.n_loc):
        st.news[r, i] *= P.news_decay
        st.broke[r, i] = C.BROKE_NONE
        if st.ctrl[r, i] == C.INSURGENT or st.gov[r, i] <= 0.0:
            continue
        # supply
        if st.iso[r, i] == 1 and not S.has_airport[i]:
            st.supply[r, i] = max(st.supply[r, i] - 1.0, 0.0)
        else:
            st.supply[r, i] = min(st.supply[r, i] + 2.0, 60.0)
        _x, x_eff = defence(gov, gq, gm, mil, loy, ms, P.mil_quality, i)
        x_eff *= multiplier(holdout, S.is_capital, P, air, i)
        ins_q = st.ins_eff[r, i] / st.ins[r, i] if st.ins[r, i] > 0.0 else P.ins_quality0
        t_eff = st.threat[r, i] * ins_q * (1.0 + P.terrain * S.ruggedness[i])
        ratio = min(max(math.log((x_eff + 1.0) / (t_eff + 1.0)), -3.0), 3.0)
        lost = st.loss_x[r, i] / max(st.x_before[r, i], 1.0)
        z = (
            P.b0
            + P.b_ratio * ratio
            - P.b_losses * lost
            - P.b_isolated * st.iso[r, i]
            - P.b_news * (st.news[r, i] + st.news_g[r])
            + P.b_support * lam
            + P.b_supply * min(st.supply[r, i] / 30.0, 1.0)
            - rev
        )
        st.gm[r, i] += P.m_alpha * (logistic(z) - st.gm[r, i])
        if st.threat[r, i] <= 0.0 or st.gm[r, i] >= P.break_threshold:
            continue
        # breaking
        g = st.gov[r, i]
        if st.holdout[r, i] == 1:
            st.acc[r, C.ACC_GOV_CAPTURED] += g
            st.equip[r, i] += g
            st.gov[r, i] = 0.0
            st.broke[r, i] = C.BROKE_SURRENDERED
            continue
        u1 = uniform(seed, t, C.DRAW_BREAK, i)
        if S.has_airport[i] and u1 < retreat_probability(P, st.ins[r, i] > 0.0):
            keep = g * P.retreat_keep
            st.acc[r, C.ACC_GOV_DESERTERS] += g - keep
            st.gov[r, i] = keep
            st.holdout[r, i] = 1
            st.gm[r, i] = P.holdout_morale
            st.broke[r, i] = C.BROKE_RETREATED
            if st.lost_day[r, i] < 0:
                st.lost_day[r, i] = t
                st.lost_mode[r, i] = C.LOST_AIRPORT
            log_event(st, r, t, C.LOG_RETREATED_TO_AIRPORT, i, keep)
            continue
        u2 = uniform(seed, t, C.DRAW_BREAK_MODE, i)
        p_surr = logistic(P.surrender_base + P.surrender_affinity * (S.affinity[i] - 0.5) - ratio)
        if u2 < p_surr:
            st.acc[r, C.ACC_GOV_CAPTURED] += g
            st.equip[r, i] += g
            st.broke[r, i] = C.BROKE_SURRENDERED
        else:
            st.acc[r, C.ACC_GOV_DESERTERS] += g
            st.equip[r, i] += 0.5 * g  # deserters leave much of their equipment behind
            st.broke[r, i] = C.BROKE_DESERTED
        st.gov[r, i] = 0.0


def militia_loyalty(st, S, P, seed: int, r: int, t: int) -> None:
    """Loyalty dynamics of every militia: stand aside below threshold, possibly switch."""
    lam = S.sched[C.SCHED_LOGISTICS, t]
    for i in range(S.n_loc):
        ms = st.mstate[r, i]
        if ms == C.MIL_NONE or ms == C.MIL_SWITCHED or st.mil[r, i] <= 0.0:
            continue
        p = S.mil_patron[i]
        present = 1.0 if p >= 0 and st.patron_present[r, p] == 1 else 0.0
        cap_held = 1.0 if st.ctrl[r, S.prov_capital[i]] != C.INSURGENT else 0.0
        z = (
            P.c0
            + P.c_patron * present
            + P.c_support * lam
            - P.c_news * (st.news[r, i] + st.news_g[r])
            + P.c_capital * cap_held
        )
        target = min(max(logistic(z) + P.mil_loyalty_shift, 0.0), 1.0)
        st.loy[r, i] += P.l_alpha * (target - st.loy[r, i])
        if ms == C.MIL_ACTIVE:
            if st.loy[r, i] < P.stand_aside and st.threat[r, i] > 0.0:
                st.mstate[r, i] = C.MIL_STOOD_ASIDE
                log_event(st, r, t, C.LOG_MILITIA_STOOD_ASIDE, i, st.mil[r, i])
        elif ms == C.MIL_STOOD_ASIDE:
            if st.loy[r, i] >= P.stand_aside:
                st.mstate[r, i] = C.MIL_ACTIVE
            elif st.threat[r, i] > 0.0 and uniform(seed, t, C.DRAW_MILITIA, i) < P.switch_prob:
                m = st.mil[r, i]
                st.mstate[r, i] = C.MIL_SWITCHED
                st.pool[r, i] += m
                st.mil[r, i] = 0.0
                st.acc[r, C.ACC_GOV_DESERTERS] += m
                st.acc[r, C.ACC_INS_SWITCHED] += m
                log_event(st, r, t, C.LOG_MILITIA_SWITCHED, i, m)


def insurgent_morale(st, S, P, r: int) -> None:
    """Insurgent unit morale from its own losses and the national news of capital falls."""
    for u in range(st.s.shape[1]):
        if st.s[r, u] <= 0.0:
            continue
        lost = st.loss_frac_i[r, st.uloc[r, u]] if st.ueta[r, u] == 0.0 else 0.0
        z = P.i_b0 - P.i_b_losses * lost + P.i_b_news * st.news_g[r]
        st.um[r, u] += P.i_alpha * (logistic(z) - st.um[r, u])


isolation_nb = njit(cache=True)(isolation)
garrison_morale_nb = njit(cache=True)(garrison_morale)
militia_loyalty_nb = njit(cache=True)(militia_loyalty)
insurgent_morale_nb = njit(cache=True)(insurgent_morale)
