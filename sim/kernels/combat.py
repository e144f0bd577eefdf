"""Phase 3: presence and combat - a stochastic Lanchester square law at every contested location.

Aimed fire on both sides (Lanchester 1916; Engel 1954 fits it to Iwo Jima): with X government
fighters (garrison + active militia) and I insurgents at a location,

    dX/dt = -a I,   dI/dt = -b X,
    a = beta_ins * c_I,   c_I = (sum_u S_u q_u h(m_u) + pool q_0 h(0.7)) / I * (1 + terrain r_i)
    b = beta_gov * c_X,   c_X = (G q h(m) + M q_M h(l)) / X * (1 + air_support air(t)) (1 + f_i)

where h(m) = 0.25 + 0.75 m. Over one day with constant coefficients the system has the exact
solution (k = sqrt(a b), t = 1 day)

    X(t) = X cosh(k t) - sqrt(a / b) I sinh(k t),   I(t) = I cosh(k t) - sqrt(b / a) X sinh(k t),

and if one side reaches zero first, the survivor keeps sqrt(I^2 - (b/a) X^2) (the square-law
invariant b X^2 - a I^2). :func:`lanchester_day` implements this, so with noise off a run of
days reproduces the analytic solution exactly. Realised losses are the expected losses times a
lognormal factor exp(noise z - noise^2 / 2) (mean one; z from the stream keyed by (seed, day,
LOSS, location)), capped at the force present. Losses are shared among garrison and militia in
proportion to their effective strength, and among units and the local pool in proportion to
their strength. Only the fighting share p of the local pool (1 where some unit is converging on
the location, else ``pool_alone``) is present and takes losses.
"""

from __future__ import annotations

import math

from numba import njit

from sim.kernels import codes as C
from sim.kernels.common import defence, morale_factor, multiplier, pool_share
from sim.kernels.rng import normal


@njit(cache=True)
def lanchester_day(x: float, i: float, a: float, b: float, dt: float) -> tuple[float, float]:
    """Exact square-law solution after ``dt`` days: returns (X(dt), I(dt)), both >= 0.

    ``a`` is the attrition of X per insurgent per day, ``b`` of I per X-fighter per day.
    """
    if x <= 0.0 or i <= 0.0:
        return max(x, 0.0), max(i, 0.0)
    if a <= 0.0 and b <= 0.0:
        return x, i
    if a <= 0.0:  # only X shoots: I falls linearly
        return x, max(i - b * x * dt, 0.0)
    if b <= 0.0:
        return max(x - a * i * dt, 0.0), i
    k = math.sqrt(a * b)
    ra = math.sqrt(a / b)
    # time at which a side is annihilated, if within dt
    if b * x * x > a * i * i:  # X wins: I hits zero at tanh(k t) = ra * i / x ... (see notes)
        z = ra * i / x
        t_end = math.atanh(z) / k if z < 1.0 else math.inf
        if t_end <= dt:
            return math.sqrt(x * x - (a / b) * i * i), 0.0
    elif b * x * x < a * i * i:
        z = x / (ra * i)
        t_end = math.atanh(z) / k if z < 1.0 else math.inf
        if t_end <= dt:
            return 0.0, math.sqrt(i * i - (b / a) * x * x)
    ch = math.cosh(k * dt)
    sh = math.sinh(k * dt)
    x1 = x * ch - ra * i * sh
    i1 = i * ch - x * sh / ra
    return max(x1, 0.0), max(i1, 0.0)


@njit(cache=True)
def noisy_loss(expected: float, present: float, noise: float, z: float) -> float:
    """Realised loss = expected * exp(noise z - noise^2/2), capped at ``present``."""
    if noise > 0.0:
        expected = expected * math.exp(noise * z - 0.5 * noise * noise)
    return min(max(expected, 0.0), present)


def presence(st, S, P, r: int) -> None:
    """Aggregate insurgents present at each location: units that have arrived, plus the share of
    the local pool that fights today (all of it where a unit is converging on the location, else
    ``pool_alone``; :func:`~sim.kernels.common.pool_share`)."""
    tgt = st.tgt_count[r]
    for i in range(S.n_loc):
        p = st.pool[r, i] * pool_share(tgt, P.pool_alone, i)
        st.ins[r, i] = p
        st.ins_eff[r, i] = p * P.ins_quality0 * morale_factor(0.7)
    for u in range(st.s.shape[1]):
        if st.s[r, u] > 0.0 and st.ueta[r, u] == 0.0:
            i = st.uloc[r, u]
            st.ins[r, i] += st.s[r, u]
            st.ins_eff[r, i] += st.s[r, u] * st.uq[r, u] * morale_factor(st.um[r, u])


def combat(st, S, P, seed: int, r: int, t: int) -> None:
    """Fight at every location where both sides are present; write losses into the state."""
    air = S.sched[C.SCHED_AIR, t]
    gov, gq, gm, mil, loy, ms = st.gov[r], st.gq[r], st.gm[r], st.mil[r], st.loy[r], st.mstate[r]
    holdout, tgt = st.holdout[r], st.tgt_count[r]
    for i in range(S.n_loc):
        x, x_eff = defence(gov, gq, gm, mil, loy, ms, P.mil_quality, i)
        st.x_before[r, i] = x
        st.loss_x[r, i] = 0.0
        st.loss_frac_i[r, i] = 0.0
        ins = st.ins[r, i]
        if st.ctrl[r, i] == C.INSURGENT or x <= 0.0 or ins <= 0.0:
            continue
        c_x = x_eff / x * multiplier(holdout, S.is_capital, P, air, i)
        c_i = st.ins_eff[r, i] / ins * (1.0 + P.terrain * S.ruggedness[i])
        x1, i1 = lanchester_day(x, ins, P.beta_ins * c_i, P.beta_gov * c_x, 1.0)
        lx = noisy_loss(x - x1, x, P.noise, normal(seed, t, C.DRAW_LOSS_GOV, i))
        li = noisy_loss(ins - i1, ins, P.noise, normal(seed, t, C.DRAW_LOSS_INS, i))
        # share government losses by effective strength
        g_eff = st.gov[r, i] * st.gq[r, i] * morale_factor(st.gm[r, i])
        if x_eff > 0.0:
            lg = lx * g_eff / x_eff
        else:
            lg = lx * st.gov[r, i] / x
        lg = min(lg, st.gov[r, i])
        lm = min(lx - lg, st.mil[r, i]) if st.mstate[r, i] == C.MIL_ACTIVE else 0.0
        st.gov[r, i] -= lg
        if st.mstate[r, i] == C.MIL_ACTIVE:
            st.mil[r, i] -= lm
        st.loss_x[r, i] = lg + lm
        st.loss_frac_i[r, i] = li / ins
        st.ins[r, i] = ins - li
        st.ins_eff[r, i] *= 1.0 - li / ins
        st.acc[r, C.ACC_GOV_CASUALTIES] += lg + lm
    # insurgent losses, proportional to strength (pool first, then units in index order)
    for i in range(S.n_loc):
        f = st.loss_frac_i[r, i]
        if f > 0.0:
            lp = st.pool[r, i] * pool_share(tgt, P.pool_alone, i) * f
            st.pool[r, i] -= lp
            st.acc[r, C.ACC_INS_CASUALTIES] += lp
    for u in range(st.s.shape[1]):
        if st.s[r, u] > 0.0 and st.ueta[r, u] == 0.0:
            f = st.loss_frac_i[r, st.uloc[r, u]]
            if f > 0.0:
                lu = st.s[r, u] * f
                st.s[r, u] -= lu
                st.acc[r, C.ACC_INS_CASUALTIES] += lu


presence_nb = njit(cache=True)(presence)
combat_nb = njit(cache=True)(combat)
