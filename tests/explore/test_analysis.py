"""Indices, variance split, outcomes and discovery on data with known answers (in process)."""

import numpy as np
import pandas as pd
import pytest
from explore_util import ISHIGAMI
from SALib.test_functions import Ishigami

from sim.explore import (
    ParamSpec,
    Timeline,
    cart,
    make_design,
    morris_indices,
    outcome_values,
    parse_condition,
    point_stats,
    prim,
    rbd_fast_indices,
    sobol_indices,
    variance_split,
)
from sim.scenario import ScenarioError

PI = [ParamSpec(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)]


def test_sobol_indices_converge_to_the_analytic_ishigami_values():
    d = make_design(PI, "sobol", n=4096, seed=0)
    s = sobol_indices(d, Ishigami.evaluate(d.values()), "y", num_resamples=100).set_index(["index", "param"])
    for j, x in enumerate(("x1", "x2", "x3")):
        assert s.loc[("S1", x), "value"] == pytest.approx(ISHIGAMI["S1"][j], abs=0.03)
        assert s.loc[("ST", x), "value"] == pytest.approx(ISHIGAMI["ST"][j], abs=0.03)
    s2 = s.xs("S2", level="index").set_index("param2", append=True)["value"]
    assert s2[("x1", "x3")] == pytest.approx(ISHIGAMI["S13"], abs=0.06)
    assert abs(s2[("x1", "x2")]) < 0.06 and abs(s2[("x2", "x3")]) < 0.06
    assert (s["conf"] > 0).all() and (s["conf_level"] == 0.95).all()


def test_rbd_fast_on_a_latin_hypercube():
    d = make_design(PI, "lhs", n=2000, seed=0)
    s = rbd_fast_indices(d, Ishigami.evaluate(d.values()), "y", num_resamples=50).set_index("param")["value"]
    assert s.to_numpy() == pytest.approx(ISHIGAMI["S1"], abs=0.06)


def test_morris_ranks_a_linear_function_by_its_coefficients():
    specs = [ParamSpec("a", 0.0, 1.0), ParamSpec("b", 0.0, 10.0), ParamSpec("c", 0.0, 1.0)]
    d = make_design(specs, "morris", n=20, seed=0)
    v = d.values()
    y = 1.0 * v[:, 0] + 0.3 * v[:, 1] + 0.0 * v[:, 2]  # per normalised range: 1, 3, 0
    m = morris_indices(d, y, "y", num_resamples=50).pivot_table(
        index="param", columns="index", values="value"
    )
    assert m.loc["a", "mu_star"] == pytest.approx(1.0) and m.loc["b", "mu_star"] == pytest.approx(3.0)
    assert m.loc["c", "mu_star"] == pytest.approx(0.0) and (m["sigma"] < 1e-9).all()


def test_a_failed_point_drops_its_block():
    d = make_design(PI, "sobol", n=64, seed=0)
    y = Ishigami.evaluate(d.values())
    y[[3, 100]] = np.nan  # blocks 0 and 12
    s = sobol_indices(d, y, "y", num_resamples=20)
    keep = np.ones(64, bool)
    keep[[0, 12]] = False
    full = np.repeat(keep, d.block_size)
    from SALib.analyze import sobol

    ref = sobol.analyze(d.problem, y[full], seed=0, num_resamples=20)
    assert s[s["index"] == "S1"]["value"].to_numpy() == pytest.approx(ref["S1"])


def test_variance_split_of_known_parts():
    rng = np.random.default_rng(0)
    P, R = 400, 8
    f = rng.normal(0, 3, P)  # parameter effect, variance 9
    e = rng.normal(0, 1, (P, R))  # independent noise, variance 1
    v = pd.Series((f[:, None] + e).ravel(), index=pd.MultiIndex.from_product([range(P), range(R)]))
    split = variance_split(point_stats(v, range(P)))
    assert split["var_within"] == pytest.approx(1.0, rel=0.1)
    assert split["var_param"] == pytest.approx(9.0, rel=0.15)
    assert split["noise_share"] == pytest.approx(0.1, rel=0.2)
    assert split["noise_in_means"] == pytest.approx((1 / R) / (9 + 1 / R), rel=0.5)
    const = pd.Series(np.full(P * R, 34.0), index=v.index)
    c = variance_split(point_stats(const, range(P)))
    assert c["var_total"] == 0 and np.isnan(c["noise_share"])


# ------------------------------------------------------------------------------ outcomes
@pytest.fixture
def tables():
    runs = pd.DataFrame(
        {
            "job": [0, 0, 1, 1],
            "replicate": [0, 1, 0, 1],
            "hub_fell_day": pd.array([100, pd.NA, 90, 95], dtype="Int64"),
            "capitals_fallen": [3, 2, 3, 3],
        }
    )
    ev = [
        # job, replicate, day, event, name, location_id, is_capital
        (0, 0, 50, "capital_fell", "Kandahar", "K", True),
        (0, 0, 60, "capital_fell", "Herat", "H", True),
        (0, 1, 40, "retreated_to_airport", "Kandahar", "K", True),
        (0, 1, 70, "capital_fell", "Kandahar", "K", True),
        (1, 0, 30, "district_fell", "Spin Boldak", "S", False),
        (1, 1, 80, "capital_fell", "Herat", "H", True),
    ]
    events = pd.DataFrame(
        ev, columns=["job", "replicate", "day", "event", "name", "location_id", "is_capital"]
    )
    return runs, events, Timeline(pd.Timestamp("2021-05-01").date(), 150)


def test_outcomes_by_spec(tables):
    runs, events, tl = tables
    v = outcome_values(runs, events, "hub_fell_day", tl)
    assert list(v) == [100, 151, 90, 95]  # held to the horizon: censored at H + 1
    assert list(outcome_values(runs, events, "fell_day:Kandahar", tl)) == [50, 70, 151, 151]
    assert list(outcome_values(runs, events, "lost_day:Kandahar", tl)) == [50, 40, 151, 151]
    day55 = (pd.Timestamp("2021-05-01") + pd.Timedelta(days=55)).date().isoformat()
    assert list(outcome_values(runs, events, f"capitals_fallen_by:{day55}", tl)) == [1, 0, 0, 0]
    assert list(outcome_values(runs, events, f"capitals_lost_by:{day55}", tl)) == [1, 1, 0, 0]
    assert list(outcome_values(runs, events, "capitals_fallen_by:2021-12-31", tl)) == [2, 1, 0, 1]
    assert v.index.names == ["job", "replicate"]


@pytest.mark.parametrize(
    ("spec", "allowed"),
    [
        ("nosuch", "a numeric runs column (hub_fell_day, capitals_fallen)"),
        ("lost_day:Atlantis", "a location named in the events"),
        ("capitals_fallen_by:soon", "an ISO date"),
        ("median_day:Kabul", "a runs column or one of"),
    ],
)
def test_bad_outcomes(tables, spec, allowed):
    runs, events, tl = tables
    with pytest.raises(ScenarioError, match=allowed.replace("(", r"\(").replace(")", r"\)")):
        outcome_values(runs, events, spec, tl)


def test_conditions_are_parsed_not_evaluated():
    tl = Timeline(pd.Timestamp("2021-05-01").date(), 150)
    c = parse_condition("hub_fell_day>2021-08-31", tl)
    assert (c.outcome, c.op, c.value) == ("hub_fell_day", ">", 122.0)
    assert list(c(np.array([122, 123, 151]))) == [False, True, True]
    assert parse_condition(" capitals_fallen <= 10 ", tl).value == 10.0
    for bad in ("hub_fell_day", "__import__('os')>1", "capitals_fallen>2021-08-31", "x>>1"):
        with pytest.raises(ScenarioError):
            parse_condition(bad, tl)


# ------------------------------------------------------------------------------ discovery
def _planted(n=1200, flip=0.05, seed=0):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 4)), columns=["a", "b", "c", "d"])
    y = ((x.a > 0.3) & (x.a < 0.7) & (x.b > 0.5)).to_numpy()
    noise = rng.random(n) < flip
    return x, np.where(noise, ~y, y)


def test_prim_recovers_a_planted_box():
    x, y = _planted()
    res = prim(x, y, density=0.9)
    lim = res.limits.set_index("param")
    assert set(lim.index[lim["significant"]]) == {"a", "b"}  # c and d: free or not significant
    assert lim.loc["a", "lo"] == pytest.approx(0.3, abs=0.04)
    assert lim.loc["a", "hi"] == pytest.approx(0.7, abs=0.04)
    assert lim.loc["b", "lo"] == pytest.approx(0.5, abs=0.05)
    assert res.stats["density"] >= 0.9 and res.stats["coverage"] > 0.7
    assert res.stats["p_value"] < 1e-20
    t = res.trajectory
    assert t["chosen"].sum() == 1 and t["coverage"].iloc[0] == 1.0
    assert t["density"].iloc[0] == pytest.approx(y.mean())
    assert (np.diff(t["mass"].to_numpy()[: int(t.index[t["chosen"]][0]) + 1]) <= 1e-12).all()  # peeling


def test_prim_needs_cases_of_interest():
    x, y = _planted()
    with pytest.raises(ValueError, match="PRIM needs points of interest"):
        prim(x, np.zeros(len(y), bool))


def test_cart_finds_the_planted_box():
    x, y = _planted()
    leaves = cart(x, y, max_depth=3)
    top = leaves.iloc[0]
    assert top["density"] > 0.85 and top["coverage"] > 0.75
    assert top["a:lo"] == pytest.approx(0.3, abs=0.04) and top["a:hi"] == pytest.approx(0.7, abs=0.04)
    assert top["b:lo"] == pytest.approx(0.5, abs=0.05)
    assert " < a <= " in top["rule"] and "b > " in top["rule"]  # one condition per parameter
    assert leaves["n"].sum() == len(y) and leaves["mass"].sum() == pytest.approx(1.0)
