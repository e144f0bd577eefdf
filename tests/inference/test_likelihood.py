"""The observation operator and error model against known answers (sim.inference.likelihood)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.inference.likelihood import (
    MODE_PENALTY,
    capitals_gap,
    count_values,
    count_z,
    distance,
    event_z,
    loglik,
    prepare_plan,
)
from sim.inference.observations import from_frame
from sim.kernels import codes as C

SMALL = ["synthetic.n_locations=60", "synthetic.n_units=100"]


@pytest.fixture(scope="module")
def scen():
    return sim.load_scenario("synthetic", SMALL)


def _obs(rows):
    return from_frame(pd.DataFrame([{"source": "test", **r} for r in rows]), path="test.csv")


def _day(scen, d):
    return scen.date_of(d).isoformat()


def test_counts_with_bounds_and_provinces(scen):
    caps = scen.capital_indices()
    prov = str(scen.locations["province"][caps[0]])
    plan = prepare_plan(
        _obs(
            [
                {"date": _day(scen, 5), "kind": "count", "quantity": "districts_insurgent_held", "value": 10},
                {
                    "date": _day(scen, 5),
                    "kind": "count",
                    "quantity": "districts_insurgent_held",
                    "value": 30,
                    "of_total": 100,
                    "bound": "lower",
                    "sd": 0.1,
                },
                {
                    "date": _day(scen, 5),
                    "kind": "count",
                    "quantity": "districts_insurgent_held",
                    "province": prov,
                    "value": 1,
                    "bound": "upper",
                },
            ]
        ),
        scen,
    )
    n = scen.n_locations
    is_cap = np.asarray(scen.locations["is_capital"])
    ctrl = np.zeros((2, n), np.int8)
    districts = np.flatnonzero(~is_cap)
    ctrl[1, districts[:20]] = C.INSURGENT  # replicate 1: the first 20 districts held
    v = count_values(plan, ctrl, np.zeros(n, np.int8))
    # every location is a district centre, the provincial centres included (as in the sources'
    # counts of 421 or 407): the model's total is all its locations, not the 358 non-capitals
    nd = n
    assert v[1, 0] == pytest.approx(20 / nd)
    z = count_z(plan, v)
    # the value itself: (m - o) / sd with o = 10 / (model total) and sd 0.03
    assert z[1, 0] == pytest.approx((20 / nd - 10 / nd) / 0.03)
    assert z[0, 0] == pytest.approx((0 - 10 / nd) / 0.03)
    # a lower bound of 30 % only penalises a model below it
    assert z[1, 1] == pytest.approx(min(20 / nd - 0.3, 0) / 0.1)
    # an upper bound only penalises a model above it
    in_prov = (~is_cap) & (np.asarray(scen.locations["province"]) == prov)
    assert plan.c_province.tolist() == [False, False, True]
    assert z[0, 2] == 0.0
    ctrl[0, np.flatnonzero(in_prov)] = C.INSURGENT
    z = count_z(plan, count_values(plan, ctrl, np.zeros(n, np.int8)))
    m = (np.asarray(scen.locations["province"]) == prov).sum()  # its capital counts in the total
    assert z[0, 2] == pytest.approx(((m - 1) / m - 1 / m) / 0.1)


def test_events_uncensored_and_modes(scen):
    cap = int(scen.capital_indices()[0])
    lid = str(scen.locations["location_id"][cap])
    plan = prepare_plan(
        _obs(
            [
                {"date": _day(scen, 20), "kind": "fell", "location": lid, "mode": "without_fight", "sd": 2},
                {"date": _day(scen, 10), "kind": "not_fallen_by", "location": lid, "sd": 1},
            ]
        ),
        scen,
        cutoff_day=30,
    )
    n = scen.n_locations
    lost = np.full((4, n), -1, np.int64)
    mode = np.zeros((4, n), np.int8)
    lost[0, cap], mode[0, cap] = 20, C.NEGOTIATED  # exactly right
    lost[1, cap], mode[1, cap] = 26, C.ASSAULT  # 6 days late, by assault
    lost[2, cap], mode[2, cap] = 8, C.SURRENDER  # 12 days early, 3 days before "not lost by 10"
    fell = lost.copy()  # never lost: replicate 3
    z = event_z(plan, lost, mode, fell)
    assert z[0].tolist() == [0.0, 0.0]
    assert z[1, 0] == pytest.approx(np.hypot(6 / 2, MODE_PENALTY))
    assert z[2, 0] == pytest.approx(12 / 2)  # with a mode the term is a magnitude
    assert z[2, 1] == pytest.approx(3.0)  # 10 + 1 - 8 days too early, sd 1
    # uncensored: a run that never loses it counts the horizon + 1, not the cut-off
    H = scen.horizon_days
    assert z[3, 0] == pytest.approx(np.hypot((H + 1 - 20) / 2, MODE_PENALTY))
    # mid-run (the particle filter on day 20): not lost yet counts as one day late
    zz = event_z(plan, lost, mode, fell, known_until=20)
    assert zz[3, 0] == pytest.approx(np.hypot(1 / 2, MODE_PENALTY))
    w = plan.weights
    assert loglik(z, w)[1] == pytest.approx(-0.5 * (z[1] ** 2).sum())
    assert distance(z, w)[1] == pytest.approx(np.sqrt((z[1] ** 2).sum()))


def test_rows_that_cannot_be_used_are_skipped_with_a_reason(scen):
    held0 = np.flatnonzero(np.asarray(scen.locations["initial_control"]) == C.INSURGENT)
    rows = [
        {"date": _day(scen, 3), "kind": "count", "quantity": "capitals_held", "value": 3, "weight": 0},
        {"date": "1999-01-01", "kind": "count", "quantity": "capitals_held", "value": 3},
        {"date": _day(scen, 50), "kind": "count", "quantity": "capitals_held", "value": 3},
    ]
    if len(held0):
        rows.append(
            {"date": _day(scen, 4), "kind": "fell", "location": str(scen.locations["location_id"][held0[0]])}
        )
    plan = prepare_plan(_obs(rows), scen, cutoff_day=40)
    reasons = set(plan.skipped["reason"])
    assert {"weight 0", "before the scenario start", "after the cut-off"} <= reasons
    if len(held0):
        assert "insurgent-held at the scenario start" in reasons
    assert plan.n_terms == 0


def test_a_fact_dated_again_is_used_once_at_its_latest_date(scen):
    caps = scen.capital_indices()
    a, b = (str(scen.locations["location_id"][int(c)]) for c in caps[:2])
    rows = [
        {"date": _day(scen, 10), "kind": "not_fallen_by", "location": a, "quantity": "capital"},
        {"date": _day(scen, 20), "kind": "not_fallen_by", "location": a, "quantity": "capital"},
        {"date": _day(scen, 20), "kind": "not_fallen_by", "location": a, "quantity": "another statement"},
        {"date": _day(scen, 10), "kind": "not_fallen_by", "location": b, "quantity": "capital"},
    ]
    obs = _obs(rows)
    # cut off on day 15: the day-20 rows are after it, so a's day-10 row is the latest
    p15 = prepare_plan(obs, scen, cutoff_day=15)
    pairs = sorted(zip(p15.e_loc.tolist(), p15.e_day.tolist(), strict=True))
    assert pairs == sorted([(int(caps[0]), 10), (int(caps[1]), 10)])
    # cut off on day 30: a's day-10 row is implied by its day-20 row of the same quantity; the
    # other statement is a fact of its own; b keeps its only row
    p30 = prepare_plan(obs, scen, cutoff_day=30)
    assert sorted(zip(p30.e_loc.tolist(), p30.e_day.tolist(), strict=True)) == sorted(
        [(int(caps[0]), 20), (int(caps[0]), 20), (int(caps[1]), 10)]
    )
    implied = p30.skipped[p30.skipped["reason"].str.startswith("implied by")]
    assert len(implied) == 1 and implied["location"].iloc[0] == a
    assert _day(scen, 20) in implied["reason"].iloc[0]
    # a run that lost a on day 5 is penalised once by the "capital" fact, not twice
    lost = np.full((1, scen.n_locations), -1, np.int64)
    lost[0, int(caps[0])] = 5
    z = event_z(p30, lost, np.zeros_like(lost, dtype=np.int8), lost)
    assert sorted(z[0].tolist()) == [0.0, 16.0, 16.0]


def test_a_cut_off_without_word_on_the_capitals_is_flagged():
    afg = sim.load_scenario("afghanistan_2021")
    from sim.inference.observations import read_observations

    obs = read_observations("afghanistan_2021")
    # before 15 May nothing in the 2021 table says whether the capitals were still held
    for cut in (7, 13):
        msg = capitals_gap(prepare_plan(obs, afg, cut), afg)
        assert msg is not None and "34 of 34 capitals" in msg and afg.date_of(cut).isoformat() in msg
        assert "\n" not in msg
    # from then on (twice a month, and on 5 and 7 August) every capital has a "lost on" or "not
    # lost by" row, and a fit uses each capital's latest one within its cut-off
    for cut in (14, 60, 75, 96, None):
        plan = prepare_plan(obs, afg, cut)
        assert capitals_gap(plan, afg) is None
        last = plan.cutoff_day if cut in (14, 60, 75) else None
        if last is not None:
            nf = plan.e_kind == 1
            assert sorted(plan.e_loc[nf].tolist()) == sorted(afg.capital_indices().tolist())
            assert (plan.e_day[nf] == (plan.e_day[nf].max())).all() and plan.e_day[nf].max() <= last
