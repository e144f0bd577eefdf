"""Phase 4b: negotiated handovers - a location given up by a deal, with no local force majority.

Before 2021 the Taliban took most district centres, and several provincial capitals, by
negotiating their handover through elders, local officials and offers of amnesty rather than by
storming them (Kunduz 2015, Ghazni and Farah 2018, Lashkar Gah 2020; Giustozzi 2019; AAN on the
district handovers of May-July 2021). A garrison that is cut off, unpaid, sees its province
fall around it and hears of falls elsewhere makes a deal even while it outnumbers the insurgents
at its gate; a strong local patron, foreign logistics and supply make it hold.

Each day, for every location the government holds (not an airport holdout) with defenders
present and insurgents at or next to it (``threat > 0``), the handover happens with probability
``logistic(z)`` (uniform keyed (seed, day, NEGOTIATE, location))::

    z = n0 + n_capital [capital] + n_isolated iso_i + n_province L_p(i)
        + n_news (news_i + news_g) + n_affinity (a_i - 0.5) - n_supply min(supply_i / 30, 1)
        - n_logistics lambda(t) - n_patron [the local militia's patron is present]
        - n_ratio clip(log((X_eff + 1) / (T_eff + 1)), -3, 3) + n_revenue R(t)

with L_p the share of the province's district centres held by the insurgents (yesterday's
control), lambda(t) the logistics schedule, X_eff and T_eff as in the morale phase (air support
and fortification included), and R(t) the share of customs revenue through insurgent-held
crossings. Provincial capitals are negotiated over only once they are campaign objectives
(``campaign.capitals_day``); outside the focus theatres of a campaign phase that names some, the
probability is ``campaign.outside_tempo`` times ``logistic(z)``. A handover sends the garrison
home (deserters; its equipment is captured), makes an active militia stand aside, and leaves the
location to fall in the control phase with mode ``negotiated`` (a fall without a fight).

Posts abandoned ahead of the insurgents (``model.abandonment``). In the press sample of 132
district falls of May-July 2021 (``scenarios/data/afghanistan_2021/raw/observed``), 44 of the 67
with a known mode were "abandoned", "vacated" or a "tactical retreat"; in Badakhshan 10
districts fell in three days, 8 without a fight, and over 1,000 soldiers crossed into Tajikistan
(AP and Asia-Plus, 5 July 2021). A garrison breaks in the morale phase only under threat; here a
government district garrison (not a provincial capital, not a holdout) that has not handed its
post over today and has no insurgents inside its location (they may be at the gate, or nowhere
near) leaves each day with probability ``logistic(y)``, whatever the local force ratio (uniform
keyed (seed, day, ABANDON, location))::

    y = a0 + a_isolated iso_i + a_province L_p(i) + a_news (news_i + news_g)
        - a_supply min(supply_i / 30, 1) - a_logistics lambda(t)

The garrison goes home or across a border (deserters; half its equipment is left behind), an
active militia stays, and a post with no one left falls in the control phase with mode
``negotiated`` (taken over without a fight; the event log says ``post_abandoned``).
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.common import defence, kernel, log_event_nb, logistic, multiplier, province_lost
from sim.kernels.movement import campaign_state
from sim.kernels.rng import uniform


def negotiate(X, G, P, seed: int, t: int) -> None:
    """Negotiated handovers and abandoned posts of the replicate on day t (module docstring)."""
    negotiate_on = G.flags[L.F_NEGOTIATE] == 1
    abandon_on = G.flags[L.F_ABANDON] == 1
    if not negotiate_on and not abandon_on:
        return
    air = G.sched[C.SCHED_AIR, t]
    lam = G.sched[C.SCHED_LOGISTICS, t]
    lf, l8, acc = X.lf, X.l8, X.acc
    gov, gq, gm, mil, loy = lf[L.L_GOV], lf[L.L_GQ], lf[L.L_GM], lf[L.L_MIL], lf[L.L_LOY]
    ins, ins_eff, threat, news = lf[L.L_INS], lf[L.L_INS_EFF], lf[L.L_THREAT], lf[L.L_NEWS]
    supply, equip = lf[L.L_SUPPLY], lf[L.L_EQUIP]
    ms, holdout, ctrl, iso, broke = (
        l8[L.L8_MSTATE],
        l8[L.L8_HOLDOUT],
        l8[L.L8_CTRL],
        l8[L.L8_ISO],
        l8[L.L8_BROKE],
    )
    is_capital, rugged, affinity = G.gb[L.G_IS_CAPITAL], G.gf[L.G_RUGGEDNESS], G.gf[L.G_AFFINITY]
    province, mil_patron, prov_districts = G.gi[L.G_PROVINCE], G.gi[L.G_MIL_PATRON], G.prov_districts
    news_g = X.rf[L.RF_NEWS_G]
    n = len(gov)
    share_lost = province_lost(ctrl, is_capital, province, prov_districts)
    capitals_ok = G.flags[L.F_CAMPAIGN] == 0 or t >= P.capitals_day
    focus_now = np.zeros(G.focus.shape[1])
    campaign_state(G.flags[L.F_CAMPAIGN], G.phase_day, G.focus, P.capitals_day, t, focus_now)
    slow_outside = focus_now.sum() > 0.0
    theatre = G.gi[L.G_THEATRE]
    rev = P.n_revenue * X.rf[L.RF_REVENUE_LOST]
    for i in range(n):
        if ctrl[i] == C.INSURGENT or holdout[i] == 1 or broke[i] != C.BROKE_NONE:
            continue
        if not negotiate_on or threat[i] <= 0.0 or (is_capital[i] and not capitals_ok):
            continue
        x, x_eff = defence(gov, gq, gm, mil, loy, ms, P.mil_quality, i)
        if x <= 0.0:
            continue
        x_eff *= multiplier(holdout, is_capital, P, air, i)
        ins_q = ins_eff[i] / ins[i] if ins[i] > 0.0 else P.ins_quality0
        t_eff = threat[i] * ins_q * (1.0 + P.terrain * rugged[i])
        ratio = min(max(math.log((x_eff + 1.0) / (t_eff + 1.0)), -3.0), 3.0)
        q = province[i]
        lost = share_lost[q]
        p = mil_patron[i]
        patron = 1.0 if p >= 0 and X.r8[L.R8_PATRON + p] == 1 else 0.0
        z = (
            P.n0
            + (P.n_capital if is_capital[i] else 0.0)
            + P.n_isolated * iso[i]
            + P.n_province * lost
            + P.n_news * (news[i] + news_g)
            + P.n_affinity * (affinity[i] - 0.5)
            - P.n_supply * min(supply[i] / 30.0, 1.0)
            - P.n_logistics * lam
            - P.n_patron * patron
            - P.n_ratio * ratio
            + rev
        )
        odds = logistic(z)
        if slow_outside and focus_now[theatre[i]] == 0.0:
            odds *= P.outside_tempo
        if uniform(seed, t, C.DRAW_NEGOTIATE, i) >= odds:
            continue
        g = gov[i]
        acc[C.ACC_GOV_DESERTERS] += g
        equip[i] += g
        gov[i] = 0.0
        if ms[i] == C.MIL_ACTIVE:
            ms[i] = C.MIL_STOOD_ASIDE
            log_event_nb(X, t, C.LOG_MILITIA_STOOD_ASIDE, i, mil[i])
        broke[i] = C.BROKE_HANDED_OVER
        log_event_nb(X, t, C.LOG_HANDOVER_AGREED, i, g)
    if not abandon_on:
        return
    # posts abandoned ahead of the insurgents: district garrisons with none inside
    for i in range(n):
        if ctrl[i] == C.INSURGENT or holdout[i] == 1 or broke[i] != C.BROKE_NONE:
            continue
        if is_capital[i] or gov[i] <= 0.0 or ins[i] > 0.0:
            continue
        y = (
            P.a0
            + P.a_isolated * iso[i]
            + P.a_province * share_lost[province[i]]
            + P.a_news * (news[i] + news_g)
            - P.a_supply * min(supply[i] / 30.0, 1.0)
            - P.a_logistics * lam
        )
        if uniform(seed, t, C.DRAW_ABANDON, i) >= logistic(y):
            continue
        g = gov[i]
        acc[C.ACC_GOV_DESERTERS] += g
        equip[i] += 0.5 * g  # deserters leave much of their equipment behind
        gov[i] = 0.0
        broke[i] = C.BROKE_ABANDONED
        log_event_nb(X, t, C.LOG_POST_ABANDONED, i, g)


negotiate_nb = kernel(negotiate)
