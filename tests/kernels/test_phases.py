"""Every phase kernel equals its plain-Python twin (same source, run in the interpreter) on a
mid-run state; the unit order (location, id) changes no result."""

import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.kernels import collapse, combat, command, control, events, growth, morale, movement, negotiation
from sim.kernels import layout as L
from sim.kernels.order import sort_units
from sim.kernels.step import run_batch, step_day_nb
from sim.world import blocks_of, build_static, geo, initial_state, param_table, replace_params

sys.path.insert(0, str(Path(__file__).resolve().parent))
from twins import call_phase, pure, working_rows

PHASES = [
    ("events", events.apply_events_nb),
    ("movement", movement.move_units_nb),
    ("presence", combat.presence_nb),
    ("combat", combat.combat_nb),
    ("isolation", morale.isolation_nb),
    ("garrison_morale", morale.garrison_morale_nb),
    ("militia", morale.militia_loyalty_nb),
    ("negotiation", negotiation.negotiate_nb),
    ("insurgent_morale", morale.insurgent_morale_nb),
    ("control", control.update_control_nb),
    ("collapse", collapse.collapse_nb),
    ("command", command.command_nb),
    ("growth", growth.growth_nb),
]


@pytest.fixture(scope="module")
def mid_run():
    scen = sim.load_scenario("afghanistan_2021")
    S = build_static(scen)
    ptab = param_table(scen, 1)
    st = initial_state(scen, 1, ptab=ptab)
    run_batch(st, S, ptab, np.array([3]), 0, 70, *_no_outputs())
    return geo(S), ptab[0], st


def _no_outputs():
    z = np.zeros((0, 0, 0))
    return z, z, np.zeros((0, 0, 0), np.int8), z, z, z


@pytest.mark.parametrize("name,jitted", PHASES, ids=[p[0] for p in PHASES])
@pytest.mark.parametrize("t", [40, 70, 98])  # 40: the northern phase (outside_tempo acts)
def test_phase_equals_plain_twin(mid_run, name, jitted, t):
    G, P, st = mid_run
    P = replace_params(P, outside_tempo=0.3)  # the economy-of-force rule on (off in the scenario)
    a, b = working_rows(st), working_rows(st)
    call_phase(jitted, a, G, P, 3, t)
    pure(jitted)(b, G, P, 3, t)
    for field, x, y in zip(a._fields, a, b, strict=True):
        np.testing.assert_array_equal(x, y, err_msg=f"{name}: {field}")


@pytest.fixture(scope="module")
def early_run():
    """Day 20 of a 2021 run with the redeployment off: units still stand in every theatre."""
    scen = sim.load_scenario("afghanistan_2021", ["model.campaign.redeploy=0"])
    S = build_static(scen)
    ptab = param_table(scen, 1)
    st = initial_state(scen, 1, ptab=ptab)
    run_batch(st, S, ptab, np.array([3]), 0, 20, *_no_outputs())
    return geo(S), ptab[0], st


@pytest.mark.parametrize("t", [20, 40])  # the northern phase: units redeploy to the north
def test_redeployment_equals_plain_twin(early_run, t):
    """Movement with the redeployment on: compiled and plain twin equal, and units left for the
    focus theatres."""
    G, P, st = early_run
    P = replace_params(P, redeploy=0.2, redeploy_days=3.0)
    a, b = working_rows(st), working_rows(st)
    call_phase(movement.move_units_nb, a, G, P, 3, t)
    pure(movement.move_units_nb)(b, G, P, 3, t)
    for field, x, y in zip(a._fields, a, b, strict=True):
        np.testing.assert_array_equal(x, y, err_msg=field)
    off = working_rows(st)
    call_phase(movement.move_units_nb, off, G, replace_params(P, redeploy=0.0), 3, t)

    def left(X):  # units on the road with no target, one day of the three done
        return int(((X.uf[L.U_ETA] == 2.0) & (X.ui[L.UI_TGT] == -1)).sum())

    assert left(a) > left(off) + 10


@pytest.mark.parametrize("t", [40, 70, 98])
def test_pull_back_equals_plain_twin(mid_run, t):
    """The events phase with the province pull-back on (off in the scenario): compiled and plain
    twin equal, and garrisons moved."""
    G, P, st = mid_run
    G = G._replace(flags=np.where(np.arange(len(G.flags)) == L.F_CONSOLIDATE, 1, G.flags))
    P = replace_params(P, consolidate_threshold=0.3, consolidate_rate=0.2)
    a, b = working_rows(st), working_rows(st)
    call_phase(events.apply_events_nb, a, G, P, 3, t)
    pure(events.apply_events_nb)(b, G, P, 3, t)
    for field, x, y in zip(a._fields, a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-9, err_msg=field)
    assert not np.array_equal(a.lf[L.L_GOV], working_rows(st).lf[L.L_GOV])


@pytest.mark.parametrize("t", [40, 70, 98])
def test_abandoned_posts_equal_plain_twin(mid_run, t):
    """The negotiation phase with posts abandoned ahead of the insurgents on (off in the
    scenario): compiled and plain twin equal, and posts left."""
    G, P, st = mid_run
    G = G._replace(flags=np.where(np.arange(len(G.flags)) == L.F_ABANDON, 1, G.flags))
    P = replace_params(P, a0=-2.0)
    a, b = working_rows(st), working_rows(st)
    call_phase(negotiation.negotiate_nb, a, G, P, 3, t)
    pure(negotiation.negotiate_nb)(b, G, P, 3, t)
    for field, x, y in zip(a._fields, a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-9, err_msg=field)
    assert (a.l8[L.L8_BROKE] == 5).any()  # codes.BROKE_ABANDONED


def test_movement_does_not_depend_on_unit_order(mid_run):
    """Units move independently within a day and draw by id: any storage order gives the
    same units (compared by id)."""
    G, P, st = mid_run
    a = working_rows(st)
    perm = np.random.default_rng(0).permutation(a.uf.shape[1])
    b = a._replace(uf=np.ascontiguousarray(a.uf[:, perm]), ui=np.ascontiguousarray(a.ui[:, perm]))
    call_phase(movement.move_units_nb, a, G, P, 3, 75)
    call_phase(movement.move_units_nb, b, G, P, 3, 75)
    ia, ib = np.argsort(a.ui[L.UI_ID]), np.argsort(b.ui[L.UI_ID])
    np.testing.assert_array_equal(a.uf[:, ia], b.uf[:, ib])
    np.testing.assert_array_equal(a.ui[:, ia], b.ui[:, ib])
    np.testing.assert_array_equal(a.lf, b.lf)


@pytest.mark.parametrize("seed", [0, 1])
def test_sort_puts_units_in_location_then_id_order(seed):
    rng = np.random.default_rng(seed)
    U, n = 500, 30
    uf = np.vstack([rng.uniform(0, 1, (3, U)), np.where(rng.uniform(size=U) < 0.3, 0.5, 0.0)])
    ui = np.vstack([rng.integers(0, n, U), rng.integers(0, n, U), rng.integers(-1, n, U), rng.permutation(U)])
    # sorted by (key, id) except that a few units moved: the sort's input
    key = np.where(uf[L.U_ETA] == 0.0, ui[L.UI_LOC], ui[L.UI_NEXT])
    order = np.lexsort((ui[L.UI_ID], key))
    uf, ui = np.ascontiguousarray(uf[:, order]), np.ascontiguousarray(ui[:, order])
    ui[L.UI_LOC, ::7] = rng.integers(0, n, len(ui[L.UI_LOC, ::7]))
    uf[L.U_ETA, ::7] = 0.0
    out_f, out_i, count = np.empty_like(uf), np.empty_like(ui), np.empty(n + 1, np.int64)
    assert pure(sort_units)(uf, ui, out_f, out_i, count)
    key = np.where(out_f[L.U_ETA] == 0.0, out_i[L.UI_LOC], out_i[L.UI_NEXT])
    assert (np.diff(key) >= 0).all()
    same = np.diff(key) == 0
    assert (np.diff(out_i[L.UI_ID])[same] > 0).all()
    back = np.argsort(out_i[L.UI_ID])
    np.testing.assert_array_equal(out_f[:, back], uf[:, np.argsort(ui[L.UI_ID])])
    np.testing.assert_array_equal(out_i[:, back], ui[:, np.argsort(ui[L.UI_ID])])
    assert not pure(sort_units)(out_f, out_i, uf, ui, count)  # in order already: nothing to do


def test_batch_of_replicates_equals_lone_steps():
    """Replicates of one batch call equal day-by-day steps of each alone (step_day_nb), also
    for a state whose fields are separate arrays (packed for the call and copied back)."""
    scen = sim.load_scenario("afghanistan_2021")
    S = build_static(scen)
    R, T = 3, 40
    ptab = param_table(scen, R)
    st = initial_state(scen, R, ptab=ptab)
    run_batch(st, S, ptab, np.arange(R), 0, T, *_no_outputs())
    for r in range(R):
        one = initial_state(scen, 1, ptab=ptab[r : r + 1])
        one = type(one)(*(a.copy() for a in one))  # separate arrays, not block views
        assert blocks_of(one) is None
        for t in range(T):
            step_day_nb(one, S, ptab[r], r, 0, t)
        for f in st._fields:
            if f != "acc":
                np.testing.assert_array_equal(getattr(st, f)[r], getattr(one, f)[0], err_msg=f)
        np.testing.assert_allclose(st.acc[r], one.acc[0], rtol=1e-12)
