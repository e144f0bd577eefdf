"""Small scalar helpers shared by the phase kernels (jitted; ``.py_func`` is the plain twin)."""

from __future__ import annotations

import math

from numba import njit


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


@njit(cache=True, inline="always")
def log_event(st, r: int, day: int, kind: int, loc: int, value: float) -> None:
    """Append (day, kind, loc, value) to replicate r's event log; count drops past capacity."""
    n = st.log_n[r]
    if n < st.log_day.shape[1]:
        st.log_day[r, n] = day
        st.log_kind[r, n] = kind
        st.log_loc[r, n] = loc
        st.log_val[r, n] = value
        st.log_n[r] = n + 1
    else:
        st.log_lost[r] += 1


# Helpers called in per-location loops take 1-D arrays, scalars and the parameter record, never
# the State/Static tuples: numba reference-counts every array of a tuple argument on each call,
# which made the per-location loops two orders of magnitude slower. (The parameter record holds
# no arrays, so passing it costs a pointer.)


@njit(cache=True, inline="always")
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


@njit(cache=True, inline="always")
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


@njit(cache=True, inline="always")
def pool_share(tgt_count, pool_alone: float, i: int) -> float:
    """Share of location i's part-time pool that fights today: all of it where an insurgent
    unit is converging on i (some unit's target yesterday, ``tgt_count``), else ``pool_alone``."""
    if tgt_count[i] > 0.0:
        return 1.0
    return pool_alone
