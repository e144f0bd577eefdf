"""Evaluation: proper scores of a forecast against what was observed.

* :mod:`sim.evaluation.scores` - CRPS (with censoring), Brier, Spearman, interval coverage;
* :mod:`sim.evaluation.scoring` - :func:`score_forecast` (against an observed table).

Command line: ``conflict-sim-score`` (see ``docs/calibration_howto.md``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ScoreResult", "score_forecast"]


def __getattr__(name: str) -> Any:
    # lazy: scoring reads forecasts (sim.inference), which use the scores defined here
    if name in __all__:
        from sim.evaluation import scoring

        return getattr(scoring, name)
    raise AttributeError(name)
