"""Calibration to observed facts, probabilistic forecasts, and their proper scores.

* :mod:`sim.calibrate.observations` - the observation table format, reading, the data rule;
* :mod:`sim.calibrate.scores` - CRPS (with censoring), Brier, Spearman, interval coverage;
* :mod:`sim.calibrate.loss` - the calibration loss of an ensemble against observations;
* :mod:`sim.calibrate.search` - :func:`calibrate` (Optuna TPE, resumable SQLite study);
* :mod:`sim.calibrate.forecast` - :func:`make_forecast` (ensemble from the cut-off);
* :mod:`sim.calibrate.scoring` - :func:`score_forecast` (against an observed table);
* :mod:`sim.calibrate.synthetic` - observation tables made by the model (a synthetic truth).

Command lines: ``conflict-sim-calibrate``, ``conflict-sim-forecast``, ``conflict-sim-score``
(see ``docs/calibration_howto.md``).
"""

from sim.calibrate.forecast import Forecast, make_forecast, read_forecast
from sim.calibrate.loss import ensemble_loss, per_replicate_loss, prepare
from sim.calibrate.observations import Observations, check_data_rule, read_observations
from sim.calibrate.scoring import ScoreResult, score_forecast
from sim.calibrate.search import CalibrationResult, ParamSpec, calibrate, parse_param

__all__ = [
    "CalibrationResult",
    "Forecast",
    "Observations",
    "ParamSpec",
    "ScoreResult",
    "calibrate",
    "check_data_rule",
    "ensemble_loss",
    "make_forecast",
    "parse_param",
    "per_replicate_loss",
    "prepare",
    "read_forecast",
    "read_observations",
    "score_forecast",
]
