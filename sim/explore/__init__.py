"""Exploratory modelling over sweeps: sampling designs, global sensitivity, scenario discovery.

A design (Sobol, Morris or Latin hypercube, :mod:`sim.explore.design`) over parameter ranges read
from the typed config (:mod:`sim.explore.params`) runs as a Hydra multirun through the
``hydra/sweeper=explore`` plugin, so its points are ordinary jobs of the configured launcher
(joblib, submitit) with per-job files, kept failures and resume; every point runs the same
replicate seeds (common random numbers). :func:`open_explore` reads a finished sweep for
sensitivity indices (:mod:`sim.explore.sensitivity`, SALib) and scenario discovery
(:mod:`sim.explore.discovery`, PRIM from EMA Workbench and CART from scikit-learn).

    conflict-sim-explore design=sobol n=64 params=[forces.present_fraction:0.3:0.9,...] replicates=20

    from sim.explore import open_explore
    ex = open_explore("outputs/explore/<time>")
    ex.sensitivity("hub_fell_day")
    print(ex.prim("hub_fell_day>2021-08-31", min_prob=0.8).summary())
"""

from sim.explore.design import Design, make_design, read_design, write_design
from sim.explore.discovery import PrimResult, cart, prim
from sim.explore.outcomes import Condition, Timeline, outcome_values, parse_condition
from sim.explore.params import ParamSpec, config_ranges, parse_param, parse_params
from sim.explore.sensitivity import (
    morris_indices,
    point_stats,
    rbd_fast_indices,
    sobol_indices,
    variance_split,
)
from sim.explore.store import DEFAULT_OUTCOMES, Discovery, Explore, open_explore

__all__ = [
    "DEFAULT_OUTCOMES",
    "Condition",
    "Design",
    "Discovery",
    "Explore",
    "ParamSpec",
    "PrimResult",
    "Timeline",
    "cart",
    "config_ranges",
    "make_design",
    "morris_indices",
    "open_explore",
    "outcome_values",
    "parse_condition",
    "parse_param",
    "parse_params",
    "point_stats",
    "prim",
    "rbd_fast_indices",
    "read_design",
    "sobol_indices",
    "variance_split",
    "write_design",
]
