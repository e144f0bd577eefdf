"""Outcomes of a sweep, one value per run, named by a short spec; and conditions on them.

Outcome specs (``outcome=...`` on the command line, ``outcome`` arguments in Python):

``COLUMN``
    A numeric column of the merged ``runs`` table: ``hub_fell_day``, ``capitals_fallen_by_report``,
    ``districts_lost``, ``gov_casualties``, ...
``capitals_fallen_by:YYYY-MM-DD``
    Capitals fallen on or before the date (``capital_fell`` events).
``capitals_lost_by:YYYY-MM-DD``
    Capitals lost on or before the date, counting a garrison's retreat to its airport as the loss.
``fell_day:NAME``
    Day the named location fell (``capital_fell`` or ``district_fell``), e.g. ``fell_day:Kandahar``.
``lost_day:NAME``
    First day the named location was lost: it fell, or its garrison retreated to the airport.

Days count from the scenario start (day 0). A day outcome whose event did not happen within the
horizon H is censored at ``H + 1`` ("held to the horizon"), as the proper scores do
(:func:`sim.evaluation.scores.censor`), so every run has a value and indices stay defined.

Conditions (for scenario discovery) are ``OUTCOME OP VALUE`` with OP one of ``< <= > >= == !=``
and VALUE a number or, for a day outcome, an ISO date (converted to its day):
``hub_fell_day>2021-08-31`` is "Kabul held past 31 August". They are parsed, never evaluated.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.scenario.errors import ScenarioError

EVENT_OUTCOMES = ("capitals_fallen_by", "capitals_lost_by", "fell_day", "lost_day")
_EVENT_HELP = ", ".join(h + ":..." for h in EVENT_OUTCOMES)
_FELL = ("capital_fell", "district_fell")
_LOST = (*_FELL, "retreated_to_airport")
_OPS = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_COND = re.compile(r"^\s*(?P<outcome>[\w.:\- ]+?)\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>[^\s<>=!]+)\s*$")


@dataclass(frozen=True)
class Timeline:
    """Day 0 of the runs and the horizon H (last simulated day)."""

    start: dt.date
    horizon_days: int

    def day(self, date: str | dt.date) -> int:
        return (pd.Timestamp(date).date() - self.start).days


def is_day_outcome(spec: str) -> bool:
    """Whether an outcome is a day (censored at H + 1 when the event did not happen)."""
    head = spec.split(":", 1)[0]
    return head in ("fell_day", "lost_day") or head.endswith("_day")


def outcome_label(spec: str) -> str:
    """A readable axis label: ``"lost_day:Kandahar"`` -> ``"day Kandahar is lost"``."""
    head, _, arg = spec.partition(":")
    return {
        "capitals_fallen_by": f"capitals fallen by {arg}",
        "capitals_lost_by": f"capitals lost by {arg}",
        "fell_day": f"day {arg} falls",
        "lost_day": f"day {arg} is lost",
        "hub_fell_day": "day the capital (hub) falls",
    }.get(head, head.replace("_", " "))


def outcome_values(runs: pd.DataFrame, events: pd.DataFrame, spec: str, timeline: Timeline) -> pd.Series:
    """One float per run of a sweep: the outcome ``spec``, indexed by ``(job, replicate)``.

    Parameters
    ----------
    runs : DataFrame
        The merged runs table (``job``, ``replicate`` and the outcome columns).
    events : DataFrame
        The merged events table (``job``, ``replicate``, ``day``, ``event``, ``name``).
    spec : str
        See the module docstring.
    timeline : Timeline
        Start and horizon, for dates and censoring.

    Raises
    ------
    ScenarioError
        For an unknown column or spec, a bad date, or a location name that never appears.
    """
    key = pd.MultiIndex.from_frame(runs[["job", "replicate"]].astype("int64"))
    censor = float(timeline.horizon_days + 1)
    head, sep, arg = spec.partition(":")
    if not sep:
        if spec not in runs.columns:
            numeric = [
                c
                for c in runs.columns
                if pd.api.types.is_numeric_dtype(runs[c]) and c not in ("job", "replicate", "seed")
            ]
            raise ScenarioError(
                "outcome",
                "outcome",
                spec,
                f"a numeric runs column ({', '.join(numeric)}) or one of {_EVENT_HELP}",
            )
        col = runs[spec]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            raise ScenarioError(
                "outcome", "outcome", spec, "a numeric column (for dates use the *_day column)"
            )
        v = pd.to_numeric(col, errors="coerce").astype("float64").to_numpy()
        if is_day_outcome(spec):
            v = np.where(np.isnan(v), censor, v)
        return pd.Series(v, index=key, name=spec)
    if head not in EVENT_OUTCOMES:
        raise ScenarioError(
            "outcome",
            "outcome",
            spec,
            f"a runs column or one of {_EVENT_HELP}",
        )
    ev = events[["job", "replicate", "day", "event", "name", "location_id", "is_capital"]].copy()
    ev["event"] = ev["event"].astype(str)
    if head in ("capitals_fallen_by", "capitals_lost_by"):
        try:
            day = timeline.day(dt.date.fromisoformat(arg))
        except ValueError:
            raise ScenarioError("outcome", head, arg, "an ISO date YYYY-MM-DD") from None
        kinds = (
            ("capital_fell",) if head == "capitals_fallen_by" else ("capital_fell", "retreated_to_airport")
        )
        e = ev[ev["event"].isin(kinds) & ev["is_capital"].astype(bool) & (ev["day"] <= day)]
        e = e.drop_duplicates(["job", "replicate", "location_id"])  # fell after retreating: once
        counts = e.groupby(["job", "replicate"]).size()
        v = counts.reindex(key, fill_value=0).astype("float64").to_numpy()
        return pd.Series(v, index=key, name=spec)
    names = set(ev["name"].dropna().unique())
    if arg not in names:
        close = sorted(n for n in names if n.lower().startswith(arg[:3].lower()))[:5]
        raise ScenarioError(
            "outcome", head, arg, f"a location named in the events ({', '.join(close) or 'e.g. Kabul'})"
        )
    kinds = _FELL if head == "fell_day" else _LOST
    e = ev[(ev["name"] == arg) & ev["event"].isin(kinds)]
    first = e.groupby(["job", "replicate"])["day"].min()
    v = first.reindex(key).astype("float64").to_numpy()
    return pd.Series(np.where(np.isnan(v), censor, v), index=key, name=spec)


@dataclass(frozen=True)
class Condition:
    """``outcome op value``, with the value already in the outcome's unit (days for dates)."""

    outcome: str
    op: str
    value: float
    text: str

    def __call__(self, v: np.ndarray | pd.Series) -> np.ndarray:
        return np.asarray(_OPS[self.op](np.asarray(v, dtype=np.float64), self.value))

    def __str__(self) -> str:
        return self.text


def parse_condition(text: str, timeline: Timeline) -> Condition:
    """Parse ``OUTCOME OP VALUE`` (e.g. ``hub_fell_day>2021-08-31``); never evaluated as code.

    Raises
    ------
    ScenarioError
        When the text is not of that form, or a date is given for an outcome that is not a day.
    """
    m = _COND.match(str(text))
    if not m:
        raise ScenarioError(
            "discover",
            "condition",
            text,
            "OUTCOME OP VALUE, e.g. hub_fell_day>2021-08-31 (OP: < <= > >= == !=)",
        )
    outcome, op, raw = m.group("outcome").strip(), m.group("op"), m.group("value")
    try:
        value = float(raw)
    except ValueError:
        try:
            d = dt.date.fromisoformat(raw)
        except ValueError:
            raise ScenarioError("discover", outcome, raw, "a number or an ISO date YYYY-MM-DD") from None
        if not is_day_outcome(outcome):
            raise ScenarioError(
                "discover", outcome, raw, "a number (only a *_day outcome takes a date)"
            ) from None
        value = float(timeline.day(d))
    return Condition(outcome, op, value, f"{outcome} {op} {raw}")
