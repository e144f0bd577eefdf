"""The interval rule of the posterior predictive check (``sim.evaluation.validation._inside``) and
the bound on the share of runs that reproduce the record, against answers worked by hand on
made-up values (nothing here is a real observation)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.evaluation.validation import _inside, coverage_test, record_bound

# two counts (the second a lower bound, the third an upper bound), then a 'lost on' event and a
# 'not lost by' event
PLAN = SimpleNamespace(
    n_counts=3,
    c_obs=np.array([0.96, 0.96, 0.03]),
    c_bound=np.array([0, 1, 2]),
    e_day=np.array([50.0, 60.0]),
    e_kind=np.array([0, 1]),
)
X = np.linspace(0.0, 1.0, 101)  # q05 = 0.05, q25 = 0.25, q50 = 0.5, q75 = 0.75, q95 = 0.95
DAYS = np.arange(101.0)  # q05 = 5, q95 = 95


def test_counts_and_bounds() -> None:
    kind, o, b, q, in90, in50 = _inside(PLAN, 0, X)
    assert (kind, o, b) == ("count", 0.96, "")
    np.testing.assert_allclose(q, [0.05, 0.25, 0.5, 0.75, 0.95])
    assert not in90 and not in50  # 0.96 > q95
    # 'at least 0.96' is met only when some runs reach it: q95 = 0.95 < 0.96 here
    assert not _inside(PLAN, 1, X)[4]
    assert _inside(PLAN, 1, X * 1.02)[4]  # q95 = 0.969 >= 0.96: some runs reach it
    # 'at most 0.03': q05 = 0.05 > 0.03, no run stays under it; shifted down, some do
    assert not _inside(PLAN, 2, X)[4]
    assert _inside(PLAN, 2, X - 0.03)[4] and not _inside(PLAN, 2, X - 0.03)[5]


def test_events() -> None:
    kind, o, _, _, in90, in50 = _inside(PLAN, 3, DAYS)
    assert (kind, o, in90, in50) == ("lost on", 50.0, True, True)
    assert not _inside(PLAN, 3, DAYS + 46)[4]  # q05 = 51 > 50
    # not lost by day 60: inside the 90 % interval when at least 5 % of runs hold it past day 60
    kind, o, _, _, in90, in50 = _inside(PLAN, 4, DAYS)
    assert (kind, o) == ("not lost by", 60.0)
    assert in90 and in50  # 40 of 101 runs lose it after day 60
    short = np.r_[np.zeros(96), np.full(5, 61.0)]  # 5 of 101 hold it: 0.0495 < 0.05
    assert not _inside(PLAN, 4, short)[4]
    assert _inside(PLAN, 4, np.r_[np.zeros(95), np.full(6, 61.0)])[4]


def test_observation_error_widens_the_interval() -> None:
    """A count just outside the model's own interval lies inside once the observation error is
    drawn: the replicated-data interval of the check (q95 of value + sd * N(0, 1))."""
    rng = np.random.default_rng(0)
    v = np.full(2000, 0.5)
    assert not _inside(PLAN, 0, v)[4]
    assert not _inside(PLAN, 0, v + 0.03 * rng.standard_normal(2000))[4]  # 0.96 is 15 sd away
    assert _inside(PLAN, 0, v + 0.3 * rng.standard_normal(2000))[4]  # 1.5 sd away


def test_record_bound_is_the_one_sided_clopper_pearson_bound() -> None:
    """k = 0: 1 - 0.05^(1/n) (about 3/n); k = 1 of 3,000: 4.74 / 3,000 (the Poisson 95 % bound
    for one event, 4.744, over n); k = n: 1."""
    assert record_bound(0, 3000) == pytest.approx(1 - 0.05 ** (1 / 3000), rel=1e-9)
    assert record_bound(1, 3000) == pytest.approx(4.744 / 3000, rel=2e-3)
    assert record_bound(5, 5) == 1.0
    assert record_bound(0, 300) > record_bound(0, 3000)


def _plan(n: int) -> SimpleNamespace:
    """n unbounded counts, no events."""
    return SimpleNamespace(
        n_counts=n, c_obs=np.zeros(n), c_bound=np.zeros(n, int), e_day=np.zeros(0), e_kind=np.zeros(0, int)
    )


def _runs(rng: np.random.Generator, n_runs: int, n_terms: int, rho: float = 0.64) -> np.ndarray:
    """The model's own runs: terms with correlation rho (a common factor plus noise)."""
    common = rng.standard_normal((n_runs, 1))
    return np.sqrt(rho) * common + np.sqrt(1.0 - rho) * rng.standard_normal((n_runs, n_terms))


def test_coverage_p_is_uniform_when_the_record_is_one_of_the_models_runs() -> None:
    """A synthetic truth: records drawn from the model itself get p-values of both test
    quantities spread evenly on (0, 1) (about a tenth below 0.1), the terms correlated."""
    rng = np.random.default_rng(1)
    n_terms, p_out, p_98, p_sur = 40, [], [], []
    for _ in range(200):
        v = _runs(rng, 301, n_terms)
        plan = _plan(n_terms)
        plan.c_obs = v[-1]  # the record: a run the test does not see
        v_rep = v[:-1]
        c = coverage_test(plan, v_rep)
        q05, q95 = np.quantile(v_rep, [0.05, 0.95], axis=0)
        assert c["outside90_observed"] == ((plan.c_obs < q05) | (plan.c_obs > q95)).sum()
        p_out.append(c["outside90_p"])
        p_98.append(c["outside98_p"])
        p_sur.append(c["surprise_p"])
    # a count's p is conservative (ties: P(p <= 0.1) <= 0.1), the surprise's is continuous
    for p in (np.array(p_out), np.array(p_98), np.array(p_sur)):
        assert np.mean(p < 0.1) <= 0.16, np.mean(p < 0.1)
    assert 0.04 <= np.mean(np.array(p_sur) < 0.1) and 0.4 <= np.median(p_sur) <= 0.65


def test_coverage_p_is_small_for_a_record_far_outside() -> None:
    """A record that is one of the model's runs except for five of 40 observations 4 sd beyond
    every run, terms correlated 0.25: the count outside the 98 % intervals flags it (p < 0.05),
    the summed surprise less sharply (each of the five adds -ln(2 x 0.5 / 301) = ln 301 where it
    had added about 1; p 0.03-0.06), the count outside 90 % not (p 0.2-0.3). With terms correlated
    0.64 the summed surprise gets p of 0.06-0.25 (seeds 2-4): runs that swing together spread the
    sums, so no one quantity suffices - why the report gives all three, and the misses."""
    for seed in (2, 3, 4):
        rng = np.random.default_rng(seed)
        v = _runs(rng, 301, 40, rho=0.25)
        plan = _plan(40)
        plan.c_obs = v[-1].copy()
        plan.c_obs[:5] = 10.0
        c = coverage_test(plan, v[:-1])
        assert c["outside98_p"] < 0.05 and c["surprise_p"] < 0.1, (seed, c)
        plan.c_obs = v[-1]
        typical = coverage_test(plan, v[:-1])["surprise_observed"]
        assert c["surprise_observed"] > typical + 5 * (np.log(301.0) - 2.0)


def test_coverage_reads_bounds_and_holds_as_the_record_does() -> None:
    """A lower bound far below every run is no surprise (s = 1); a capital 'not lost by' day 60
    that 40 of 101 runs hold counts as min(1, 2 x 0.396) in the record and in runs that hold it,
    min(1, 2 x 0.604) = 1 in runs that lost it."""
    days = np.arange(101.0)
    plan = SimpleNamespace(
        n_counts=1,
        c_obs=np.array([-5.0]),
        c_bound=np.array([1]),
        e_day=np.array([60.0]),
        e_kind=np.array([1]),
    )
    v = np.c_[np.linspace(0.0, 1.0, 101), days]
    c = coverage_test(plan, v)
    assert c["surprise_observed"] == pytest.approx(-np.log(2 * 40 / 101))
    assert c["outside90_observed"] == 0.0


def test_the_record_of_the_north_share_is_recounted_from_its_file() -> None:
    # RECORD_NORTH_FALLS is the dated falls of raw/observed/district_falls.csv counted on the
    # model's definition: first falls of district posts not insurgent-held at the start
    import pandas as pd

    import sim
    from sim.evaluation.validation import NORTH_REGIONS, RECORD_NORTH_FALLS
    from sim.scenario.load import scenarios_dir

    data = scenarios_dir() / "data" / "afghanistan_2021"
    falls = pd.read_csv(data / "raw" / "observed" / "district_falls.csv")
    region = pd.read_csv(data / "provinces.csv").set_index("province")["region"]
    scen = sim.load_scenario("afghanistan_2021")
    loc = pd.DataFrame({k: scen.locations[k] for k in ("location_id", "kind", "initial_control")})
    f = falls.merge(loc, on="location_id", how="inner")
    f = f[(f["kind"] == "district") & (f["initial_control"] != 2)]
    for d, (k, n) in RECORD_NORTH_FALLS.items():
        g = f[pd.to_datetime(f["date_fell"]) <= pd.Timestamp(scen.start) + pd.Timedelta(days=d)]
        assert (int(g["province"].map(region).isin(NORTH_REGIONS).sum()), len(g)) == (k, n)


def test_north_share_counts_first_falls_of_posts(monkeypatch) -> None:
    # a hand-made event log on the 2021 scenario's locations: the share of first falls of district
    # posts (not insurgent-held at the start) that lie in the north and north-east, by day
    import pandas as pd

    import sim
    from sim.evaluation import validation as V

    scen = sim.load_scenario("afghanistan_2021")
    loc = scen.locations
    region = dict(zip(scen.provinces["province"], scen.provinces["region"], strict=True))

    cols = (loc["location_id"], loc["province"], loc["kind"], loc["initial_control"])

    def post(north: bool, control: int = 0) -> str:
        for i, p, k, c in zip(*cols, strict=True):
            if str(k) == "district" and int(c) == control and (region[str(p)] in V.NORTH_REGIONS) == north:
                return str(i)
        raise AssertionError("no such post")

    n1, s1, held = post(True), post(False), post(False, control=2)
    cap = str(loc["location_id"][scen.capital_indices()[0]])
    rows = [
        (0, n1, 10, "district_fell"),
        (0, s1, 50, "district_fell"),
        (0, n1, 70, "district_fell"),  # fell again after a retake: only the first fall counts
        (0, held, 20, "district_fell"),  # insurgent-held at the start: not a post lost
        (0, cap, 30, "capital_fell"),  # a capital is not a district post
        (0, s1, 5, "handover_agreed"),  # another event
        (1, s1, 99, "district_fell"),  # after both days
    ]
    events = pd.DataFrame(rows, columns=["replicate", "location_id", "day", "event"])
    monkeypatch.setattr(sim, "run", lambda *a, **k: SimpleNamespace(events=events))
    out = V.north_share(scen, seed=0, replicates=3, days=(40, 60, 98))
    np.testing.assert_array_equal(out[40], [1.0, np.nan, np.nan])
    np.testing.assert_array_equal(out[60], [0.5, np.nan, np.nan])
    np.testing.assert_array_equal(out[98], [0.5, np.nan, np.nan])
