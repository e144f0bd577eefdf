"""conflict-sandbox: an agent-based conflict simulation and scenario sandbox.

Scenario in (:mod:`sim.scenario`) -> world state arrays (:mod:`sim.world`) -> the Mesa model
(:mod:`sim.model`, agents in :mod:`sim.agents`) stepping numba kernels (:mod:`sim.kernels`) or the
plain-Python reference -> outputs (:mod:`sim.outputs`) -> command line (:mod:`sim.cli`).

The names below are imported on first use (PEP 562), so ``import sim`` costs little and
``sim.run`` does not import Mesa, the plotting or the inference libraries it does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine import run
    from sim.model import ConflictModel
    from sim.outputs import RunResult, read_parquet
    from sim.scenario import Scenario, ScenarioError, load_scenario

#: public name -> module that defines it
_LAZY = {
    "run": "sim.engine",
    "ConflictModel": "sim.model",
    "RunResult": "sim.outputs",
    "read_parquet": "sim.outputs",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
}

__all__ = ["ConflictModel", "RunResult", "Scenario", "ScenarioError", "load_scenario", "read_parquet", "run"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    try:  # a submodule (``sim.agents``, ``sim.plot``) not imported yet
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
