"""Scenario in: the schema (structured configs), loading, validation and the synthetic world."""

from sim.scenario.errors import ScenarioError
from sim.scenario.load import (
    available_scenarios,
    compose_config,
    load_scenario,
    scenario_from_config,
    scenarios_dir,
)
from sim.scenario.scenario import Control, Event, Scenario, Table

__all__ = [
    "Control",
    "Event",
    "Scenario",
    "ScenarioError",
    "Table",
    "available_scenarios",
    "compose_config",
    "load_scenario",
    "scenario_from_config",
    "scenarios_dir",
]
