"""The interval rule of the posterior predictive check (``sim.evaluation.validation._inside``) and
the bound on the share of runs that reproduce the record, against answers worked by hand on
made-up values (nothing here is a real observation)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.evaluation.validation import _inside, record_bound

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
