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

from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import log_event, logistic
from sim.kernels.control import fall
from sim.kernels.rng import uniform


def collapse(st, S, P, seed: int, r: int, t: int) -> None:
    """Draw the political collapse of replicate r on day t (see the module docstring)."""
    hub = S.hub
    if S.collapse == 0 or st.collapsed[r] >= 0 or st.ctrl[r, hub] == C.INSURGENT:
        return
    caps = 0.0
    lost = 0.0
    for i in range(S.n_loc):
        if S.is_capital[i]:
            caps += 1.0
            if st.ctrl[r, i] == C.INSURGENT:
                lost += 1.0
    near = 0.0
    taken = 0.0
    for k in range(S.cand.shape[1]):
        j = S.cand[hub, k]
        if j < 0 or S.cand_days[hub, k] > P.approach_days:
            break
        near += 1.0
        if st.ctrl[r, j] == C.INSURGENT:
            taken += 1.0
    approaches = taken / near if near > 0.0 else 0.0
    z = (
        P.k0
        + P.k_capitals * lost / caps
        + P.k_news * st.news_g[r]
        + P.k_approaches * approaches
        - P.k_logistics * S.sched[C.SCHED_LOGISTICS, t]
    )
    if uniform(seed, t, C.DRAW_COLLAPSE, hub) >= logistic(z):
        return
    st.collapsed[r] = t
    log_event(st, r, t, C.LOG_GOVERNMENT_COLLAPSED, hub, z)
    g = st.gov[r, hub]
    st.acc[r, C.ACC_GOV_DESERTERS] += g
    st.equip[r, hub] += g
    st.gov[r, hub] = 0.0
    if st.mstate[r, hub] == C.MIL_ACTIVE:
        st.mstate[r, hub] = C.MIL_STOOD_ASIDE
    fall(st, S, P, r, t, hub, C.NEGOTIATED)
    st.news_g[r] += P.collapse_news
    st.policy[r] = C.POLICY_NONE


collapse_nb = njit(cache=True)(collapse)
