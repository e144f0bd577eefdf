"""The results store: what each sweep job writes, how a sweep is merged, and how to open it.

Layout of a sweep directory (``hydra.sweep.dir``)::

    <sweep>/
      0/ 1/ ...             one Hydra job directory per point of the sweep
        .hydra/config.yaml  the job's resolved config (written by Hydra)
        runs.parquet        one row per replicate: swept parameters, seed, config_hash, outcomes
        events.parquet      the typed event log
        series.parquet      daily per-side series (``sides``)
        done.json           written last: the job is complete (used to resume)
        failure.json        instead of the above when the job failed
      runs.parquet          merged by :class:`MergeCallback` when the multirun ends
      events.parquet
      series/job=N/part-0.parquet
      failures.parquet      one row per failed job (may be empty)

Every file is written to a temporary name in the same directory and renamed into place, so an
interrupted job never leaves a half-written result: a job without ``done.json`` is simply run
again by the next ``conflict-sim -m ... hydra.sweep.dir=<sweep>`` (resume). Merging reads only
these files, never in-memory state, since launchers run jobs in other processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.outputs import RunResult

DONE = "done.json"
FAILURE = "failure.json"
RUN_SETTINGS = ("seed", "replicates", "backend")


# ------------------------------------------------------------------------------ atomic files
def _atomic(path: Path, write: Any) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, write: Any) -> None:
    """Write a file whole or not at all: ``write(tmp)`` into a temporary name beside ``path``,
    then rename it into place (the one helper for atomic writes)."""
    _atomic(Path(path), write)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    _atomic(Path(path), lambda p: p.write_text(text, encoding="utf-8"))


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet atomically."""
    _atomic(path, lambda p: df.to_parquet(p, index=False))


def save_figure(fig: Any, path: Path, dpi: int = 110) -> Path:
    """Save a matplotlib figure atomically (format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    fmt = path.suffix.lstrip(".") or "png"
    try:
        _atomic(path, lambda p: fig.savefig(p, dpi=dpi, format=fmt))
    finally:
        plt.close(fig)
    return path


def write_json(obj: Any, path: Path) -> None:
    """Write JSON atomically."""
    _atomic(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=str)))


# ------------------------------------------------------------------------------ one job
def config_hash(cfg: DictConfig) -> str:
    """SHA-256 (first 16 hex digits) of the resolved config without the ``hydra`` node."""
    c = OmegaConf.to_container(cfg, resolve=True)
    c.pop("hydra", None)
    return hashlib.sha256(OmegaConf.to_yaml(OmegaConf.create(c)).encode()).hexdigest()[:16]


def parse_overrides(overrides: Iterable[str]) -> dict[str, str]:
    """``["a.b=1", "+sweep=x"]`` -> ``{"a.b": "1"}`` (group selections like +sweep are kept)."""
    out: dict[str, str] = {}
    for o in overrides:
        if "=" not in o:
            continue
        k, v = o.split("=", 1)
        out[k.lstrip("+~")] = v
    return out


def job_is_done(job_dir: Path, chash: str) -> bool:
    """Whether ``job_dir`` holds a complete result for this config hash (resume)."""
    p = job_dir / DONE
    if not p.is_file():
        return False
    try:
        return json.loads(p.read_text()).get("config_hash") == chash
    except (OSError, ValueError):
        return False


def write_job(res: RunResult, job_dir: Path, swept: dict[str, str], chash: str, job_num: int) -> None:
    """Write one job's tables into its directory; ``done.json`` last."""
    (job_dir / FAILURE).unlink(missing_ok=True)

    def tag(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df.insert(0, "job", job_num)
        pos = 1
        for k, v in swept.items():
            if k in df.columns:  # e.g. seed: the table already holds each replicate's seed
                continue
            df.insert(pos, k, v)
            pos += 1
        df["config_hash"] = chash
        return df

    write_parquet(tag(res.runs), job_dir / "runs.parquet")
    write_parquet(tag(res.events), job_dir / "events.parquet")
    write_parquet(tag(res.sides), job_dir / "series.parquet")
    write_json(
        {"config_hash": chash, "job": job_num, "swept": swept, "replicates": len(res.seeds)}, job_dir / DONE
    )


def write_failure(job_dir: Path, swept: dict[str, str], job_num: int, err: BaseException) -> None:
    """Record a failed job (its error and overrides) in ``failure.json``."""
    (job_dir / DONE).unlink(missing_ok=True)
    write_json(
        {
            "job": job_num,
            "swept": swept,
            "error_type": type(err).__name__,
            "error": str(err),
            "traceback": "".join(traceback.format_exception(err))[-4000:],
        },
        job_dir / FAILURE,
    )


# ------------------------------------------------------------------------------ merge
def _job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted(
        (p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name)
    )


def merge_sweep(sweep_dir: str | os.PathLike) -> dict[str, int]:
    """Merge the job files of a sweep into ``runs.parquet``, ``events.parquet``, ``series/``
    and ``failures.parquet``; returns counts ``{"jobs", "done", "failed", "rows"}``."""
    sweep_dir = Path(sweep_dir)
    runs, events, failures = [], [], []
    series_root = sweep_dir / "series"
    jobs = _job_dirs(sweep_dir)
    for jd in jobs:
        if (jd / DONE).is_file():
            runs.append(pd.read_parquet(jd / "runs.parquet"))
            events.append(pd.read_parquet(jd / "events.parquet"))
            s = pd.read_parquet(jd / "series.parquet").drop(columns="job")  # the partition key
            write_parquet(s, series_root / f"job={int(jd.name)}" / "part-0.parquet")
        elif (jd / FAILURE).is_file():
            f = json.loads((jd / FAILURE).read_text())
            failures.append(
                {
                    "job": f["job"],
                    "error_type": f["error_type"],
                    "error": f["error"],
                    "overrides": json.dumps(f["swept"]),
                    **f["swept"],
                }
            )
    if runs:
        write_parquet(pd.concat(runs, ignore_index=True), sweep_dir / "runs.parquet")
        write_parquet(pd.concat(events, ignore_index=True), sweep_dir / "events.parquet")
    fail_df = pd.DataFrame(
        failures, columns=None if failures else ["job", "error_type", "error", "overrides"]
    )
    write_parquet(fail_df, sweep_dir / "failures.parquet")
    return {
        "jobs": len(jobs),
        "done": len(runs),
        "failed": len(failures),
        "rows": int(sum(len(r) for r in runs)),
    }


class MergeCallback(Callback):
    """Hydra callback: merge every job's files when a multirun ends, print the headline table."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():
            return
        counts = merge_sweep(sweep_dir)
        print(f"merged {counts['done']} of {counts['jobs']} jobs ({counts['rows']} runs) into {sweep_dir}")
        if counts["done"]:
            with pd.option_context("display.width", 140, "display.max_columns", 20):
                print(headline_table(open_sweep(sweep_dir).runs).to_string(index=False, max_rows=40))
        if counts["failed"]:
            print(f"{counts['failed']} job(s) failed: see {sweep_dir / 'failures.parquet'}")


# ------------------------------------------------------------------------------ open
@dataclass
class Sweep:
    """A merged sweep: tables as DataFrames plus a DuckDB connection with them as views."""

    path: Path
    runs: pd.DataFrame
    events: pd.DataFrame
    failures: pd.DataFrame
    _con: Any = field(default=None, repr=False)

    @property
    def series(self) -> pd.DataFrame:
        """Daily per-side series of every job (read on demand; can be large)."""
        root = self.path / "series"
        if not root.is_dir():
            return pd.DataFrame()
        df = pd.read_parquet(root)
        df["job"] = df["job"].astype(int)
        return df

    @property
    def params(self) -> list[str]:
        """The swept parameter columns."""
        return swept_columns(self.runs)

    @property
    def con(self) -> Any:
        """A DuckDB connection with views ``runs``, ``events``, ``series``, ``failures``."""
        if self._con is None:
            import duckdb

            con = duckdb.connect()
            for name in ("runs", "events", "failures"):
                p = self.path / f"{name}.parquet"
                if p.is_file():
                    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{p}')")
            if (self.path / "series").is_dir():
                con.execute(
                    "CREATE VIEW series AS SELECT * FROM read_parquet("
                    f"'{self.path / 'series'}/*/*.parquet', hive_partitioning=true)"
                )
            self._con = con
        return self._con

    def sql(self, query: str) -> pd.DataFrame:
        """Run a SQL query over the views and return a DataFrame."""
        return self.con.execute(query).df()


def open_sweep(path: str | os.PathLike) -> Sweep:
    """Open a merged sweep directory (merging first if the multirun did not finish)."""
    path = Path(path)
    if not (path / "runs.parquet").is_file() and any(path.glob("*/done.json")):
        merge_sweep(path)
    if not (path / "runs.parquet").is_file():
        raise FileNotFoundError(f"{path}: no runs.parquet (is this a conflict-sim sweep dir?)")
    fails = path / "failures.parquet"
    return Sweep(
        path=path,
        runs=pd.read_parquet(path / "runs.parquet"),
        events=pd.read_parquet(path / "events.parquet"),
        failures=pd.read_parquet(fails) if fails.is_file() else pd.DataFrame(),
    )


def swept_columns(runs: pd.DataFrame) -> list[str]:
    """Override columns of a runs table that vary across jobs (all of them if none varies)."""
    cols = list(runs.columns)
    if "replicate" not in cols:
        return []
    cand = [c for c in cols[1 : cols.index("replicate")] if c != "config_hash"]
    varying = [c for c in cand if runs[c].nunique() > 1]
    return varying or cand


def headline_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per sweep point: capitals fallen by the report date and the hub's (Kabul's) fall date.

    Columns: the swept parameters, ``replicates``, ``capitals_fallen_by`` (median and 10-90%
    interval), ``p_hub_falls`` and ``hub_fell_date`` (median, 10-90% among runs where it fell).
    """
    keys = swept_columns(runs) or ["job"]
    runs = runs.copy()
    for k in keys:  # numeric parameters sort as numbers
        num = pd.to_numeric(runs[k], errors="coerce")
        if num.notna().all():
            runs[k] = num
    rows = []
    for key, g in runs.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        c = g["capitals_fallen_by_report"]
        hub = g["hub_fell_date"].dropna()
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "replicates": len(g),
                "report_date": str(g["report_date"].iloc[0])[:10],
                "capitals_fallen_by": f"{c.median():.0f} [{c.quantile(0.1):.0f}-{c.quantile(0.9):.0f}]",
                "p_hub_falls": round(len(hub) / len(g), 2),
                "hub_fell_date": (
                    f"{hub.median():%Y-%m-%d} [{hub.quantile(0.1):%m-%d}..{hub.quantile(0.9):%m-%d}]"
                    if len(hub)
                    else "held"
                ),
            }
        )
    return pd.DataFrame(rows)
