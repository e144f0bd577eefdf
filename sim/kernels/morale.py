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

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.common import defence, kernel, log_event_nb, logistic, multiplier
from sim.kernels.rng import uniform


def isolation(X, G, P, seed: int, t: int) -> None:
    """Mark locations with no open road to the national capital (BFS over non-insurgent nodes).

    ``iso[i]`` becomes 0 where location i is connected to the hub through locations the
    insurgents do not hold, else 1 (everything is isolated once the hub has fallen).
    """
    iso, ctrl = X.l8[L.L8_ISO], X.l8[L.L8_CTRL]
    indptr, indices = G.indptr, G.indices
    n = len(iso)
    for i in range(n):
        iso[i] = 1
    hub = G.flags[L.F_HUB]
    if ctrl[hub] == C.INSURGENT:
        return
    queue = np.empty(n, np.int64)
    queue[0] = hub
    tail = 1
    iso[hub] = 0
    head = 0
    while head < tail:
        v = queue[head]
        head += 1
        for e in range(indptr[v], indptr[v + 1]):
            w = indices[e]
            if iso[w] == 1 and ctrl[w] != C.INSURGENT:
                iso[w] = 0
                queue[tail] = w
                tail += 1


@njit(cache=True, no_cpython_wrapper=True)
def retreat_probability(P, stormed: bool) -> float:
    """Chance that a broken garrison with an airport withdraws there and holds out.

    ``retreat_prob`` where insurgents are inside the town (a fighting withdrawal to the airport);
    ``retreat_prob (1 - retreat_besieged)`` where the garrison breaks under a siege with no
    insurgents inside yet: it then usually negotiates the handover of the town instead (Kalyvas
    2006). ``retreat_besieged = 0`` gives the constant ``retreat_prob``.
    """
    return P.retreat_prob if stormed else P.retreat_prob * (1.0 - P.retreat_besieged)


def garrison_morale(X, G, P, seed: int, t: int) -> None:
    """Update threat, supply and morale of every garrison; break those below threshold."""
    air = G.sched[C.SCHED_AIR, t]
    lam = G.sched[C.SCHED_LOGISTICS, t]
    rev = P.b_revenue * X.rf[L.RF_REVENUE_LOST] if G.flags[L.F_REVENUE_ON] == 1 else 0.0
    news_g = X.rf[L.RF_NEWS_G]
    lf, l8, acc = X.lf, X.l8, X.acc
    gov, gq, gm, mil, loy = lf[L.L_GOV], lf[L.L_GQ], lf[L.L_GM], lf[L.L_MIL], lf[L.L_LOY]
    ins, ins_eff, threat, news = lf[L.L_INS], lf[L.L_INS_EFF], lf[L.L_THREAT], lf[L.L_NEWS]
    supply, loss_x, x_before, equip = lf[L.L_SUPPLY], lf[L.L_LOSS_X], lf[L.L_X_BEFORE], lf[L.L_EQUIP]
    ms, holdout, ctrl, iso, broke = (
        l8[L.L8_MSTATE],
        l8[L.L8_HOLDOUT],
        l8[L.L8_CTRL],
        l8[L.L8_ISO],
        l8[L.L8_BROKE],
    )
    lost_day, lost_mode = X.li[L.LI_LOST_DAY], l8[L.L8_LOST_MODE]
    is_capital, has_airport = G.gb[L.G_IS_CAPITAL], G.gb[L.G_HAS_AIRPORT]
    rugged, affinity = G.gf[L.G_RUGGEDNESS], G.gf[L.G_AFFINITY]
    indptr, indices = G.indptr, G.indices
    n = len(gov)
    # threat: insurgents present + half those at neighbouring locations
    for i in range(n):
        th = ins[i]
        for e in range(indptr[i], indptr[i + 1]):
            th += 0.5 * ins[indices[e]]
        threat[i] = th
    for i in range(n):
        news[i] *= P.news_decay
        broke[i] = C.BROKE_NONE
        if ctrl[i] == C.INSURGENT or gov[i] <= 0.0:
            continue
        # supply
        if iso[i] == 1 and not has_airport[i]:
            supply[i] = max(supply[i] - 1.0, 0.0)
        else:
            supply[i] = min(supply[i] + 2.0, 60.0)
        _x, x_eff = defence(gov, gq, gm, mil, loy, ms, P.mil_quality, i)
        x_eff *= multiplier(holdout, is_capital, P, air, i)
        ins_q = ins_eff[i] / ins[i] if ins[i] > 0.0 else P.ins_quality0
        t_eff = threat[i] * ins_q * (1.0 + P.terrain * rugged[i])
        ratio = min(max(math.log((x_eff + 1.0) / (t_eff + 1.0)), -3.0), 3.0)
        lost = loss_x[i] / max(x_before[i], 1.0)
        z = (
            P.b0
            + P.b_ratio * ratio
            - P.b_losses * lost
            - P.b_isolated * iso[i]
            - P.b_news * (news[i] + news_g)
            + P.b_support * lam
            + P.b_supply * min(supply[i] / 30.0, 1.0)
            - rev
        )
        gm[i] += P.m_alpha * (logistic(z) - gm[i])
        if threat[i] <= 0.0 or gm[i] >= P.break_threshold:
            continue
        # breaking
        g = gov[i]
        if holdout[i] == 1:
            acc[C.ACC_GOV_CAPTURED] += g
            equip[i] += g
            gov[i] = 0.0
            broke[i] = C.BROKE_SURRENDERED
            continue
        u1 = uniform(seed, t, C.DRAW_BREAK, i)
        if has_airport[i] and u1 < retreat_probability(P, ins[i] > 0.0):
            keep = g * P.retreat_keep
            acc[C.ACC_GOV_DESERTERS] += g - keep
            gov[i] = keep
            holdout[i] = 1
            gm[i] = P.holdout_morale
            broke[i] = C.BROKE_RETREATED
            if lost_day[i] < 0:
                lost_day[i] = t
                lost_mode[i] = C.LOST_AIRPORT
            log_event_nb(X, t, C.LOG_RETREATED_TO_AIRPORT, i, keep)
            continue
        u2 = uniform(seed, t, C.DRAW_BREAK_MODE, i)
        p_surr = logistic(P.surrender_base + P.surrender_affinity * (affinity[i] - 0.5) - ratio)
        if u2 < p_surr:
            acc[C.ACC_GOV_CAPTURED] += g
            equip[i] += g
            broke[i] = C.BROKE_SURRENDERED
        else:
            acc[C.ACC_GOV_DESERTERS] += g
            equip[i] += 0.5 * g  # deserters leave much of their equipment behind
            broke[i] = C.BROKE_DESERTED
        gov[i] = 0.0


def militia_loyalty(X, G, P, seed: int, t: int) -> None:
    """Loyalty dynamics of every militia: stand aside below threshold, possibly switch."""
    lam = G.sched[C.SCHED_LOGISTICS, t]
    news_g = X.rf[L.RF_NEWS_G]
    lf, acc = X.lf, X.acc
    mil, loy, pool, news, threat = lf[L.L_MIL], lf[L.L_LOY], lf[L.L_POOL], lf[L.L_NEWS], lf[L.L_THREAT]
    mstate, ctrl = X.l8[L.L8_MSTATE], X.l8[L.L8_CTRL]
    mil_patron, prov_capital = G.gi[L.G_MIL_PATRON], G.gi[L.G_PROV_CAPITAL]
    for i in range(len(mil)):
        ms = mstate[i]
        if ms == C.MIL_NONE or ms == C.MIL_SWITCHED or mil[i] <= 0.0:
            continue
        p = mil_patron[i]
        present = 1.0 if p >= 0 and X.r8[L.R8_PATRON + p] == 1 else 0.0
        cap_held = 1.0 if ctrl[prov_capital[i]] != C.INSURGENT else 0.0
        z = (
            P.c0
            + P.c_patron * present
            + P.c_support * lam
            - P.c_news * (news[i] + news_g)
            + P.c_capital * cap_held
        )
        target = min(max(logistic(z) + P.mil_loyalty_shift, 0.0), 1.0)
        loy[i] += P.l_alpha * (target - loy[i])
        if ms == C.MIL_ACTIVE:
            if loy[i] < P.stand_aside and threat[i] > 0.0:
                mstate[i] = C.MIL_STOOD_ASIDE
                log_event_nb(X, t, C.LOG_MILITIA_STOOD_ASIDE, i, mil[i])
        elif ms == C.MIL_STOOD_ASIDE:
            if loy[i] >= P.stand_aside:
                mstate[i] = C.MIL_ACTIVE
            elif threat[i] > 0.0 and uniform(seed, t, C.DRAW_MILITIA, i) < P.switch_prob:
                m = mil[i]
                mstate[i] = C.MIL_SWITCHED
                pool[i] += m
                mil[i] = 0.0
                acc[C.ACC_GOV_DESERTERS] += m
                acc[C.ACC_INS_SWITCHED] += m
                log_event_nb(X, t, C.LOG_MILITIA_SWITCHED, i, m)


def insurgent_morale(X, G, P, seed: int, t: int) -> None:
    """Insurgent unit morale from its own losses and the national news of capital falls."""
    s, um, ueta, uloc = X.uf[L.U_S], X.uf[L.U_M], X.uf[L.U_ETA], X.ui[L.UI_LOC]
    loss_frac_i = X.lf[L.L_LOSS_FRAC_I]
    news_g = X.rf[L.RF_NEWS_G]
    for u in range(len(s)):
        if s[u] <= 0.0:
            continue
        lost = loss_frac_i[uloc[u]] if ueta[u] == 0.0 else 0.0
        z = P.i_b0 - P.i_b_losses * lost + P.i_b_news * news_g
        um[u] += P.i_alpha * (logistic(z) - um[u])


isolation_nb = kernel(isolation)
garrison_morale_nb = kernel(garrison_morale)
militia_loyalty_nb = kernel(militia_loyalty)
insurgent_morale_nb = kernel(insurgent_morale)
