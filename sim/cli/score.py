"""``conflict-sim-score``: score a forecast against an observed table of events.

    conflict-sim-score outputs/fc my_observed.csv
    conflict-sim-score outputs/fc my_observed.csv --out outputs/fc/score --brier-dates 2021-02-10,2021-02-20

The observed table is any CSV in the observation format (``docs/calibration_howto.md``).
Prints the summary scores beside those of reference forecasts built from what was known at the
cut-off (no change; every remaining capital lost on the last observed day; outside-in by road
distance from the national capital; ``sim.evaluation.reference``) and the model's skill against
each, and writes ``scores_by_city.csv``, ``brier_by_date.csv``, ``scores_counts.csv``,
``references.csv``, ``scores.yaml`` and ``forecast_vs_observed.png`` (default: FORECAST/score).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.scenario import ScenarioError


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    from sim.evaluation.scoring import score_forecast

    ap = argparse.ArgumentParser(prog="conflict-sim-score", description=__doc__.split("\n")[0])
    ap.add_argument("forecast", help="forecast directory written by conflict-sim-forecast")
    ap.add_argument("observed", help="observed table (CSV in the observation format)")
    ap.add_argument("--out", default=None, help="output directory (default FORECAST/score)")
    ap.add_argument(
        "--brier-dates", default=None, help="comma-separated ISO dates D of 'fallen by D' (default weekly)"
    )
    ap.add_argument("--no-plot", action="store_true", help="do not draw the PNG")
    a = ap.parse_args(list(sys.argv[1:] if argv is None else argv))
    out = Path(a.out) if a.out else Path(a.forecast) / "score"
    dates = [d.strip() for d in a.brier_dates.split(",")] if a.brier_dates else None
    try:
        res = score_forecast(a.forecast, a.observed, out_dir=out, brier_dates=dates, plot=not a.no_plot)
    except (ScenarioError, ValueError) as e:
        print(f"conflict-sim-score: error: {e}", file=sys.stderr)
        sys.exit(2)
    cols = [
        "name",
        "observed",
        "observed_date",
        "known_at_cutoff",
        "crps_days",
        "median_day",
        "covered50",
        "covered90",
    ]
    with pd.option_context("display.max_rows", 60, "display.width", 140):
        print(res.by_city[cols].to_string(index=False))
    for k, v in res.summary.items():
        if k not in ("forecast", "observed", "observed_sha256", "references", "skill"):
            print(f"{k}: {v if not isinstance(v, float) else round(v, 4)}")
    ref = res.references[
        ["forecast", "crps_days_mean", "brier_mean", "spearman_fall_order", "coverage50", "coverage90"]
    ]
    print("\nthe model beside reference forecasts from what was known at the cut-off:")
    with pd.option_context("display.width", 140):
        print(ref.round(4).to_string(index=False))
    for k, v in (res.summary.get("skill") or {}).items():
        print(f"{k}: {'n/a' if v is None else round(v, 3)}")
    print(f"scores: {out}")


if __name__ == "__main__":
    main()
