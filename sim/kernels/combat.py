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
from sim.kernels import layout as L
from sim.kernels.common import defence, kernel, morale_factor, multiplier, pool_share
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


def presence(X, G, P, seed: int, t: int) -> None:
    """Aggregate insurgents present at each location: units that have arrived, plus the share of
    the local pool that fights today (all of it where a unit is converging on the location, else
    ``pool_alone``; :func:`~sim.kernels.common.pool_share`). Units are added in storage order,
    which within a location is unit-id order (:mod:`sim.kernels.order`)."""
    lf = X.lf
    tgt, pool, ins, ins_eff = lf[L.L_TGT_COUNT], lf[L.L_POOL], lf[L.L_INS], lf[L.L_INS_EFF]
    for i in range(len(pool)):
        p = pool[i] * pool_share(tgt, P.pool_alone, i)
        ins[i] = p
        ins_eff[i] = p * P.ins_quality0 * morale_factor(0.7)
    s, uq, um, ueta, uloc = X.uf[L.U_S], X.uf[L.U_Q], X.uf[L.U_M], X.uf[L.U_ETA], X.ui[L.UI_LOC]
    for u in range(len(s)):
        if s[u] > 0.0 and ueta[u] == 0.0:
            i = uloc[u]
            ins[i] += s[u]
            ins_eff[i] += s[u] * uq[u] * morale_factor(um[u])


def combat(X, G, P, seed: int, t: int) -> None:
    """Fight at every location where both sides are present; write losses into the state."""
    air = G.sched[C.SCHED_AIR, t]
    lf, l8, acc = X.lf, X.l8, X.acc
    gov, gq, gm, mil, loy = lf[L.L_GOV], lf[L.L_GQ], lf[L.L_GM], lf[L.L_MIL], lf[L.L_LOY]
    ins_a, ins_eff, pool, tgt = lf[L.L_INS], lf[L.L_INS_EFF], lf[L.L_POOL], lf[L.L_TGT_COUNT]
    x_before, loss_x, loss_frac_i = lf[L.L_X_BEFORE], lf[L.L_LOSS_X], lf[L.L_LOSS_FRAC_I]
    ms, holdout, ctrl = l8[L.L8_MSTATE], l8[L.L8_HOLDOUT], l8[L.L8_CTRL]
    is_capital, rugged = G.gb[L.G_IS_CAPITAL], G.gf[L.G_RUGGEDNESS]
    for i in range(len(gov)):
        x, x_eff = defence(gov, gq, gm, mil, loy, ms, P.mil_quality, i)
        x_before[i] = x
        loss_x[i] = 0.0
        loss_frac_i[i] = 0.0
        ins = ins_a[i]
        if ctrl[i] == C.INSURGENT or x <= 0.0 or ins <= 0.0:
            continue
        c_x = x_eff / x * multiplier(holdout, is_capital, P, air, i)
        c_i = ins_eff[i] / ins * (1.0 + P.terrain * rugged[i])
        x1, i1 = lanchester_day(x, ins, P.beta_ins * c_i, P.beta_gov * c_x, 1.0)
        lx = noisy_loss(x - x1, x, P.noise, normal(seed, t, C.DRAW_LOSS_GOV, i))
        li = noisy_loss(ins - i1, ins, P.noise, normal(seed, t, C.DRAW_LOSS_INS, i))
        # share government losses by effective strength
        g_eff = gov[i] * gq[i] * morale_factor(gm[i])
        if x_eff > 0.0:
            lg = lx * g_eff / x_eff
        else:
            lg = lx * gov[i] / x
        lg = min(lg, gov[i])
        lm = min(lx - lg, mil[i]) if ms[i] == C.MIL_ACTIVE else 0.0
        gov[i] -= lg
        if ms[i] == C.MIL_ACTIVE:
            mil[i] -= lm
        loss_x[i] = lg + lm
        loss_frac_i[i] = li / ins
        ins_a[i] = ins - li
        ins_eff[i] *= 1.0 - li / ins
        acc[C.ACC_GOV_CASUALTIES] += lg + lm
    # insurgent losses, proportional to strength (pool first, then units in storage order)
    for i in range(len(gov)):
        f = loss_frac_i[i]
        if f > 0.0:
            lp = pool[i] * pool_share(tgt, P.pool_alone, i) * f
            pool[i] -= lp
            acc[C.ACC_INS_CASUALTIES] += lp
    s, ueta, uloc = X.uf[L.U_S], X.uf[L.U_ETA], X.ui[L.UI_LOC]
    for u in range(len(s)):
        if s[u] > 0.0 and ueta[u] == 0.0:
            f = loss_frac_i[uloc[u]]
            if f > 0.0:
                lu = s[u] * f
                s[u] -= lu
                acc[C.ACC_INS_CASUALTIES] += lu


presence_nb = kernel(presence)
combat_nb = kernel(combat)
