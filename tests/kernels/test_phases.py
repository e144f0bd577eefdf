"""Every phase kernel equals its plain-Python twin (same source, not jitted) on a mid-run state."""

import numpy as np
import pytest

import sim
from sim.kernels import collapse, combat, command, control, events, growth, morale, movement, negotiation
from sim.kernels.step import step_day_nb
from sim.world import build_params, build_static, initial_state, param_table

PHASES = [
    ("events", events.apply_events, events.apply_events_nb, "SPrt"),
    ("movement", movement.move_units, movement.move_units_nb, "SPsrt"),
    ("presence", combat.presence, combat.presence_nb, "SPr"),
    ("combat", combat.combat, combat.combat_nb, "SPsrt"),
    ("isolation", morale.isolation, morale.isolation_nb, "Sr"),
    ("garrison_morale", morale.garrison_morale, morale.garrison_morale_nb, "SPsrt"),
    ("militia", morale.militia_loyalty, morale.militia_loyalty_nb, "SPsrt"),
    ("negotiation", negotiation.negotiate, negotiation.negotiate_nb, "SPsrt"),
    ("insurgent_morale", morale.insurgent_morale, morale.insurgent_morale_nb, "SPr"),
    ("control", control.update_control, control.update_control_nb, "SPrt"),
    ("collapse", collapse.collapse, collapse.collapse_nb, "SPsrt"),
    ("command", command.command, command.command_nb, "SPrt"),
    ("growth", growth.growth, growth.growth_nb, "SPr"),
]


@pytest.fixture(scope="module")
def mid_run():
    scen = sim.load_scenario("afghanistan_2021")
    S, P = build_static(scen), build_params(scen)
    st = initial_state(scen, 1)
    for t in range(70):
        step_day_nb(st, S, P, 3, 0, t)
    return S, P, st


def _copy(st):
    return type(st)(*(a.copy() for a in st))


@pytest.mark.parametrize("name,plain,jitted,sig", PHASES, ids=[p[0] for p in PHASES])
@pytest.mark.parametrize("t", [70, 98])
def test_phase_equals_plain_twin(mid_run, name, plain, jitted, sig, t):
    S, P, st0 = mid_run
    args = {"S": S, "P": P, "s": 3, "r": 0, "t": t}
    a, b = _copy(st0), _copy(st0)
    jitted(a, *[args[c] for c in sig])
    plain(b, *[args[c] for c in sig])
    for field, x, y in zip(a._fields, a, b, strict=True):
        np.testing.assert_array_equal(x, y, err_msg=f"{name}: {field}")


def test_prange_batch_equals_serial_batch():
    from sim.kernels import codes as C
    from sim.kernels.step import N_SIDE, run_batch_nb, run_batch_serial_nb

    scen = sim.load_scenario("afghanistan_2021")
    S = build_static(scen)
    outs = []
    for kernel in (run_batch_nb, run_batch_serial_nb):
        R, T = 3, 60
        st = initial_state(scen, R)
        side, acc = np.zeros((R, T + 1, N_SIDE)), np.zeros((R, T + 1, C.N_ACC))
        z = np.zeros((0, 0, 0))
        ptab = param_table(scen, R)
        kernel(st, S, ptab, np.arange(R), 0, T, side, acc, np.zeros((0, 0, 0), np.int8), z, z, z)
        outs.append((st, side, acc))
    for x, y in zip(outs[0][0], outs[1][0], strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
