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


@njit(cache=True)
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


@njit(cache=True)
def defence_of(st, P, r: int, i: int) -> tuple[float, float]:
    """Government personnel defending location i (garrison + active militia) and their
    effective strength before multipliers: G q h(m) + M q_M h(l)."""
    x = st.gov[r, i]
    eff = st.gov[r, i] * st.gq[r, i] * morale_factor(st.gm[r, i])
    if st.mstate[r, i] == 0:  # MIL_ACTIVE
        x += st.mil[r, i]
        eff += st.mil[r, i] * P.mil_quality * morale_factor(st.loy[r, i])
    return x, eff


@njit(cache=True)
def gov_multiplier(S, P, st, r: int, i: int, sigma: float) -> float:
    """(1 + air * sigma) (1 + f_i): air support and fortification (airport holdouts get
    ``fort_airport`` instead of the location's own fortification)."""
    f = P.fort_airport if st.holdout[r, i] == 1 else S.fort[i]
    return (1.0 + P.air_support * sigma) * (1.0 + f)


@njit(cache=True)
def pool_share(st, P, r: int, i: int) -> float:
    """Share of location i's part-time pool that fights today: all of it where an insurgent
    unit is converging on i (some unit's target yesterday, ``tgt_count``), else ``pool_alone``."""
    if st.tgt_count[r, i] > 0.0:
        return 1.0
    return P.pool_alone


@njit(cache=True)
def siege_ratio(st, S, P, r: int, j: int, e_u: float, sigma: float) -> float:
    """Local effective force ratio at location j as an attacking unit sees it:
    (X_eff (1 + air sigma)(1 + f) + 1) / (max(T_eff, e_u) + 1), with T_eff the effective threat
    (insurgents at j plus half those at neighbours, yesterday's count, as the garrison's morale
    reads it) and e_u the unit's own effective strength S q h(m)."""
    _x, x_eff = defence_of(st, P, r, j)
    x_eff *= gov_multiplier(S, P, st, r, j, sigma)
    ins_q = st.ins_eff[r, j] / st.ins[r, j] if st.ins[r, j] > 0.0 else P.ins_quality0
    t_eff = st.threat[r, j] * ins_q * (1.0 + P.terrain * S.ruggedness[j])
    return (x_eff + 1.0) / (max(t_eff, e_u) + 1.0)
