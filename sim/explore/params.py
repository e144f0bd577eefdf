"""What a design varies: parameters with ranges read off the typed config.

A parameter is written ``path`` (the schema's whole range), ``path:lo:hi`` or ``path:lo:hi:log``
(sampled uniformly in log10, needs lo > 0). Ranges and units come from the ``param(...)`` metadata
of the structured config (:func:`sim.scenario.schema.param`), so every design is checked against
the same numbers as a single run: a narrower range is accepted, a wider one, an unknown name or a
log range through zero is a one-line :class:`~sim.scenario.ScenarioError`.

Integer parameters (``reserve.delay_days``) are sampled on [lo - 0.5, hi + 0.5] and rounded, so
every integer in the range is equally likely. Date fields (``model.withdrawal.end``) have no range
in the schema; give one, ``model.withdrawal.end:2021-08-31:2022-06-30``, and they are sampled as
whole days after ``lo``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.scenario.errors import ScenarioError

KINDS = ("float", "int", "date")


@dataclass(frozen=True)
class ParamSpec:
    """One varied parameter and the range it is sampled over.

    Attributes
    ----------
    path : str
        Dotted config path, e.g. ``"model.combat.beta_ins"``.
    lo, hi : float or str
        Closed range in the parameter's own unit (ISO date strings for ``kind="date"``).
    log : bool
        Sample uniformly in log10 (floats only; needs ``lo > 0``).
    kind : {"float", "int", "date"}
    unit : str
        Unit from the schema (``"days"`` for dates).
    """

    path: str
    lo: float | str
    hi: float | str
    log: bool = False
    kind: str = "float"
    unit: str = ""

    # ---------------------------------------------------------------- sample space <-> values
    @property
    def bounds(self) -> tuple[float, float]:
        """Bounds of the sampling space: log10 values, days after ``lo``, or the range itself."""
        if self.kind == "date":
            return (-0.5, (_date(self.hi) - _date(self.lo)).days + 0.5)
        if self.kind == "int":
            return (float(self.lo) - 0.5, float(self.hi) + 0.5)
        if self.log:
            return (math.log10(float(self.lo)), math.log10(float(self.hi)))
        return (float(self.lo), float(self.hi))

    def value(self, u: np.ndarray) -> np.ndarray:
        """Map sampling-space values ``u`` to parameter values (floats; days after lo for dates).

        Integers and dates are rounded to the nearest whole number and clipped into the range.
        """
        u = np.asarray(u, dtype=np.float64)
        if self.kind == "date":
            return np.clip(np.rint(u), 0, (_date(self.hi) - _date(self.lo)).days)
        if self.kind == "int":
            return np.clip(np.rint(u), float(self.lo), float(self.hi))
        if self.log:
            return np.clip(10.0**u, float(self.lo), float(self.hi))
        return u

    def override(self, v: float) -> str:
        """The Hydra override ``path=value`` that sets this parameter to ``v`` (from :meth:`value`)."""
        return f"{self.path}={self.format(v)}"

    def format(self, v: float) -> str:
        """``v`` as the config writes it: repr of the float, an int, or an ISO date."""
        if self.kind == "date":
            return (_date(self.lo) + dt.timedelta(days=int(v))).isoformat()
        if self.kind == "int":
            return str(int(v))
        return repr(float(v))

    def natural(self, v: np.ndarray) -> np.ndarray:
        """Values from :meth:`value` as the analysis shows them (dates as datetime64[D])."""
        if self.kind == "date":
            return np.datetime64(_date(self.lo), "D") + np.asarray(v).astype("int64").astype("timedelta64[D]")
        return np.asarray(v, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return f"{self.path}:{self.lo}:{self.hi}" + (":log" if self.log else "")


def _date(s: Any) -> dt.date:
    return dt.date.fromisoformat(str(s))


def config_ranges(cfg: DictConfig) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Every field of a structured config: dotted path -> (value, metadata).

    The metadata holds ``unit``, ``lo``, ``hi`` and ``doc`` for fields declared with
    :func:`sim.scenario.schema.param`, and is empty for other fields (strings, dates, flags).
    Works for any structured config, so a test model with its own schema plugs in unchanged.
    """
    out: dict[str, tuple[Any, dict[str, Any]]] = {}

    def walk(node: Any, prefix: str) -> None:
        typ = OmegaConf.get_type(node)
        meta = (
            {f.name: dict(f.metadata) for f in dataclasses.fields(typ)}
            if dataclasses.is_dataclass(typ)
            else {}
        )
        for key in node:
            if prefix == "" and key == "hydra":
                continue
            child = node._get_node(key)
            path = f"{prefix}{key}"
            if isinstance(child, DictConfig):
                walk(child, path + ".")
            elif not OmegaConf.is_list(child):
                out[path] = (node[key] if not OmegaConf.is_missing(node, key) else None, meta.get(key, {}))

    walk(cfg, "")
    return out


def parse_param(spec: str | ParamSpec, ranges: dict[str, tuple[Any, dict[str, Any]]]) -> ParamSpec:
    """Parse ``path[:lo:hi[:log]]`` and check it against the config's declared range.

    Parameters
    ----------
    spec : str or ParamSpec
    ranges : dict
        From :func:`config_ranges` of the composed config.

    Raises
    ------
    ScenarioError
        For an unknown path, a field that is not a number or date, a range outside the schema's,
        lo >= hi, or a log range with lo <= 0.
    """
    if isinstance(spec, ParamSpec):
        spec = str(spec)
    text = str(spec).strip()
    parts = [s.strip() for s in text.split(":")]
    path = parts[0]
    if path not in ranges:
        numeric = sorted(p for p, (_v, m) in ranges.items() if "unit" in m)
        hint = ", ".join(numeric[:4]) + (", ..." if len(numeric) > 4 else "")
        raise ScenarioError("params", "param", path, f"a config field with a range, e.g. {hint}")
    value, meta = ranges[path]
    log = len(parts) == 4 and parts[3].lower() == "log"
    if len(parts) not in (1, 3, 4) or (len(parts) == 4 and not log):
        raise ScenarioError("params", path, text, "path, path:lo:hi or path:lo:hi:log")
    if isinstance(value, str) and _is_date(value):
        if len(parts) != 3:
            raise ScenarioError("params", path, text, "a date range path:YYYY-MM-DD:YYYY-MM-DD (no log)")
        if not (_is_date(parts[1]) and _is_date(parts[2])):
            raise ScenarioError("params", path, text, "ISO dates lo and hi in path:YYYY-MM-DD:YYYY-MM-DD")
        lo_d, hi_d = _date(parts[1]), _date(parts[2])
        if not lo_d < hi_d:
            raise ScenarioError("params", path, f"{lo_d}:{hi_d}", "lo < hi")
        return ParamSpec(path, lo_d.isoformat(), hi_d.isoformat(), False, "date", "date")
    if "unit" not in meta or isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(
            "params", path, text, "a numeric field declared with a range (param(...)) or a date field"
        )
    s_lo, s_hi = meta.get("lo"), meta.get("hi")
    if len(parts) == 1:
        lo, hi = s_lo, s_hi
        if lo is None or hi is None:
            raise ScenarioError("params", path, text, "an explicit range path:lo:hi (the schema has none)")
    else:
        try:
            lo, hi = float(parts[1]), float(parts[2])
        except ValueError:
            raise ScenarioError("params", path, text, "numbers lo and hi in path:lo:hi") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise ScenarioError("params", path, f"{lo}:{hi}", "finite lo < hi")
    if (s_lo is not None and lo < s_lo) or (s_hi is not None and hi > s_hi):
        raise ScenarioError(
            "params", path, f"{lo}:{hi}", f"a range within the schema's {s_lo} .. {s_hi} ({meta['unit']})"
        )
    if log and lo <= 0:
        raise ScenarioError("params", path, f"{lo}:{hi}:log", "lo > 0 for a log-scale range")
    if isinstance(value, int):
        lo, hi = math.ceil(lo), math.floor(hi)
        if log:
            raise ScenarioError("params", path, text, "a linear range for an integer parameter")
        if not lo < hi:
            raise ScenarioError("params", path, f"{lo}:{hi}", "at least two integers in the range")
        return ParamSpec(path, int(lo), int(hi), False, "int", meta["unit"])
    return ParamSpec(path, float(lo), float(hi), log, "float", meta["unit"])


def parse_params(
    specs: list[str] | tuple[str, ...] | list[ParamSpec], ranges: dict[str, tuple[Any, dict[str, Any]]]
) -> list[ParamSpec]:
    """Parse several specs; a parameter named twice or no parameter at all is an error."""
    out = [parse_param(s, ranges) for s in specs]
    if not out:
        raise ScenarioError(
            "params", "params", "[]", "at least one parameter, e.g. params=[reserve.commandos]"
        )
    seen: set[str] = set()
    for p in out:
        if p.path in seen:
            raise ScenarioError("params", p.path, str(p), "each parameter once")
        seen.add(p.path)
    return out


def _is_date(s: Any) -> bool:
    try:
        _date(s)
        return len(str(s)) == 10
    except ValueError:
        return False
