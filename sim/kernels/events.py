"""Phase 1: scripted events and policy (applied first each day, same order in both backends).

Events of day t are applied in the scenario's order (sorted by day, then kind):

* abandon_countryside: every district garrison (not a capital) sends a share ``value`` (default
  ``command.abandon_fraction``) of its personnel to its province capital, if the government still
  holds it; district garrisons stop filing reinforcement requests.
* leader_return: the patron is present again; loyalty of their militias jumps by ``value``.
* reinforcement_request: a request of ``value`` people at the location is filed (or raised).
* policy: the reserve's allocation policy changes.
* offensive: marks the day insurgent units start moving (read from Static.offensive_day).
"""

from __future__ import annotations

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.common import kernel, log_event_nb


def apply_events(X, G, P, seed: int, t: int) -> None:
    """Apply the replicate's scripted events of day t (see module docstring)."""
    gov, gq, loy, req = X.lf[L.L_GOV], X.lf[L.L_GQ], X.lf[L.L_LOY], X.lf[L.L_REQ]
    ctrl, mstate, req_day = X.l8[L.L8_CTRL], X.l8[L.L8_MSTATE], X.li[L.LI_REQ_DAY]
    is_capital = G.gb[L.G_IS_CAPITAL]
    prov_capital, mil_patron = G.gi[L.G_PROV_CAPITAL], G.gi[L.G_MIL_PATRON]
    ev, ev_value = G.ev, G.ev_value
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
            log_event_nb(X, t, C.LOG_COUNTRYSIDE_ABANDONED, C.NO_LOCATION, moved_total)
        elif kind == C.EV_LEADER_RETURN:
            p = ev[L.E_PATRON, e]
            X.r8[L.R8_PATRON + p] = 1
            for i in range(len(gov)):
                if mil_patron[i] == p and mstate[i] != C.MIL_SWITCHED:
                    loy[i] = min(1.0, loy[i] + ev_value[e])
            log_event_nb(X, t, C.LOG_LEADER_RETURNED, C.NO_LOCATION, float(p))
        elif kind == C.EV_REQUEST:
            i = ev[L.E_LOC, e]
            if req[i] <= 0.0:
                req_day[i] = t
            req[i] = max(req[i], ev_value[e])
            log_event_nb(X, t, C.LOG_REQUESTED, i, ev_value[e])
        elif kind == C.EV_POLICY:
            X.ri[L.RI_POLICY] = ev[L.E_CODE, e]


apply_events_nb = kernel(apply_events)
