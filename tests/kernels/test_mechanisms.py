"""The mechanisms of the 2021 record against known answers (issue 14).

Negotiated handovers, campaign sequencing, the three support schedules, border revenue and the
political collapse of the centre: each checked where its answer is known by hand, on the
synthetic world (phase kernels on a prepared state) or on the schedule arithmetic.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import sim
from sim.kernels import codes as C
from sim.kernels.collapse import collapse_nb
from sim.kernels.common import logistic
from sim.kernels.control import update_control_nb
from sim.kernels.movement import campaign_state
from sim.kernels.negotiation import negotiate_nb
from sim.kernels.rng import uniform
from sim.kernels.step import step_day_nb
from sim.world import build_params, build_static, initial_state, replace_params

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
    st = initial_state(scen, 1)
    for t in range(12):  # a mid-run state with threats and fights
        step_day_nb(st, S, P, 4, 0, t)
    return scen, S, P, st


def _copy(st):
    return type(st)(*(a.copy() for a in st))


def _eligible(st, S, P, t):
    capitals_ok = t >= P.capitals_day
    ok = []
    for i in range(S.n_loc):
        x = st.gov[0, i] + (st.mil[0, i] if st.mstate[0, i] == C.MIL_ACTIVE else 0.0)
        if (
            st.ctrl[0, i] != C.INSURGENT
            and st.holdout[0, i] == 0
            and st.broke[0, i] == 0
            and st.threat[0, i] > 0
            and x > 0
            and (capitals_ok or not S.is_capital[i])
        ):
            ok.append(i)
    return ok


def test_handovers_follow_the_hazard(world):
    _scen, S, P, st0 = world
    t = 12
    elig = _eligible(st0, S, P, t)
    assert len(elig) >= 5
    # certain: every eligible location is handed over, its garrison sent home, none other
    st = _copy(st0)
    negotiate_nb(st, S, replace_params(P, n0=30.0), 1, 0, t)
    handed = np.flatnonzero(st.broke[0] == C.BROKE_HANDED_OVER)
    assert sorted(handed.tolist()) == sorted(elig)
    assert (st.gov[0, handed] == 0).all()
    dese = st.acc[0, C.ACC_GOV_DESERTERS] - st0.acc[0, C.ACC_GOV_DESERTERS]
    assert dese == pytest.approx(st0.gov[0, handed].sum())
    update_control_nb(st, S, P, 0, t)
    assert (st.ctrl[0, handed] == C.INSURGENT).all() and (st.fall_mode[0, handed] == C.NEGOTIATED).all()
    # impossible: none
    st = _copy(st0)
    negotiate_nb(st, S, replace_params(P, n0=-30.0), 1, 0, t)
    assert not (st.broke[0] == C.BROKE_HANDED_OVER).any()
    # in between: location i goes exactly when its draw is below logistic(z), z by hand
    P2 = replace_params(P, n0=-1.0, n_ratio=0.0, n_news=0.0, n_supply=0.0, n_logistics=0.0, n_patron=0.0)
    st = _copy(st0)
    negotiate_nb(st, S, P2, 7, 0, t)
    lost = np.zeros(len(S.prov_districts))
    for i in range(S.n_loc):
        if not S.is_capital[i] and st0.ctrl[0, i] == C.INSURGENT:
            lost[S.province[i]] += 1
    for i in elig:
        q = S.province[i]
        z = (
            P2.n0
            + (P2.n_capital if S.is_capital[i] else 0.0)
            + P2.n_isolated * st0.iso[0, i]
            + P2.n_province * (lost[q] / S.prov_districts[q] if S.prov_districts[q] else 0.0)
            + P2.n_affinity * (S.affinity[i] - 0.5)
            + P2.n_revenue * st0.revenue_lost[0]
        )
        expect = uniform(7, t, C.DRAW_NEGOTIATE, i) < logistic(z)
        assert (st.broke[0, i] == C.BROKE_HANDED_OVER) == expect, i


def test_capitals_are_not_negotiated_before_they_are_objectives(world):
    _scen, S, P, st0 = world
    t = 12
    st = _copy(st0)
    negotiate_nb(st, S, replace_params(P, n0=30.0, capitals_day=100.0), 1, 0, t)
    assert not (st.broke[0, S.is_capital] == C.BROKE_HANDED_OVER).any()


def test_campaign_state_phases_and_capitals_day():
    phase_day = np.array([0, 10], np.int64)
    focus = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    f = np.zeros(3)
    assert campaign_state(1, phase_day, focus, 20.0, 5, f) == 0 and f.tolist() == [1.0, 0.0, 0.0]
    f = np.zeros(3)
    assert campaign_state(1, phase_day, focus, 20.0, 25, f) == 1 and f.tolist() == [0.0, 1.0, 1.0]
    f = np.zeros(3)
    assert campaign_state(0, phase_day, focus, 20.0, 5, f) == 1 and f.tolist() == [0.0, 0.0, 0.0]


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
    _scen, S, P, st0 = world
    st = _copy(st0)
    S2 = S._replace(revenue=np.where(np.arange(S.n_loc) % 7 == 0, 0.05, 0.0))
    update_control_nb(st, S2, P, 0, 12)
    held = st.ctrl[0] == C.INSURGENT
    assert st.revenue_lost[0] == pytest.approx(S2.revenue[held].sum())


def test_collapse_certain_and_impossible(world):
    _scen, S, P, st0 = world
    hub = S.hub
    st = _copy(st0)
    collapse_nb(st, S, replace_params(P, k0=-40.0), 1, 0, 12)
    assert st.collapsed[0] == -1 and st.ctrl[0, hub] != C.INSURGENT
    st = _copy(st0)
    news = st.news_g[0]
    collapse_nb(st, S, replace_params(P, k0=40.0), 1, 0, 12)
    assert st.collapsed[0] == 12 and st.ctrl[0, hub] == C.INSURGENT
    assert st.fall_mode[0, hub] == C.NEGOTIATED and st.policy[0] == C.POLICY_NONE
    assert st.news_g[0] == pytest.approx(news + P.news_capital + P.collapse_news)
