"""``conflict-sim-forecast``: a probabilistic forecast from the cut-off date.

    conflict-sim-forecast scenario=afghanistan_2021 +fit=aug07 replicates=500 out=outputs/fc
    conflict-sim-forecast scenario=synthetic cutoff=2021-02-01 replicates=100 out=outputs/fc_syn
    conflict-sim-forecast scenario=afghanistan_2021 keep=0.25 replicates=1000 out=outputs/fc_cond

Keys are Hydra-style ``key=value``; every other ``key=value`` (``+fit=NAME`` included) is a
scenario override. Writes ``fall_dates.parquet``, ``fall_summary.csv``,
``capitals_held.parquet``, ``forecast.yaml`` and ``forecast.png`` into a new directory (see
:mod:`sim.inference.forecast`).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence

import pandas as pd

from sim.cli.args import parse_args
from sim.scenario import ScenarioError

KEYS = {
    "scenario": "scenario name (default afghanistan_2021)",
    "replicates": "ensemble size, >= 1 (default 200)",
    "seed": "seed of replicate 0, 0 .. 2^63 - replicates (default 0)",
    "cutoff": "last observed date YYYY-MM-DD (default: the last date of the observation table)",
    "observations": "observation CSV or name (default scenarios/observations/SCENARIO.csv)",
    "keep": "share of replicates kept, those closest to the observations, 0 < keep <= 1 (default 1 = all)",
    "out": "new output directory (default outputs/forecast/<time>-<pid>)",
}


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    from sim.inference.forecast import make_forecast

    argv = list(sys.argv[1:] if argv is None else argv)
    own, overrides = parse_args(argv, KEYS, summary=__doc__.split("\n")[0])
    out = own.get("out") or f"outputs/forecast/{dt.datetime.now():%Y-%m-%d_%H-%M-%S}-{os.getpid()}"
    try:
        fc = make_forecast(
            own.get("scenario", "afghanistan_2021"),
            overrides=overrides,
            seed=int(own.get("seed", 0)),
            replicates=int(own.get("replicates", 200)),
            cutoff=own.get("cutoff"),
            observations=own.get("observations"),
            keep=float(own.get("keep", 1.0)),
            out_dir=out,
        )
    except (ScenarioError, ValueError) as e:
        print(f"conflict-sim-forecast: error: {e}", file=sys.stderr)
        sys.exit(2)
    s = fc.fall_summary
    cols = ["name", "p_fallen", "q05_date", "q50_date", "q95_date"]
    with pd.option_context("display.max_rows", 60, "display.width", 120):
        print(s[cols].fillna("not within horizon").to_string(index=False))


if __name__ == "__main__":
    main()
