"""Observation tables: dated facts to fit the model to, or to score a forecast against.

An observation table is a CSV file with one fact per row and these columns (see
``docs/calibration_howto.md``); only ``date``, ``kind`` and ``source`` are required:

========== ==================================================================================
column     meaning
========== ==================================================================================
date       ISO date ``YYYY-MM-DD`` of the fact (the state at the end of that day)
kind       ``count`` (a number on a date), ``fell`` (a location was lost on that date) or
           ``not_fallen_by`` (a location had not been lost by the end of that date)
quantity   for ``count``: one of :data:`QUANTITIES`; for events: free text (e.g. ``capital``)
location   for events: a ``location_id`` or a location name of the scenario; empty for counts
province   for district counts: restrict the count to one province (empty: the whole country)
value      for ``count``: the observed number; empty for events
of_total   for ``count``: the total the observed number is out of (e.g. 421 district centres in
           the source's list); empty means the model's own total (compare as is)
bound      for ``count``: empty (the value itself), ``lower`` (at least the value: e.g. a count
           compiled from incomplete reports) or ``upper`` (at most the value)
measure    for events: ``lost`` (default: the city is lost, its garrison gone or withdrawn to an
           airport) or ``fell`` (the last holdout ended)
mode       for events: empty, ``without_fight`` (handed over or surrendered), ``after_fight``
           (taken by assault or after a holdout) or ``airport`` (the garrison withdrew to the
           airport)
sd         observation error: a fraction of the total for counts (default 0.03 for the whole
           country, 0.10 for a province), days for events (default 1)
weight     weight of the row in calibration and assimilation (empty = 1; 0 = kept for the
           record only)
source     where the fact comes from (required)
note       free text (optional)
========== ==================================================================================

Counts are compared as *fractions of their total* (``value / of_total`` against
``model_count / model_total``), so a source that lists 421 district centres can be compared with
a model that has 392. A district centre is every location, the provincial centres included: each
is the centre of its own district, and the sources' national counts (AAN's 421, LWJ's 407) and
province totals (LWJ's 28 for Badakhshan, the Guardian's 18 for Herat) count them, as does the
scenario's builder, which scales AAN's 33 of 421 held on 1 May to 31 of 392 (data README,
"Initial control"). Until December 2026 the ``districts_*`` quantities left the capitals out of
both sides (358 in the whole country), so the model's share read about 9 % above the source's
(0.087 against 0.078 on 1 May). Day 0 is the scenario start; a date converts to a day with
``(date - scenario.start).days``.

The project never uses an observation after 7 August 2021 for the 2021 scenario:
:func:`check_data_rule` refuses such a table whenever it is used to calibrate or condition.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outputs import RunResult
from sim.scenario import Scenario, ScenarioError, scenarios_dir

COLUMNS = (
    "date",
    "kind",
    "quantity",
    "location",
    "province",
    "value",
    "of_total",
    "bound",
    "measure",
    "mode",
    "sd",
    "weight",
    "source",
    "note",
)
BOUNDS = ("", "lower", "upper")
MEASURES = ("lost", "fell")
MODES = ("", "without_fight", "after_fight", "airport")
#: Default observation errors (``sd``): counts as a fraction of their total, events in days.
DEFAULT_SD = {"count": 0.03, "count_province": 0.10, "event": 1.0}
KINDS = ("count", "fell", "not_fallen_by")
EVENT_KINDS = ("fell", "not_fallen_by")

#: Count quantities the model reports every day (from the ``sides`` table), with their meaning.
QUANTITIES: dict[str, str] = {
    "capitals_held": "provincial capitals not held by the insurgents (of all capitals)",
    "capitals_fallen": "capitals held by the insurgents (of all capitals)",
    "locations_held": "locations not held by the insurgents (of all locations)",
    "locations_insurgent_held": "locations held by the insurgents (of all locations)",
    "districts_held": "district centres, provincial centres included, not held by the insurgents "
    "(of all of them)",
    "districts_insurgent_held": "district centres, provincial centres included, held by the insurgents "
    "(of all of them)",
    "locations_contested": "locations contested or reduced to an airport holdout (of all locations)",
    "districts_lost_since_start": "district centres, provincial centres included, insurgent-held that "
    "were not at the start (of all of them)",
}
#: Count quantities that may be restricted to a province (``province`` column).
PROVINCE_QUANTITIES = ("districts_held", "districts_insurgent_held", "districts_lost_since_start")

#: Last date a scenario may be fitted to or conditioned on (the project's data rule).
LAST_OBSERVATION_DATE: dict[str, dt.date] = {"afghanistan_2021": dt.date(2021, 8, 7)}


@dataclass(frozen=True)
class Observations:
    """A validated observation table.

    Attributes
    ----------
    table : pandas.DataFrame
        The rows, typed: ``date`` (datetime.date), ``kind``, ``quantity``, ``location``,
        ``value`` and ``of_total`` (float, NaN when empty), ``weight`` (float), ``source``,
        ``note``.
    path : str
        Where it was read from ("" when built in memory).
    sha256 : str
        Hash of the file's bytes (or of the CSV text when built in memory).
    """

    table: pd.DataFrame
    path: str = ""
    sha256: str = ""

    @property
    def last_date(self) -> dt.date:
        """Latest date in the table."""
        return max(self.table["date"])

    def until(self, cutoff: dt.date) -> Observations:
        """Rows dated on or before ``cutoff``."""
        keep = self.table[self.table["date"] <= cutoff].reset_index(drop=True)
        return Observations(keep, self.path, self.sha256)

    def to_csv(self, path: str | Path) -> Path:
        """Write the table in the documented format (atomically: :func:`sim.io.write_with`)."""
        from sim.io import write_with

        df = self.table.copy()
        df["date"] = [d.isoformat() for d in df["date"]]
        return write_with(path, lambda p: df.to_csv(p, index=False, columns=list(COLUMNS)))


def _err(path: str, line: int, col: str, value: object, allowed: str) -> ScenarioError:
    return ScenarioError(path, f"line {line}, column {col!r}", value, allowed)


def resolve_path(spec: str | Path) -> Path:
    """Find an observation file: a path, or a name under ``scenarios/observations/``."""
    p = Path(spec)
    if p.is_file():
        return p
    for cand in (scenarios_dir() / "observations" / p, scenarios_dir() / "observations" / f"{p}.csv"):
        if cand.is_file():
            return cand
    raise ScenarioError(
        "observations",
        "path",
        str(spec),
        f"an existing CSV file or a name in {scenarios_dir() / 'observations'}",
    )


def from_frame(df: pd.DataFrame, path: str = "<table>", sha256: str = "") -> Observations:
    """Validate a raw table (all columns as strings or numbers) and return :class:`Observations`."""
    missing = [c for c in ("date", "kind", "source") if c not in df.columns]
    if missing:
        raise ScenarioError(
            path, "columns", missing[0], f"columns {', '.join(COLUMNS)} (date, kind and source are required)"
        )
    unknown = [c for c in df.columns if c not in COLUMNS]
    if unknown:
        raise ScenarioError(path, "columns", unknown[0], f"only the columns {', '.join(COLUMNS)}")
    df = df.copy()
    for c in COLUMNS:
        if c not in df.columns:
            df[c] = ""
    df = df[list(COLUMNS)].astype(object).fillna("")
    for c in ("kind", "quantity", "location", "province", "bound", "measure", "mode", "source", "note"):
        df[c] = df[c].astype(str).str.strip()
    dates, values, totals, weights, sds = [], [], [], [], []
    for i, row in enumerate(df.itertuples(index=False)):
        line = i + 2
        try:
            dates.append(dt.date.fromisoformat(str(row.date).strip()))
        except ValueError:
            raise _err(path, line, "date", row.date, "an ISO date YYYY-MM-DD") from None
        if row.kind not in KINDS:
            raise _err(path, line, "kind", row.kind, f"one of {', '.join(KINDS)}")
        if not row.source:
            raise _err(path, line, "source", row.source, "a non-empty citation of the fact")
        v, tot, w, sd = _num(row.value), _num(row.of_total), _num(row.weight), _num(row.sd)
        if row.bound not in BOUNDS:
            raise _err(path, line, "bound", row.bound, "empty, lower or upper")
        if row.measure not in ("", *MEASURES):
            raise _err(path, line, "measure", row.measure, "empty (lost), lost or fell")
        if row.mode not in MODES:
            raise _err(path, line, "mode", row.mode, "empty, without_fight, after_fight or airport")
        if sd is not None and not (np.isfinite(sd) and sd > 0):
            raise _err(path, line, "sd", row.sd, "empty (the default) or a number > 0")
        if row.kind == "count":
            if row.quantity not in QUANTITIES:
                raise _err(
                    path, line, "quantity", row.quantity, f"for a count, one of {', '.join(QUANTITIES)}"
                )
            if v is None or not np.isfinite(v) or v < 0:
                raise _err(path, line, "value", row.value, "a number >= 0 for a count")
            if tot is not None and not (np.isfinite(tot) and tot > 0 and v <= tot):
                raise _err(path, line, "of_total", row.of_total, "empty, or a number > 0 and >= value")
            if row.province and row.quantity not in PROVINCE_QUANTITIES:
                raise _err(
                    path,
                    line,
                    "province",
                    row.province,
                    f"empty for {row.quantity!r} (a province only for {', '.join(PROVINCE_QUANTITIES)})",
                )
            if row.measure or row.mode:
                raise _err(
                    path,
                    line,
                    "measure" if row.measure else "mode",
                    row.measure or row.mode,
                    "empty for a count",
                )
        else:
            if not row.location:
                raise _err(
                    path, line, "location", row.location, f"a location_id or name for a {row.kind!r} event"
                )
            if v is not None:
                raise _err(path, line, "value", row.value, f"empty for a {row.kind!r} event")
            if row.bound or row.province:
                raise _err(
                    path,
                    line,
                    "bound" if row.bound else "province",
                    row.bound or row.province,
                    f"empty for a {row.kind!r} event",
                )
            if row.kind == "not_fallen_by" and row.mode:
                raise _err(path, line, "mode", row.mode, "empty for a 'not_fallen_by' event")
        if w is not None and not (np.isfinite(w) and w >= 0):
            raise _err(path, line, "weight", row.weight, "empty (1) or a number >= 0")
        values.append(np.nan if v is None else v)
        totals.append(np.nan if tot is None else tot)
        weights.append(1.0 if w is None else w)
        if sd is None:
            key = "event" if row.kind != "count" else ("count_province" if row.province else "count")
            sd = DEFAULT_SD[key]
        sds.append(sd)
    df["date"] = dates
    df["value"] = np.asarray(values, dtype=np.float64)
    df["of_total"] = np.asarray(totals, dtype=np.float64)
    df["weight"] = np.asarray(weights, dtype=np.float64)
    df["sd"] = np.asarray(sds, dtype=np.float64)
    df.loc[(df["kind"] != "count") & (df["measure"] == ""), "measure"] = "lost"
    if not sha256:
        sha256 = hashlib.sha256(df.to_csv(index=False).encode()).hexdigest()
    return Observations(df.reset_index(drop=True), path, sha256)


def _num(x: object) -> float | None:
    s = str(x).strip()
    if s == "" or s.lower() == "nan":
        return None
    try:
        return float(s)
    except ValueError:
        return float("nan")


def read_observations(spec: str | Path) -> Observations:
    """Read and validate an observation CSV (a path, or a name under ``scenarios/observations/``).

    Raises
    ------
    ScenarioError
        Naming the file, line, column, bad value and what is allowed.
    """
    path = resolve_path(spec)
    raw = path.read_bytes()
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise ScenarioError(
            str(path), "file", path.name, f"a well-formed UTF-8 CSV ({' '.join(str(e).split())})"
        ) from None
    return from_frame(df, str(path), hashlib.sha256(raw).hexdigest())


def check_data_rule(scenario_name: str, obs: Observations) -> None:
    """Refuse observations dated after the scenario's last allowed date (the 2021 data rule)."""
    last = LAST_OBSERVATION_DATE.get(scenario_name)
    if last is None:
        return
    late = obs.table[obs.table["date"] > last]
    if len(late):
        i = int(late.index[0])
        raise _err(
            obs.path or "<table>",
            i + 2,
            "date",
            late["date"].iloc[0].isoformat(),
            f"a date on or before {last.isoformat()}: the project never uses observations "
            f"after that date for the {scenario_name} scenario",
        )


# ---------------------------------------------------------------------------------------------
# The model's side of each observation
# ---------------------------------------------------------------------------------------------
def quantity_totals(scen: Scenario) -> dict[str, int]:
    """The model's total for each count quantity (the denominator of its fraction)."""
    n = int(scen.n_locations)
    caps = len(scen.capital_indices())
    return {
        "capitals_held": caps,
        "capitals_fallen": caps,
        "locations_held": n,
        "locations_insurgent_held": n,
        "districts_held": n,
        "districts_insurgent_held": n,
        "locations_contested": n,
    }


def quantity_array(sides: pd.DataFrame, scen: Scenario, quantity: str) -> np.ndarray:
    """A count quantity as an array of shape (replicates, days + 1) from the ``sides`` table."""
    s = sides.sort_values(["replicate", "day"])
    R = int(s["replicate"].nunique())
    T1 = len(s) // max(R, 1)

    def col(name: str) -> np.ndarray:
        return s[name].to_numpy(np.float64).reshape(R, T1)

    n = float(scen.n_locations)
    caps = float(len(scen.capital_indices()))
    if quantity == "capitals_held":
        return col("capitals_held")
    if quantity == "capitals_fallen":
        return caps - col("capitals_held")
    if quantity == "locations_held":
        return col("locations_held")
    if quantity == "locations_insurgent_held":
        return n - col("locations_held")
    if quantity == "districts_held":
        return col("locations_held")
    if quantity == "districts_insurgent_held":
        return n - col("locations_held")
    if quantity == "locations_contested":
        return col("locations_contested")
    raise KeyError(quantity)


def resolve_location(
    scen_ids: np.ndarray, scen_names: np.ndarray, spec: str, where: str = "observations"
) -> int:
    """Index of a location given its id or its (unique) name."""
    hit = np.flatnonzero(scen_ids == spec)
    if len(hit) == 0:
        hit = np.flatnonzero(scen_names == spec)
    if len(hit) != 1:
        what = "no" if len(hit) == 0 else "more than one"
        raise ScenarioError(
            where, "location", spec, f"a location_id or a unique location name of the scenario ({what} match)"
        )
    return int(hit[0])


def fall_days(res: RunResult, scen: Scenario, indices: list[int]) -> np.ndarray:
    """First fall day of each location in ``indices`` per replicate; -1 where it never fell.

    Returns
    -------
    numpy.ndarray
        Shape (replicates, len(indices)), integer days.
    """
    R = len(res.seeds)
    out = np.full((R, len(indices)), -1, dtype=np.int64)
    if not indices:
        return out
    ids = scen.locations["location_id"]
    want = {str(ids[i]): k for k, i in enumerate(indices)}
    ev = res.events
    ev = ev[ev["event"].isin(["district_fell", "capital_fell"]) & ev["location_id"].isin(list(want))]
    if len(ev):
        first = ev.groupby(["replicate", "location_id"], observed=True)["day"].min().reset_index()
        out[first["replicate"].to_numpy(int), first["location_id"].map(want).to_numpy(int)] = first[
            "day"
        ].to_numpy(int)
    # Capitals: the summary is authoritative (it is what `fell_day` means elsewhere).
    summ = res.summary[res.summary["location_id"].isin(list(want))]
    if len(summ):
        k = summ["location_id"].map(want).to_numpy(int)
        fd = summ["fell_day"].astype("float64").to_numpy()
        out[summ["replicate"].to_numpy(int), k] = np.where(np.isnan(fd), -1, fd).astype(np.int64)
    return out
