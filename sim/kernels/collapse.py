"""Phase 5b: political collapse of the centre.

A government can fall without its capital's garrison being destroyed: its leaders flee or hand
power over once the provinces are lost, outside support is gone and the approaches to the
capital are in enemy hands. The precedent is April 1992, when Najibullah's government collapsed
a few months after Soviet funding and supplies ended in January 1992, with the army largely
intact. Each day while the national capital (the hub) is held and the government has not yet
collapsed, it collapses with probability ``logistic(z)`` (uniform keyed (seed, day, COLLAPSE,
hub))::

    z = k0 + k_capitals C(t) + k_news news_g + k_approaches A(t) - k_logistics lambda(t)

where C is the share of provincial capitals held by the insurgents, news_g the national news of
capital falls, lambda(t) the logistics schedule and A the share of the locations within
``approach_days`` of the hub (among its nearest candidates) held by the insurgents. On collapse
the hub falls with mode ``negotiated`` (its garrison goes home, its equipment is captured), the
reserve is no longer sent anywhere (policy ``none``), and the national news rises by
``news_shock``; every garrison left is then cut off from the national capital and its morale
falls with the news (the morale phase does the rest the next days).
"""

from __future__ import annotations

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.common import kernel, log_event_nb, logistic
from sim.kernels.control import fall_nb
from sim.kernels.rng import uniform


def collapse(X, G, P, seed: int, t: int) -> None:
    """Draw the political collapse of the replicate on day t (see the module docstring)."""
    hub = G.flags[L.F_HUB]
    ctrl = X.l8[L.L8_CTRL]
    if G.flags[L.F_COLLAPSE] == 0 or X.ri[L.RI_COLLAPSED] >= 0 or ctrl[hub] == C.INSURGENT:
        return
    is_capital = G.gb[L.G_IS_CAPITAL]
    caps = 0.0
    lost = 0.0
    for i in range(len(ctrl)):
        if is_capital[i]:
            caps += 1.0
            if ctrl[i] == C.INSURGENT:
                lost += 1.0
    near = 0.0
    taken = 0.0
    for k in range(G.cand.shape[1]):
        j = G.cand[hub, k]
        if j < 0 or G.cand_days[hub, k] > P.approach_days:
            break
        near += 1.0
        if ctrl[j] == C.INSURGENT:
            taken += 1.0
    approaches = taken / near if near > 0.0 else 0.0
    z = (
        P.k0
        + P.k_capitals * lost / caps
        + P.k_news * X.rf[L.RF_NEWS_G]
        + P.k_approaches * approaches
        - P.k_logistics * G.sched[C.SCHED_LOGISTICS, t]
    )
    if uniform(seed, t, C.DRAW_COLLAPSE, hub) >= logistic(z):
        return
    X.ri[L.RI_COLLAPSED] = t
    log_event_nb(X, t, C.LOG_GOVERNMENT_COLLAPSED, hub, z)
    g = X.lf[L.L_GOV, hub]
    X.acc[C.ACC_GOV_DESERTERS] += g
    X.lf[L.L_EQUIP, hub] += g
    X.lf[L.L_GOV, hub] = 0.0
    if X.l8[L.L8_MSTATE, hub] == C.MIL_ACTIVE:
        X.l8[L.L8_MSTATE, hub] = C.MIL_STOOD_ASIDE
    fall_nb(X, G, P, t, hub, C.NEGOTIATED)
    X.rf[L.RF_NEWS_G] += P.collapse_news
    X.ri[L.RI_POLICY] = C.POLICY_NONE


collapse_nb = kernel(collapse)
