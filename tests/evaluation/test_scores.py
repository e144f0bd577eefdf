"""Scoring functions against values computed by hand (small arrays, worked in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.evaluation.scores import (
    brier,
    censor,
    covered,
    crps_censored,
    crps_ensemble,
    interval,
    prob_by,
    quantile,
    rankdata,
    spearman,
)


def test_crps_of_two_samples():
    # F = 0 below 1, 1/2 on [1, 3), 1 above; y = 2: int = 0.25 * 1 + 0.25 * 1 = 0.5
    assert crps_ensemble([1.0, 3.0], 2.0) == pytest.approx(0.5)
    # mean |x - y| = 1, pair term (0 + 2 + 2 + 0) / (2 * 4) = 0.5
    assert crps_ensemble([3.0, 1.0], 2.0) == pytest.approx(0.5)


def test_crps_of_one_sample_is_the_absolute_error():
    assert crps_ensemble([4.0], 7.5) == pytest.approx(3.5)


def test_crps_of_a_perfect_point_forecast_is_zero():
    assert crps_ensemble([5.0, 5.0, 5.0], 5.0) == pytest.approx(0.0)


def test_crps_four_samples_by_hand():
    # x = [5, 6, 7, 10], y = 6: mean |x - y| = 6/4 = 1.5; sum_ij |xi - xj| = 2 * 16 = 32,
    # / (2 * 16) = 1.0; CRPS = 0.5
    assert crps_ensemble([5.0, 7.0, 10.0, 6.0], 6.0) == pytest.approx(0.5)


def test_crps_broadcasts_over_leading_axes():
    x = np.array([[1.0, 3.0], [4.0, 4.0]])
    np.testing.assert_allclose(crps_ensemble(x, np.array([2.0, 5.0])), [0.5, 1.0])


def test_crps_matches_the_integral_definition():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, size=7).astype(float)
    y = 8.5
    z = np.linspace(-5, 30, 350_001)
    F = (x[None, :] <= z[:, None]).mean(axis=1)
    integral = np.trapezoid((F - (z >= y)) ** 2, z)
    assert crps_ensemble(x, y) == pytest.approx(integral, abs=1e-3)


def test_censored_crps_fall_before_the_horizon():
    # Horizon 9 (c = 10); samples: day 5 and "not fallen" (-> 10); observed fall on day 7.
    # F = 1/2 on [5, 10): int_5^7 0.25 + int_7^10 0.25 = 0.5 + 0.75 = 1.25
    assert crps_censored([5.0, np.nan], 7.0, 10.0) == pytest.approx(1.25)


def test_censored_crps_not_fallen_by_the_horizon():
    # samples [not, not, 8, not] -> [10, 10, 8, 10]; observed not fallen (y = c = 10):
    # F = 1/4 on [8, 10): int = 2 * 1/16 = 0.125
    assert crps_censored([np.nan, np.nan, 8.0, np.nan], np.nan, 10.0) == pytest.approx(0.125)


def test_censored_crps_not_fallen_by_an_earlier_date():
    # "not fallen by day 5" (c = 6) against samples [4, 9, not, not] -> [4, 6, 6, 6]:
    # int_{-inf}^{6} F^2 = 2 * (1/4)^2 = 0.125; what happens after day 5 does not count
    assert crps_censored([4.0, 9.0, np.nan, np.nan], np.nan, 6.0) == pytest.approx(0.125)
    assert crps_censored([4.0, 7.0, 8.0, 100.0], 6.0, 6.0) == pytest.approx(0.125)


def test_censor_maps_nan_to_the_censoring_point():
    np.testing.assert_array_equal(censor([1.0, np.nan, 12.0], 10.0), [1.0, 10.0, 10.0])


def test_brier_and_prob_by():
    x = [5.0, 7.0, np.nan, 6.0]
    assert prob_by(x, 6) == pytest.approx(0.5)
    assert prob_by(x, 4) == pytest.approx(0.0)
    assert brier(0.5, 1) == pytest.approx(0.25)
    assert brier(0.75, 0) == pytest.approx(0.5625)
    np.testing.assert_allclose(brier([0.0, 1.0], [0, 1]), [0.0, 0.0])


def test_quantiles_and_intervals():
    x = [10.0, 5.0, 7.0, 6.0]  # sorted 5, 6, 7, 10; Q(p) = x_(ceil(4p))
    assert quantile(x, 0.25) == 5.0
    assert quantile(x, 0.5) == 6.0
    assert quantile(x, 0.75) == 7.0
    assert quantile(x, 0.95) == 10.0
    lo, hi = interval(x, 0.5)
    assert (lo, hi) == (5.0, 7.0)
    assert covered(x, 6.0, 0.5)
    assert covered(x, 7.0, 0.5)  # closed interval
    assert not covered(x, 8.0, 0.5)
    assert covered(x, 8.0, 0.9)  # [5, 10]


def test_rankdata_averages_ties():
    np.testing.assert_allclose(rankdata([10, 20, 20, 5]), [2.0, 3.5, 3.5, 1.0])


def test_spearman_by_hand():
    # ranks (1, 2, 3) vs (2, 1, 3): 1 - 6 * 2 / (3 * 8) = 0.5
    assert spearman([4.0, 6.0, 10.0], [8.0, 6.0, 10.0]) == pytest.approx(0.5)
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # ties: a ranks (1, 2.5, 2.5, 4), b ranks (1, 2, 3, 4): Pearson of the ranks
    r = np.corrcoef([1, 2.5, 2.5, 4], [1, 2, 3, 4])[0, 1]
    assert spearman([1, 5, 5, 9], [1, 2, 3, 4]) == pytest.approx(r)
    assert np.isnan(spearman([1.0], [2.0]))
    assert np.isnan(spearman([1.0, 1.0], [2.0, 3.0]))
