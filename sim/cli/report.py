"""``conflict-sim-report PATH``: the headline table of a sweep and its standard plots.

Prints, per point of the sweep, the capitals fallen by the report date (median and 10-90%) and
the date the national capital falls, then writes PNG figures next to the data:
``capitals_fallen.png`` (the outcome per point, with its spread) and ``capitals_held.png``
(capitals held per day, median and 10-90% band per point).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from sim.results import headline_table, open_sweep


def write_plots(path: Path) -> list[Path]:
    """Write the standard sweep figures into ``path``; returns the files written."""
    sw = open_sweep(path)
    runs = sw.runs
    keys = sw.params or ["job"]
    label = runs[keys].astype(str).agg(", ".join, axis=1)
    out = []
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * label.nunique()), 4))
    groups = [(lab, g["capitals_fallen_by_report"].to_numpy()) for lab, g in runs.groupby(label)]
    ax.boxplot([g for _, g in groups], tick_labels=[lab for lab, _ in groups], showfliers=False)
    ax.set_ylabel(f"capitals fallen by {str(runs['report_date'].iloc[0])[:10]}")
    ax.set_xlabel(" / ".join(keys))
    ax.tick_params(axis="x", rotation=30)
    ax.set_title(f"{len(runs)} runs, {label.nunique()} sweep points")
    fig.tight_layout()
    out.append(path / "capitals_fallen.png")
    fig.savefig(out[-1], dpi=120)
    plt.close(fig)

    series = sw.series
    if len(series):
        fig, ax = plt.subplots(figsize=(8, 4.5))
        lab = dict(zip(runs["job"], label, strict=False))
        for job, g in series.groupby("job"):
            q = g.groupby("date")["capitals_held"].quantile([0.1, 0.5, 0.9]).unstack()
            line = ax.plot(q.index, q[0.5], label=lab.get(job, str(job)))[0]
            ax.fill_between(q.index, q[0.1], q[0.9], color=line.get_color(), alpha=0.15)
        ax.set_ylabel("capitals held by the government")
        ax.set_title("median and 10-90% band per sweep point")
        ax.legend(fontsize=8, title=" / ".join(keys), title_fontsize=8)
        fig.autofmt_xdate()
        fig.tight_layout()
        out.append(path / "capitals_held.png")
        fig.savefig(out[-1], dpi=120)
        plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    ap = argparse.ArgumentParser(prog="conflict-sim-report", description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path, help="a sweep directory written by conflict-sim -m")
    args = ap.parse_args(argv)
    try:
        sw = open_sweep(args.path)
    except FileNotFoundError as e:
        print(f"conflict-sim-report: error: {e}", file=sys.stderr)
        return 2
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(headline_table(sw.runs).to_string(index=False))
    if len(sw.failures):
        print(f"{len(sw.failures)} failed job(s): {args.path / 'failures.parquet'}")
    for f in write_plots(args.path):
        print(f"wrote {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
