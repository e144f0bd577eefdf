"""``conflict-sim-report sweep=DIR``: the headline table of a sweep and its standard plots.

Prints, per point of the sweep, the capitals fallen by the report date (median and 10-90%) and
the date the national capital falls, then writes PNG figures next to the data:
``capitals_fallen.png`` (the outcome per point, with its spread) and ``capitals_held.png``
(capitals held per day, median and 10-90% band, one panel per point, the other points in grey).
Points are in the order of their parameter values (numbers as numbers, dates as dates).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import math

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.cli.args import fail, parse_args
from sim.io import save_figure
from sim.results import Sweep, headline_table, open_sweep
from sim.scenario import ScenarioError

KEYS = {
    "sweep": "a sweep directory written by conflict-sim -m (hydra.sweep.dir); also the first bare word",
    "plots": "write capitals_fallen.png and capitals_held.png into the sweep directory (default true)",
}


def _fmt(v: object) -> str:
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d}"
    if isinstance(v, float) and v.is_integer():
        return f"{v:,.0f}"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def point_labels(runs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per sweep point, in the order of its parameter values: ``job``s and a label."""
    typed = runs[["job", *keys]].copy()
    for k in keys:  # older sweeps stored values as text: numbers sort as numbers
        if typed[k].dtype == object:
            num = pd.to_numeric(typed[k], errors="coerce")
            if num.notna().all():
                typed[k] = num
    pts = typed.drop_duplicates("job").sort_values([*keys, "job"], kind="stable")
    pts["label"] = pts[keys].apply(lambda r: ", ".join(_fmt(v) for v in r), axis=1) if keys else pts["job"]
    return pts.reset_index(drop=True)


def write_plots(path: Path, sw: Sweep | None = None) -> list[Path]:
    """Write the standard sweep figures into ``path``; returns the files written."""
    sw = sw or open_sweep(path)
    runs = sw.runs
    keys = sw.params
    pts = point_labels(runs, keys)
    labels = pts.drop_duplicates("label")["label"].tolist()
    lab_of = dict(zip(pts["job"], pts["label"], strict=True))
    out = []
    fig, ax = plt.subplots(figsize=(max(6, 1.0 * len(labels) + 2), 4.2), layout="constrained")
    lab = runs["job"].map(lab_of)
    data = [runs.loc[lab == lb, "capitals_fallen_by_report"].to_numpy() for lb in labels]
    ax.boxplot(data, tick_labels=labels, showfliers=False, widths=0.5)
    rng = np.random.default_rng(0)
    for k, d in enumerate(data, start=1):  # every run as a dot: equal boxes stay distinguishable
        ax.plot(k + rng.uniform(-0.15, 0.15, len(d)), d, ".", ms=3, alpha=0.3, color="C0")
        ax.annotate(
            f"median {np.median(d):.0f}",
            (k, np.max(d)),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )
    ax.set_ylabel(f"capitals fallen by {str(runs['report_date'].iloc[0])[:10]}")
    ax.set_xlabel(" / ".join(keys) if keys else "job")
    ax.tick_params(axis="x", rotation=30)
    ax.set_title(f"{len(runs)} runs, {len(labels)} sweep points")
    out.append(save_figure(fig, path / "capitals_fallen.png", dpi=120))

    series = sw.series
    if len(series):
        q = series.groupby(["job", "date"])["capitals_held"].quantile([0.1, 0.5, 0.9]).unstack().reset_index()
        n = len(labels)
        ncol = min(n, 4)
        nrow = math.ceil(n / ncol)
        fig, axes = plt.subplots(
            nrow,
            ncol,
            figsize=(3.4 * ncol, 2.6 * nrow + 0.6),
            sharex=True,
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
        medians = {j: g for j, g in q.groupby("job")}
        for k, lb in enumerate(labels):
            ax = axes.flat[k]
            for g in medians.values():  # every point in grey, for comparison
                ax.plot(g["date"], g[0.5], color="0.8", lw=0.8)
            for j in pts.loc[pts["label"] == lb, "job"]:
                g = medians.get(j)
                if g is None:
                    continue
                ax.fill_between(g["date"], g[0.1], g[0.9], color="C0", alpha=0.25, lw=0)
                ax.plot(g["date"], g[0.5], color="C0", lw=1.8)
            ax.set_title(lb, fontsize=9)
            ax.grid(color="#eeeeee", lw=0.6)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        fig.supylabel("capitals held", fontsize=9)
        for ax in axes.flat:
            loc = mdates.AutoDateLocator(minticks=3, maxticks=5)
            ax.xaxis.set_major_locator(loc)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        fig.suptitle(
            "capitals held by the government: median and 10-90% band per point "
            f"({' / '.join(keys) or 'job'}); grey: the other points",
            fontsize=9,
        )
        out.append(save_figure(fig, path / "capitals_held.png", dpi=120))
    return out


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    own, _ = parse_args(
        list(sys.argv[1:] if argv is None else argv),
        KEYS,
        positional=("sweep",),
        overrides_allowed=False,
        summary=__doc__.split("\n")[0],
    )
    if "sweep" not in own:
        fail("sweep=DIR is required (a directory written by conflict-sim -m)")
    path = Path(own["sweep"])
    try:
        sw = open_sweep(path)
        with pd.option_context("display.width", 140, "display.max_columns", 20):
            print(headline_table(sw.runs).to_string(index=False))
        if len(sw.failures):
            print(f"{len(sw.failures)} failed job(s): {path / 'failures.parquet'}")
        if own.get("plots", "true").lower() in ("true", "yes", "on", "1"):
            for f in write_plots(path, sw):
                print(f"wrote {f}")
    except (ScenarioError, OSError) as e:
        print(f"conflict-sim-report: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
