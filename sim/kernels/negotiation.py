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
(``campaign.capitals_day``). A handover sends the garrison home (deserters; its equipment is
captured), makes an active militia stand aside, and leaves the location to fall in the control
phase with mode ``negotiated`` (a fall without a fight).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import defence, log_event, logistic, multiplier
from sim.kernels.rng import uniform


def negotiate(st, S, P, seed: int, r: int, t: int) -> None:
    """Negotiated handovers of replicate r on day t (see the module docstring)."""
    if S.negotiate == 0:
        return
    n = S.n_loc
    air = S.sched[C.SCHED_AIR, t]
    lam = S.sched[C.SCHED_LOGISTICS, t]
    held = np.zeros(len(S.prov_districts))
    for i in range(n):
        if not S.is_capital[i] and st.ctrl[r, i] == C.INSURGENT:
            held[S.province[i]] += 1.0
    capitals_ok = S.campaign == 0 or t >= P.capitals_day
    rev = P.n_revenue * st.revenue_lost[r]
    gov, gq, gm, mil, loy, ms = st.gov[r], st.gq[r], st.gm[r], st.mil[r], st.loy[r], st.mstate[r]
    for i in range(n):
        if st.ctrl[r, i] == C.INSURGENT or st.holdout[r, i] == 1 or st.broke[r, i] != C.BROKE_NONE:
            continue
        if st.threat[r, i] <= 0.0 or (S.is_capital[i] and not capitals_ok):
            continue
        x, x_eff = defence(gov, gq, gm, mil, loy, ms, P.mil_quality, i)
        if x <= 0.0:
            continue
        x_eff *= multiplier(st.holdout[r], S.is_capital, P, air, i)
        ins_q = st.ins_eff[r, i] / st.ins[r, i] if st.ins[r, i] > 0.0 else P.ins_quality0
        t_eff = st.threat[r, i] * ins_q * (1.0 + P.terrain * S.ruggedness[i])
        ratio = min(max(math.log((x_eff + 1.0) / (t_eff + 1.0)), -3.0), 3.0)
        q = S.province[i]
        lost = held[q] / S.prov_districts[q] if S.prov_districts[q] > 0.0 else 0.0
        p = S.mil_patron[i]
        patron = 1.0 if p >= 0 and st.patron_present[r, p] == 1 else 0.0
        z = (
            P.n0
            + (P.n_capital if S.is_capital[i] else 0.0)
            + P.n_isolated * st.iso[r, i]
            + P.n_province * lost
            + P.n_news * (st.news[r, i] + st.news_g[r])
            + P.n_affinity * (S.affinity[i] - 0.5)
            - P.n_supply * min(st.supply[r, i] / 30.0, 1.0)
            - P.n_logistics * lam
            - P.n_patron * patron
            - P.n_ratio * ratio
            + rev
        )
        if uniform(seed, t, C.DRAW_NEGOTIATE, i) >= logistic(z):
            continue
        g = st.gov[r, i]
        st.acc[r, C.ACC_GOV_DESERTERS] += g
        st.equip[r, i] += g
        st.gov[r, i] = 0.0
        if st.mstate[r, i] == C.MIL_ACTIVE:
            st.mstate[r, i] = C.MIL_STOOD_ASIDE
            log_event(st, r, t, C.LOG_MILITIA_STOOD_ASIDE, i, st.mil[r, i])
        st.broke[r, i] = C.BROKE_HANDED_OVER
        log_event(st, r, t, C.LOG_HANDOVER_AGREED, i, g)


negotiate_nb = njit(cache=True)(negotiate)
