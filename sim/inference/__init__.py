"""Inference: observations, their likelihood, calibration, assimilation and forecasts.

* :mod:`sim.inference.observations` - the observation table format, reading, the data rule;
* :mod:`sim.inference.likelihood` - the observation operator and error model (per-observation
  discrepancies, log-likelihood, ABC distance);
* :mod:`sim.inference.simulate` - simulate particles and read every observation off their state;
* :mod:`sim.inference.abc` - :func:`calibrate`: Bayesian calibration by ABC-SMC (pyabc),
  reproducible and resumable, on local processes or a Dask cluster;
* :mod:`sim.inference.posterior` - a fit's posterior draws and which one a replicate takes;
* :mod:`sim.inference.assimilate` - :func:`assimilate`: a particle filter to the cut-off;
* :mod:`sim.inference.forecast` - :func:`make_forecast` (assimilate, then run to the horizon);
* :mod:`sim.inference.synthetic` - observation tables made by the model (a synthetic truth).

Command lines: ``conflict-sim-calibrate``, ``conflict-sim-forecast``
(see ``docs/calibration_howto.md``).
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use (PEP 562): ``sim.run`` reads a scenario's posterior through
# sim.inference.posterior and must not pay for pyabc, scikit-learn and the rest here.
_LAZY = {
    "CalibrationResult": "sim.inference.abc",
    "Prior": "sim.inference.abc",
    "calibrate": "sim.inference.abc",
    "read_priors": "sim.inference.abc",
    "Assimilation": "sim.inference.assimilate",
    "assimilate": "sim.inference.assimilate",
    "Forecast": "sim.inference.forecast",
    "make_forecast": "sim.inference.forecast",
    "read_forecast": "sim.inference.forecast",
    "Plan": "sim.inference.likelihood",
    "prepare_plan": "sim.inference.likelihood",
    "Observations": "sim.inference.observations",
    "check_data_rule": "sim.inference.observations",
    "read_observations": "sim.inference.observations",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Assimilation",
    "CalibrationResult",
    "Forecast",
    "Observations",
    "Plan",
    "Prior",
    "assimilate",
    "calibrate",
    "check_data_rule",
    "make_forecast",
    "prepare_plan",
    "read_forecast",
    "read_observations",
    "read_priors",
]
