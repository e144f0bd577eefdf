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

from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import log_event


def apply_events(st, S, P, r: int, t: int) -> None:
    """Apply replicate r's scripted events of day t (see module docstring)."""
    for e in range(len(S.ev_day)):
        if S.ev_day[e] != t:
            continue
        kind = S.ev_kind[e]
        if kind == C.EV_ABANDON:
            frac = S.ev_value[e] if S.ev_value[e] > 0.0 else P.abandon_fraction
            moved_total = 0.0
            for i in range(S.n_loc):
                if S.is_capital[i] or st.ctrl[r, i] == C.INSURGENT or st.gov[r, i] <= 0.0:
                    continue
                cap = S.prov_capital[i]
                if st.ctrl[r, cap] == C.INSURGENT:
                    continue
                move = st.gov[r, i] * frac
                tot = st.gov[r, cap] + move
                st.gq[r, cap] = (st.gq[r, cap] * st.gov[r, cap] + st.gq[r, i] * move) / tot
                st.gov[r, cap] = tot
                st.gov[r, i] -= move
                moved_total += move
            st.abandoned[r] = 1
            log_event(st, r, t, C.LOG_COUNTRYSIDE_ABANDONED, -1, moved_total)
        elif kind == C.EV_LEADER_RETURN:
            p = S.ev_patron[e]
            st.patron_present[r, p] = 1
            for i in range(S.n_loc):
                if S.mil_patron[i] == p and st.mstate[r, i] != C.MIL_SWITCHED:
                    st.loy[r, i] = min(1.0, st.loy[r, i] + S.ev_value[e])
            log_event(st, r, t, C.LOG_LEADER_RETURNED, -1, float(p))
        elif kind == C.EV_REQUEST:
            i = S.ev_loc[e]
            if st.req[r, i] <= 0.0:
                st.req_day[r, i] = t
            st.req[r, i] = max(st.req[r, i], S.ev_value[e])
            log_event(st, r, t, C.LOG_REQUESTED, i, S.ev_value[e])
        elif kind == C.EV_POLICY:
            st.policy[r] = S.ev_code[e]


apply_events_nb = njit(cache=True)(apply_events)
