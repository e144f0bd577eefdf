"""Inference: observations, the likelihood of a run against them, calibration and forecasts.

* :mod:`sim.inference.observations` - the observation table format, reading, the data rule;
* :mod:`sim.inference.loss` - the calibration loss of an ensemble against observations;
* :mod:`sim.inference.search` - :func:`calibrate` (Optuna TPE, resumable SQLite study);
* :mod:`sim.inference.forecast` - :func:`make_forecast` (ensemble from the cut-off);
* :mod:`sim.inference.synthetic` - observation tables made by the model (a synthetic truth).

Command lines: ``conflict-sim-calibrate``, ``conflict-sim-forecast``
(see ``docs/calibration_howto.md``).
"""

from sim.inference.forecast import Forecast, make_forecast, read_forecast
from sim.inference.loss import ensemble_loss, per_replicate_loss, prepare
from sim.inference.observations import Observations, check_data_rule, read_observations
from sim.inference.search import CalibrationResult, ParamSpec, calibrate, parse_param

__all__ = [
    "CalibrationResult",
    "Forecast",
    "Observations",
    "ParamSpec",
    "calibrate",
    "check_data_rule",
    "ensemble_loss",
    "make_forecast",
    "parse_param",
    "per_replicate_loss",
    "prepare",
    "read_forecast",
    "read_observations",
]
