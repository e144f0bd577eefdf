"""Hydra sweeper plugin ``hydra/sweeper=explore``: a sampling design as a multirun.

    conflict-sim -m hydra/sweeper=explore hydra.sweeper.design=sobol hydra.sweeper.n=64 \\
        'hydra.sweeper.params=[model.combat.beta_ins:0.01:0.06,forces.present_fraction:0.3:0.9]' \\
        replicates=20
    conflict-sim +explore=afghanistan_2021 -m           # a preset in scenarios/explore/

Each point of the design becomes one job with the command line's plain overrides plus the
point's parameter values, handed to the configured launcher (joblib locally, submitit on SLURM),
so design sweeps write, fail, merge and resume exactly like ``conflict-sim -m`` grids. The design
is sampled by :mod:`sim.explore.design` from the ranges of the typed config and written to
``design.json``/``design.parquet`` in the sweep directory before any job starts. Hydra only loads
plugins from the ``hydra_plugins`` package, hence this thin module; the work is in
:mod:`sim.explore.sweeper`, imported on first use so that scanning plugins stays cheap.
"""

import logging
import sys
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobStatus
from hydra.plugins.launcher import Launcher
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)


@dataclass
class ExploreSweeperConf:
    """Settings of ``hydra/sweeper=explore`` (see :func:`sim.explore.design.make_design`)."""

    _target_: str = "hydra_plugins.conflict_sandbox_explore.explore_sweeper.ExploreSweeper"
    design: str = "sobol"  # sobol | morris | lhs
    n: int = 64  # Sobol base sample (power of 2), Morris trajectories, LHS points
    params: list[str] = field(default_factory=list)  # path, path:lo:hi, path:lo:hi:log, date ranges
    seed: int = 0  # seed of the sampler (the replicates use the config's `seed`)
    second_order: bool = True  # Sobol: sample for second-order indices too
    levels: int = 4  # Morris grid levels
    max_batch_size: int | None = None  # launch the points in batches of this many
    outcomes: list[str] = field(default_factory=list)  # defaults for the analysis
    discover: str = ""  # default condition for scenario discovery, e.g. "hub_fell_day>2021-08-31"
    min_prob: float = 0.8  # a point is of interest when the condition holds in >= this share


ConfigStore.instance().store(
    group="hydra/sweeper", name="explore", node=ExploreSweeperConf, provider="conflict-sandbox"
)


class ExploreSweeper(Sweeper):
    """Runs the points of a Sobol, Morris or Latin hypercube design as the jobs of a multirun."""

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        self.settings = {
            k: OmegaConf.to_container(v) if OmegaConf.is_config(v) else v for k, v in settings.items()
        }
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.launcher: Launcher | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        from hydra.core.plugins import Plugins

        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        from sim.explore.sweeper import plan_sweep
        from sim.scenario.errors import ScenarioError

        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        plain: list[str] = []
        try:
            for o in parser.parse_overrides(arguments):
                if o.is_sweep_override():
                    raise ScenarioError(
                        "override",
                        o.get_key_element(),
                        (o.input_line or "").split("=", 1)[-1],
                        "a single value: a design varies only hydra.sweeper.params (params=[...])",
                    )
                plain.append(f"{o.get_key_element()}={o.get_value_element_as_str()}")
            plan = plan_sweep(self.config, plain, self.settings)
        except ScenarioError as e:  # the project's one-line error, not Hydra's traceback
            print(f"conflict-sim: error: {e}", file=sys.stderr)
            sys.exit(2)
        jobs = plan.jobs
        size = self.settings.get("max_batch_size") or len(jobs)
        log.info(plan.describe())
        self.validate_batch_is_legal(jobs[:1])  # the rest differ only in checked parameter values
        returns = []
        for start in range(0, len(jobs), size):
            results = self.launcher.launch(jobs[start : start + size], initial_job_idx=start)
            for r in results:  # conflict-sim records its own failures; report any other
                if r.status == JobStatus.FAILED:
                    log.error(
                        f"job {r.hydra_cfg.hydra.job.num if r.hydra_cfg else '?'} failed: {r._return_value}"
                    )
            returns.append(results)
        print(plan.closing_note())
        return returns
