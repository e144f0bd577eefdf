"""A test model on the design -> jobs -> analysis path: the Ishigami function as a Hydra app.

It has what a model needs to plug in (a structured config whose fields carry ``param(...)``
ranges, and a job that writes its runs with :func:`sim.results.write_job`), and otherwise uses
the project's own pieces: the ``explore`` sweeper samples the design from those ranges, the
configured launcher runs the points, ``write_job``/``write_failure``/``job_is_done`` write, keep
failures and resume exactly as ``conflict-sim`` does, :func:`sim.results.merge_sweep` merges, and
:func:`sim.explore.open_explore` analyses.

    y = sin(x1) + a sin(x2)^2 + b x3^4 sin(x1) + noise * z_r,   x_i ~ U(-pi, pi)

with z_r ~ N(0, 1) drawn from the replicate's seed: the same at every point (common random numbers)
unless ``crn=false``, when it is drawn from (seed, point) and differs between points. A point with
``x1 > fail_above`` raises, to test that a failing point loses nothing else.
"""

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
import numpy as np
import pandas as pd
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.outputs import TABLES, RunResult
from sim.results import config_hash, job_is_done, merge_sweep, parse_overrides, write_failure, write_job
from sim.scenario.schema import param

PI = math.pi


@dataclass
class IshigamiConfig:
    x1: float = param(0.0, "1", -PI, PI, "first input")
    x2: float = param(0.0, "1", -PI, PI, "second input")
    x3: float = param(0.0, "1", -PI, PI, "third input")
    a: float = param(7.0, "1", 0.0, 100.0, "weight of sin(x2)^2")
    b: float = param(0.1, "1", 0.0, 10.0, "weight of x3^4 sin(x1)")
    noise: float = param(0.0, "1", 0.0, 100.0, "sd of the replicate noise")
    fail_above: float = param(10.0, "1", -10.0, 10.0, "x1 above which the job raises")
    crn: bool = True
    seed: int = 0
    replicates: int = 1


ConfigStore.instance().store(name="ishigami_base", node=IshigamiConfig)


def ishigami(x1: float, x2: float, x3: float, a: float, b: float) -> float:
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def simulate(cfg: DictConfig, job: int) -> RunResult:
    if cfg.x1 > cfg.fail_above:
        raise RuntimeError(f"planted failure at x1 = {cfg.x1}")
    R, s0 = int(cfg.replicates), int(cfg.seed)
    seeds = np.arange(s0, s0 + R)
    f = ishigami(cfg.x1, cfg.x2, cfg.x3, cfg.a, cfg.b)
    z = [np.random.default_rng([int(s)] if cfg.crn else [int(s), job]).standard_normal() for s in seeds]
    runs = pd.DataFrame({"replicate": np.arange(R), "seed": seeds, "y": f + cfg.noise * np.asarray(z)})
    empty = pd.DataFrame({"replicate": pd.Series(dtype="int64"), "seed": pd.Series(dtype="int64")})
    tables = {t: empty for t in TABLES} | {"runs": runs}
    return RunResult("ishigami", OmegaConf.to_yaml(cfg), seeds, **tables)


@hydra.main(version_base="1.3", config_path="ishigami_conf", config_name="config")
def app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    overrides = list(hc.overrides.task)
    job = int(hc.job.num)
    chash = config_hash(cfg)
    if job_is_done(out, chash):
        print(f"job {job}: already complete, skipped")
        return
    try:
        write_job(simulate(cfg, job), out, parse_overrides(overrides), chash, job)
    except Exception as e:  # recorded; the other points are kept
        write_failure(out, parse_overrides(overrides), job, e)
        print(f"job {job}: failed: {e}", file=sys.stderr)


class Merge(Callback):
    """Merge the job files when the multirun ends (``MergeCallback`` without its 2021 headline)."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        counts = merge_sweep(config.hydra.sweep.dir)
        print(f"merged {counts['done']} of {counts['jobs']} jobs ({counts['rows']} runs)")


if __name__ == "__main__":
    app()
