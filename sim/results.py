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

import fcntl
import functools
import hashlib
import json
import os
import socket
import sys
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.io import atomic_dir, ensure_dir, file_mode, read_parquet, save_figure, write_json, write_parquet
from sim.outputs import RunResult
from sim.paths import PathError
from sim.scenario.errors import ScenarioError

__all__ = [
    "MergeCallback",
    "Sweep",
    "SweepError",
    "coerce_param",
    "config_hash",
    "headline_table",
    "job_is_done",
    "merge_sweep",
    "open_sweep",
    "parse_overrides",
    "save_figure",
    "swept_columns",
    "write_failure",
    "write_job",
    "write_json",
    "write_parquet",
]

DONE = "done.json"
FAILURE = "failure.json"
MANIFEST = "sweep.json"
LOCK = ".sweep.lock"
JOB_FILES = ("runs.parquet", "events.parquet", "series.parquet")
MERGED_FILES = ("runs.parquet", "events.parquet", "failures.parquet")
RUN_SETTINGS = ("seed", "replicates", "backend")
_DATE_RE = r"\d{4}-\d{2}-\d{2}"


class SweepError(PathError):
    """A sweep directory cannot be used as asked (another sweep's, in use, damaged): one line."""


# ------------------------------------------------------------------------------ one job
def config_hash(cfg: DictConfig) -> str:
    """SHA-256 (first 16 hex digits) of the resolved config without the ``hydra`` node, written
    as JSON in the config's key order (4 ms; as YAML it took 80 ms, once a job)."""
    c = OmegaConf.to_container(cfg, resolve=True)
    c.pop("hydra", None)
    text = json.dumps(c, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_overrides(overrides: Iterable[str]) -> dict[str, str]:
    """``["a.b=1", "+sweep=x"]`` -> ``{"a.b": "1"}`` (group selections like +sweep are kept)."""
    out: dict[str, str] = {}
    for o in overrides:
        if "=" not in o:
            continue
        k, v = o.split("=", 1)
        out[k.lstrip("+~")] = v
    return out


def typed_swept(cfg: DictConfig, overrides: Iterable[str]) -> dict[str, Any]:
    """The swept values of a job, typed as the schema types them (``4000.0``, not ``"4000"``).

    A value is read back from the job's composed config, so ``reserve.commandos=4000`` becomes the
    float 4000.0 and ``model.withdrawal.end=2021-08-31`` a timestamp; a config-group choice
    (``+sweep=reserve``, ``scenario=synthetic``) stays a string.
    """
    import re

    out: dict[str, Any] = {}
    for k, raw in parse_overrides(overrides).items():
        v = OmegaConf.select(cfg, k, default=None, throw_on_missing=False)
        if isinstance(v, bool | int | float):
            out[k] = v
        elif isinstance(v, str) and re.fullmatch(_DATE_RE, v):
            out[k] = pd.Timestamp(v)
        elif isinstance(v, str):
            out[k] = v
        else:
            out[k] = raw
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A short hash of the ``sim`` package's Python sources (every ``*.py`` under it, by relative
    path and bytes): part of a job's identity, so a sweep resumed after the model's code changed
    runs its points again instead of merging results of two versions of the model."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(f.relative_to(root).as_posix().encode() + b"\0")
        h.update(f.read_bytes())
    return f"code:{h.hexdigest()[:16]}"


def job_status(job_dir: Path, chash: str, data_fp: str | None = None, code_fp: str | None = None) -> str:
    """``"done"`` when ``job_dir`` holds a complete, intact result of this config (and data, and
    code: :func:`code_fingerprint`), else why not: ``"not run"``, ``"other config"``, ``"other
    data"``, ``"other code"`` or ``"damaged: FILE"``.

    A result is intact when every file listed in ``done.json`` has the size and SHA-256 recorded
    there when it was written: a truncated or replaced file beside a valid marker is run again.
    """
    p = job_dir / DONE
    if not p.is_file():
        return "not run"
    try:
        marker = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"damaged: {DONE}"
    if marker.get("config_hash") != chash:
        return "other config"
    if data_fp is not None and marker.get("data_fingerprint") != data_fp:
        return "other data"
    if code_fp is not None and marker.get("code_fingerprint") != code_fp:
        return "other code"
    files = marker.get("files")
    if not isinstance(files, dict) or set(files) != set(JOB_FILES):
        return f"damaged: {DONE}"
    for name, meta in files.items():
        f = job_dir / name
        try:
            if f.stat().st_size != meta["size"] or _sha256(f) != meta["sha256"]:
                return f"damaged: {name}"
        except (OSError, KeyError, TypeError):
            return f"damaged: {name}"
    return "done"


def job_is_done(job_dir: Path, chash: str, data_fp: str | None = None) -> bool:
    """Whether ``job_dir`` holds a complete, intact result for this config hash (resume)."""
    return job_status(job_dir, chash, data_fp) == "done"


def write_job(
    res: RunResult,
    job_dir: Path,
    swept: dict[str, Any],
    chash: str,
    job_num: int,
    data_fp: str = "",
    code_fp: str = "",
) -> None:
    """Write one job's tables into its directory; ``done.json`` (with each file's size and
    SHA-256, the config hash and the data and code fingerprints) last."""
    (job_dir / DONE).unlink(missing_ok=True)
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

    files = {}
    for name, table in zip(JOB_FILES, (res.runs, res.events, res.sides), strict=True):
        write_parquet(tag(table), job_dir / name)
        files[name] = {"size": (job_dir / name).stat().st_size, "sha256": _sha256(job_dir / name)}
    write_json(
        {
            "config_hash": chash,
            "data_fingerprint": data_fp,
            "code_fingerprint": code_fp,
            "job": job_num,
            "swept": {k: str(v) for k, v in swept.items()},
            "replicates": len(res.seeds),
            "files": files,
        },
        job_dir / DONE,
    )


def write_failure(job_dir: Path, swept: dict[str, Any], job_num: int, err: BaseException) -> None:
    """Record a failed job (its error and overrides) in ``failure.json``."""
    (job_dir / DONE).unlink(missing_ok=True)
    write_json(
        {
            "job": job_num,
            "swept": {k: str(v) for k, v in swept.items()},
            "error_type": type(err).__name__,
            "error": str(err),
            "traceback": "".join(traceback.format_exception(err))[-4000:],
        },
        job_dir / FAILURE,
    )


# ------------------------------------------------------------------------------ sweep identity
def sweep_jobs(config: DictConfig) -> list[list[str]]:
    """The overrides of every job of a multirun, as Hydra's basic sweeper expands them.

    ``hydra.sweeper.params`` (from a preset) come first and the command line's overrides after
    them, so a command-line value of the same key wins, exactly as in the sweeper.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = OmegaConf.select(config, "hydra.sweeper.params", default=None) or {}
    task = list(OmegaConf.select(config, "hydra.overrides.task", default=[]) or [])
    if not OmegaConf.is_dict(params) and not isinstance(params, dict):
        # a design sweeper (``hydra/sweeper=explore``: params is a list of ranges): its jobs are
        # the design's points (raises ScenarioError for a bad design)
        from sim.explore.sweeper import design_of

        settings = OmegaConf.to_container(config.hydra.sweeper, resolve=True)
        assert isinstance(settings, dict)
        design = design_of(config, task, {str(k): v for k, v in settings.items()})
        return [[*task, *pt] for pt in design.all_overrides()]
    args = [f"{k}={v}" for k, v in params.items()]
    args += task
    parsed = OverridesParser.create().parse_overrides(args)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def _canonical(jobs: list[list[str]]) -> list[list[str]]:
    """Jobs with their overrides sorted: the order of words on the command line does not change
    a sweep, the numbering of its jobs does."""
    return [sorted(j) for j in jobs]


def sweep_manifest(config: DictConfig) -> dict[str, Any]:
    """The identity of a multirun: its jobs' overrides and the fingerprint of the data they read.

    Two runs into one sweep directory are the same sweep (so the second resumes the first) exactly
    when their manifests have the same ``identity``.
    """
    from sim.scenario import compose_config
    from sim.scenario.load import data_fingerprint, roots_of_hydra, scenario_root

    jobs = sweep_jobs(config)
    roots = roots_of_hydra(config)
    searchpath = [f"hydra.searchpath=[{','.join(f'file://{r}' for r in roots[1:])}]"] if roots[1:] else []
    data_keys = ("scenario", "data.dir", "data.kind", "fit")
    fps: dict[str, str] = {}
    for job in jobs:
        sel = [o for o in job if o.split("=", 1)[0].lstrip("+~") in data_keys]
        key = " ".join(sel)
        if key in fps:
            continue
        if not sel:
            fps[key] = data_fingerprint(config, scenario_root(config, roots))
        else:
            names = [o.split("=", 1)[1] for o in sel if o.split("=", 1)[0] == "scenario"]
            rest = [o for o in sel if o.split("=", 1)[0] != "scenario"]
            cfg = compose_config(*(names[-1:] or [str(config.name)]), overrides=[*rest, *searchpath])
            fps[key] = data_fingerprint(cfg, scenario_root(cfg, roots))
    body = {"jobs": _canonical(jobs), "data_fingerprints": fps}
    identity = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return {"format": 1, "identity": identity, **body}


class SweepLock:
    """An exclusive lock on a sweep directory (``flock`` on ``.sweep.lock``), held by the process
    that runs a multirun from its start to its merge; released when that process ends."""

    def __init__(self, sweep_dir: Path) -> None:
        self.path = sweep_dir / LOCK
        self.fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, file_mode())
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        self.fd = fd
        return True

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "another process"
        except OSError:
            return "another process"

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def claim_sweep(sweep_dir: Path, manifest: dict[str, Any]) -> SweepLock:
    """Lock ``sweep_dir`` for this multirun and check (or write) its manifest.

    Raises
    ------
    SweepError
        When another multirun holds the directory, when it holds another sweep (other points or
        other data), or when it is not empty and holds no sweep of this project.
    """
    where = "multirun"
    ensure_dir(sweep_dir, where)
    lock = SweepLock(sweep_dir)
    if not lock.acquire():
        raise SweepError(
            where,
            "hydra.sweep.dir",
            str(sweep_dir),
            f"a directory no other sweep is writing to (in use by {lock.holder()})",
        )
    try:
        mpath = sweep_dir / MANIFEST
        if mpath.is_file():
            try:
                old = json.loads(mpath.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = {}
            if old.get("identity") != manifest["identity"]:
                raise SweepError(where, "hydra.sweep.dir", str(sweep_dir), _mismatch(old, manifest))
        else:
            others = [p.name for p in sweep_dir.iterdir() if p.name != LOCK]
            if others:
                raise SweepError(
                    where,
                    "hydra.sweep.dir",
                    str(sweep_dir),
                    f"a new or empty directory (it holds {', '.join(sorted(others)[:3])}"
                    f"{', ...' if len(others) > 3 else ''} and no {MANIFEST}; nothing was changed)",
                )
            write_json(manifest, mpath)
    except BaseException:
        lock.release()
        raise
    return lock


def _mismatch(old: dict[str, Any], new: dict[str, Any]) -> str:
    """What differs between the sweep in a directory and the one asked for."""
    if not old:
        return f"a directory of the same sweep ({MANIFEST} there is unreadable); use a new hydra.sweep.dir"
    if old.get("jobs") != new["jobs"]:
        why = f"it holds another sweep of {len(old.get('jobs', []))} job(s), this one has {len(new['jobs'])}"
        for i, (a, b) in enumerate(zip(old.get("jobs", []), new["jobs"], strict=False)):
            if a != b:
                why += f"; job {i} was {' '.join(a)}"
                break
    else:
        why = "it holds the same points run on other data (the scenario tables have changed since)"
    return f"a new directory, or this one only for the same sweep on the same data ({why})"


# ------------------------------------------------------------------------------ merge
def _job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted(
        (p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name)
    )


def read_manifest(sweep_dir: Path) -> dict[str, Any] | None:
    """The sweep's manifest, or None for a directory written before manifests existed."""
    p = sweep_dir / MANIFEST
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SweepError(str(p), "file", "<unreadable>", f"the {MANIFEST} a multirun writes") from None


def merge_sweep(sweep_dir: str | os.PathLike) -> dict[str, int]:
    """Merge the job files of a sweep into ``runs.parquet``, ``events.parquet``, ``series/``
    and ``failures.parquet``.

    Only the jobs of the sweep's manifest are merged (a job directory left by another sweep is
    not), and only those whose files are intact (:func:`job_status`). Returns counts
    ``{"jobs", "done", "failed", "missing", "damaged", "rows"}``: ``missing`` jobs never finished
    (still running, or killed), ``damaged`` ones have a file that no longer matches its marker.
    """
    sweep_dir = Path(sweep_dir)
    manifest = read_manifest(sweep_dir)
    jobs = _job_dirs(sweep_dir)
    n_jobs = len(manifest["jobs"]) if manifest else len(jobs)
    if manifest:
        jobs = [jd for jd in jobs if int(jd.name) < n_jobs]
    runs, events, series, failures = [], [], {}, []
    missing = n_jobs - len(jobs)
    damaged = 0
    codes: set[str] = set()
    for jd in jobs:
        if (jd / DONE).is_file():
            try:
                marker = json.loads((jd / DONE).read_text(encoding="utf-8"))
                status = job_status(jd, marker.get("config_hash", ""), marker.get("data_fingerprint"))
            except (OSError, ValueError):
                status = "damaged"
            if status != "done":
                damaged += 1
                continue
            codes.add(str(marker.get("code_fingerprint", "")))
            runs.append(pd.read_parquet(jd / "runs.parquet"))
            events.append(pd.read_parquet(jd / "events.parquet"))
            series[int(jd.name)] = pd.read_parquet(jd / "series.parquet").drop(columns="job")
        elif (jd / FAILURE).is_file():
            try:
                f = json.loads((jd / FAILURE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                damaged += 1
                continue
            failures.append(
                {
                    "job": f["job"],
                    "error_type": f["error_type"],
                    "error": f["error"],
                    "overrides": json.dumps(f["swept"]),
                    **{k: str(v) for k, v in f["swept"].items()},
                }
            )
        else:
            missing += 1
    if runs:
        write_parquet(pd.concat(runs, ignore_index=True), sweep_dir / "runs.parquet")
        write_parquet(pd.concat(events, ignore_index=True), sweep_dir / "events.parquet")
    else:
        for name in ("runs.parquet", "events.parquet"):
            (sweep_dir / name).unlink(missing_ok=True)
    _write_series(sweep_dir / "series", series)
    fail_df = pd.DataFrame(
        failures, columns=None if failures else ["job", "error_type", "error", "overrides"]
    )
    write_parquet(fail_df, sweep_dir / "failures.parquet")
    return {
        "jobs": n_jobs,
        "done": len(runs),
        "failed": len(failures),
        "missing": missing,
        "damaged": damaged,
        "rows": int(sum(len(r) for r in runs)),
        "code_versions": len(codes),
    }


def _write_series(root: Path, parts: dict[int, pd.DataFrame]) -> None:
    """Write the hive-partitioned ``series/job=N/part-0.parquet`` whole (a temporary folder
    renamed into place), replacing only an earlier merge's own partitions."""

    def own(p: Path) -> list[str] | None:
        names = []
        for d in p.iterdir():
            if not (d.is_dir() and not d.is_symlink() and d.name.startswith("job=") and d.name[4:].isdigit()):
                return None
            files = [f.name for f in d.iterdir()]
            if files != ["part-0.parquet"]:
                return None
            names.append(f"{d.name}/part-0.parquet")
        return names

    if not parts and not root.exists():
        return
    with atomic_dir(root, replace_if=own, what="series") as tmp:
        for job, df in sorted(parts.items()):
            (tmp / f"job={job}").mkdir(mode=0o777)
            write_parquet(df, tmp / f"job={job}" / "part-0.parquet")


class MergeCallback(Callback):
    """Hydra callback: claim the sweep directory when a multirun starts; merge every job's files,
    print the headline table and set the exit status when it ends.

    The exit status is 0 only when every job of the sweep finished; a sweep with a failed,
    missing or damaged job exits with status 1 after its merged tables are written.
    """

    def __init__(self) -> None:
        self.lock: SweepLock | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            self.lock = claim_sweep(sweep_dir, sweep_manifest(config))
        except (PathError, ScenarioError) as e:
            print(f"conflict-sim: error: {e}", file=sys.stderr)
            sys.exit(2)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            if not sweep_dir.is_dir():
                return
            counts = merge_sweep(sweep_dir)
        finally:
            if self.lock is not None:
                self.lock.release()
        print(f"merged {counts['done']} of {counts['jobs']} jobs ({counts['rows']} runs) into {sweep_dir}")
        if counts["code_versions"] > 1:
            print(
                f"warning: the merged jobs come from {counts['code_versions']} versions of the model's code; "
                "run the sweep again to bring every point to this one"
            )
        if counts["done"]:
            with pd.option_context("display.width", 140, "display.max_columns", 20):
                print(headline_table(open_sweep(sweep_dir).runs).to_string(index=False, max_rows=40))
        bad = {k: counts[k] for k in ("failed", "missing", "damaged") if counts[k]}
        if bad:
            what = ", ".join(f"{v} {k}" for k, v in bad.items())
            print(
                f"conflict-sim: error: {what} of {counts['jobs']} job(s) in {sweep_dir} "
                f"(see {sweep_dir / 'failures.parquet'}; run the same command again to retry them)",
                file=sys.stderr,
            )
            sys.exit(1)


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
        ds = self._series_dataset()
        if ds is None:
            return pd.DataFrame()
        df = ds.to_table().to_pandas()
        df["job"] = df["job"].astype(int)
        return df

    def _series_dataset(self) -> Any:
        import pyarrow.dataset as pads

        root = self.path / "series"
        if not root.is_dir() or not any(root.iterdir()):
            return None
        return pads.dataset(str(root), format="parquet", partitioning="hive")

    @property
    def params(self) -> list[str]:
        """The swept parameter columns."""
        return swept_columns(self.runs)

    @property
    def con(self) -> Any:
        """A DuckDB connection with views ``runs``, ``events``, ``series``, ``failures``.

        The tables are registered as objects (DataFrames, and the series as an Arrow dataset),
        never by formatting a path into SQL, so any directory name is safe.
        """
        if self._con is None:
            import duckdb

            con = duckdb.connect()
            con.register("runs", self.runs)
            con.register("events", self.events)
            con.register("failures", self.failures)
            ds = self._series_dataset()
            if ds is not None:
                con.register("series", ds)
            self._con = con
        return self._con

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a SQL query over the views and return a DataFrame (``?`` placeholders bind
        ``params``)."""
        return self.con.execute(query, params or []).df()


def open_sweep(path: str | os.PathLike) -> Sweep:
    """Open a sweep directory, merging first when its merged tables are missing or damaged.

    Raises
    ------
    SweepError
        One line when ``path`` is not a sweep directory (a single run's directory, an empty or
        foreign one), or when its files are damaged beyond what merging again repairs.
    """
    path = Path(path)
    where = "conflict-sim sweep"
    if not path.is_dir():
        raise SweepError(where, "path", str(path), "an existing sweep directory (hydra.sweep.dir)")
    if (path / "results" / "config.yaml").is_file() or (path / "config.yaml").is_file():
        run_dir = path / "results" if (path / "results").is_dir() else path
        raise SweepError(
            where,
            "path",
            str(path),
            f"a sweep directory; this is a single run: read it with sim.read_parquet({str(run_dir)!r})",
        )
    has_jobs = bool(_job_dirs(path))
    if not has_jobs and not (path / "runs.parquet").exists():
        raise SweepError(
            where, "path", str(path), "a sweep directory written by conflict-sim -m (no jobs in it)"
        )

    def load() -> Sweep:
        fails = path / "failures.parquet"
        return Sweep(
            path=path,
            runs=read_parquet(path / "runs.parquet", "a merged sweep table"),
            events=read_parquet(path / "events.parquet", "a merged sweep table"),
            failures=read_parquet(fails, "a merged sweep table") if fails.is_file() else pd.DataFrame(),
        )

    if not (path / "runs.parquet").is_file() and has_jobs:
        if not _can_lock(path):
            raise SweepError(where, "path", str(path), "a finished sweep (this one is still running)")
        merge_sweep(path)
    try:
        return load()
    except PathError:
        if not has_jobs or not _can_lock(path):
            raise
    merge_sweep(path)  # a damaged merged table: merge again from the intact job files
    return load()


def _can_lock(path: Path) -> bool:
    if not (path / LOCK).exists():
        return True
    lock = SweepLock(path)
    if lock.acquire():
        lock.release()
        return True
    return False


def swept_columns(runs: pd.DataFrame) -> list[str]:
    """Override columns of a runs table that vary across jobs (all of them if none varies)."""
    cols = list(runs.columns)
    if "replicate" not in cols:
        return []
    cand = [c for c in cols[1 : cols.index("replicate")] if c != "config_hash"]
    varying = [c for c in cand if runs[c].nunique() > 1]
    return varying or cand


def coerce_param(values: pd.Series) -> pd.Series:
    """A swept parameter column as numbers or dates when it parses as such, else as is.

    Sweep directories store overrides as strings (``"500"``, ``"2021-12-31"``).
    """
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values
    num = pd.to_numeric(values, errors="coerce")
    if num.notna().all():
        return num
    try:
        return pd.to_datetime(values, errors="raise", format="ISO8601")
    except (ValueError, TypeError):
        return values.astype(str)


def headline_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per sweep point: capitals fallen by the report date and the hub's (Kabul's) fall date.

    Columns: the swept parameters, ``replicates``, ``capitals_fallen_by`` (median and 10-90%
    interval), ``p_hub_falls`` and ``hub_fell_date`` (median, 10-90% among runs where it fell).
    """
    keys = swept_columns(runs) or ["job"]
    runs = runs.copy()
    for k in keys:  # numbers sort as numbers, dates as dates
        runs[k] = coerce_param(runs[k])
        col = runs[k]
        if pd.api.types.is_float_dtype(col) and col.notna().all() and (col == col.round()).all():
            runs[k] = col.astype("int64")  # a count the schema types as a float: 4000, not 4000.0
    rows = []
    for key, g in runs.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        key = tuple(v.date().isoformat() if isinstance(v, pd.Timestamp) else v for v in key)
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
