"""The siege/withdrawal, pool-share and militia-shift rules: both backends agree with the new
rules switched on hard, and the militia shift persists in the loyalty target; an isolated
capital too strong to storm is invested from next door."""

import numpy as np
import pytest
from numba import njit

import sim
from sim.kernels import layout as L
from sim.kernels.movement import move_all
from sim.world import build_params, candidate_table, replace_params, road_csr


def _assert_same_run(a, b, tol=1e-9):
    for name in a.state._fields:
        x, y = getattr(a.state, name), getattr(b.state, name)
        np.testing.assert_allclose(x.astype(float), y.astype(float), rtol=0, atol=tol, err_msg=name)
    np.testing.assert_allclose(a._side, b._side, rtol=0, atol=tol)
    np.testing.assert_array_equal(a._loc_ctrl, b._loc_ctrl)


OV = [
    "model.movement.withdraw_ratio=1.5",
    "model.combat.pool_alone=0.1",
    "forces.militia_loyalty_shift=0.3",
    "model.morale.insurgent_min_attack_morale=0.6",
    "model.movement.besiege_isolated=true",
    "model.movement.w_siege=1.5",
]


def test_backends_agree_with_siege_rules_on():
    scen = sim.load_scenario("afghanistan_2021", overrides=OV)
    py = sim.ConflictModel(scen, backend="python", seed=2).run(60)
    nb = sim.ConflictModel(scen, backend="numba", seed=2).run(60)
    _assert_same_run(py, nb)


def test_militia_shift_persists():
    base = sim.ConflictModel("afghanistan_2021", seed=0, days=40).run()
    shifted = sim.ConflictModel(
        sim.load_scenario("afghanistan_2021", overrides=["forces.militia_loyalty_shift=0.3"]), seed=0, days=40
    ).run()
    rows = np.flatnonzero(base.state.mstate[0] >= 0)
    # after 40 days (loyalty relaxes in about a week) the shift has not washed out
    assert shifted.state.loy[0, rows].mean() > base.state.loy[0, rows].mean() + 0.15


@njit
def _move_all(*args):
    move_all(*args)


def _line_world(besiege: bool, isolated: int):
    """A road 0 - 1 - 2 - 3 (0.2 days a link); the insurgents hold 0, 1 and 2, one unit of 300
    stands at 0, and 3 is a capital whose 5,000 defenders make an attack hopeless."""
    n = 4
    indptr, indices, edge_days = road_csr(n, np.array([0, 1, 2]), np.array([1, 2, 3]), np.full(3, 0.2))
    cand, cdays, cnext, chop = candidate_table(indptr, indices, edge_days, 3, 10.0)
    P = replace_params(build_params(sim.load_scenario("afghanistan_2021")), besiege=int(besiege))
    # strength, quality, morale, eta; location, next node, target, id
    uf = np.array([[300.0], [0.7], [0.8], [0.0]])
    ui = np.array([[0], [0], [-1], [0]])
    gf = np.zeros((len(L.GF_FIELDS), n))
    gf[L.G_VALUE] = [0.2, 0.2, 0.2, 0.7]
    gb = np.zeros((len(L.GB_FIELDS), n), np.bool_)
    gb[L.G_IS_CAPITAL] = [False, False, False, True]
    G = L.Geo(
        gf=gf,
        gb=gb,
        gi=np.zeros((len(L.GI_FIELDS), n), np.int64),
        flags=np.zeros(len(L.FLAG_FIELDS), np.int64),
        indptr=indptr,
        indices=indices,
        edge_days=edge_days,
        cand=cand,
        cand_days=cdays,
        cand_next=cnext,
        cand_hop_days=chop,
        sched=np.zeros((3, 60)),
        phase_day=np.zeros(0, np.int64),
        focus=np.zeros((0, 1)),
        prov_districts=np.zeros(1),
        ev=np.zeros((len(L.EV_FIELDS), 0), np.int64),
        ev_value=np.zeros(0),
    )
    _move_all(
        uf,
        ui,
        np.zeros(n),  # tgt_count
        np.array([300.0, 0, 0, 0]),  # ins
        np.array([0.0, 0, 0, 20_000.0]),  # deff
        np.zeros(n),  # teff
        np.array([False, False, False, True]),  # defended
        np.array([True, True, True, False]),  # held
        np.array([0, 0, 0, isolated], np.int8),  # iso
        G,
        np.zeros(1),  # focus_now
        1,
        np.zeros(1),  # leave: nobody leaves the theatre
        np.zeros(n),  # stage: no redeployment
        P,
        0,
        50,
    )
    return {"utgt": ui[L.UI_TGT], "uloc": ui[L.UI_LOC], "ueta": uf[L.U_ETA]}


@pytest.mark.parametrize(
    "besiege, isolated, target, at",
    [
        (True, 1, 3, 2),  # the isolated capital is besieged: the unit stops next door
        (True, 0, -1, 0),  # a capital still connected to Kabul is not: no target, stays put
        (False, 1, -1, 0),  # the rule switched off: a hopeless target is ignored
    ],
)
def test_isolated_capital_is_besieged_from_next_door(besiege, isolated, target, at):
    unit = _line_world(besiege, isolated)
    assert unit["utgt"][0] == target
    assert unit["uloc"][0] == at and unit["ueta"][0] == 0.0
