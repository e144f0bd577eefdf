"""The app's levers: which scenario parameters it offers, with units and ranges from the schema.

A lever is one scenario parameter (a dotted path of :mod:`sim.scenario.schema`) or one scripted
event (on/off and its date). Its unit, allowed range and meaning are read from the schema's
field metadata, its default from the scenario's own config, so the app, the docs and the
validator say the same thing. A set of lever values becomes plain Hydra overrides
(:func:`overrides`), validated by :func:`sim.load_scenario` exactly as ``conflict-sim`` validates
them, and the app shows the equivalent command line (:func:`command_line`).

Nothing here imports solara: the app (:mod:`sim.viz.app`) draws these levers, and the tests
check them without a browser.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from omegaconf import OmegaConf

from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.schema import POLICIES, Config


@dataclass(frozen=True)
class Lever:
    """One control of the app.

    Attributes
    ----------
    key : str
        The override key: a dotted schema path (``reserve.commandos``) or an event field
        (``events.1.enabled``, ``events.1.date``).
    label : str
        What the control is called on the page.
    kind : {"int", "float", "choice", "date", "bool"}
    default
        The scenario's own value.
    unit : str
        From the schema (``people``, ``people/day``, ``loyalty``); ``""`` for dates and switches.
    lo, hi : float or None
        The schema's allowed range (closed); None when it has none.
    slider : (float, float, float) or None
        Range and step of the slider: the allowed range narrowed to values worth exploring;
        other allowed values can be typed as extra overrides.
    choices : tuple of str
        Allowed values of a ``choice``.
    doc : str
        The schema's description.
    """

    key: str
    label: str
    kind: str
    default: Any
    unit: str = ""
    lo: float | None = None
    hi: float | None = None
    slider: tuple[float, float, float] | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""

    @property
    def allowed(self) -> str:
        """The allowed values in words (as error messages state them)."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "date":
            return "an ISO date YYYY-MM-DD"
        if self.kind == "bool":
            return "on or off"
        return f"{_num(self.lo)} to {_num(self.hi)} {self.unit}".strip()


def _num(x: float | None) -> str:
    if x is None:
        return "any"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def _meta(path: str) -> dict:
    """Schema metadata (unit, lo, hi, doc) of a dotted path; {} for a field without it."""
    cls: Any = Config
    parts = path.split(".")
    for i, name in enumerate(parts):
        f = {f.name: f for f in fields(cls)}.get(name)
        if f is None:
            raise KeyError(path)
        if i == len(parts) - 1:
            return dict(f.metadata)
        cls = type(f.default_factory()) if callable(f.default_factory) else None  # type: ignore[misc]
        if cls is None or not is_dataclass(cls):
            raise KeyError(path)
    return {}


#: The levers of the 2021 article, as (path, label, kind, slider range and step). Units, allowed
#: ranges and descriptions come from the schema. Sliders span what is worth exploring; any other
#: allowed value can be typed as an extra override.
PARAM_LEVERS: tuple[tuple[str, str, str, tuple[float, float, float] | None], ...] = (
    ("model.withdrawal.end", "Withdrawal of foreign support ends", "date", None),
    ("reserve.commandos", "Commandos in the mobile reserve", "int", (0, 20_000, 250)),
    ("reserve.airlift_per_day", "Airlift capacity", "int", (0, 3_000, 50)),
    ("model.command.policy", "Allocation of the reserve", "choice", None),
    ("forces.militia_loyalty_shift", "Militia loyalty shift", "float", (-1.0, 1.0, 0.05)),
)

_POLICY_DOC = {
    "first_come": "requests served in the order they come",
    "by_value": "the most valuable places first",
    "none": "no reinforcement is sent",
}


def param_levers(scenario: Scenario) -> list[Lever]:
    """The parameter levers with the scenario's values as defaults."""
    out = []
    for path, label, kind, slider in PARAM_LEVERS:
        meta = _meta(path)
        value = OmegaConf.select(scenario.config, path)
        if kind == "choice":
            out.append(
                Lever(
                    path,
                    label,
                    kind,
                    str(value),
                    choices=POLICIES,
                    doc="; ".join(f"{p}: {_POLICY_DOC.get(p, p)}" for p in POLICIES),
                )
            )
        elif kind == "date":
            doc = "foreign support falls linearly from model.withdrawal.start to this date"
            out.append(Lever(path, label, kind, str(value), doc=doc))
        else:
            lo, hi = meta.get("lo"), meta.get("hi")
            if slider is not None:  # never beyond the schema's range
                slider = (max(slider[0], lo if lo is not None else slider[0]),
                          min(slider[1], hi if hi is not None else slider[1]), slider[2])  # fmt: skip
            out.append(
                Lever(
                    path,
                    label,
                    kind,
                    int(value) if kind == "int" else float(value),
                    unit=meta.get("unit", ""),
                    lo=lo,
                    hi=hi,
                    slider=slider,
                    doc=meta.get("doc", ""),
                )
            )
    return out


@dataclass(frozen=True)
class EventLever:
    """A scripted event of the scenario, switched on or off and moved in time.

    Attributes
    ----------
    index : int
        Position in the scenario's ``events`` list (the override is ``events.<index>.*``).
    label : str
    kind : str
    date : str
        The scenario's date of the event (ISO).
    doc : str
        The event's note in the scenario file.
    """

    index: int
    label: str
    kind: str
    date: str
    doc: str

    @property
    def enabled_key(self) -> str:
        return f"events.{self.index}.enabled"

    @property
    def date_key(self) -> str:
        return f"events.{self.index}.date"


def _event_label(ev: Any, scenario: Scenario) -> str:
    kind = str(ev.kind)
    if kind == "abandon_countryside":
        share = float(ev.value) or float(scenario.config.model.command.abandon_fraction)
        return f"Abandon the countryside: {share:.0%} of district garrisons pulled back"
    if kind == "leader_return":
        return f"{str(ev.patron).replace('_', ' ').title()} returns: militia loyalty +{float(ev.value):g}"
    if kind == "reinforcement_request":
        try:
            name = str(scenario.locations["name"][scenario.location_index(str(ev.location))])
        except (KeyError, ValueError):
            name = str(ev.location)
        return f"{name} asks for {float(ev.value):,.0f} commandos (honoured if reserve and airlift allow)"
    if kind == "policy":
        return f"Allocation policy becomes {ev.note}"
    if kind == "offensive":
        return "Insurgent offensive begins"
    return kind.replace("_", " ")


def event_levers(scenario: Scenario) -> list[EventLever]:
    """One lever per scripted event of the scenario, in the order of its file."""
    out = []
    for i, ev in enumerate(scenario.config.get("events", [])):
        out.append(EventLever(i, _event_label(ev, scenario), str(ev.kind), str(ev.date), str(ev.note)))
    return out


_OVERRIDE = re.compile(r"[A-Za-z_]\w*(\.\w+)*=.*", re.S)


def parse_extra(text: str) -> list[str]:
    """Split a line of extra overrides (``"model.combat.noise=0.5 seed=3"``) into overrides.

    Only ``key=value`` is accepted (no ``+``/``~`` prefixes, no ``hydra.*`` keys); values may be
    quoted as on a shell command line.

    Raises
    ------
    ScenarioError
        For a word that is not ``key=value``, with the same one-line format as every override.
    """
    try:
        words = shlex.split(text or "")
    except ValueError as e:
        raise ScenarioError("override", "extra overrides", text, f"key=value words ({e})") from None
    for w in words:
        if not _OVERRIDE.fullmatch(w) or w.startswith("hydra."):
            raise ScenarioError("override", w.split("=")[0] or w, w, "key=value, e.g. model.combat.noise=0.5")
    return words


def overrides(values: Mapping[str, Any], extra: str = "") -> list[str]:
    """Hydra overrides of lever values: ``{"reserve.commandos": 6000}`` -> ``["reserve.commandos=6000"]``.

    Parameters
    ----------
    values : mapping of override key to value
        Only the levers moved away from the scenario's values (see :func:`changed`).
    extra : str
        Extra overrides typed by the user, appended last (see :func:`parse_extra`).
    """
    from sim.scenario import params_to_overrides

    return [*params_to_overrides(values), *parse_extra(extra)]


def changed(scenario: Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``values`` that differ from the scenario's own config."""
    out = {}
    for key, v in values.items():
        base = OmegaConf.select(scenario.config, key)
        same = base == v or (isinstance(v, float) and isinstance(base, int | float) and abs(base - v) < 1e-12)
        if not same:
            out[key] = v
    return out


def build(name: str, seed: Any, values: Mapping[str, Any], extra: str = "") -> tuple[Scenario, int]:
    """Load scenario ``name`` with lever values, extra overrides and seed, as the CLI would.

    Returns
    -------
    scenario : Scenario
    seed : int

    Raises
    ------
    ScenarioError
        The command line's one-line message for the first bad value.
    """
    ovr = overrides(values, extra)
    seed_ovr = [] if any(o.startswith("seed=") for o in ovr) else [f"seed={str(seed).strip() or '0'}"]
    scen = load_scenario(name, [*ovr, *seed_ovr])
    return scen, int(scen.config.seed)


def command_line(name: str, seed: Any, values: Mapping[str, Any], extra: str = "") -> str:
    """The ``conflict-sim`` command that runs the same scenario and seed."""
    words = ["conflict-sim", f"scenario={name}", f"seed={seed}", *overrides(values, extra)]
    return " ".join(shlex.quote(w) for w in words)


def model_params(scenario: Scenario) -> dict[str, Any]:
    """SolaraViz ``model_params`` for :class:`sim.ConflictModel`, keyed by flat aliases.

    Mesa's own inputs (sliders, selects) within the schema's allowed ranges; a date becomes a
    select of month ends. Use as ``SolaraViz(ConflictModel(...), model_params=model_params(s))``.
    """
    from sim.scenario import PARAM_ALIASES

    alias = {path: a for a, path in PARAM_ALIASES.items() if "_" in a and not a.startswith("model_")}
    out: dict[str, Any] = {
        "scenario": scenario.name,  # fixed: Mesa passes it on to every model it builds
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "seed"},
    }
    start = str(scenario.config.model.withdrawal.start)
    for lv in param_levers(scenario):
        key = alias[lv.key]
        label = f"{lv.label} ({lv.unit})" if lv.unit else lv.label
        if lv.kind == "choice":
            choices = list(lv.choices)
            out[key] = {"type": "Select", "value": lv.default, "values": choices, "label": label}
        elif lv.kind == "date":
            out[key] = {
                "type": "Select",
                "value": lv.default,
                "values": month_ends(start, lv.default),
                "label": label,
            }
        else:
            lo, hi, step = lv.slider or (lv.lo, lv.hi, 1)
            typ = "SliderInt" if lv.kind == "int" else "SliderFloat"
            out[key] = {"type": typ, "value": lv.default, "min": lo, "max": hi, "step": step, "label": label}
    return out


def month_ends(start: str, default: str, months: int = 18) -> list[str]:
    """``default`` and the month ends from ``start``'s month on (choices for a date select)."""
    import pandas as pd

    first = pd.Timestamp(start)
    ends = pd.date_range(first - pd.offsets.MonthBegin(1), periods=months, freq="ME")
    return sorted({default, *(d.strftime("%Y-%m-%d") for d in ends if d >= first)})


def lever_keys(scenario: Scenario) -> Sequence[str]:
    """Every override key a lever of the scenario sets."""
    keys = [lv.key for lv in param_levers(scenario)]
    for ev in event_levers(scenario):
        keys += [ev.enabled_key, ev.date_key]
    return keys
