"""What the ``explore`` Hydra sweeper does before it launches: sample, record, list the jobs.

The plugin class lives in ``hydra_plugins/conflict_sandbox_explore`` (Hydra loads plugins only
from that package); this module holds its logic so it can be read and tested with the rest of
:mod:`sim.explore`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.explore.design import DESIGN_JSON, Design, make_design, read_design, write_design
from sim.explore.params import config_ranges, parse_params
from sim.scenario.errors import ScenarioError


@dataclass
class SweepPlan:
    """A design and the override list of each of its jobs (job ``i`` is point ``i``)."""

    design: Design
    jobs: list[list[str]]
    sweep_dir: Path
    replicates: int | None
    resumed: bool

    def describe(self) -> str:
        D = len(self.design.params)
        reps = f" x {self.replicates} replicates (common seeds)" if self.replicates else ""
        again = " (resuming: finished points are skipped)" if self.resumed else ""
        return (
            f"explore: {self.design.method} design, {self.design.n_points} points over {D} parameters"
            f"{reps} into {self.sweep_dir}{again}"
        )

    def closing_note(self) -> str:
        return (
            f"explore: design in {self.sweep_dir / DESIGN_JSON}; "
            f"analyse with: conflict-sim-explore analyze={self.sweep_dir}"
        )


def design_of(config: DictConfig, plain: list[str], settings: dict[str, Any]) -> Design:
    """The design a sweep's settings ask for (sampled, not written); see :func:`plan_sweep`.

    Raises
    ------
    ScenarioError
        For a bad parameter or design setting, or a parameter also set on the command line.
    """
    ranges = config_ranges(config)
    specs = parse_params(list(settings.get("params") or []), ranges)
    keys = {o.split("=", 1)[0].lstrip("+~") for o in plain}
    for p in specs:
        if p.path in keys:
            raise ScenarioError(
                "override",
                p.path,
                next(o for o in plain if o.split("=", 1)[0].lstrip("+~") == p.path),
                "no fixed value for a parameter the design varies (drop it or drop it from params)",
            )
    design = make_design(
        specs,
        method=str(settings.get("design", "sobol")),
        n=int(settings.get("n", 64)),
        seed=int(settings.get("seed", 0)),
        second_order=bool(settings.get("second_order", True)),
        levels=int(settings.get("levels", 4)),
    )
    return design


def plan_sweep(config: DictConfig, plain: list[str], settings: dict[str, Any]) -> SweepPlan:
    """Sample the design of a sweep, write it into the sweep directory, list each job's overrides.

    Parameters
    ----------
    config : DictConfig
        The composed multirun config (with ``hydra``), whose typed fields give the ranges.
    plain : list of str
        The command line's plain overrides (``replicates=20``, ``scenario=synthetic``); every job
        gets them, followed by its point's parameter values.
    settings : dict
        The sweeper's settings (:class:`ExploreSweeperConf` fields).

    Raises
    ------
    ScenarioError
        For a bad parameter or design setting, a parameter also set on the command line, or a
        sweep directory that holds a different design or a sweep that is not a design.
    """
    design = design_of(config, plain, settings)
    sweep_dir = Path(str(config.hydra.sweep.dir))
    resumed = _check_dir(sweep_dir, design)
    extra = {
        "overrides": list(plain),
        "seed_replicates": _get(config, "seed"),
        "replicates": _get(config, "replicates"),
        "scenario": _get(config, "name"),
        "timeline_start": _get(config, "timeline.start"),
        "horizon_days": _get(config, "timeline.horizon_days"),
        "outcomes": list(settings.get("outcomes") or []),
        "discover": str(settings.get("discover") or ""),
        "min_prob": float(settings.get("min_prob", 0.8)),
    }
    sweep_dir.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(config, sweep_dir / "multirun.yaml")
    write_design(design, sweep_dir, extra)
    jobs = [list(plain) + pt for pt in design.all_overrides()]
    reps = extra["replicates"]
    return SweepPlan(design, jobs, sweep_dir, int(reps) if reps is not None else None, resumed)


def _get(cfg: DictConfig, path: str) -> Any:
    v = OmegaConf.select(cfg, path, default=None, throw_on_missing=False)
    return OmegaConf.to_container(v) if OmegaConf.is_config(v) else v


def _check_dir(sweep_dir: Path, design: Design) -> bool:
    """True when ``sweep_dir`` holds this same design (a resume); error when it holds another."""
    if (sweep_dir / DESIGN_JSON).is_file():
        old, _meta = read_design(sweep_dir)
        if old.key() != design.key():
            raise ScenarioError(
                "hydra.sweep.dir",
                "design",
                str(sweep_dir),
                f"the same design to resume it (it holds a {old.method} design of {old.n_points} points over "
                f"{', '.join(old.names)}), or a new hydra.sweep.dir",
            )
        return True
    if sweep_dir.is_dir() and any(p.is_dir() and p.name.isdigit() for p in sweep_dir.iterdir()):
        raise ScenarioError(
            "hydra.sweep.dir",
            "design",
            str(sweep_dir),
            "a new directory (this one holds a sweep that is not a design)",
        )
    return False
