"""``conflict-sim-score``: score a forecast against an observed table of events.

    conflict-sim-score forecast=outputs/fc observed=my_observed.csv
    conflict-sim-score forecast=outputs/fc observed=my_observed.csv out=outputs/fc_score \\
        brier_dates=[2021-02-10,2021-02-20]

The observed table is any CSV in the observation format (``docs/calibration_howto.md``).
Prints the summary scores beside those of reference forecasts built from what was known at the
cut-off (no change; every remaining capital lost on the last observed day; outside-in by road
distance from the national capital; ``sim.evaluation.reference``) and the model's skill against
each, and writes ``scores_by_city.csv``, ``brier_by_date.csv``, ``scores_counts.csv``,
``references.csv``, ``scores.yaml`` and ``forecast_vs_observed.png`` into a new directory
(default FORECAST/score; an earlier score there is replaced, anything else is refused).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.cli.args import fail, parse_args
from sim.scenario import ScenarioError

KEYS = {
    "forecast": "forecast directory written by conflict-sim-forecast (also the first bare word)",
    "observed": "observed table, a CSV in the observation format (also the second bare word)",
    "out": "new output directory (default FORECAST/score)",
    "brier_dates": "[D1,D2,...] ISO dates D of 'fallen by D' for the Brier score (default weekly)",
    "plot": "draw forecast_vs_observed.png (default true)",
}


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    from sim.evaluation.scoring import score_forecast

    own, _ = parse_args(
        list(sys.argv[1:] if argv is None else argv),
        KEYS,
        positional=("forecast", "observed"),
        overrides_allowed=False,
        summary=__doc__.split("\n")[0],
    )
    for k in ("forecast", "observed"):
        if k not in own:
            fail(f"{k}=... is required (see --help)")
    out = Path(own["out"]) if "out" in own else Path(own["forecast"]) / "score"
    dates = [d.strip() for d in own["brier_dates"].strip("[]").split(",")] if "brier_dates" in own else None
    plot = own.get("plot", "true").lower() in ("true", "yes", "on", "1")
    try:
        res = score_forecast(own["forecast"], own["observed"], out_dir=out, brier_dates=dates, plot=plot)
    except (ScenarioError, ValueError, OSError) as e:
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
    if len(res.by_city):
        with pd.option_context("display.max_rows", 60, "display.width", 140):
            print(res.by_city[[c for c in cols if c in res.by_city]].to_string(index=False))
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
