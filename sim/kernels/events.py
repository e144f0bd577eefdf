"""Phase 1: scripted events and policy (applied first each day, same order in both backends).

Events of day t are applied in the scenario's order (sorted by day, then kind):

* abandon_countryside: every district garrison (not a capital) sends a share ``value`` (default
  ``command.abandon_fraction``) of its personnel to its province capital, if the government still
  holds it; district garrisons stop filing reinforcement requests.
* leader_return: the patron is present again; loyalty of their militias jumps by ``value``.
* reinforcement_request: a request of ``value`` people at the location is filed (or raised).
* policy: the reserve's allocation policy changes.
* offensive: marks the day insurgent units start moving (read from Static.offensive_day).

Then, with the province pull-back on (``model.consolidation.enabled``): in a province where the
insurgents hold at least ``threshold`` of the district centres (``L_p``, yesterday's control),
every government-held district garrison sends ``rate`` of its personnel to the provincial
capital, if the government still holds it (quality mixed by personnel)::

    move_i = rate * gov_i   if L_p(i) >= threshold and capital(p) not insurgent-held

The pulled-back posts are left weaker (their morale and handover odds follow the force ratio)
and the capital stronger: a province's districts can go while its capital holds, as the Afghan
forces' evacuation of "non-strategic areas" to protect the cities (mid-June 2021) and the
consolidation around the cities acknowledged in July 2021 (Reuters, 22 July; Gen. Milley, 21
July) describe (``raw/observed/mechanism_sources.md``, section g).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.common import kernel, log_event_nb, province_lost


def apply_events(X, G, P, seed: int, t: int) -> None:
    """Apply the replicate's scripted events of day t (see module docstring)."""
    gov, gq, loy, req = X.lf[L.L_GOV], X.lf[L.L_GQ], X.lf[L.L_LOY], X.lf[L.L_REQ]
    ctrl, mstate, req_day = X.l8[L.L8_CTRL], X.l8[L.L8_MSTATE], X.li[L.LI_REQ_DAY]
    is_capital = G.gb[L.G_IS_CAPITAL]
    prov_capital, mil_patron = G.gi[L.G_PROV_CAPITAL], G.gi[L.G_MIL_PATRON]
    ev, ev_value = G.ev, G.ev_value
    nowhere = np.int64(C.NO_LOCATION)  # not the literal -1: one compiled log_event_nb, not two
    for e in range(ev.shape[1]):
        if ev[L.E_DAY, e] != t:
            continue
        kind = ev[L.E_KIND, e]
        if kind == C.EV_ABANDON:
            frac = ev_value[e] if ev_value[e] > 0.0 else P.abandon_fraction
            moved_total = 0.0
            for i in range(len(gov)):
                if is_capital[i] or ctrl[i] == C.INSURGENT or gov[i] <= 0.0:
                    continue
                cap = prov_capital[i]
                if ctrl[cap] == C.INSURGENT:
                    continue
                move = gov[i] * frac
                tot = gov[cap] + move
                gq[cap] = (gq[cap] * gov[cap] + gq[i] * move) / tot
                gov[cap] = tot
                gov[i] -= move
                moved_total += move
            X.r8[L.R8_ABANDONED] = 1
            log_event_nb(X, t, C.LOG_COUNTRYSIDE_ABANDONED, nowhere, moved_total)
        elif kind == C.EV_LEADER_RETURN:
            p = ev[L.E_PATRON, e]
            X.r8[L.R8_PATRON + p] = 1
            for i in range(len(gov)):
                if mil_patron[i] == p and mstate[i] != C.MIL_SWITCHED:
                    loy[i] = min(1.0, loy[i] + ev_value[e])
            log_event_nb(X, t, C.LOG_LEADER_RETURNED, nowhere, float(p))
        elif kind == C.EV_REQUEST:
            i = ev[L.E_LOC, e]
            if req[i] <= 0.0:
                req_day[i] = t
            req[i] = max(req[i], ev_value[e])
            log_event_nb(X, t, C.LOG_REQUESTED, i, ev_value[e])
        elif kind == C.EV_POLICY:
            X.ri[L.RI_POLICY] = ev[L.E_CODE, e]
    if G.flags[L.F_CONSOLIDATE] == 1:
        pull_back(X, G, P)


@njit(cache=True, no_cpython_wrapper=True)
def pull_back(X, G, P) -> None:
    """The province pull-back of the day (module docstring): district garrisons of a province
    whose district centres are at least ``consolidate_threshold`` insurgent-held send
    ``consolidate_rate`` of their personnel to the provincial capital."""
    gov, gq, ctrl = X.lf[L.L_GOV], X.lf[L.L_GQ], X.l8[L.L8_CTRL]
    holdout = X.l8[L.L8_HOLDOUT]
    is_capital, province, prov_capital = G.gb[L.G_IS_CAPITAL], G.gi[L.G_PROVINCE], G.gi[L.G_PROV_CAPITAL]
    share_lost = province_lost(ctrl, is_capital, province, G.prov_districts)
    for i in range(len(gov)):
        if is_capital[i] or ctrl[i] == C.INSURGENT or holdout[i] == 1 or gov[i] <= 0.0:
            continue
        if share_lost[province[i]] < P.consolidate_threshold:
            continue
        cap = prov_capital[i]
        if ctrl[cap] == C.INSURGENT:
            continue
        move = gov[i] * P.consolidate_rate
        if move <= 0.0:
            continue
        tot = gov[cap] + move
        gq[cap] = (gq[cap] * gov[cap] + gq[i] * move) / tot
        gov[cap] = tot
        gov[i] -= move


apply_events_nb = kernel(apply_events)
