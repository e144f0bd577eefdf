"""Small helpers shared by the phase kernels (jitted; ``.py_func`` is the plain twin).

Every phase kernel has the signature ``phase(X, G, P, seed, t)``: ``X`` one replicate's state
blocks (:class:`~sim.kernels.layout.Rows`), ``G`` the static arrays
(:class:`~sim.kernels.layout.Geo`), ``P`` its parameter record, ``seed`` its seed and ``t`` the
day. :func:`kernel` compiles one without a CPython wrapper (they are only called from compiled
code, and the wrapper was a third of the compile time); tests call them through
:func:`sim.kernels.step.call_phase`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels import layout as L


def kernel(fn: Callable) -> Callable:
    """``fn`` jitted for calls from compiled code only (cached, no CPython wrapper)."""
    return njit(cache=True, no_cpython_wrapper=True)(fn)


@njit(cache=True)
def logistic(x: float) -> float:
    """1 / (1 + exp(-x)), computed without overflow."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(cache=True)
def morale_factor(m: float) -> float:
    """h(m) = 0.25 + 0.75 m: fighting effectiveness of a force with morale m in [0, 1]."""
    return 0.25 + 0.75 * m


@njit(cache=True, no_cpython_wrapper=True)
def log_event_nb(X, day: int, kind: int, loc: int, value: float) -> None:
    """Append (day, kind, loc, value) to the replicate's event log; count drops past capacity."""
    n = X.ri[L.RI_LOG_N]
    if n < len(X.log_day):
        X.log_day[n] = day
        X.log_kind[n] = kind
        X.log_loc[n] = loc
        X.log_val[n] = value
        X.ri[L.RI_LOG_N] = n + 1
    else:
        X.ri[L.RI_LOG_LOST] += 1


def log_event(st, r: int, day: int, kind: int, loc: int, value: float) -> None:
    """:func:`log_event_nb` on replicate r of a :class:`~sim.world.State` (for Python callers,
    e.g. the assimilation nudges)."""
    n = int(st.log_n[r])
    if n < st.log_day.shape[1]:
        st.log_day[r, n] = day
        st.log_kind[r, n] = kind
        st.log_loc[r, n] = loc
        st.log_val[r, n] = value
        st.log_n[r] = n + 1
    else:
        st.log_lost[r] += 1


# Helpers called in per-location loops take 1-D arrays, scalars and the parameter record, never
# the state tuples: numba reference-counts every array of a tuple argument on each call, which
# made the per-location loops two orders of magnitude slower. (The parameter record holds no
# arrays, so passing it costs a pointer.)


@njit(cache=True, no_cpython_wrapper=True)
def defence(gov, gq, gm, mil, loy, mstate, mil_quality: float, i: int) -> tuple[float, float]:
    """Government personnel defending location i (garrison + active militia) and their
    effective strength before multipliers: G q h(m) + M q_M h(l). Arrays are one replicate's
    rows, shape (N,)."""
    x = gov[i]
    eff = gov[i] * gq[i] * morale_factor(gm[i])
    if mstate[i] == 0:  # MIL_ACTIVE
        x += mil[i]
        eff += mil[i] * mil_quality * morale_factor(loy[i])
    return x, eff


@njit(cache=True, no_cpython_wrapper=True)
def multiplier(holdout, is_capital, P, air: float, i: int) -> float:
    """(1 + air_support * air(t)) (1 + f_i): foreign air support and fortification, where f_i is
    ``fort_airport`` for an airport holdout, else ``fort_capital`` or ``fort_district``."""
    if holdout[i] == 1:
        f = P.fort_airport
    elif is_capital[i]:
        f = P.fort_capital
    else:
        f = P.fort_district
    return (1.0 + P.air_support * air) * (1.0 + f)


@njit(cache=True, no_cpython_wrapper=True)
def pool_share(tgt_count, pool_alone: float, i: int) -> float:
    """Share of location i's part-time pool that fights today: all of it where an insurgent
    unit is converging on i (some unit's target yesterday, ``tgt_count``), else ``pool_alone``."""
    if tgt_count[i] > 0.0:
        return 1.0
    return pool_alone


@njit(cache=True, no_cpython_wrapper=True)
def province_lost(ctrl, is_capital, province, prov_districts) -> np.ndarray:
    """``L_p``: the share of each province's district centres (capitals excluded) the insurgents
    hold, 0 for a province without districts."""
    held = np.zeros(len(prov_districts))
    for i in range(len(ctrl)):
        if not is_capital[i] and ctrl[i] == C.INSURGENT:
            held[province[i]] += 1.0
    for q in range(len(held)):
        held[q] = held[q] / prov_districts[q] if prov_districts[q] > 0.0 else 0.0
    return held
