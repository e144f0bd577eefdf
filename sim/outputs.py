"""Outputs: tidy tables (pandas) of a run or an ensemble, and their Parquet files.

Tables, all long format keyed by (replicate, day, entity):

* ``summary`` - one row per replicate and capital: ``replicate, seed, location_id, name,
  province, fell_day, fell_date, mode`` (``fell_day`` is <NA> when it held to the horizon).
* ``runs`` - one row per replicate: ``replicate, seed, capitals_fallen, capitals_held_final,
  districts_lost, hub_fell_day, hub_fell_date`` (the hub is the national capital, Kabul in
  2021), ``report_date, capitals_fallen_by_report`` (``report.by_date`` of the config) and the
  personnel accounting (``gov_casualties`` ... ``equipment_captured``).
* ``events`` - the typed event log: ``replicate, day, date, event, location_id, name,
  is_capital, value, mode``.
* ``sides`` - daily per side: ``gov_present, ins_present, capitals_held, locations_held,
  locations_contested, reserve, in_transit`` and the cumulative accounting columns.
* ``series`` - daily per location (when recorded): ``control, gov_strength, gov_morale,
  ins_strength``.

:meth:`RunResult.to_parquet` writes every table plus ``config.yaml`` (the resolved config with
the seeds) into a directory atomically (a temporary directory renamed into place), and
:func:`read_parquet` reads it back.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from sim.io import atomic_dir, file_mode
from sim.io import read_parquet as read_table
from sim.kernels import codes as C
from sim.kernels.step import SIDE_LABELS
from sim.lazy import lazy_module
from sim.paths import PathError
from sim.scenario import Scenario
from sim.world import State

pd = lazy_module("pandas")  # imported on first use (sim.lazy)

TABLES = ("summary", "runs", "events", "sides", "series")
#: The files :meth:`RunResult.to_parquet` writes (and the only ones it ever replaces).
RESULT_FILES = (*(f"{t}.parquet" for t in TABLES), "config.yaml")


def _dates(start: dt.date, days: np.ndarray) -> pd.Series:
    return pd.to_datetime(start) + pd.to_timedelta(np.asarray(days), unit="D")


class RunResult:
    """Results of one run or an ensemble; see the module docstring for the columns.

    Tables are built on first access (a 1,000-replicate ensemble returns as soon as the kernel
    is done) and then kept; ``RunResult(name, config_yaml, seeds, summary=df_or_callable, ...)``.
    """

    def __init__(
        self,
        scenario_name: str,
        config_yaml: str | Callable[[], str],
        seeds: np.ndarray,
        **tables: pd.DataFrame | Callable[[], pd.DataFrame],
    ) -> None:
        missing = set(TABLES) - set(tables)
        if missing:
            raise ValueError(f"missing tables: {sorted(missing)}")
        self.scenario_name = scenario_name
        self._config_yaml = config_yaml
        self.seeds = np.asarray(seeds)
        self._tables: dict[str, pd.DataFrame | Callable[[], pd.DataFrame]] = dict(tables)

    @property
    def config_yaml(self) -> str:
        """The resolved config of the run (with its seed), as YAML."""
        if not isinstance(self._config_yaml, str):
            self._config_yaml = self._config_yaml()
        return self._config_yaml

    def _table(self, name: str) -> pd.DataFrame:
        t = self._tables[name]
        if not isinstance(t, pd.DataFrame):
            t = self._tables[name] = t()
        return t

    summary = property(lambda self: self._table("summary"), doc="Capital falls per replicate.")
    runs = property(lambda self: self._table("runs"), doc="One row per replicate.")
    events = property(lambda self: self._table("events"), doc="The typed event log.")
    sides = property(lambda self: self._table("sides"), doc="Daily per-side series.")
    series = property(lambda self: self._table("series"), doc="Daily per-location series.")

    @classmethod
    def from_arrays(
        cls,
        scen: Scenario,
        seeds: np.ndarray,
        st: State,
        side: np.ndarray,
        acc: np.ndarray,
        loc_ctrl: np.ndarray,
        loc_gov: np.ndarray,
        loc_morale: np.ndarray,
        loc_ins: np.ndarray,
        backend: str = "numba",
    ) -> RunResult:
        """Build the tables from the arrays a run left behind."""
        R = len(seeds)
        loc = scen.locations
        ids, names = loc["location_id"], loc["name"]
        caps = scen.capital_indices()
        is_cap = loc["is_capital"]
        start = scen.start
        T1 = side.shape[1]

        def summary() -> pd.DataFrame:
            # summary: replicate x capital
            rep = np.repeat(np.arange(R), len(caps))
            capcol = np.tile(caps, R)
            fell = st.fell_day[rep, capcol]
            lost = st.lost_day[rep, capcol]
            summary = pd.DataFrame(
                {
                    "replicate": rep,
                    "seed": seeds[rep],
                    "location_id": ids[capcol],
                    "name": names[capcol],
                    "province": loc["province"][capcol],
                    "lost_day": pd.array(np.where(lost >= 0, lost, 0), dtype="Int64"),
                    "fell_day": pd.array(np.where(fell >= 0, fell, 0), dtype="Int64"),
                    "mode": pd.Categorical(
                        np.array(C.FALL_MODES, dtype=object)[st.fall_mode[rep, capcol]],
                        categories=C.FALL_MODES,
                    ),
                    "lost_mode": pd.Categorical(
                        np.array(C.LOST_MODES, dtype=object)[st.lost_mode[rep, capcol]],
                        categories=C.LOST_MODES,
                    ),
                }
            )
            summary.loc[fell < 0, "fell_day"] = pd.NA
            summary.loc[lost < 0, "lost_day"] = pd.NA
            summary["lost_date"] = pd.to_datetime(start) + pd.to_timedelta(
                summary["lost_day"].astype("float64"), unit="D"
            )
            summary["fell_date"] = pd.to_datetime(start) + pd.to_timedelta(
                summary["fell_day"].astype("float64"), unit="D"
            )
            summary = summary[
                [
                    "replicate",
                    "seed",
                    "location_id",
                    "name",
                    "province",
                    "lost_day",
                    "lost_date",
                    "fell_day",
                    "fell_date",
                    "mode",
                    "lost_mode",
                ]
            ]
            summary = summary.sort_values(
                ["replicate", "lost_day", "fell_day", "location_id"], na_position="last", kind="stable"
            ).reset_index(drop=True)
            return summary

        def runs() -> pd.DataFrame:
            # runs
            hub = int(caps[np.argmax(loc["value"][caps])])
            hub_day = st.fell_day[:, hub]
            runs = pd.DataFrame(
                {
                    "replicate": np.arange(R),
                    "seed": seeds,
                    "capitals_fallen": (st.fell_day[:, is_cap] >= 0).sum(axis=1),
                    "capitals_held_final": side[:, -1, 2].astype(np.int64),
                    "districts_lost": (
                        (st.ctrl[:, ~is_cap] == C.INSURGENT)
                        & (loc["initial_control"][~is_cap] != C.INSURGENT)
                    ).sum(axis=1),
                    "hub_fell_day": pd.array(np.where(hub_day >= 0, hub_day, 0), dtype="Int64"),
                }
            )
            runs.loc[hub_day < 0, "hub_fell_day"] = pd.NA
            runs["government_collapsed_day"] = pd.array(np.maximum(st.collapsed, 0), dtype="Int64")
            runs.loc[st.collapsed < 0, "government_collapsed_day"] = pd.NA
            rday = scen.report_day
            fd = st.fell_day[:, is_cap]
            runs["report_date"] = pd.to_datetime(start) + pd.to_timedelta(np.full(R, float(rday)), unit="D")
            runs["capitals_fallen_by_report"] = ((fd >= 0) & (fd <= rday)).sum(axis=1)
            ld = st.lost_day[:, is_cap]
            runs["capitals_lost_by_report"] = ((ld >= 0) & (ld <= rday)).sum(axis=1)
            runs["hub_fell_date"] = pd.to_datetime(start) + pd.to_timedelta(
                runs["hub_fell_day"].astype("float64"), unit="D"
            )
            for k, lab in enumerate(C.ACC_LABELS):
                runs[lab] = st.acc[:, k]
            runs["backend"] = backend
            return runs

        def events() -> pd.DataFrame:
            # events
            n = st.log_n
            erep = np.concatenate([np.full(int(n[r]), r) for r in range(R)]) if R else np.zeros(0, int)
            eidx = np.concatenate([np.arange(int(n[r])) for r in range(R)]) if R else np.zeros(0, int)
            eday = st.log_day[erep, eidx]
            ekind = st.log_kind[erep, eidx].astype(np.int64)
            eloc = st.log_loc[erep, eidx]
            evalue = st.log_val[erep, eidx]
            has_loc = eloc >= 0
            safe = np.where(has_loc, eloc, 0)
            is_fall = (ekind == C.LOG_DISTRICT_FELL) | (ekind == C.LOG_CAPITAL_FELL)
            mode = np.where(
                is_fall, np.array(C.FALL_MODES, dtype=object)[np.where(is_fall, evalue, 0).astype(int)], None
            )
            events = pd.DataFrame(
                {
                    "replicate": erep,
                    "seed": seeds[erep] if R else [],
                    "day": eday,
                    "date": _dates(start, eday),
                    "event": pd.Categorical(
                        np.array(C.LOG_LABELS, dtype=object)[ekind], categories=C.LOG_LABELS
                    ),
                    "location_id": np.where(has_loc, ids[safe], None),
                    "name": np.where(has_loc, names[safe], None),
                    "is_capital": np.where(has_loc, is_cap[safe], False),
                    "value": np.where(is_fall, np.nan, evalue),
                    "mode": mode,
                }
            )
            return events

        def sides() -> pd.DataFrame:
            # sides
            srep = np.repeat(np.arange(R), T1)
            sday = np.tile(np.arange(T1), R)
            sides = pd.DataFrame(
                {"replicate": srep, "seed": seeds[srep], "day": sday, "date": _dates(start, sday)}
            )
            for k, lab in enumerate(SIDE_LABELS):
                sides[lab] = side[:, :, k].ravel()
            for k, lab in enumerate(C.ACC_LABELS):
                sides[lab] = acc[:, :, k].ravel()
            return sides

        def series() -> pd.DataFrame:
            # series
            if loc_ctrl.shape[0]:
                N = loc_ctrl.shape[2]
                rr = np.repeat(np.arange(R), T1 * N)
                dd = np.tile(np.repeat(np.arange(T1), N), R)
                ll = np.tile(np.arange(N), R * T1)
                series = pd.DataFrame(
                    {
                        "replicate": rr,
                        "seed": seeds[rr],
                        "day": dd,
                        "date": _dates(start, dd),
                        "location_id": pd.Categorical(ids[ll]),
                        "control": pd.Categorical(
                            np.array(C.CONTROL_LABELS, dtype=object)[loc_ctrl.ravel()],
                            categories=C.CONTROL_LABELS,
                        ),
                        "gov_strength": loc_gov.ravel(),
                        "gov_morale": loc_morale.ravel(),
                        "ins_strength": loc_ins.ravel(),
                    }
                )
            else:
                series = pd.DataFrame(
                    columns=[
                        "replicate",
                        "seed",
                        "day",
                        "date",
                        "location_id",
                        "control",
                        "gov_strength",
                        "gov_morale",
                        "ins_strength",
                    ]
                )
            return series

        def config_yaml() -> str:
            cfg = OmegaConf.to_container(scen.config, resolve=True)
            cfg["seed"] = int(seeds[0]) if R else 0
            cfg["replicates"] = R
            cfg["backend"] = backend
            return OmegaConf.to_yaml(cfg)

        return cls(
            scenario_name=scen.name,
            config_yaml=config_yaml,
            seeds=np.asarray(seeds),
            summary=summary,
            runs=runs,
            events=events,
            sides=sides,
            series=series,
        )

    # ---------------------------------------------------------------- views
    @property
    def capitals_held(self) -> pd.DataFrame:
        """Capitals held by the government per day (replicate x day)."""
        return self.sides[["replicate", "seed", "day", "date", "capitals_held"]]

    def falls(self, replicate: int = 0) -> pd.DataFrame:
        """The capitals that fell in one replicate, in order."""
        s = self.summary
        return s[(s.replicate == replicate) & s.fell_day.notna()].reset_index(drop=True)

    def __repr__(self) -> str:
        R = len(self.seeds)
        fallen = self.runs["capitals_fallen"]
        return (
            f"<RunResult {self.scenario_name!r}: {R} replicate(s), capitals fallen median "
            f"{fallen.median():.0f} (min {fallen.min()}, max {fallen.max()}), "
            f"{len(self.events)} events>"
        )

    # ---------------------------------------------------------------- files
    def to_parquet(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write every table and ``config.yaml`` into the new directory ``path``, atomically.

        The tables are written into a temporary directory beside ``path`` that is renamed into
        place whole, so ``path`` holds a complete result or nothing.

        Parameters
        ----------
        path : str or PathLike
            A directory that does not exist yet, or an empty one.
        overwrite : bool, default False
            Replace an earlier result written by ``to_parquet`` at ``path`` (only its own files
            are removed). A directory holding anything else is never replaced.

        Raises
        ------
        sim.paths.PathError
            When ``path`` holds other files (or an earlier result and ``overwrite`` is False), is
            the working directory, or cannot be written; nothing is changed.
        """

        def earlier_result(p: Path) -> list[str] | None:
            names = {f.name for f in p.iterdir()}
            if not names <= set(RESULT_FILES) or "config.yaml" not in names:
                return None
            if not all((p / n).is_file() and not (p / n).is_symlink() for n in names):
                return None
            return sorted(names)

        target = Path(path)
        if not overwrite and target.is_dir() and any(target.iterdir()) and earlier_result(target):
            raise PathError(
                "RunResult.to_parquet",
                "path",
                str(target),
                "a new or empty directory (this one holds an earlier result; pass overwrite=True "
                "to replace it)",
            )
        with atomic_dir(path, replace_if=earlier_result, what="RunResult.to_parquet") as tmp:
            for name in TABLES:
                getattr(self, name).to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / "config.yaml").write_text(self.config_yaml, encoding="utf-8")
            for f in tmp.iterdir():
                os.chmod(f, file_mode())
        return Path(path)


def read_parquet(path: str | os.PathLike) -> RunResult:
    """Read a directory written by :meth:`RunResult.to_parquet`.

    Raises
    ------
    sim.paths.PathError
        One line naming the directory or file when it is not such a directory, or a file in it
        is missing, truncated or corrupt.
    """
    path = Path(path)
    if not path.is_dir():
        raise PathError("read_parquet", "path", str(path), "a directory written by RunResult.to_parquet")
    what = "a table written by RunResult.to_parquet"
    tables = {name: read_table(path / f"{name}.parquet", what) for name in TABLES}
    cfg_path = path / "config.yaml"
    if not cfg_path.is_file():
        raise PathError(str(path), "file", "config.yaml", "the config written by RunResult.to_parquet")
    cfg_yaml = cfg_path.read_text(encoding="utf-8")
    cfg = OmegaConf.create(cfg_yaml)
    seeds = np.asarray(tables["runs"]["seed"].to_numpy())
    return RunResult(scenario_name=str(cfg.name), config_yaml=cfg_yaml, seeds=seeds, **tables)
