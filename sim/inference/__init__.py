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

from sim.inference.abc import CalibrationResult, Prior, calibrate, read_priors
from sim.inference.assimilate import Assimilation, assimilate
from sim.inference.forecast import Forecast, make_forecast, read_forecast
from sim.inference.likelihood import Plan, prepare_plan
from sim.inference.observations import Observations, check_data_rule, read_observations

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
