"""Combat: the exact one-day square law, noise, and its kernel against the plain twin."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.kernels import layout as L
from sim.kernels.combat import combat_nb, lanchester_day, noisy_loss
from sim.world import build_params, build_static, geo, initial_state, replace_params

sys.path.insert(0, str(Path(__file__).resolve().parent))
from twins import call_phase, pure, working_rows


def analytic(x0, i0, a, b, t):
    """Square-law solution of dX/dt = -a I, dI/dt = -b X (before either side is gone)."""
    k = math.sqrt(a * b)
    return (
        x0 * math.cosh(k * t) - math.sqrt(a / b) * i0 * math.sinh(k * t),
        i0 * math.cosh(k * t) - math.sqrt(b / a) * x0 * math.sinh(k * t),
    )


@pytest.mark.parametrize("fn", [lanchester_day, lanchester_day.py_func])
@pytest.mark.parametrize(
    "x0,i0,a,b", [(1000, 800, 0.02, 0.03), (500, 500, 0.05, 0.01), (3000, 100, 0.01, 0.01)]
)
def test_days_compose_to_the_analytic_solution(fn, x0, i0, a, b):
    x, i = float(x0), float(i0)
    for day in range(1, 30):
        x, i = fn(x, i, a, b, 1.0)
        xa, ia = analytic(x0, i0, a, b, day)
        if xa <= 0 or ia <= 0:
            # one side is gone: the survivor keeps the square-law invariant
            assert min(x, i) == 0.0
            assert b * x * x - a * i * i == pytest.approx(b * x0 * x0 - a * i0 * i0, rel=1e-9)
            break
        assert x == pytest.approx(xa, rel=1e-9)
        assert i == pytest.approx(ia, rel=1e-9)


def test_square_law_invariant_at_annihilation():
    x, i = lanchester_day(100.0, 1000.0, 0.5, 0.5, 10.0)
    assert x == 0.0 and i == pytest.approx(math.sqrt(1000**2 - 100**2))


def test_no_attackers_no_losses():
    assert lanchester_day(500.0, 0.0, 0.1, 0.1, 1.0) == (500.0, 0.0)
    assert noisy_loss(0.0, 500.0, 0.5, 2.0) == 0.0


def test_noise_is_mean_one_and_capped():
    z = np.random.default_rng(0).standard_normal(200_000)
    f = np.array([noisy_loss(10.0, 1e9, 0.4, v) for v in z[:20000]])
    assert f.mean() == pytest.approx(10.0, rel=0.02)
    assert noisy_loss(10.0, 5.0, 0.0, 0.0) == 5.0


def _contested_state(seed=0):
    scen = sim.load_scenario("synthetic", ["synthetic.n_locations=60", "synthetic.n_units=120"])
    S, P = build_static(scen), build_params(scen)
    st = initial_state(scen, 2)
    rng = np.random.default_rng(seed)
    st.ins[:] = rng.uniform(0, 500, st.ins.shape) * (rng.uniform(size=st.ins.shape) < 0.5)
    st.ins_eff[:] = st.ins * 0.6
    st.s[:] = rng.uniform(0, 300, st.s.shape)
    return scen, S, P, st


def test_combat_kernel_equals_plain_twin():
    _, S, P, st = _contested_state()
    a, b = working_rows(st, 1), working_rows(st, 1)
    call_phase(combat_nb, a, geo(S), P, 5, 10)
    pure(combat_nb)(b, geo(S), P, 5, 10)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert a.lf[L.L_LOSS_X].sum() > 0  # something was fought over


def test_zero_support_removes_air_support_effect():
    _, S, P, st = _contested_state()
    G0 = geo(S._replace(sched=np.zeros_like(S.sched)))
    a, b, c = working_rows(st), working_rows(st), working_rows(st)
    call_phase(combat_nb, a, G0, P, 5, 3)
    call_phase(combat_nb, b, G0, replace_params(P, air_support=10.0), 5, 3)
    np.testing.assert_array_equal(a.lf[L.L_LOSS_FRAC_I], b.lf[L.L_LOSS_FRAC_I])
    G1 = geo(S._replace(sched=np.ones_like(S.sched)))
    call_phase(combat_nb, c, G1, replace_params(P, air_support=10.0), 5, 3)
    assert c.lf[L.L_LOSS_FRAC_I].sum() > a.lf[L.L_LOSS_FRAC_I].sum()
