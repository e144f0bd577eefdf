"""Simulate, summarise, compare: the model's side of every observation, for many parameter draws.

:func:`simulate_terms` runs particles (parameter draws with their own seeds) from the scenario
start to its horizon, reads each count observation off the state at the end of its day and each
event from the first-loss arrays at the end, and returns the standardised discrepancies of
:mod:`sim.inference.likelihood`. The calibration uses it for one particle at a time and the
predictive check for ensembles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from sim.engine import Ensemble
from sim.inference.likelihood import Plan, count_values, count_z, event_z
from sim.scenario import Scenario
from sim.world import Static, build_static, param_table


@lru_cache(maxsize=8)
def _static(scenario: Scenario) -> Static:
    return build_static(scenario)


def simulate_terms(
    scenario: Scenario,
    plan: Plan,
    draws: Sequence[Mapping[str, Any]] | None,
    seeds: Sequence[int],
    parallel: bool | int = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Discrepancies of every observation term for every particle.

    Parameters
    ----------
    scenario : Scenario
    plan : Plan
        The resolved observations (:func:`sim.inference.likelihood.prepare_plan`).
    draws : sequence of mappings, or None
        Parameter values per particle (config path -> value); None for the scenario's own.
    seeds : sequence of int
        One seed per particle.
    parallel : bool or int, default True

    Returns
    -------
    z : numpy.ndarray
        Shape (particles, plan.n_terms): counts first, then events (:attr:`Plan.weights` order).
    values : numpy.ndarray
        Shape (particles, plan.n_terms): the model's values (fractions for counts, days for
        events, the horizon + 1 when never).
    """
    seeds = np.asarray(seeds, np.int64)
    ptab = param_table(scenario, len(seeds), draws)
    ens = Ensemble(scenario, ptab, seeds, parallel=parallel, static=_static(scenario), record_control=True)
    ctrl0 = np.asarray(scenario.locations["initial_control"])
    R = len(seeds)
    z = np.zeros((R, plan.n_terms))
    vals = np.zeros((R, plan.n_terms))
    ens.advance(ens.T)
    ctrl = ens.control()
    for day in plan.count_days:
        rows = np.flatnonzero(plan.c_day == day)
        v = count_values(plan, ctrl[:, int(day) + 1], ctrl0, rows)  # the end of the observation's day
        vals[:, rows] = v
        z[:, rows] = count_z(plan, v, rows)
    lost, mode, fell = ens.field("lost_day"), ens.field("lost_mode"), ens.field("fell_day")
    nc = plan.n_counts
    z[:, nc:] = event_z(plan, lost, mode, fell)
    for k in range(plan.n_events):
        i = plan.e_loc[k]
        d = (fell if plan.e_measure[k] == 1 else lost)[:, i]
        vals[:, nc + k] = np.where(d < 0, ens.T + 1, d)
    return z, vals
