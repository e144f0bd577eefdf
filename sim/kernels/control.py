"""Phase 5: control of districts and cities.

For each location not yet held by the insurgents, with X = garrison + active militia and I the
insurgents present:

* X = 0 and (I > 0 or the garrison broke today): the location falls. Its mode is
  ``holdout_lost`` if the government held only the airport, ``surrender`` if a broken garrison
  gave up or fled with insurgents present, ``negotiated`` if it fell with no insurgents inside
  (an empty or abandoned post taken over, or a deal), otherwise ``assault``.
* X > 0 and I > 0: contested (or AIRPORT for a holdout); X > 0 and I = 0: government (AIRPORT
  for a holdout).

An insurgent-held location with government personnel and no insurgents present is retaken.
A fall raises national news (capitals) and local news at the K nearest locations
(weight exp(-days/lambda)), frees prisoners where there is a prison (they join the local pool)
and leaves captured equipment for the units there.
"""

from __future__ import annotations

import math

from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import log_event


def update_control(st, S, P, r: int, t: int) -> None:
    """Update control, record falls and their consequences for replicate r on day t."""
    st.news_g[r] *= P.news_decay
    for i in range(S.n_loc):
        x = st.gov[r, i]
        if st.mstate[r, i] == C.MIL_ACTIVE:
            x += st.mil[r, i]
        ins = st.ins[r, i]
        old = st.ctrl[r, i]
        if old == C.INSURGENT:
            if x > 0.0 and ins <= 0.0:
                st.ctrl[r, i] = C.GOVERNMENT
                st.fell_day[r, i] = -1
                st.fall_mode[r, i] = C.NOT_FALLEN
                log_event(st, r, t, C.LOG_RETAKEN, i, x)
            continue
        if x <= 0.0:
            if ins > 0.0 or st.broke[r, i] > 0:
                if old == C.AIRPORT or st.holdout[r, i] == 1:
                    mode = C.HOLDOUT_LOST
                elif st.broke[r, i] == C.BROKE_HANDED_OVER:
                    mode = C.NEGOTIATED
                elif st.broke[r, i] > 0 and ins > 0.0:
                    mode = C.SURRENDER
                elif ins <= 0.0 or st.x_before[r, i] <= 0.0:
                    mode = C.NEGOTIATED
                else:
                    mode = C.ASSAULT
                    st.equip[r, i] += st.x_before[r, i] * 0.5
                fall(st, S, P, r, t, i, mode)
            continue
        if st.holdout[r, i] == 1:
            st.ctrl[r, i] = C.AIRPORT
        elif ins > 0.0:
            st.ctrl[r, i] = C.CONTESTED
        else:
            st.ctrl[r, i] = C.GOVERNMENT
    if S.revenue_on == 1:
        lost = 0.0
        for i in range(S.n_loc):
            if S.revenue[i] > 0.0 and st.ctrl[r, i] == C.INSURGENT:
                lost += S.revenue[i]
        st.revenue_lost[r] = lost


@njit(cache=True, inline="always")
def fall(st, S, P, r: int, t: int, i: int, mode: int) -> None:
    """Location i falls to the insurgents on day t with the given mode."""
    st.ctrl[r, i] = C.INSURGENT
    st.fell_day[r, i] = t
    if st.lost_day[r, i] < 0:
        st.lost_day[r, i] = t
        st.lost_mode[r, i] = mode
    st.fall_mode[r, i] = mode
    st.holdout[r, i] = 0
    st.req[r, i] = 0.0
    st.acc[r, C.ACC_EQUIPMENT] += st.equip[r, i]
    if S.is_capital[i]:
        st.news_g[r] += P.news_capital
        log_event(st, r, t, C.LOG_CAPITAL_FELL, i, float(mode))
    else:
        log_event(st, r, t, C.LOG_DISTRICT_FELL, i, float(mode))
    st.news[r, i] += P.news_district
    for k in range(S.cand.shape[1]):
        j = S.cand[i, k]
        if j < 0:
            break
        st.news[r, j] += P.news_district * math.exp(-S.cand_days[i, k] / P.news_lambda)
    freed = P.prisoners_per_prison * S.prison_scale[i]
    if S.has_prison[i] and freed > 0.0:
        st.pool[r, i] += freed
        st.ins[r, i] += freed
        st.acc[r, C.ACC_INS_PRISONERS] += freed
        log_event(st, r, t, C.LOG_PRISONERS_FREED, i, freed)


update_control_nb = njit(cache=True)(update_control)
