"""The mechanisms of the 2021 record against known answers (issue 14).

Negotiated handovers, campaign sequencing, the three support schedules, border revenue, the
political collapse of the centre, the province pull-back, the posts abandoned ahead of the
insurgents, the redeployment between theatres, local units that stay and the national and regional
news of district falls: each checked where its answer is known by
hand, on the synthetic world (phase kernels on a prepared state) or on the schedule arithmetic.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import sim
from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.collapse import collapse_nb
from sim.kernels.common import logistic
from sim.kernels.control import update_control_nb
from sim.kernels.events import apply_events_nb
from sim.kernels.movement import campaign_state
from sim.kernels.negotiation import negotiate_nb
from sim.kernels.rng import uniform
from sim.kernels.step import run_batch
from sim.world import build_params, build_static, geo, initial_state, param_table, replace_params

sys.path.insert(0, str(Path(__file__).resolve().parent))
from twins import call_phase, working_rows


def view(X):
    """Named views of one replicate's rows (the fields the tests read)."""
    return SimpleNamespace(
        gov=X.lf[L.L_GOV],
        mil=X.lf[L.L_MIL],
        threat=X.lf[L.L_THREAT],
        ctrl=X.l8[L.L8_CTRL],
        holdout=X.l8[L.L8_HOLDOUT],
        mstate=X.l8[L.L8_MSTATE],
        iso=X.l8[L.L8_ISO],
        broke=X.l8[L.L8_BROKE],
        fall_mode=X.l8[L.L8_FALL_MODE],
        acc=X.acc,
        revenue_lost=X.rf[L.RF_REVENUE_LOST],
        news_g=X.rf[L.RF_NEWS_G],
        collapsed=X.ri[L.RI_COLLAPSED],
        policy=X.ri[L.RI_POLICY],
    )


ON = [
    "synthetic.n_locations=80",
    "synthetic.n_units=120",
    "model.negotiation.enabled=true",
    "model.campaign.enabled=true",
    "model.revenue.enabled=true",
    "model.collapse.enabled=true",
]


@pytest.fixture(scope="module")
def world():
    scen = sim.load_scenario("synthetic", ON)
    S, P = build_static(scen), build_params(scen)
    ptab = param_table(scen, 1)
    st = initial_state(scen, 1, ptab=ptab)
    z = np.zeros((0, 0, 0))
    run_batch(st, S, ptab, np.array([4]), 0, 12, z, z, np.zeros((0, 0, 0), np.int8), z, z, z)
    return scen, S, P, working_rows(st)  # a mid-run state with threats and fights


def province_share_lost(S, ctrl):
    """L_p by hand: the share of each province's district centres (capitals excluded) that the
    insurgents hold, 0 for a province without district centres."""
    held = np.zeros(len(S.prov_districts))
    for i in range(S.n_loc):
        if not S.is_capital[i] and ctrl[i] == C.INSURGENT:
            held[S.province[i]] += 1
    return np.where(S.prov_districts > 0, held / np.maximum(S.prov_districts, 1), 0.0)


def _copy(X):
    return type(X)(*(a.copy() for a in X))


def _run(phase, X, S, P, seed, t, G=None):
    X = _copy(X)
    call_phase(phase, X, geo(S) if G is None else G, P, seed, t)
    return X


def _eligible(X, S, P, t):
    v = view(X)
    capitals_ok = t >= P.capitals_day
    ok = []
    for i in range(S.n_loc):
        x = v.gov[i] + (v.mil[i] if v.mstate[i] == C.MIL_ACTIVE else 0.0)
        if (
            v.ctrl[i] != C.INSURGENT
            and v.holdout[i] == 0
            and v.broke[i] == 0
            and v.threat[i] > 0
            and x > 0
            and (capitals_ok or not S.is_capital[i])
        ):
            ok.append(i)
    return ok


def test_handovers_follow_the_hazard(world):
    _scen, S, P, X0 = world
    t = 12
    v0 = view(X0)
    elig = _eligible(X0, S, P, t)
    assert len(elig) >= 5
    # certain: every eligible location is handed over, its garrison sent home, none other
    X = _run(negotiate_nb, X0, S, replace_params(P, n0=30.0), 1, t)
    v = view(X)
    handed = np.flatnonzero(v.broke == C.BROKE_HANDED_OVER)
    assert sorted(handed.tolist()) == sorted(elig)
    assert (v.gov[handed] == 0).all()
    dese = v.acc[C.ACC_GOV_DESERTERS] - v0.acc[C.ACC_GOV_DESERTERS]
    assert dese == pytest.approx(v0.gov[handed].sum())
    call_phase(update_control_nb, X, geo(S), P, 1, t)
    assert (v.ctrl[handed] == C.INSURGENT).all() and (v.fall_mode[handed] == C.NEGOTIATED).all()
    # impossible: none
    X = _run(negotiate_nb, X0, S, replace_params(P, n0=-30.0), 1, t)
    assert not (view(X).broke == C.BROKE_HANDED_OVER).any()
    # in between: location i goes exactly when its draw is below logistic(z), z by hand
    P2 = replace_params(P, n0=-1.0, n_ratio=0.0, n_news=0.0, n_supply=0.0, n_logistics=0.0, n_patron=0.0)
    X = _run(negotiate_nb, X0, S, P2, 7, t)
    share = province_share_lost(S, v0.ctrl)
    for i in elig:
        q = S.province[i]
        z = (
            P2.n0
            + (P2.n_capital if S.is_capital[i] else 0.0)
            + P2.n_isolated * v0.iso[i]
            + P2.n_province * share[q]
            + P2.n_affinity * (S.affinity[i] - 0.5)
            + P2.n_revenue * v0.revenue_lost
        )
        expect = uniform(7, t, C.DRAW_NEGOTIATE, i) < logistic(z)
        assert (view(X).broke[i] == C.BROKE_HANDED_OVER) == expect, i


def test_capitals_are_not_negotiated_before_they_are_objectives(world):
    _scen, S, P, X0 = world
    X = _run(negotiate_nb, X0, S, replace_params(P, n0=30.0, capitals_day=100.0), 1, 12)
    assert not (view(X).broke[S.is_capital] == C.BROKE_HANDED_OVER).any()


def test_campaign_state_phases_and_capitals_day():
    phase_day = np.array([0, 10], np.int64)
    focus = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    f = np.zeros(3)
    assert campaign_state(1, phase_day, focus, 20.0, 5, f) == 0 and f.tolist() == [1.0, 0.0, 0.0]
    f = np.zeros(3)
    assert campaign_state(1, phase_day, focus, 20.0, 25, f) == 1 and f.tolist() == [0.0, 1.0, 1.0]
    f = np.zeros(3)
    assert campaign_state(0, phase_day, focus, 20.0, 5, f) == 1 and f.tolist() == [0.0, 0.0, 0.0]


def _focused(S):
    """The static arrays with two theatres (alternate locations) and one campaign phase from
    day 0 whose only focus is theatre 0."""
    focus = np.array([[1.0, 0.0]])
    theatre = (np.arange(S.n_loc) % 2).astype(np.int64)
    return S._replace(theatre=theatre, phase_day=np.array([0], np.int64), focus=focus)


def test_handovers_outside_the_focus_run_at_the_campaigns_tempo(world):
    _scen, S, P, X0 = world
    t = 12
    S2 = _focused(S)
    elig = _eligible(X0, S, P, t)
    inside = [i for i in elig if S2.theatre[i] == 0]
    outside = [i for i in elig if S2.theatre[i] != 0]
    assert inside and outside
    # a certain handover: tempo 0 stops every one outside the focus, none inside
    X = _run(negotiate_nb, X0, S2, replace_params(P, n0=30.0, outside_tempo=0.0), 1, t)
    handed = np.flatnonzero(view(X).broke == C.BROKE_HANDED_OVER).tolist()
    assert sorted(handed) == sorted(inside)
    # tempo 1: no effect
    X = _run(negotiate_nb, X0, S2, replace_params(P, n0=30.0, outside_tempo=1.0), 1, t)
    assert sorted(np.flatnonzero(view(X).broke == C.BROKE_HANDED_OVER).tolist()) == sorted(elig)
    # in between: outside the focus a location goes when its draw is below tempo * logistic(z)
    X = _run(negotiate_nb, X0, S2, replace_params(P, n0=30.0, outside_tempo=0.4), 5, t)
    for i in outside:
        expect = uniform(5, t, C.DRAW_NEGOTIATE, i) < 0.4
        assert (view(X).broke[i] == C.BROKE_HANDED_OVER) == expect, i
    # a phase with no focus theatre slows nothing
    none = S2._replace(focus=np.zeros_like(S2.focus))
    X = _run(negotiate_nb, X0, none, replace_params(P, n0=30.0, outside_tempo=0.0), 1, t)
    assert sorted(np.flatnonzero(view(X).broke == C.BROKE_HANDED_OVER).tolist()) == sorted(elig)


def test_units_outside_the_focus_hold_at_tempo_zero(world):
    from sim.kernels.movement import move_units_nb

    _scen, S, P, X0 = world
    t = 12
    S2 = _focused(S)
    loc0, s0 = X0.ui[L.UI_LOC], X0.uf[L.U_S]
    ready = (s0 > 0) & (X0.uf[L.U_ETA] <= 0) & (X0.uf[L.U_M] >= P.i_min_attack)
    X1 = _run(move_units_nb, X0, S2, replace_params(P, outside_tempo=1.0), 3, t)
    X0t = _run(move_units_nb, X0, S2, replace_params(P, outside_tempo=0.0), 3, t)
    active_mil = (X0.l8[L.L8_MSTATE] == C.MIL_ACTIVE) & (X0.lf[L.L_MIL] > 0)
    defended = (X0.l8[L.L8_CTRL] != C.INSURGENT) & ((X0.lf[L.L_GOV] > 0) | active_mil)
    held_back = ready & (S2.theatre[loc0] != 0) & ~defended[loc0]  # would choose a target today
    assert held_back.sum() >= 5
    # at tempo 0 they keep their place and their target; at tempo 1 some of them move
    np.testing.assert_array_equal(X0t.ui[L.UI_LOC][held_back], loc0[held_back])
    np.testing.assert_array_equal(X0t.ui[L.UI_TGT][held_back], X0.ui[L.UI_TGT][held_back])
    np.testing.assert_array_equal(X0t.uf[L.U_ETA][held_back], X0.uf[L.U_ETA][held_back])
    moved = (X1.ui[L.UI_LOC] != loc0) | (X1.uf[L.U_ETA] > 0)
    assert moved[held_back].any()
    # units in the focus theatre do as they would at full tempo
    inside = ready & (S2.theatre[loc0] == 0)
    np.testing.assert_array_equal(X0t.ui[L.UI_LOC][inside], X1.ui[L.UI_LOC][inside])
    np.testing.assert_array_equal(X0t.ui[L.UI_TGT][inside], X1.ui[L.UI_TGT][inside])


def test_units_outside_the_focus_redeploy_to_staging_locations(world):
    """Redeployment (campaign.redeploy) by hand: at rate 1 every unit outside the focus theatre
    that is ready to act leaves for a staging location, drawn by its keyed uniform from the
    cumulative weights (government-held candidates within the radius of each insurgent-held
    location in the focus); units inside the focus do as they would with the rule off."""
    from sim.kernels.movement import move_units_nb

    _scen, S, P, X0 = world
    t = 12
    S2 = _focused(S)
    days = 2.5
    loc0, s0, uid = X0.ui[L.UI_LOC], X0.uf[L.U_S], X0.ui[L.UI_ID]
    ready = (s0 > 0) & (X0.uf[L.U_ETA] <= 0) & (X0.uf[L.U_M] >= P.i_min_attack)
    outside = ready & (S2.theatre[loc0] != 0)
    assert outside.sum() >= 5
    # the staging weights by hand
    held = X0.l8[L.L8_CTRL] == C.INSURGENT
    weight = np.zeros(S.n_loc)
    for j in range(S.n_loc):
        if held[j] and S2.theatre[j] == 0:
            row = [k for k in range(S.cand.shape[1]) if S.cand[j, k] >= 0]
            weight[j] = sum(1 for k in row if not held[S.cand[j, k]] and S.cand_days[j, k] <= P.radius_days)
    assert (weight > 0).sum() >= 2  # a real choice among staging locations
    cum = np.cumsum(weight)
    X1 = _run(move_units_nb, X0, S2, replace_params(P, redeploy=1.0, redeploy_days=days), 3, t)
    for u in np.flatnonzero(outside):
        x = uniform(3, t, C.DRAW_STAGE, uid[u]) * cum[-1]
        dest = int(np.flatnonzero(cum > x)[0])
        assert weight[dest] > 0
        assert X1.ui[L.UI_NEXT, u] == dest and X1.ui[L.UI_TGT, u] == -1
        assert X1.uf[L.U_ETA, u] == pytest.approx(days - 1.0)  # one day of the road done
        assert X1.ui[L.UI_LOC, u] == loc0[u]  # still where it left, not present anywhere
    # inside the focus: as with the rule off
    off = _run(move_units_nb, X0, S2, replace_params(P, redeploy=0.0), 3, t)
    inside = ready & (S2.theatre[loc0] == 0)
    for row in (L.UI_LOC, L.UI_NEXT, L.UI_TGT):
        np.testing.assert_array_equal(X1.ui[row][inside], off.ui[row][inside])
    # in between: a unit leaves when its draw is below the rate
    X = _run(move_units_nb, X0, S2, replace_params(P, redeploy=0.4, redeploy_days=days), 3, t)
    left = (X.ui[L.UI_TGT] == -1) & np.isclose(X.uf[L.U_ETA], days - 1.0) & (weight[X.ui[L.UI_NEXT]] > 0)
    for u in np.flatnonzero(outside):
        assert left[u] == (uniform(3, t, C.DRAW_REDEPLOY, uid[u]) < 0.4), u
    assert 0 < left[outside].sum() < outside.sum()
    # no focus theatre (a phase naming none), or none of it held: nobody leaves
    for S3 in (S2._replace(focus=np.zeros_like(S2.focus)), S2._replace(theatre=np.ones_like(S2.theatre))):
        X = _run(move_units_nb, X0, S3, replace_params(P, redeploy=1.0), 3, t)
        ref = _run(move_units_nb, X0, S3, replace_params(P, redeploy=0.0), 3, t)
        np.testing.assert_array_equal(X.ui, ref.ui)
        np.testing.assert_array_equal(X.uf, ref.uf)


def test_units_rebalance_from_crowded_fronts_to_thin_ones(world):
    """Rebalancing between fronts (campaign.rebalance) by hand, in a phase that names no focus:
    theatre a has r_a = g_a / (n_a + 1) government-held places per unit (n_a: live units there,
    or heading there when on the road) against R = sum g / (sum n + 1); at rate 1 every ready unit
    in a theatre with r_a < R leaves for a staging location in those with r_a > R (weights as in
    a redeployment); the others do as with the rule off. A phase with a focus: no rebalancing."""
    from sim.kernels.movement import move_units_nb, rebalance_theatres

    _scen, S, P, X0 = world
    t, days = 12, 2.5
    S3 = S._replace(
        theatre=(np.arange(S.n_loc) % 3).astype(np.int64),
        phase_day=np.array([0], np.int64),
        focus=np.zeros((1, 3)),
    )
    held = X0.l8[L.L8_CTRL] == C.INSURGENT
    X = _copy(X0)
    loc = X.ui[L.UI_LOC]
    live = X.uf[L.U_S] > 0
    on_road = X.uf[L.U_ETA] > 0
    at = np.where(on_road, X.ui[L.UI_NEXT], loc)
    g = np.array([(~held & (S3.theatre == a)).sum() for a in range(3)], float)
    n = np.array([(live & (S3.theatre[at] == a)).sum() for a in range(3)], float)
    r, country = g / (n + 1.0), g.sum() / (n.sum() + 1.0)
    leave_hand = np.where((n > 0) & (r < country), 0.7, 0.0)
    pull_hand = np.where(r > country, 1.0, 0.0)
    leave, pull = np.zeros(3), np.zeros(3)
    rebalance_theatres(X.uf, X.ui, held, geo(S3), 0.7, leave, pull)
    np.testing.assert_array_equal(leave, leave_hand)
    np.testing.assert_array_equal(pull, pull_hand)
    assert leave.sum() > 0 and pull.sum() > 0  # this world has both kinds of front
    # the staging weights by hand, over the pulling theatres
    weight = np.zeros(S.n_loc)
    for j in range(S.n_loc):
        if held[j] and pull[S3.theatre[j]] > 0:
            row = [k for k in range(S.cand.shape[1]) if S.cand[j, k] >= 0]
            weight[j] = sum(1 for k in row if not held[S.cand[j, k]] and S.cand_days[j, k] <= P.radius_days)
    assert weight.sum() > 0
    cum = np.cumsum(weight)
    P1 = replace_params(P, redeploy=0.0, rebalance=1.0, redeploy_days=days)
    X1 = _run(move_units_nb, X0, S3, P1, 3, t)
    off = _run(move_units_nb, X0, S3, replace_params(P1, rebalance=0.0), 3, t)
    uid, eta0 = X0.ui[L.UI_ID], X0.uf[L.U_ETA]
    # ready to act today: not on the road, or arriving today (then with what is left of the day)
    ready = live & (eta0 <= 1.0) & (X0.uf[L.U_M] >= P.i_min_attack)
    leaving = ready & (leave[S3.theatre[at]] > 0)
    assert leaving.sum() >= 5
    for u in np.flatnonzero(leaving):
        dest = int(np.flatnonzero(cum > uniform(3, t, C.DRAW_STAGE, uid[u]) * cum[-1])[0])
        assert X1.ui[L.UI_NEXT, u] == dest and X1.ui[L.UI_TGT, u] == -1
        assert X1.uf[L.U_ETA, u] == pytest.approx(days - (1.0 - max(eta0[u], 0.0)))
        assert pull[S3.theatre[dest]] == 1.0
    stay = ~leaving
    for row in (L.UI_LOC, L.UI_NEXT, L.UI_TGT):
        np.testing.assert_array_equal(X1.ui[row][stay], off.ui[row][stay])
    # a phase with a focus: the redeployment's rule (here off), not the rebalancing
    S4 = S3._replace(focus=np.array([[1.0, 0.0, 0.0]]))
    a = _run(move_units_nb, X0, S4, P1, 3, t)
    b = _run(move_units_nb, X0, S4, replace_params(P1, rebalance=0.0), 3, t)
    np.testing.assert_array_equal(a.ui, b.ui)
    np.testing.assert_array_equal(a.uf, b.uf)


def test_schedules_are_curves_over_the_withdrawals_progress():
    base = sim.load_scenario("afghanistan_2021")
    s = base.schedules
    # logistics at the CENTCOM points (tau = days / 122): 6 July (day 66) -> 0.08
    assert s[C.SCHED_LOGISTICS, 0] == 1.0
    assert s[C.SCHED_LOGISTICS, 66] == pytest.approx(0.08, abs=0.01)
    assert (np.diff(s[C.SCHED_LOGISTICS]) <= 1e-12).all()
    # air holds 0.4 to 31 August (day 122), then falls to 0.1
    assert s[C.SCHED_AIR, 100] == pytest.approx(0.4) and s[C.SCHED_AIR, 140] == pytest.approx(0.1)
    # a slower withdrawal stretches every curve: at day 66 logistics is higher
    slow = sim.load_scenario("afghanistan_2021", ["model.withdrawal.end=2021-12-31"])
    tau = 66 / (dt.date(2021, 12, 31) - dt.date(2021, 5, 1)).days
    xs = list(base.config.model.support.logistics.tau)
    ys = list(base.config.model.support.logistics.value)
    assert slow.schedules[C.SCHED_LOGISTICS, 66] == pytest.approx(np.interp(tau, xs, ys))
    # without curves: the straight line 1 -> residual, the same for all three
    syn = sim.load_scenario("synthetic")
    w = syn.config.model.withdrawal
    off = (dt.date.fromisoformat(w.start) - syn.start).days
    span = (dt.date.fromisoformat(w.end) - dt.date.fromisoformat(w.start)).days
    t = np.arange(syn.horizon_days + 1)
    line = 1.0 - (1.0 - w.residual) * np.clip((t - off) / span, 0, 1)
    for row in range(3):
        np.testing.assert_allclose(syn.schedules[row], line)


def test_curves_are_validated():
    with pytest.raises(sim.ScenarioError, match="increasing order"):
        sim.load_scenario(
            "afghanistan_2021",
            ["model.support.air.tau=[0,0.5,0.4,1,1.02]", "model.support.air.value=[1,1,1,1,1]"],
        )
    with pytest.raises(sim.ScenarioError, match="as many values"):
        sim.load_scenario("afghanistan_2021", ["model.support.air.value=[1,1]"])


def test_revenue_lost_is_the_share_of_seized_crossings(world):
    _scen, S, P, X0 = world
    S2 = S._replace(revenue=np.where(np.arange(S.n_loc) % 7 == 0, 0.05, 0.0))
    X = _run(update_control_nb, X0, S2, P, 0, 12)
    held = view(X).ctrl == C.INSURGENT
    assert view(X).revenue_lost == pytest.approx(S2.revenue[held].sum())


def test_district_falls_add_national_news(world):
    """model.morale.news_district_national by hand: every location other than a capital that
    falls today adds the weight to the national news; capitals add news_capital as before, and
    nothing else of the control phase changes."""
    _scen, S, P, X0 = world
    X1 = _copy(X0)
    v = view(X1)
    rows = [i for i in range(S.n_loc) if v.ctrl[i] == C.GOVERNMENT and not S.is_capital[i]][:4]
    caps = [i for i in range(S.n_loc) if v.ctrl[i] == C.GOVERNMENT and S.is_capital[i]][:1]
    assert len(rows) == 4 and len(caps) == 1
    for i in rows + caps:  # garrisons gone, insurgents inside: these fall today
        X1.lf[L.L_GOV, i] = 0.0
        X1.l8[L.L8_MSTATE, i] = C.MIL_NONE
        X1.lf[L.L_INS, i] = 50.0
    t = 12
    off = _run(update_control_nb, X1, S, replace_params(P, news_district_national=0.0), 0, t)
    on = _run(update_control_nb, X1, S, replace_params(P, news_district_national=0.07), 0, t)
    fell = off.li[L.LI_FELL_DAY] == t
    n_districts = int((fell & ~S.is_capital).sum())
    n_capitals = int((fell & S.is_capital).sum())
    assert n_districts >= 4 and n_capitals >= 1
    before = view(X1).news_g * P.news_decay
    assert view(off).news_g == pytest.approx(before + n_capitals * P.news_capital)
    assert view(on).news_g == pytest.approx(view(off).news_g + 0.07 * n_districts)
    np.testing.assert_array_equal(on.l8[L.L8_CTRL], off.l8[L.L8_CTRL])
    np.testing.assert_array_equal(on.lf[L.L_NEWS], off.lf[L.L_NEWS])


def test_district_falls_add_regional_news(world):
    """model.morale.news_district_region by hand: each district post (not a capital) that falls
    today adds the weight to the local news of every district post of its region; capitals,
    the other region and the national news are as with the rule off."""
    _scen, S, P, X0 = world
    S2 = _focused(S)  # two regions: even and odd rows
    X1 = _copy(X0)
    v = view(X1)
    rows = [i for i in range(S.n_loc) if v.ctrl[i] == C.GOVERNMENT and not S.is_capital[i] and i % 2 == 0][:3]
    caps = [i for i in range(S.n_loc) if v.ctrl[i] == C.GOVERNMENT and S.is_capital[i]][:2]
    assert len(rows) == 3 and len(caps) >= 1
    for i in rows + caps:  # garrisons gone, insurgents inside: these fall today
        X1.lf[L.L_GOV, i] = 0.0
        X1.l8[L.L8_MSTATE, i] = C.MIL_NONE
        X1.lf[L.L_INS, i] = 50.0
    t, w = 12, 0.07
    off = _run(update_control_nb, X1, S2, replace_params(P, news_district_region=0.0), 0, t)
    on = _run(update_control_nb, X1, S2, replace_params(P, news_district_region=w), 0, t)
    fell = off.li[L.LI_FELL_DAY] == t
    falls = [int((fell & ~S.is_capital & (S2.theatre == r)).sum()) for r in (0, 1)]
    assert falls[0] >= 3
    expected = off.lf[L.L_NEWS] + np.where(S.is_capital, 0.0, w * np.array(falls)[S2.theatre])
    np.testing.assert_allclose(on.lf[L.L_NEWS], expected, rtol=0, atol=1e-12)
    assert (on.lf[L.L_NEWS] > off.lf[L.L_NEWS]).sum() >= S.n_loc // 2 - int(S.is_capital.sum())
    assert view(on).news_g == view(off).news_g
    np.testing.assert_array_equal(on.l8[L.L8_CTRL], off.l8[L.L8_CTRL])


def test_staging_search_is_numpys_searchsorted():
    """The staging draw's binary search gives np.searchsorted(side="right"), plateaus included."""
    from numba import njit

    from sim.kernels.movement import count_at_most

    search = njit(lambda cum, x: count_at_most(cum, x))  # compiled-only: called from compiled code
    rng = np.random.default_rng(5)
    for n in (1, 2, 7, 40):
        cum = np.cumsum(rng.integers(0, 3, n).astype(float))
        for x in [*rng.uniform(-1, cum[-1] + 1, 50), *cum]:
            assert search(cum, float(x)) == np.searchsorted(cum, x, side="right")


def test_local_units_do_not_redeploy(world):
    """model.campaign.mobile_share by hand: a unit may leave for the focus theatres only when its
    fixed draw (seed, day 0, MOBILE, id) is below the share; the others do as with the
    redeployment off. Share 1 is the rule off, share 0 no redeployment at all."""
    from sim.kernels.movement import move_units_nb

    _scen, S, P, X0 = world
    t, days = 12, 2.5
    S2 = _focused(S)
    P1 = replace_params(P, redeploy=1.0, redeploy_days=days)
    uid = X0.ui[L.UI_ID]
    everyone = _run(move_units_nb, X0, S2, replace_params(P1, mobile_share=1.0), 3, t)
    nobody = _run(move_units_nb, X0, S2, replace_params(P1, mobile_share=0.0), 3, t)
    off = _run(move_units_nb, X0, S2, replace_params(P, redeploy=0.0), 3, t)
    half = _run(move_units_nb, X0, S2, replace_params(P1, mobile_share=0.5), 3, t)
    np.testing.assert_array_equal(nobody.ui, off.ui)
    np.testing.assert_array_equal(nobody.uf, off.uf)

    def left(X):  # units on the road with no target, one day of the road done
        return (X.ui[L.UI_TGT] == -1) & np.isclose(X.uf[L.U_ETA], days - 1.0)

    gone = left(everyone) & ~left(off)
    assert gone.sum() >= 5
    mobile = np.array([uniform(3, 0, C.DRAW_MOBILE, int(k)) < 0.5 for k in uid])
    np.testing.assert_array_equal(left(half) & ~left(off), gone & mobile)
    assert 0 < (gone & mobile).sum() < gone.sum()
    for row in (L.UI_LOC, L.UI_NEXT, L.UI_TGT):  # the local ones do as with the rule off
        np.testing.assert_array_equal(half.ui[row][gone & ~mobile], off.ui[row][gone & ~mobile])


def test_collapse_certain_and_impossible(world):
    _scen, S, P, X0 = world
    hub = S.hub
    v = view(_run(collapse_nb, X0, S, replace_params(P, k0=-40.0), 1, 12))
    assert v.collapsed == -1 and v.ctrl[hub] != C.INSURGENT
    news = view(X0).news_g
    v = view(_run(collapse_nb, X0, S, replace_params(P, k0=40.0), 1, 12))
    assert v.collapsed == 12 and v.ctrl[hub] == C.INSURGENT
    assert v.fall_mode[hub] == C.NEGOTIATED and v.policy == C.POLICY_NONE
    assert v.news_g == pytest.approx(news + P.news_capital + P.collapse_news)


def test_pull_back_moves_district_garrisons_to_the_capital(world):
    """Province pull-back (kernels.events.pull_back) against the rule worked by hand: in a
    province with at least ``threshold`` of its district centres insurgent-held, each government
    district garrison (not a holdout) sends ``rate`` of its personnel to the provincial capital,
    if that is still held; personnel is conserved; off, or with the threshold out of reach,
    nothing moves."""
    _scen, S, P, X0 = world
    t = 200  # no scripted event on this day
    assert not (S.ev_day == t).any()
    v0 = view(X0)
    gq0 = X0.lf[L.L_GQ]
    share = province_share_lost(S, v0.ctrl)
    threshold = float(np.median(share[share > 0]))
    S_on = S._replace(consolidate=1)
    P_on = replace_params(P, consolidate_threshold=threshold, consolidate_rate=0.25)
    X = _run(apply_events_nb, X0, S_on, P_on, 1, t)
    gov, gq = X.lf[L.L_GOV], X.lf[L.L_GQ]
    expect, expect_q = v0.gov.copy(), gq0.copy()
    moved = 0
    for i in range(S.n_loc):
        q, cap = S.province[i], S.prov_capital[i]
        if S.is_capital[i] or v0.ctrl[i] == C.INSURGENT or v0.holdout[i] == 1 or v0.gov[i] <= 0:
            continue
        if share[q] < threshold or v0.ctrl[cap] == C.INSURGENT:
            continue
        m = 0.25 * v0.gov[i]
        expect_q[cap] = (expect_q[cap] * expect[cap] + gq0[i] * m) / (expect[cap] + m)
        expect[cap] += m
        expect[i] -= m
        moved += 1
    assert moved >= 3  # the world has provinces on both sides of the threshold
    assert (share[S.province[~S.is_capital]] < threshold).any()
    np.testing.assert_allclose(gov, expect, rtol=1e-12)
    np.testing.assert_allclose(gq, expect_q, rtol=1e-12)
    assert gov.sum() == pytest.approx(v0.gov.sum())
    # off, or a threshold no province reaches: nothing moves
    for S2, P2 in ((S, P_on), (S_on, replace_params(P_on, consolidate_threshold=1.01))):
        np.testing.assert_array_equal(_run(apply_events_nb, X0, S2, P2, 1, t).lf[L.L_GOV], v0.gov)


def _may_abandon(X, S):
    """District garrisons that may abandon their post: government-held, not a holdout, not
    broken today, with personnel and no insurgents inside (capitals never)."""
    v = view(X)
    ins = X.lf[L.L_INS]
    return [
        i
        for i in range(S.n_loc)
        if v.ctrl[i] != C.INSURGENT
        and v.holdout[i] == 0
        and v.broke[i] == 0
        and v.gov[i] > 0
        and ins[i] <= 0
        and not S.is_capital[i]
    ]


def test_posts_abandoned_follow_the_hazard(world):
    """Posts abandoned ahead of the insurgents (kernels.negotiation, model.abandonment) against
    the rule worked by hand: certain odds empty exactly the eligible district posts (capitals,
    posts with insurgents inside and those handed over today excepted), the garrison counted as
    deserters with half its equipment left, and the post then falls without a fight; impossible
    odds or the switch off move nothing; in between, post i goes exactly when its draw is below
    logistic(y), y by hand."""
    _scen, S, P, X0 = world
    t = 12
    v0 = view(X0)
    S_on = S._replace(abandon=1, negotiate=0)
    elig = _may_abandon(X0, S)
    assert len(elig) >= 5 and len(elig) < S.n_loc - 5
    assert (X0.lf[L.L_INS][~S.is_capital] > 0).any() and (v0.gov[S.is_capital] > 0).any()
    X = _run(negotiate_nb, X0, S_on, replace_params(P, a0=30.0), 1, t)
    v = view(X)
    left = np.flatnonzero(v.broke == C.BROKE_ABANDONED)
    assert sorted(left.tolist()) == sorted(elig)
    assert (v.gov[left] == 0).all() and (v.mil == v0.mil).all()  # militias stay
    dese = v.acc[C.ACC_GOV_DESERTERS] - v0.acc[C.ACC_GOV_DESERTERS]
    assert dese == pytest.approx(v0.gov[left].sum())
    equip = X.lf[L.L_EQUIP] - X0.lf[L.L_EQUIP]
    np.testing.assert_allclose(equip[left], 0.5 * v0.gov[left])
    call_phase(update_control_nb, X, geo(S), P, 1, t)
    empty = [i for i in left if not (v0.mstate[i] == C.MIL_ACTIVE and v0.mil[i] > 0)]
    assert empty and (v.ctrl[empty] == C.INSURGENT).all() and (v.fall_mode[empty] == C.NEGOTIATED).all()
    # a handover today goes first: with both certain, no post is both handed over and abandoned
    X = _run(negotiate_nb, X0, S._replace(abandon=1), replace_params(P, a0=30.0, n0=30.0), 1, t)
    handed = set(np.flatnonzero(view(X).broke == C.BROKE_HANDED_OVER).tolist())
    assert handed and set(np.flatnonzero(view(X).broke == C.BROKE_ABANDONED).tolist()) == set(elig) - handed
    # impossible, or off: none
    never, off = replace_params(P, a0=-30.0), replace_params(P, a0=30.0)
    for S2, P2 in ((S_on, never), (S._replace(negotiate=0), off)):
        assert not (view(_run(negotiate_nb, X0, S2, P2, 1, t)).broke == C.BROKE_ABANDONED).any()
    # in between: by hand
    P2 = replace_params(P, a0=-1.0, a_isolated=0.7, a_province=2.0, a_news=0.4, a_supply=0.5, a_logistics=1.5)
    X = _run(negotiate_nb, X0, S_on, P2, 7, t)
    share = province_share_lost(S, v0.ctrl)
    lam = S.sched[C.SCHED_LOGISTICS, t]
    news, supply = X0.lf[L.L_NEWS], X0.lf[L.L_SUPPLY]
    went = 0
    for i in elig:
        q = S.province[i]
        y = (
            P2.a0
            + P2.a_isolated * v0.iso[i]
            + P2.a_province * share[q]
            + P2.a_news * (news[i] + v0.news_g)
            - P2.a_supply * min(supply[i] / 30.0, 1.0)
            - P2.a_logistics * lam
        )
        expect = uniform(7, t, C.DRAW_ABANDON, i) < logistic(y)
        assert (view(X).broke[i] == C.BROKE_ABANDONED) == expect, i
        went += expect
    assert 0 < went < len(elig)
