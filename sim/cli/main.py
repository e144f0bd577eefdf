"""``conflict-sim``: run a scenario (or a Hydra sweep of scenarios) from the command line.

    conflict-sim                                   # the default scenario, one run
    conflict-sim scenario=afghanistan_2021 seed=7 replicates=200
    conflict-sim -m reserve.commandos=500,4000 replicates=100

The Hydra app is thin: :func:`run_job` does the work and is what tests call. Each job writes its
tables as Parquet (atomically) into its Hydra output directory and prints the headline table.
Bad scenario input prints one line naming the file, field, value and what is allowed, and exits
with status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.engine import run
from sim.outputs import RunResult
from sim.scenario import ScenarioError, scenario_from_config, scenarios_dir
from sim.scenario.schema import register_configs


def headline(res: RunResult) -> pd.DataFrame:
    """Per capital: share of replicates in which it fell, and the median fall date."""
    s = res.summary
    g = s.groupby(["location_id", "name"], observed=True)
    out = pd.DataFrame({
        "fell_share": g["fell_day"].apply(lambda x: x.notna().mean()),
        "median_fell_date": g["fell_date"].apply(lambda x: x.dropna().median()
                                                 if x.notna().any() else pd.NaT),
    }).reset_index()
    return out.sort_values(["median_fell_date", "name"], na_position="last").reset_index(drop=True)


def run_job(cfg: DictConfig, out_dir: Path, overrides: list[str] | None = None) -> RunResult:
    """Build the scenario from a composed config, run it, write results into ``out_dir``."""
    scen = scenario_from_config(cfg, overrides or [])
    res = run(scen, seed=int(cfg.seed), replicates=int(cfg.replicates), backend=str(cfg.backend),
              record_locations=int(cfg.replicates) <= 10)
    res.to_parquet(out_dir / "results")
    return res


register_configs()


@hydra.main(version_base="1.3", config_path=str(scenarios_dir()), config_name="config")
def _app(cfg: DictConfig) -> None:
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        res = run_job(cfg, out, list(HydraConfig.get().overrides.task))
    except ScenarioError as e:
        print(f"conflict-sim: error: {e}", file=sys.stderr)
        sys.exit(2)
    runs = res.runs
    print(f"{res.scenario_name}: {len(runs)} replicate(s), seed {int(cfg.seed)}; "
          f"capitals fallen by the horizon: median {np.median(runs.capitals_fallen):.0f} "
          f"(10-90%: {np.percentile(runs.capitals_fallen, 10):.0f}-"
          f"{np.percentile(runs.capitals_fallen, 90):.0f})")
    with pd.option_context("display.max_rows", 60, "display.width", 120):
        print(headline(res).to_string(index=False))
    print(f"results: {out / 'results'}")


def main() -> None:
    """Console entry point."""
    _app()


if __name__ == "__main__":
    main()
