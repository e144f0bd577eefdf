"""``conflict-sim-forecast``: a probabilistic forecast from the cut-off, assimilated to it.

    conflict-sim-forecast scenario=afghanistan_2021 replicates=1000 out=outputs/fc
    conflict-sim-forecast scenario=afghanistan_2021 cutoff=2021-06-30 out=outputs/fc_june
    conflict-sim-forecast scenario=afghanistan_2021 assimilate=false out=outputs/fc_prior
    conflict-sim-forecast scenario=afghanistan_2021 islands=8 dask=tcp://scheduler:8786   # a cluster

Keys are Hydra-style ``key=value``; every other ``key=value`` (``+fit=NAME``,
``posterior.draw=point``) is a scenario override. The particles are conditioned on every
observation up to the cut-off by a particle filter (``sim.inference.assimilate``) and run on to
the horizon. Writes ``fall_dates.parquet``, ``fall_summary.csv``, ``capitals_held.parquet``,
``assimilation.csv``, ``forecast.yaml`` and ``forecast.png`` into a new directory (see
:mod:`sim.inference.forecast`).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from concurrent.futures import Executor

import pandas as pd

from sim.cli.args import check_value, parse_args
from sim.scenario import ScenarioError

KEYS = {
    "scenario": "scenario name (default afghanistan_2021)",
    "replicates": "particles, >= 1 (default 1000)",
    "seed": "seed of particle 0, 0 .. 2^63 - replicates (default 0)",
    "cutoff": "last observed date YYYY-MM-DD (default: the last date of the observation table)",
    "observations": "observation CSV or name (default scenarios/observations/SCENARIO.csv)",
    "assimilate": "condition on the observations up to the cut-off: true/false (default true)",
    "resample": "resample when the effective sample size falls below this share, 0 < r <= 1 (default 0.5)",
    "weigh_provinces": "also weigh particles by the province counts imposed: true/false (default false)",
    "weigh_district_events": "weigh particles by the district losses imposed: true/false (default false)",
    "islands": "independent particle filters the particles are split into, >= 1 (default 1)",
    "workers": "local worker processes that run the islands (default 1: in this process)",
    "dask": "address of a Dask scheduler to run the islands on (tcp://HOST:8786)",
    "out": "new output directory (default outputs/forecast/<time>-<pid>)",
}


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    from sim.inference.forecast import make_forecast

    argv = list(sys.argv[1:] if argv is None else argv)
    own, overrides = parse_args(argv, KEYS, summary=__doc__.split("\n")[0])
    out = own.get("out") or f"outputs/forecast/{dt.datetime.now():%Y-%m-%d_%H-%M-%S}-{os.getpid()}"
    executor: Executor | None = None
    try:
        islands = int(own.get("islands", 1))
        workers = int(own.get("workers", 1))
        if workers < 1:
            raise ScenarioError("forecast", "workers", workers, "an integer >= 1")
        if own.get("dask"):
            from distributed import Client

            executor = Client(own["dask"]).get_executor()
        elif workers > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            executor = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))
        flags = {
            key: check_value(key, own.get(key, default), "bool")
            for key, default in (
                ("assimilate", "true"),
                ("weigh_provinces", "false"),
                ("weigh_district_events", "false"),
            )
        }
        fc = make_forecast(
            own.get("scenario", "afghanistan_2021"),
            overrides=overrides,
            seed=int(own.get("seed", 0)),
            replicates=int(own.get("replicates", 1000)),
            cutoff=own.get("cutoff"),
            observations=own.get("observations"),
            assimilate=flags["assimilate"],
            resample=float(own.get("resample", 0.5)),
            weigh_provinces=flags["weigh_provinces"],
            weigh_district_events=flags["weigh_district_events"],
            out_dir=out,
            islands=islands,
            executor=executor,
        )
    except (ScenarioError, ValueError, OSError) as e:
        print(f"conflict-sim-forecast: error: {e}", file=sys.stderr)
        sys.exit(2)
    finally:
        if executor is not None:
            executor.shutdown()
    s = fc.fall_summary
    cols = ["name", "p_lost", "q05_date", "q50_date", "q95_date"]
    with pd.option_context("display.max_rows", 60, "display.width", 120):
        print(s[cols].fillna("not within horizon").to_string(index=False))


if __name__ == "__main__":
    main()
