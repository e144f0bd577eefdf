"""conflict-sandbox: an agent-based conflict simulation and scenario sandbox.

Scenario in (:mod:`sim.scenario`) -> world state arrays (:mod:`sim.world`) -> the Mesa model
(:mod:`sim.model`, agents in :mod:`sim.agents`) stepping numba kernels (:mod:`sim.kernels`) or the
plain-Python reference -> outputs (:mod:`sim.outputs`) -> command line (:mod:`sim.cli`).
"""

from sim.engine import run
from sim.model import ConflictModel
from sim.outputs import RunResult, read_parquet
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["ConflictModel", "RunResult", "Scenario", "ScenarioError", "load_scenario", "read_parquet", "run"]
__version__ = "0.1.0"
