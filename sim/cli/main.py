"""``conflict-sim``: run a scenario, an ensemble, or a Hydra sweep from the command line.

    conflict-sim                                   # the default scenario, one run
    conflict-sim scenario=afghanistan_2021 seed=7 replicates=200
    conflict-sim -m model.withdrawal.end=2021-08-31,2021-12-31 reserve.commandos=500,2000 replicates=100
    conflict-sim +sweep=withdrawal -m              # a named preset from scenarios/sweep/

The Hydra app is thin: :func:`run_job` does the work and is what tests call. Replicates run
inside a job through the batched kernel; Hydra jobs are the points of a sweep (run in parallel
processes by the joblib launcher). Each job writes its tables atomically into its Hydra output
directory (see :mod:`sim.results`); when a multirun ends, :class:`sim.results.MergeCallback`
merges them. Bad scenario input prints one line naming the file, field, value and what is
allowed, and exits with status 2 (in a multirun the job is recorded in ``failures.parquet``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.engine import run
from sim.outputs import RunResult
from sim.results import (
    config_hash,
    job_is_done,
    parse_overrides,
    write_failure,
    write_job,
)
from sim.scenario import ScenarioError, compose_config, scenario_from_config, scenarios_dir
from sim.scenario.schema import register_configs


def headline(res: RunResult) -> pd.DataFrame:
    """Per capital: share of replicates in which it fell, and the median fall date."""
    s = res.summary
    g = s.groupby(["location_id", "name"], observed=True)
    out = pd.DataFrame(
        {
            "fell_share": g["fell_day"].apply(lambda x: x.notna().mean()),
            "median_fell_date": g["fell_date"].apply(
                lambda x: x.dropna().median() if x.notna().any() else pd.NaT
            ),
        }
    ).reset_index()
    out["median_fell_date"] = pd.to_datetime(out["median_fell_date"]).dt.strftime("%Y-%m-%d")
    return out.sort_values(["median_fell_date", "name"], na_position="last").reset_index(drop=True)


def _progress(total: int, label: str):  # -> callable or None
    if not sys.stderr.isatty() or total < 64:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="rep", leave=False)
    state = {"n": 0}

    def update(done: int) -> None:
        bar.update(done - state["n"])
        state["n"] = done
        if done >= total:
            bar.close()

    return update


def run_job(
    cfg: DictConfig,
    out_dir: Path,
    overrides: list[str] | None = None,
    job_num: int = 0,
    multirun: bool = False,
) -> RunResult | None:
    """Run one job: build the scenario, run its replicates, write results into ``out_dir``.

    In a multirun the job's tables go to ``out_dir`` as ``runs/events/series.parquet`` with the
    swept parameters, seed and config hash on every row, and a finished job is skipped when the
    same sweep is run again (resume). Returns None when skipped.
    """
    overrides = list(overrides or [])
    chash = config_hash(cfg)
    swept = parse_overrides(overrides)
    if multirun and job_is_done(out_dir, chash):
        print(f"job {job_num}: already complete, skipped ({out_dir})")
        return None
    scen = scenario_from_config(cfg, overrides)
    R = int(cfg.replicates)
    t0 = time.perf_counter()
    res = run(
        scen,
        seed=int(cfg.seed),
        replicates=R,
        backend=str(cfg.backend),
        record_locations=R <= 10,
        chunk=max(16, R // 10),
        progress=_progress(R, f"job {job_num}"),
    )
    dt = time.perf_counter() - t0
    if multirun:
        write_job(res, out_dir, swept, chash, job_num)
        print(
            f"job {job_num} ({' '.join(overrides) or 'defaults'}): {R} replicates in "
            f"{dt:.1f} s ({R / dt:.0f}/s)"
        )
    else:
        res.to_parquet(out_dir / "results")
    return res


register_configs()


@hydra.main(version_base="1.3", config_path=str(scenarios_dir()), config_name="config")
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    overrides = list(hc.overrides.task)
    job_num = int(hc.job.num) if multirun else 0
    try:
        res = run_job(cfg, out, overrides, job_num, multirun)
    except ScenarioError as e:
        if multirun:
            write_failure(out, parse_overrides(overrides), job_num, e)
            print(f"job {job_num}: error: {e}", file=sys.stderr)
            return
        print(f"conflict-sim: error: {e}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:
        if multirun:  # record it; the other jobs' results are kept and merged
            write_failure(out, parse_overrides(overrides), job_num, e)
            print(f"job {job_num}: failed: {type(e).__name__}: {e}", file=sys.stderr)
            return
        raise
    if multirun or res is None:
        return
    runs = res.runs
    print(
        f"{res.scenario_name}: {len(runs)} replicate(s), seed {int(cfg.seed)}; "
        f"capitals fallen by the horizon: median {np.median(runs.capitals_fallen):.0f} "
        f"(10-90%: {np.percentile(runs.capitals_fallen, 10):.0f}-"
        f"{np.percentile(runs.capitals_fallen, 90):.0f})"
    )
    with pd.option_context("display.max_rows", 60, "display.width", 120):
        print(headline(res).to_string(index=False))
    print(f"results: {out / 'results'}")


_SWEEP_VALUE = ("range(", "choice(", "interval(", "glob(", "shuffle(", "sort(", "tag(")


def check_overrides(argv: list[str]) -> None:
    """Compose the command line's plain overrides once before Hydra does.

    A bad key, a value of the wrong type or a missing config-group option then gets the same
    one-line :class:`~sim.scenario.ScenarioError` as an out-of-range value (Hydra's own report
    runs to several lines and exits with 1). Sweep values (``a,b``, ``range(...)``), ``hydra.*``
    keys and every command line with a Hydra flag other than ``-m`` are left to Hydra.
    """
    if any(a.startswith("-") and a not in ("-m", "--multirun") for a in argv):
        return
    plain = [
        a
        for a in argv
        if "=" in a
        and not a.startswith("-")
        and not a.lstrip("+~").startswith("hydra")
        and "," not in a.split("=", 1)[1]
        and not a.split("=", 1)[1].startswith(_SWEEP_VALUE)
    ]
    names = [a.split("=", 1)[1] for a in plain if a.split("=", 1)[0] == "scenario"]
    rest = [a for a in plain if a.split("=", 1)[0] != "scenario"]
    compose_config(*(names[-1:] or ["afghanistan_2021"]), overrides=rest)


def main() -> None:
    """Console entry point: check the overrides, then hand over to the Hydra app."""
    try:
        check_overrides(sys.argv[1:])
    except ScenarioError as e:
        print(f"conflict-sim: error: {e}", file=sys.stderr)
        sys.exit(2)
    _app()


if __name__ == "__main__":
    main()
