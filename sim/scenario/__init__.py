"""Scenario in: the schema (structured configs), loading, validation and the synthetic world."""

from sim.scenario.errors import ScenarioError
from sim.scenario.load import (
    FitDataWarning,
    available_scenarios,
    compose_config,
    load_scenario,
    scenario_from_config,
    scenarios_dir,
)
from sim.scenario.params import PARAM_ALIASES, params_to_overrides, scenario_with_params
from sim.scenario.scenario import Control, Event, Scenario, Table

__all__ = [
    "PARAM_ALIASES",
    "Control",
    "Event",
    "FitDataWarning",
    "Scenario",
    "ScenarioError",
    "Table",
    "available_scenarios",
    "compose_config",
    "load_scenario",
    "params_to_overrides",
    "scenario_from_config",
    "scenario_with_params",
    "scenarios_dir",
]
