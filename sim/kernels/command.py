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

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.common import kernel, log_event_nb


def command(X, G, P, seed: int, t: int) -> None:
    """Requests, arrivals and dispatch of the replicate on day t."""
    lf, acc, transit = X.lf, X.acc, X.transit
    gov, gq, gm, req, threat = lf[L.L_GOV], lf[L.L_GQ], lf[L.L_GM], lf[L.L_REQ], lf[L.L_THREAT]
    ctrl, req_day = X.l8[L.L8_CTRL], X.li[L.LI_REQ_DAY]
    is_capital, value = G.gb[L.G_IS_CAPITAL], G.gf[L.G_VALUE]
    abandoned = X.r8[L.R8_ABANDONED]
    n = len(gov)
    slots = transit.shape[0]
    # new requests
    for i in range(n):
        if ctrl[i] == C.INSURGENT or gov[i] <= 0.0 or req[i] > 0.0:
            continue
        if P.capitals_only == 1 and not is_capital[i]:
            continue
        if abandoned == 1 and not is_capital[i]:
            continue
        if threat[i] / gov[i] > P.request_threshold:
            req[i] = P.request_size
            req_day[i] = t
            log_event_nb(X, t, C.LOG_REQUESTED, i, P.request_size)
    # arrivals
    slot = t % slots
    for i in range(n):
        a = transit[slot, i]
        if a <= 0.0:
            continue
        transit[slot, i] = 0.0
        if ctrl[i] == C.INSURGENT:
            X.rf[L.RF_RESERVE] += a
            continue
        tot = gov[i] + a
        gq[i] = (gq[i] * gov[i] + P.reserve_quality * a) / tot
        gm[i] = (gm[i] * gov[i] + 0.8 * a) / tot
        gov[i] = tot
        acc[C.ACC_GOV_REINFORCEMENTS] += a
        log_event_nb(X, t, C.LOG_ARRIVED, i, a)
    # dispatch
    policy = X.ri[L.RI_POLICY]
    if policy == C.POLICY_NONE:
        return
    cap = P.airlift * (P.airlift_floor + (1.0 - P.airlift_floor) * G.sched[C.SCHED_MAINTENANCE, t])
    land = (t + P.delay) % slots
    while cap > 0.0 and X.rf[L.RF_RESERVE] > 0.0:
        best = np.int64(-1)  # not the literal -1: one compiled `better`, not two
        for i in range(n):
            if req[i] <= 0.0 or ctrl[i] == C.INSURGENT:
                continue
            if best < 0 or better(policy, value, req_day, i, best):
                best = i
        if best < 0:
            break
        amt = min(req[best], cap, X.rf[L.RF_RESERVE])
        req[best] -= amt
        cap -= amt
        X.rf[L.RF_RESERVE] -= amt
        log_event_nb(X, t, C.LOG_SENT, best, amt)
        if P.delay == 0:
            tot = gov[best] + amt
            gq[best] = (gq[best] * gov[best] + P.reserve_quality * amt) / tot
            gm[best] = (gm[best] * gov[best] + 0.8 * amt) / tot
            gov[best] = tot
            acc[C.ACC_GOV_REINFORCEMENTS] += amt
            log_event_nb(X, t, C.LOG_ARRIVED, best, amt)
        else:
            transit[land, best] += amt


@njit(cache=True, no_cpython_wrapper=True)
def better(policy: int, value, req_day, i: int, j: int) -> bool:
    """Whether open request i is served before open request j under the policy."""
    if policy == C.POLICY_BY_VALUE and value[i] != value[j]:
        return value[i] > value[j]
    if req_day[i] != req_day[j]:
        return req_day[i] < req_day[j]
    return i < j


command_nb = kernel(command)
