"""Parameter values given outside a config file: checked against the schema's units and ranges.

Calibration, posterior draws and per-replicate parameter tables set model parameters by their
dotted config path (``"model.morale.b0"``) without composing a Hydra config for every draw.
:func:`check_param_values` holds them to the same rules as a config file or a command-line
override: a known path, a finite number inside the schema's closed range, a bool for a switch,
one of the allowed words for a choice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from sim.scenario.errors import ScenarioError
from sim.scenario.schema import POLICIES, Config, iter_params


@cache
def param_ranges() -> dict[str, dict[str, Any]]:
    """Every ranged parameter of the schema: dotted path -> metadata (unit, lo, hi, doc, default)."""
    out = {}
    for path, default, meta in iter_params(Config(name="x")):
        out[path] = {**meta, "default": default}
    return out


#: Switches and choices that may vary per replicate besides the ranged numbers.
CHOICES: dict[str, tuple] = {
    "model.movement.besiege_isolated": (False, True),
    "model.command.capitals_only": (False, True),
    "model.command.policy": POLICIES,
}


def check_param_values(
    values: Mapping[str, Any], where: str = "parameters", per_replicate: bool = False
) -> None:
    """Refuse unknown paths, non-finite or out-of-range numbers and bad choices.

    Parameters
    ----------
    values : mapping of str to value
        Dotted config path -> value.
    where : str, default "parameters"
        Named in the error (a file, or "override").
    per_replicate : bool, default False
        Also refuse paths that shape the static arrays (they must be one value per run).

    Raises
    ------
    ScenarioError
        One line: where, the path, the bad value and what is allowed.
    """
    from sim.world import PARAM_PATHS, STRUCTURAL_PATHS

    ranges = param_ranges()
    for path, v in values.items():
        if path in CHOICES:
            allowed = CHOICES[path]
            if v not in allowed:
                raise ScenarioError(where, path, v, f"one of {', '.join(map(str, allowed))}")
            continue
        if path not in ranges or (per_replicate and path not in PARAM_PATHS):
            known = sorted(p for p in ranges if not per_replicate or p in PARAM_PATHS)
            raise ScenarioError(where, path, v, f"a model parameter path, e.g. {', '.join(known[:4])}, ...")
        if per_replicate and path in STRUCTURAL_PATHS:
            raise ScenarioError(where, path, v, "one value per run (it shapes the static arrays)")
        meta = ranges[path]
        if isinstance(v, bool) or (not isinstance(v, int | float) and not hasattr(v, "__float__")):
            raise ScenarioError(where, path, v, f"a number ({meta['unit']})")
        x = float(v)
        lo, hi = meta["lo"], meta["hi"]
        if not math.isfinite(x) or (lo is not None and x < lo) or (hi is not None and x > hi):
            raise ScenarioError(where, path, v, f"a finite number, {lo} <= value <= {hi} ({meta['unit']})")
        if isinstance(meta["default"], int) and x != int(x):
            raise ScenarioError(where, path, v, f"an integer, {lo} <= value <= {hi} ({meta['unit']})")
