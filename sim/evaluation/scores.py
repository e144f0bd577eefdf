"""Proper scores of sample-based (ensemble) forecasts, with censoring.

All functions take an ensemble ``x`` of K samples (the last axis) and an observation ``y``.

CRPS
    For the empirical CDF F of the samples, ``CRPS(F, y) = int (F(z) - 1{y <= z})^2 dz
    = mean_i |x_i - y| - 1/(2 K^2) sum_ij |x_i - x_j|`` (Gneiting and Raftery 2007, eq. 21, with
    the exact empirical-CDF normalisation 1/K^2). Same unit as x.

Censoring
    A fall date is known only up to a censoring point c: the model reports "not fallen by the
    horizon H" (c = H + 1), and an observation "not fallen by day D" says only that y > D
    (c = D + 1). :func:`crps_censored` replaces every sample and the observation by
    ``min(value, c)`` (a sample that never fell counts as c) and takes the CRPS of those. That is
    the threshold-weighted CRPS with weight 1 on (-inf, c) (Gneiting and Ranjan 2011), a proper
    score which uses exactly what is known: ``int_{-inf}^{c} (F(z) - 1{y <= z})^2 dz``. For an
    observation "not fallen by D" it is ``int_{-inf}^{D+1} F(z)^2 dz``.

Brier
    ``(p - o)^2`` with p the forecast probability of the event and o in {0, 1} its outcome.

Interval coverage
    The central 1 - alpha interval is ``[Q(alpha/2), Q(1 - alpha/2)]`` with Q the empirical
    quantile function ``Q(p) = min{x_(i) : i/K >= p}`` (numpy's ``inverted_cdf``); an observation
    is covered when it lies in the closed interval.

Spearman
    Pearson correlation of the ranks (ties get their average rank).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def crps_ensemble(x: ArrayLike, y: ArrayLike) -> np.ndarray:
    """CRPS of the empirical distribution of samples ``x`` (last axis) at observation ``y``.

    Parameters
    ----------
    x : array_like, shape (..., K)
        Samples; NaN is not allowed.
    y : array_like, shape (...)
        Observations (broadcast against ``x[..., 0]``).

    Returns
    -------
    numpy.ndarray
        CRPS, shape of the broadcast leading axes; a float for 1-D ``x`` and scalar ``y``.

    Examples
    --------
    >>> float(crps_ensemble([1.0, 3.0], 2.0))
    0.5
    """
    xs = np.sort(np.asarray(x, dtype=np.float64), axis=-1)
    yy = np.asarray(y, dtype=np.float64)
    K = xs.shape[-1]
    if K == 0:
        raise ValueError("crps_ensemble needs at least one sample")
    mae = np.mean(np.abs(xs - yy[..., None]), axis=-1)
    i = np.arange(1, K + 1, dtype=np.float64)
    spread = np.sum((2.0 * i - K - 1.0) * xs, axis=-1) / (K * K)  # = (1/2K^2) sum_ij |xi - xj|
    return mae - spread


def censor(x: ArrayLike, c: ArrayLike) -> np.ndarray:
    """``min(x, c)``, with NaN (never happened) mapped to ``c``."""
    xx = np.asarray(x, dtype=np.float64)
    cc = np.asarray(c, dtype=np.float64)
    return np.where(np.isnan(xx), cc, np.minimum(xx, cc))


def crps_censored(x: ArrayLike, y: ArrayLike, c: ArrayLike) -> np.ndarray:
    """Threshold-weighted CRPS on (-inf, c): both samples and observation censored at ``c``.

    Parameters
    ----------
    x : array_like, shape (..., K)
        Sampled event days; NaN means "did not happen within the simulated horizon".
    y : array_like, shape (...)
        Observed day; NaN (or any value >= c) means "had not happened by c - 1".
    c : array_like, shape (...)
        Censoring point: horizon + 1 for a fully known outcome, D + 1 for "not by day D".

    Examples
    --------
    Two replicates, one falling on day 5 and one not within a horizon of 9 (c = 10); observed
    fall on day 7: ``CRPS([5, 10], 7) = 2.5 - 1.25 = 1.25``.

    >>> float(crps_censored([5.0, np.nan], 7.0, 10.0))
    1.25
    """
    cc = np.asarray(c, dtype=np.float64)
    return crps_ensemble(censor(x, cc[..., None]), censor(y, cc))


def prob_by(x: ArrayLike, day: ArrayLike) -> np.ndarray:
    """Share of samples with an event on or before ``day`` (NaN samples never happened)."""
    xx = np.asarray(x, dtype=np.float64)
    dd = np.asarray(day, dtype=np.float64)
    hit = np.where(np.isnan(xx), False, xx <= dd[..., None])
    return hit.mean(axis=-1)


def brier(p: ArrayLike, o: ArrayLike) -> np.ndarray:
    """Brier score ``(p - o)^2`` of a probability ``p`` for a binary outcome ``o``."""
    return (np.asarray(p, dtype=np.float64) - np.asarray(o, dtype=np.float64)) ** 2


def quantile(x: ArrayLike, q: ArrayLike) -> np.ndarray:
    """Empirical quantile ``Q(p) = min{x_(i) : i / K >= p}`` along the last axis."""
    return np.quantile(np.asarray(x, dtype=np.float64), q, axis=-1, method="inverted_cdf")


def interval(x: ArrayLike, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` interval ``[Q((1-level)/2), Q((1+level)/2)]`` of samples ``x``."""
    a = (1.0 - level) / 2.0
    return quantile(x, a), quantile(x, 1.0 - a)


def covered(x: ArrayLike, y: ArrayLike, level: float) -> np.ndarray:
    """Whether ``y`` lies in the central ``level`` interval of the samples ``x`` (closed)."""
    lo, hi = interval(x, level)
    yy = np.asarray(y, dtype=np.float64)
    return (lo <= yy) & (yy <= hi)


def rankdata(a: ArrayLike) -> np.ndarray:
    """Ranks 1..n with ties given their average rank (``scipy.stats.rankdata``, method "average")."""
    from scipy.stats import rankdata as _rankdata

    return _rankdata(np.asarray(a, dtype=np.float64), method="average").astype(np.float64)


def spearman(a: ArrayLike, b: ArrayLike) -> float:
    """Spearman rank correlation (average ranks for ties; ``scipy.stats.spearmanr``); NaN when
    undefined (fewer than two values, or a constant array)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if len(a) != len(b):
        raise ValueError("spearman needs two arrays of one length")
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)
