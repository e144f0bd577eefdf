"""Figures of a calibration: how the ABC-SMC generations converged, and the posterior's shape."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def trace_plot(hist: Any, priors: Sequence[Any], path: Path | None = None) -> Any:
    """Per generation: the tolerance epsilon, the acceptance rate, and each parameter's weighted
    median with its 50 % and 90 % intervals against its prior bounds (a trace of the SMC)."""
    plt = _plt()
    pops = hist.get_all_populations()
    pops = pops[pops["t"] >= 0]
    ts = pops["t"].to_numpy(int)
    n = len(priors) + 1
    cols = 4
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    ax = axes.flat[0]
    ax.semilogy(ts, pops["epsilon"], "o-", color="k", ms=3)
    ax.set_title("tolerance (distance)", fontsize=9)
    ax.set_xlabel("generation", fontsize=8)
    ax2 = ax.twinx()
    acc = [
        len(hist.get_distribution(m=0, t=int(t))[1]) / max(int(s), 1)
        for t, s in zip(ts, pops["samples"], strict=True)
    ]
    ax2.plot(ts, acc, "s--", color="C3", ms=3)
    ax2.set_ylabel("acceptance rate", fontsize=8, color="C3")
    qs = (0.05, 0.25, 0.5, 0.75, 0.95)
    for k, p in enumerate(priors):
        ax = axes.flat[k + 1]
        band = np.zeros((len(ts), len(qs)))
        for i, t in enumerate(ts):
            df, w = hist.get_distribution(m=0, t=int(t))
            band[i] = weighted_quantiles(df[p.key].to_numpy(), np.asarray(w), qs)
        ax.fill_between(ts, band[:, 0], band[:, 4], color="C0", alpha=0.2)
        ax.fill_between(ts, band[:, 1], band[:, 3], color="C0", alpha=0.4)
        ax.plot(ts, band[:, 2], color="C0")
        ax.axhline(p.low, color="0.5", lw=0.8, ls=":")
        ax.axhline(p.high, color="0.5", lw=0.8, ls=":")
        if p.dist == "loguniform":
            ax.set_yscale("log")
        ax.set_title(p.path.split(".", 1)[-1], fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle(
        "ABC-SMC: tolerance and posterior by generation (median, 50 % and 90 %; prior bounds dotted)"
    )
    fig.tight_layout()
    return _save(fig, path)


def pair_plot(post: pd.DataFrame, priors: Sequence[Any], path: Path | None = None, bins: int = 20) -> Any:
    """Posterior marginals (diagonal) and pairwise scatter (lower triangle), axes on the priors'
    bounds."""
    plt = _plt()
    k = len(priors)
    fig, axes = plt.subplots(k, k, figsize=(1.35 * k + 1, 1.35 * k + 1), squeeze=False)
    for i, pi in enumerate(priors):
        for j, pj in enumerate(priors):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            x = post[pj.path].to_numpy()
            if i == j:
                edges = (
                    np.geomspace(pj.low, pj.high, bins + 1)
                    if pj.dist == "loguniform"
                    else np.linspace(pj.low, pj.high, bins + 1)
                )
                ax.hist(x, bins=edges, color="C0")
                ax.set_yticks([])
            else:
                ax.scatter(x, post[pi.path].to_numpy(), s=2, alpha=0.4, color="C0")
                ax.set_ylim(pi.low, pi.high)
                if pi.dist == "loguniform":
                    ax.set_yscale("log")
            ax.set_xlim(pj.low, pj.high)
            if pj.dist == "loguniform":
                ax.set_xscale("log")
            ax.tick_params(labelsize=5)
            if i == k - 1:
                ax.set_xlabel(pj.path.split(".")[-1], fontsize=6)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(pi.path.split(".")[-1], fontsize=6)
            elif j > 0:
                ax.set_yticklabels([])
    fig.suptitle(f"posterior draws ({len(post)}): marginals and pairs")
    fig.tight_layout()
    return _save(fig, path, dpi=60)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF)."""
    o = np.argsort(x)
    cw = np.cumsum(np.asarray(w, np.float64)[o])
    cw = cw / cw[-1]
    return np.asarray(x)[o][np.minimum(np.searchsorted(cw, np.asarray(qs)), len(x) - 1)]


def _save(fig: Any, path: Path | None, dpi: int = 90) -> Any:
    if path is None:
        return fig
    from sim.io import save_figure

    save_figure(fig, Path(path), dpi=dpi)
    return fig
