"""Phase 6: the government's command - reinforcement requests and the mobile reserve.

A garrison whose threat ratio ``threat_i / X_i`` exceeds ``request_threshold`` files a request
for ``request_size`` people (capitals only by default, and no district once the countryside is
abandoned). Each day: reinforcements whose flight lands today join their garrison (or return to
the reserve if the location has fallen); then the reserve is flown out under the airlift
capacity A(t) = airlift (floor + (1 - floor) maintenance(t)) - the withdrawal takes
contractor maintenance of the air fleet with it (the ``maintenance`` schedule) - to open requests
in the order of the policy:

* first_come: earliest request first (ties by location id);
* by_value: highest strategic value first (then earliest, then id);
* none: nothing is sent.

Flights land ``delay`` days later.
"""

from __future__ import annotations

from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import log_event


def command(st, S, P, r: int, t: int) -> None:
    """Requests, arrivals and dispatch of replicate r on day t."""
    n = S.n_loc
    slots = st.transit.shape[1]
    # new requests
    for i in range(n):
        if st.ctrl[r, i] == C.INSURGENT or st.gov[r, i] <= 0.0 or st.req[r, i] > 0.0:
            continue
        if P.capitals_only == 1 and not S.is_capital[i]:
            continue
        if st.abandoned[r] == 1 and not S.is_capital[i]:
            continue
        if st.threat[r, i] / st.gov[r, i] > P.request_threshold:
            st.req[r, i] = P.request_size
            st.req_day[r, i] = t
            log_event(st, r, t, C.LOG_REQUESTED, i, P.request_size)
    # arrivals
    slot = t % slots
    for i in range(n):
        a = st.transit[r, slot, i]
        if a <= 0.0:
            continue
        st.transit[r, slot, i] = 0.0
        if st.ctrl[r, i] == C.INSURGENT:
            st.reserve[r] += a
            continue
        tot = st.gov[r, i] + a
        st.gq[r, i] = (st.gq[r, i] * st.gov[r, i] + P.reserve_quality * a) / tot
        st.gm[r, i] = (st.gm[r, i] * st.gov[r, i] + 0.8 * a) / tot
        st.gov[r, i] = tot
        st.acc[r, C.ACC_GOV_REINFORCEMENTS] += a
        log_event(st, r, t, C.LOG_ARRIVED, i, a)
    # dispatch
    if st.policy[r] == C.POLICY_NONE:
        return
    cap = P.airlift * (P.airlift_floor + (1.0 - P.airlift_floor) * S.sched[C.SCHED_MAINTENANCE, t])
    land = (t + P.delay) % slots
    policy, req_day = st.policy[r], st.req_day[r]
    while cap > 0.0 and st.reserve[r] > 0.0:
        best = -1
        for i in range(n):
            if st.req[r, i] <= 0.0 or st.ctrl[r, i] == C.INSURGENT:
                continue
            if best < 0 or better(policy, S.value, req_day, i, best):
                best = i
        if best < 0:
            break
        amt = min(st.req[r, best], cap, st.reserve[r])
        st.req[r, best] -= amt
        cap -= amt
        st.reserve[r] -= amt
        log_event(st, r, t, C.LOG_SENT, best, amt)
        if P.delay == 0:
            tot = st.gov[r, best] + amt
            st.gq[r, best] = (st.gq[r, best] * st.gov[r, best] + P.reserve_quality * amt) / tot
            st.gm[r, best] = (st.gm[r, best] * st.gov[r, best] + 0.8 * amt) / tot
            st.gov[r, best] = tot
            st.acc[r, C.ACC_GOV_REINFORCEMENTS] += amt
            log_event(st, r, t, C.LOG_ARRIVED, best, amt)
        else:
            st.transit[r, land, best] += amt


@njit(cache=True, inline="always")
def better(policy: int, value, req_day, i: int, j: int) -> bool:
    """Whether open request i is served before open request j under the policy."""
    if policy == C.POLICY_BY_VALUE and value[i] != value[j]:
        return value[i] > value[j]
    if req_day[i] != req_day[j]:
        return req_day[i] < req_day[j]
    return i < j


command_nb = njit(cache=True)(command)
