"""A cache of loaded scenarios, so a fresh process does not compose, read and check them again.

:func:`sim.load_scenario` composes the Hydra config, reads the CSV tables with pandas and
checks every field: about a second of a warm ``sim.run`` in a new process. The result depends
only on its inputs, so it is stored once, as plain arrays and JSON in one ``.npz`` file (read
with ``allow_pickle=False``: no code in it), under a key that hashes every input:

* the scenario name and the overrides, in order;
* every file under the config roots (``scenarios/`` or ``$CONFLICT_SIM_SCENARIOS``, and any
  ``hydra.searchpath`` folder) and the fits under ``outputs/fit/``, path and bytes;
* the source of the loader and schema (``sim/scenario/*.py``, ``sim/kernels/codes.py``,
  ``sim/paths.py``) and the versions of Python, numpy, omegaconf and hydra-core;
* a posterior file outside those folders is re-hashed on every hit and must match.

Any change gives a new key; an unreadable or foreign file is ignored and rebuilt. The folder is
``$CONFLICT_SIM_CACHE`` (``off`` turns the cache off), else
``$XDG_CACHE_HOME/conflict-sandbox/scenarios`` or ``~/.cache/conflict-sandbox/scenarios``. Only
files named ``scenario-<key>.npz`` (and ``posterior-<key>.npz``, a fit's draws as arrays,
keyed by the hash of its Parquet file; ``graph-<key>.npz``, a road graph's candidate table,
keyed by the graph's arrays) are written there, each atomically
(:func:`sim.io.write_with`); a hit marks its file used, and beyond :data:`KEEP` files of a kind
the least recently used of those files are removed (a sweep composes a new scenario per point,
about 40 kB each). Nothing else there is touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sys
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from sim.scenario.scenario import Event, Scenario, Table

#: Bump when the stored layout changes.
FORMAT = 1
_TABLES = ("provinces", "locations", "roads", "garrisons", "militias", "insurgents", "pools")
_SOURCES = Path(__file__).resolve().parent
_WALK_LIMIT = 64 * 2**20  # bytes hashed per root at most; above it the cache is not used
#: Files of each kind kept (least recently used removed beyond it).
KEEP = 64
_NAME = re.compile(r"(scenario|posterior|graph)-[0-9a-f]{64}\.npz")


def cache_dir() -> Path | None:
    """The cache folder, or None when ``$CONFLICT_SIM_CACHE`` is ``off`` (or ``0``, ``false``)."""
    env = os.environ.get("CONFLICT_SIM_CACHE")
    if env is not None:
        if env.strip().lower() in ("", "off", "0", "false", "no"):
            return None
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory: no cache
            return None
    return Path(base) / "conflict-sandbox" / "scenarios"


def _hash_tree(h: Any, root: Path) -> bool:
    """Hash every file under ``root`` (sorted relative paths and bytes); False when too large."""
    if not root.is_dir():
        h.update(f"missing:{root}".encode())
        return True
    total = 0
    for p in sorted(root.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts:
            continue
        data = p.read_bytes()
        total += len(data)
        if total > _WALK_LIMIT:
            return False
        h.update(str(p.relative_to(root)).encode() + b"\0")
        h.update(hashlib.sha256(data).digest())
    return True


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


@lru_cache(maxsize=1)
def _code() -> bytes:
    """Hash of what decides a loaded scenario besides its files: the loader and schema sources
    (``sim/scenario/*.py``, the codes of ``sim/kernels/codes.py``, ``sim/paths.py``) and the
    versions of Python, numpy, omegaconf and hydra-core."""
    h = hashlib.sha256(json.dumps([FORMAT, sys.version]).encode())
    for dist in ("numpy", "omegaconf", "hydra-core"):
        h.update(f"{dist}={_version(dist)}".encode())
    sim_dir = _SOURCES.parent
    for p in [*sorted(_SOURCES.glob("*.py")), sim_dir / "kernels" / "codes.py", sim_dir / "paths.py"]:
        h.update(str(p.relative_to(sim_dir)).encode() + b"\0" + p.read_bytes())
    return h.digest()


def scenario_key(name: str, overrides: Sequence[str], roots: Sequence[Path], outputs: Path) -> str | None:
    """The cache key of ``load_scenario(name, overrides)`` (hex), or None when not cacheable
    (more than 64 MiB to hash under a root, or a file that cannot be read: the loader then
    reports it, or does not need it)."""
    try:
        return _key(name, overrides, roots, outputs)
    except OSError:
        return None


def _key(name: str, overrides: Sequence[str], roots: Sequence[Path], outputs: Path) -> str | None:
    h = hashlib.sha256(_code())
    h.update(json.dumps([name, list(overrides)]).encode())
    for r in roots:
        h.update(f"root:{Path(r).resolve()}".encode())
        if not _hash_tree(h, Path(r)):
            return None
    fits = outputs / "fit"
    h.update(f"fits:{fits.resolve()}".encode())
    if not _hash_tree(h, fits):
        return None
    return h.hexdigest()


def _file(key: str, kind: str = "scenario") -> Path | None:
    d = cache_dir()
    return None if d is None else d / f"{kind}-{key}.npz"


def _used(path: Path) -> None:
    """Mark a cache file as just used (its modification time orders the pruning)."""
    try:
        os.utime(path)
    except OSError:
        pass


def _prune(folder: Path, kind: str) -> None:
    """Remove the least recently used ``<kind>-<hex>.npz`` files beyond :data:`KEEP` (this
    module's own files only: the name must match exactly)."""
    try:
        mine = [p for p in folder.iterdir() if _NAME.fullmatch(p.name) and p.name.startswith(f"{kind}-")]
        mine.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for p in mine[KEEP:]:
            p.unlink(missing_ok=True)
    except OSError:
        pass


def _save(path: Path, arrays: dict[str, np.ndarray], kind: str) -> Path | None:
    """Write ``arrays`` to ``path`` as a compressed ``.npz``, atomically; prune the folder."""
    from sim.io import write_with

    def write(p: Path) -> None:
        with open(p, "wb") as f:
            np.savez_compressed(f, **arrays)

    try:
        out = write_with(path, write)
    except (OSError, TypeError, ValueError):
        return None
    _prune(path.parent, kind)
    return out


@lru_cache(maxsize=8)
def samples(path: str, sha256: str, read: Any) -> dict[str, np.ndarray]:
    """Posterior draws as columns (config path -> read-only float array), cached under the
    file's SHA-256 (``posterior-<key>.npz``, the key hashing that and the schema's sources: the
    draws were checked against its ranges) and kept in memory per process (``lru_cache``, as
    ``read_samples`` is); ``read(path, sha256)`` gives the checked DataFrame on a miss."""
    cols = _samples(path, sha256, read)
    for v in cols.values():
        v.setflags(write=False)
    return cols


def _samples(path: str, sha256: str, read: Any) -> dict[str, np.ndarray]:
    file = _file(hashlib.sha256(_code() + sha256.encode()).hexdigest(), "posterior")
    if file is not None and file.is_file():
        try:
            with np.load(file, allow_pickle=False) as z:
                names = json.loads(z["names"].tobytes().decode())
                values = z["values"]
            if values.shape[1] == len(names):
                _used(file)
                return {k: values[:, j] for j, k in enumerate(names)}
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            pass
    df = read(path, sha256)
    names = [str(c) for c in df.columns]
    values = df.to_numpy(np.float64).reshape(len(df), len(names))
    if file is not None:
        _save(
            file,
            {"names": np.frombuffer(json.dumps(names).encode(), np.uint8), "values": values},
            "posterior",
        )
    return {k: values[:, j] for j, k in enumerate(names)}


_GRAPH_FIELDS = ("cand", "cand_days", "cand_next", "cand_hop_days")


def candidates(
    graph: tuple[np.ndarray, np.ndarray, np.ndarray], k: int, radius: float, compute: Any
) -> tuple[np.ndarray, ...]:
    """The candidate table of a road graph (``sim.world.candidate_table``; ``graph`` = indptr,
    indices, edge_days), cached under the hash of the graph's arrays, ``k``, ``radius`` and the
    source of ``sim/world.py`` (``graph-<key>.npz``): a warm start reads it instead of running
    the truncated Dijkstra. ``compute(indptr, indices, edge_days, k, radius)`` on a miss."""
    h = hashlib.sha256(json.dumps([FORMAT, "graph", int(k), repr(float(radius))]).encode())
    h.update((_SOURCES.parent / "world.py").read_bytes())
    for a in graph:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype}{a.shape}".encode() + a.tobytes())
    file = _file(h.hexdigest(), "graph")
    if file is not None and file.is_file():
        try:
            with np.load(file, allow_pickle=False) as z:
                out = tuple(z[f] for f in _GRAPH_FIELDS)
            n = len(graph[0]) - 1
            if all(a.shape == (n, int(k)) for a in out):
                _used(file)
                return out
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            pass
    out = tuple(compute(*graph, k, radius))
    if file is not None:
        _save(file, dict(zip(_GRAPH_FIELDS, out, strict=True)), "graph")
    return out


# ------------------------------------------------------------------------------ store and read
def _columns(prefix: str, table: Table, arrays: dict[str, np.ndarray]) -> list[list[Any]]:
    """Put a table's numeric columns in ``arrays``; returns ``[name, strings or None]`` per
    column (string columns travel in the JSON part and come back as object arrays)."""
    cols: list[list[Any]] = []
    for k in table:
        a = table[k]
        if a.dtype == object:
            cols.append([k, [str(x) for x in a.tolist()]])
        else:
            arrays[f"{prefix}/{k}"] = np.asarray(a)
            cols.append([k, None])
    return cols


def store(key: str, scen: Scenario) -> Path | None:
    """Write ``scen`` under ``key`` (atomically); returns the file, or None when the cache is off
    or the folder cannot be written (a cache never stops a run)."""
    path = _file(key)
    if path is None:
        return None
    arrays: dict[str, np.ndarray] = {"schedules": np.asarray(scen.schedules)}
    tables = {t: _columns(f"t/{t}", getattr(scen, t), arrays) for t in _TABLES}
    campaign: dict[str, Any] = {}
    for k, v in scen.campaign.items():
        if isinstance(v, np.ndarray):
            arrays[f"c/{k}"] = v
            campaign[k] = {"array": True}
        else:
            campaign[k] = {"value": v, "tuple": isinstance(v, tuple)}
    meta = {
        "format": FORMAT,
        "key": key,
        "name": scen.name,
        "description": scen.description,
        "scenario_file": scen.scenario_file,
        "config": OmegaConf.to_container(scen.config, resolve=True),
        "start": scen.start.isoformat(),
        "horizon_days": int(scen.horizon_days),
        "patrons": list(scen.patrons),
        "events": [[e.day, e.kind, e.location, e.patron, e.value, e.source, e.note] for e in scen.events],
        "sources": dict(scen.sources),
        "campaign": campaign,
        "tables": tables,
        "posterior_file": scen.posterior_file,
        "posterior_sha256": scen.posterior_sha256,
        "data_fingerprint": scen.data_fingerprint,
        "pinned": sorted(scen.pinned),
        "fingerprint": scen.fingerprint,
    }
    try:
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    except (TypeError, ValueError):  # a value JSON cannot hold: not cached
        return None
    return _save(path, arrays, "scenario")


def _outside(path: str, roots: Sequence[Path]) -> bool:
    p = Path(path).resolve()
    return not any(p.is_relative_to(Path(r).resolve()) for r in roots)


def fetch(key: str, roots: Sequence[Path]) -> Scenario | None:
    """The scenario stored under ``key``, or None (not there, unreadable, or stale)."""
    path = _file(key)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode())
        if meta.get("format") != FORMAT or meta.get("key") != key:
            return None
        post = meta["posterior_file"]
        if post and _outside(post, roots):
            if hashlib.sha256(Path(post).read_bytes()).hexdigest() != meta["posterior_sha256"]:
                return None
        tables = {}
        for t, cols in meta["tables"].items():
            tables[t] = Table(
                {
                    k: arrays[f"t/{t}/{k}"] if strings is None else np.array(strings, dtype=object)
                    for k, strings in cols
                }
            )
        campaign = {
            k: arrays[f"c/{k}"] if v.get("array") else tuple(v["value"]) if v.get("tuple") else v["value"]
            for k, v in meta["campaign"].items()
        }
        schedules = arrays["schedules"]
        schedules.setflags(write=False)
        cfg = OmegaConf.create(meta["config"])
        OmegaConf.set_readonly(cfg, True)
        scen = Scenario(
            name=meta["name"],
            description=meta["description"],
            scenario_file=meta["scenario_file"],
            config=cfg,
            start=dt.date.fromisoformat(meta["start"]),
            horizon_days=int(meta["horizon_days"]),
            patrons=tuple(meta["patrons"]),
            events=tuple(Event(*e) for e in meta["events"]),
            sources=MappingProxyType(dict(meta["sources"])),
            schedules=schedules,
            campaign=campaign,
            posterior_file=post,
            posterior_sha256=meta["posterior_sha256"],
            data_fingerprint=meta["data_fingerprint"],
            pinned=frozenset(meta["pinned"]),
            **tables,
        )
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    _used(path)
    # the stored fingerprint is checked in the tests (tests/scenario/test_cache.py), not here:
    # recomputing it on every hit would cost what the cache saves
    scen.__dict__["fingerprint"] = meta["fingerprint"]
    return scen
