"""Scenario parameters as Python keywords: ``ConflictModel(reserve_commandos=500)``.

Mesa's tools build a model from keyword arguments (``mesa.batch_run(ConflictModel,
parameters={...})``, SolaraViz ``model_params``), while a scenario takes Hydra overrides
(``reserve.commandos=500``). This module turns keywords into overrides, which are then validated
exactly as the command line validates them (:func:`sim.scenario.load_scenario`): a bad value
raises the same one-line :class:`~sim.scenario.ScenarioError` that ``conflict-sim`` prints.

A keyword names a parameter in one of two ways:

* its dotted path in the schema (:mod:`sim.scenario.schema`), passed with ``**``:
  ``ConflictModel(**{"reserve.commandos": 500, "events.1.enabled": False})``;
* a flat alias, a valid Python name: the path with ``_`` for ``.`` (``reserve_commandos``,
  ``model_withdrawal_end``), or, under ``model.``, the same without the ``model_`` prefix
  (``withdrawal_end``, ``command_policy``, ``combat_noise``). :data:`PARAM_ALIASES` lists them
  all; an alias that would name two paths is not defined (none does today).

Scripted events have no aliases: address them by index, as on the command line
(``events.1.date``, ``events.1.enabled``).

Examples
--------
>>> params_to_overrides({"reserve_commandos": 500, "withdrawal_end": "2021-12-31"})
['reserve.commandos=500', 'model.withdrawal.end=2021-12-31']
>>> params_to_overrides({"events.1.enabled": False, "forces_militia_loyalty_shift": 0.2})
['events.1.enabled=false', 'forces.militia_loyalty_shift=0.2']
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, fields, is_dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from sim.scenario.errors import ScenarioError
from sim.scenario.load import compose_config, load_scenario, scenario_from_config
from sim.scenario.scenario import Scenario
from sim.scenario.schema import Config

#: Run settings of the config: a model takes its seed and backend as its own arguments, and a
#: model is one replicate.
RUN_SETTINGS = ("seed", "replicates", "backend")
#: Top-level parts of the config that are not parameters (identity, file layout, citations).
_NOT_PARAMS = ("name", "description", "data", "provenance", "events")
_KEY = re.compile(r"[A-Za-z_]\w*(\.\w+)*")
_PLAIN = re.compile(r"[\w.:/+-]+")


def _leaf_paths(cls: type = Config, prefix: str = "") -> list[str]:
    """Dotted paths of every scalar field of the schema (dataclass fields, recursively)."""
    out: list[str] = []
    for f in fields(cls):
        path = f"{prefix}{f.name}"
        if f.default_factory is not MISSING:  # type: ignore[misc]
            value = f.default_factory()  # type: ignore[misc]
            if is_dataclass(value):
                out.extend(_leaf_paths(type(value), path + "."))
            continue  # lists and dicts (events, provenance) are not scalars
        out.append(path)
    return out


def _aliases() -> Mapping[str, str]:
    cands: dict[str, set[str]] = {}
    for path in _leaf_paths():
        if path.split(".")[0] in RUN_SETTINGS + _NOT_PARAMS:
            continue
        names = {path.replace(".", "_")}
        if path.startswith("model."):
            names.add(path[len("model.") :].replace(".", "_"))
        for n in names:
            cands.setdefault(n, set()).add(path)
    return MappingProxyType({n: next(iter(p)) for n, p in sorted(cands.items()) if len(p) == 1})


#: Flat alias -> dotted path of every scalar scenario parameter (``reserve_commandos`` ->
#: ``reserve.commandos``, ``withdrawal_end`` -> ``model.withdrawal.end``).
PARAM_ALIASES: Mapping[str, str] = _aliases()


def _format(key: str, value: Any) -> str:
    """A Python value as the right-hand side of a Hydra override, or a ScenarioError."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalar
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ScenarioError("override", key, value, "a finite number")
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str):
        if "${" in value:
            raise ScenarioError("override", key, value, "a plain value (no ${...} interpolation)")
        if _PLAIN.fullmatch(value):
            return value
        for q in ("'", '"'):
            if q not in value and "\\" not in value:
                return f"{q}{value}{q}"
        raise ScenarioError("override", key, value, "a value without both quote characters or backslashes")
    raise ScenarioError("override", key, repr(value), "a single number, bool, string or date")


def params_to_overrides(params: Mapping[str, Any]) -> list[str]:
    """Turn keyword parameters into Hydra overrides, in the order given.

    Parameters
    ----------
    params : mapping of str to value
        Dotted schema paths (``"reserve.commandos"``, ``"events.1.enabled"``) or flat aliases
        (``reserve_commandos``, see :data:`PARAM_ALIASES`) to numbers, bools, strings or dates.

    Returns
    -------
    list of str
        ``key=value`` overrides. Keys are not checked against the schema here: composing them
        (:func:`sim.scenario.load_scenario`) does that, with the command line's messages.

    Raises
    ------
    ScenarioError
        For a run setting (``seed``, ``replicates``, ``backend``), a key that is not a dotted
        name, a key given twice (as alias and path), or a value that is not a single plain value.
    """
    out: list[str] = []
    seen: dict[str, str] = {}
    for key, value in params.items():
        key = str(key)
        if key in RUN_SETTINGS:
            raise ScenarioError(
                "override", key, value, "a scenario parameter (seed and backend are arguments of the model)"
            )
        if not _KEY.fullmatch(key) or key.split(".")[0] == "hydra":
            raise ScenarioError(
                "override", key, value, "a dotted parameter name such as reserve.commandos or its alias"
            )
        path = PARAM_ALIASES.get(key, key)
        if path in seen:
            raise ScenarioError("override", key, value, f"each parameter once ({seen[path]} names it too)")
        seen[path] = key
        out.append(f"{path}={_format(key, value)}")
    return out


def fresh_seed() -> int:
    """A new seed in [0, 2**31) from the operating system's entropy (for ``seed=None``)."""
    return int(np.random.SeedSequence().entropy % 2**31)


def scenario_with_params(
    scenario: Scenario | str, params: Mapping[str, Any] | None = None, overrides: Sequence[str] = ()
) -> Scenario:
    """Load a scenario by name, or re-derive a loaded one, with parameters set.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario name (a file stem under ``scenarios/scenario/``) or a loaded scenario.
    params : mapping, optional
        Keyword parameters (see :func:`params_to_overrides`).
    overrides : sequence of str
        Hydra overrides applied before ``params``.

    Returns
    -------
    Scenario
        ``scenario`` itself when there is nothing to set.

    Raises
    ------
    ScenarioError
        As the command line reports it, naming the override, the bad value and what is allowed.

    Notes
    -----
    For a loaded scenario the overrides are first composed onto its scenario file, so that Hydra
    checks keys and types and reports them as ``conflict-sim`` does; the values Hydra parsed are
    then set on the scenario's own resolved config (which keeps any overrides it was loaded
    with), and the result is validated again as a whole.
    """
    ovr = [*overrides, *params_to_overrides(params or {})]
    if isinstance(scenario, str):
        return load_scenario(scenario, ovr)
    if not ovr:
        return scenario
    composed = compose_config(scenario.name, ovr)
    cfg = OmegaConf.create(OmegaConf.to_container(scenario.config, resolve=True))
    for o in ovr:
        key = o.split("=", 1)[0]
        OmegaConf.update(cfg, key, OmegaConf.select(composed, key), merge=False)
    return scenario_from_config(cfg, ovr, pinned=scenario.pinned)
