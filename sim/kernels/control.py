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
A fall raises national news (``news_capital`` for a capital, ``news_district_national`` for any
other location), the local news of every district post (not a provincial capital) of the same
region when a district post falls (``news_district_region``), and local news at the K nearest
locations (weight exp(-days/lambda)), frees prisoners where there is a prison (they join the local pool)
and leaves captured equipment for the units there.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.common import kernel, log_event_nb


def update_control(X, G, P, seed: int, t: int) -> None:
    """Update control, record falls and their consequences for the replicate on day t."""
    X.rf[L.RF_NEWS_G] *= P.news_decay
    lf, l8, li = X.lf, X.l8, X.li
    gov, mil, ins_a, x_before, equip = lf[L.L_GOV], lf[L.L_MIL], lf[L.L_INS], lf[L.L_X_BEFORE], lf[L.L_EQUIP]
    ms, holdout, ctrl, broke, fall_mode = (
        l8[L.L8_MSTATE],
        l8[L.L8_HOLDOUT],
        l8[L.L8_CTRL],
        l8[L.L8_BROKE],
        l8[L.L8_FALL_MODE],
    )
    fell_day = li[L.LI_FELL_DAY]
    for i in range(len(gov)):
        x = gov[i]
        if ms[i] == C.MIL_ACTIVE:
            x += mil[i]
        ins = ins_a[i]
        old = ctrl[i]
        if old == C.INSURGENT:
            if x > 0.0 and ins <= 0.0:
                ctrl[i] = C.GOVERNMENT
                fell_day[i] = -1
                fall_mode[i] = C.NOT_FALLEN
                log_event_nb(X, t, C.LOG_RETAKEN, i, x)
            continue
        if x <= 0.0:
            if ins > 0.0 or broke[i] > 0:
                if old == C.AIRPORT or holdout[i] == 1:
                    mode = C.HOLDOUT_LOST
                elif broke[i] == C.BROKE_HANDED_OVER:
                    mode = C.NEGOTIATED
                elif broke[i] > 0 and ins > 0.0:
                    mode = C.SURRENDER
                elif ins <= 0.0 or x_before[i] <= 0.0:
                    mode = C.NEGOTIATED
                else:
                    mode = C.ASSAULT
                    equip[i] += x_before[i] * 0.5
                fall_nb(X, G, P, t, i, mode)
            continue
        if holdout[i] == 1:
            ctrl[i] = C.AIRPORT
        elif ins > 0.0:
            ctrl[i] = C.CONTESTED
        else:
            ctrl[i] = C.GOVERNMENT
    if G.flags[L.F_REVENUE_ON] == 1:
        revenue = G.gf[L.G_REVENUE]
        lost = 0.0
        for i in range(len(gov)):
            if revenue[i] > 0.0 and ctrl[i] == C.INSURGENT:
                lost += revenue[i]
        X.rf[L.RF_REVENUE_LOST] = lost


@njit(cache=True, no_cpython_wrapper=True)
def fall_nb(X, G, P, t: int, i: int, mode: int) -> None:
    """Location i falls to the insurgents on day t with the given mode."""
    lf, l8, li = X.lf, X.l8, X.li
    l8[L.L8_CTRL, i] = C.INSURGENT
    li[L.LI_FELL_DAY, i] = t
    if li[L.LI_LOST_DAY, i] < 0:
        li[L.LI_LOST_DAY, i] = t
        l8[L.L8_LOST_MODE, i] = mode
    l8[L.L8_FALL_MODE, i] = mode
    l8[L.L8_HOLDOUT, i] = 0
    lf[L.L_REQ, i] = 0.0
    X.acc[C.ACC_EQUIPMENT] += lf[L.L_EQUIP, i]
    if G.gb[L.G_IS_CAPITAL, i]:
        X.rf[L.RF_NEWS_G] += P.news_capital
        log_event_nb(X, t, C.LOG_CAPITAL_FELL, i, float(mode))
    else:
        X.rf[L.RF_NEWS_G] += P.news_district_national
        log_event_nb(X, t, C.LOG_DISTRICT_FELL, i, float(mode))
    news = lf[L.L_NEWS]
    if P.news_district_region > 0.0 and not G.gb[L.G_IS_CAPITAL, i]:
        # regional news: every district post of the fallen post's region hears of it
        region, is_capital = G.gi[L.G_THEATRE], G.gb[L.G_IS_CAPITAL]
        for j in range(len(news)):
            if region[j] == region[i] and not is_capital[j]:
                news[j] += P.news_district_region
    news[i] += P.news_district
    for k in range(G.cand.shape[1]):
        j = G.cand[i, k]
        if j < 0:
            break
        news[j] += P.news_district * math.exp(-G.cand_days[i, k] / P.news_lambda)
    freed = P.prisoners_per_prison * G.gf[L.G_PRISON_SCALE, i]
    if G.gb[L.G_HAS_PRISON, i] and freed > 0.0:
        lf[L.L_POOL, i] += freed
        lf[L.L_INS, i] += freed
        X.acc[C.ACC_INS_PRISONERS] += freed
        log_event_nb(X, t, C.LOG_PRISONERS_FREED, i, freed)


@njit(cache=True)
def _fall_entry(X, G, P, t: int, i: int, mode: int) -> None:
    fall_nb(X, G, P, t, i, mode)


def fall(st, S, P, r: int, t: int, i: int, mode: int) -> None:
    """:func:`fall_nb` on replicate r of a :class:`~sim.world.State` (for Python callers, e.g. the
    assimilation nudges): the same compiled code, so the same numbers."""
    from sim.world import geo, pack_state, replicate_rows

    packed = pack_state(st)
    _fall_entry(replicate_rows(packed, r), geo(S), P, t, i, mode)
    if packed is not st:
        for dst, src in zip(st, packed, strict=True):
            np.copyto(dst, src)


update_control_nb = kernel(update_control)
