"""Load a scenario: compose the Hydra config, read its tables, validate, build a Scenario.

Two ways in, one result:

* ``sim.load_scenario("afghanistan_2021", overrides=["reserve.commandos=500"])`` composes
  ``scenarios/config.yaml`` with Hydra's compose API;
* a ``@hydra.main`` app (``conflict-sim``) receives the composed config and calls
  :func:`scenario_from_config`.

Both end in :func:`scenario_from_config`, so they give the same :class:`Scenario`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import fields, is_dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import yaml
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from sim import paths as _paths
from sim.lazy import lazy_module
from sim.scenario import schema
from sim.scenario.errors import ScenarioError
from sim.scenario.scenario import CONTROL_NAMES, GARRISON_TYPES, Event, Scenario, Table
from sim.scenario.schema import EVENT_KINDS, POLICIES, Config, iter_params, register_configs

pd = lazy_module("pandas")  # imported on first use (sim.lazy)

# ---------------------------------------------------------------------------------------------
# Where the configs live
# ---------------------------------------------------------------------------------------------


def scenarios_dir() -> Path:
    """Return the Hydra config directory.

    Looked up in order: ``$CONFLICT_SIM_SCENARIOS`` (a user's own copy of the directory, set
    by ``conflict-sim --config-dir DIR`` too); ``sim/_scenarios`` inside an installed wheel;
    ``scenarios/`` beside the package in a source checkout (editable install). Tables
    (``data.dir``), observations and config groups are all read from this one directory.
    """
    env = os.environ.get("CONFLICT_SIM_SCENARIOS")
    if env:
        d = Path(env).expanduser().resolve()
        if not (d / "config.yaml").is_file():
            raise ScenarioError(
                "CONFLICT_SIM_SCENARIOS",
                "directory",
                env,
                "a scenarios directory holding config.yaml, scenario/ and data/ (a copy of the "
                "project's scenarios/, see README 'Your own scenarios')",
            )
        return d
    pkg = Path(__file__).resolve().parent.parent
    for cand in (pkg / "_scenarios", pkg.parent / "scenarios"):
        if (cand / "config.yaml").is_file():
            return cand
    raise FileNotFoundError(
        "cannot find the scenarios/ config directory; set CONFLICT_SIM_SCENARIOS to its path"
    )


def available_scenarios() -> list[str]:
    """Names accepted by ``scenario=NAME``."""
    return sorted(p.stem for p in (scenarios_dir() / "scenario").glob("*.yaml"))


#: Serialises Hydra's process-wide GlobalHydra between threads (:func:`compose_config`).
_HYDRA_LOCK = threading.RLock()


def compose_config(name: str = "afghanistan_2021", overrides: Sequence[str] = ()) -> DictConfig:
    """Compose ``scenarios/config.yaml`` with ``scenario=name`` and the given overrides.

    Raises
    ------
    ScenarioError
        For an unknown scenario, an unknown key or a wrong type, with Hydra's own explanation.
    """
    with _HYDRA_LOCK:  # Hydra's ConfigStore and GlobalHydra are one per process
        register_configs()
        register_fits()
    known = sorted({p.stem for r in search_roots(overrides) for p in (r / "scenario").glob("*.yaml")})
    if name not in known:
        raise ScenarioError("scenarios/scenario/", "scenario", name, f"one of {', '.join(known)}")
    roots = search_roots(overrides)
    check_group_overrides([f"scenario={name}", *overrides], roots=roots)
    with _HYDRA_LOCK:  # GlobalHydra is one per process: threads (the app's callbacks) take turns
        cfg = _compose_locked(name, overrides)
    check_chosen_files(cfg, roots)
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


def _compose_locked(name: str, overrides: Sequence[str]) -> DictConfig:
    """Hydra's compose of ``scenario=name`` with the overrides, restoring a GlobalHydra that
    was initialised before (a running Hydra app); the caller holds ``_HYDRA_LOCK``."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException

    was = GlobalHydra.instance().is_initialized()
    saved = GlobalHydra.instance().hydra if was else None
    if was:
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(scenarios_dir()), version_base="1.3"):
            try:
                cfg = compose(
                    config_name="config", overrides=[f"scenario={name}", *overrides], return_hydra_config=True
                )
            except (HydraException, OmegaConfBaseException) as e:
                raise _override_error(e, overrides, name) from None
            except yaml.YAMLError as e:
                raise ScenarioError(
                    f"scenarios/scenario/{name}.yaml",
                    "yaml",
                    "<unparsable>",
                    f"valid YAML ({' '.join(str(e).split())})",
                ) from None
    finally:
        if was:
            GlobalHydra.instance().clear()
            GlobalHydra.instance().initialize(saved)
    return cfg


DIR_RULE = (
    "--config-dir DIR or CONFLICT_SIM_SCENARIOS=DIR (your own copy of the scenarios directory, "
    "with config.yaml), or hydra.searchpath=[file://DIR] for extra scenario/, sweep/, fit/ and data/ "
    "folders: a scenario's tables are read from the folder its YAML came from"
)
#: Config groups whose files may set model and run settings only (no ``hydra.*``, no ``_target_``).
USER_GROUPS = ("scenario", "sweep", "fit")
_FILE_RULE = (
    "scenario, sweep and fit files set scenario and run settings only: no hydra.* key (a sweep "
    "file may set hydra.sweeper.params, an explore preset the explore sweeper's settings) and no _target_"
)
#: An explore preset (``scenarios/explore/``) may pick the explore sweeper and set its settings.
EXPLORE_DEFAULT = {"override /hydra/sweeper": "explore"}
EXPLORE_SETTINGS = frozenset(
    (
        "design",
        "n",
        "params",
        "seed",
        "second_order",
        "levels",
        "max_batch_size",
        "outcomes",
        "discover",
        "min_prob",
    )
)
#: Fit files under outputs/fit/ that failed :func:`check_group_file` (name -> error).
_BAD_FITS: dict[str, ScenarioError] = {}
#: Fit files under outputs/fit/ registered in the ConfigStore (name -> file).
_OUTPUT_FITS: dict[str, Path] = {}


def config_groups() -> list[str]:
    """The config groups a user selects with ``group=option``: folders of the scenarios
    directory holding YAML files, plus ``fit``."""
    root = scenarios_dir()
    found = {p.name for p in root.iterdir() if p.is_dir() and p.name != "hydra" and any(p.glob("*.yaml"))}
    return sorted(found | set(USER_GROUPS))


def search_roots(overrides: Sequence[str] = ()) -> list[Path]:
    """The folders config groups are read from, in Hydra's order: the scenarios directory, then
    the ``file://`` entries of a ``hydra.searchpath=[...]`` override. A scenario's tables
    (``data.dir``) are read from the folder its YAML came from (:func:`scenario_root`)."""
    roots = [scenarios_dir()]
    for o in overrides:
        key, _, value = o.lstrip("+~").partition("=")
        if key != "hydra.searchpath":
            continue
        for item in value.strip().strip("[]").split(","):
            item = item.strip().strip("'\"")
            if item.startswith("file://"):
                roots.append(Path(item[len("file://") :]).expanduser().resolve())
    return roots


def scenario_root(cfg: DictConfig, roots: Sequence[Path]) -> Path:
    """The first of ``roots`` holding ``scenario/<name>.yaml`` (the file Hydra used), else the
    scenarios directory."""
    name = str(cfg.get("name", ""))
    for r in roots:
        if (Path(r) / "scenario" / f"{name}.yaml").is_file():
            return Path(r)
    return scenarios_dir()


def roots_of_hydra(config: Any) -> list[Path]:
    """``file`` config sources of a running Hydra app, in search order (the scenarios directory
    first)."""
    out = [scenarios_dir()]
    for src in OmegaConf.select(config, "hydra.runtime.config_sources", default=None) or []:
        if src.get("schema") == "file" and src.get("path"):
            p = Path(str(src["path"])).resolve()
            if p not in out:
                out.append(p)
    return out


def check_group_overrides(
    overrides: Sequence[str], groups: Sequence[str] | None = None, roots: Sequence[Path] | None = None
) -> None:
    """Refuse a config-group option that is not a plain name (``scenario=../x``, ``+fit=/etc/x``).

    Raises
    ------
    ScenarioError
    """
    from sim.paths import check_name

    groups = list(groups if groups is not None else config_groups())
    for o in overrides:
        key, eq, value = o.partition("=")
        key = key.lstrip("+~").split("@", 1)[0]
        if not eq or key not in groups:
            continue
        for v in _sweep_values(value):
            check_name(v, "override", key)
            if key == "fit" and v in _BAD_FITS:
                raise _BAD_FITS[v]
            if key == "fit" and v in _OUTPUT_FITS:
                for r in roots or [scenarios_dir()]:
                    other = Path(r) / "fit" / f"{v}.yaml"
                    if other.is_file():  # Hydra would merge the two files, one as a schema
                        raise ScenarioError(
                            str(_OUTPUT_FITS[v]),
                            "fit",
                            v,
                            f"a name not also used by {other}: rename or move one of the two",
                        )
            for r in roots or [scenarios_dir()]:
                path = Path(r) / key / f"{v}.yaml"
                if path.is_file():
                    check_group_file(path, key)
                    break


def _sweep_values(value: str) -> list[str]:
    """``a,b`` -> [a, b]; a plain value -> [value]; ``choice(a,b)`` -> [a, b]."""
    v = value.strip()
    for fn in ("choice(", "shuffle(", "sort("):
        if v.startswith(fn) and v.endswith(")"):
            v = v[len(fn) : -1]
    return [x.strip().strip("'\"") for x in v.split(",") if x.strip()] or [v]


def check_chosen_files(cfg: DictConfig, roots: Sequence[Path] | None = None) -> None:
    """Check every scenario, sweep and fit file a composed config was built from
    (``hydra.runtime.choices``) with :func:`check_group_file`."""
    choices = OmegaConf.select(cfg, "hydra.runtime.choices", default=None) or {}
    for group, option in choices.items():
        if option is None or str(group).startswith("hydra") or group == "base_config":
            continue
        for r in roots or [scenarios_dir()]:
            path = Path(r) / str(group) / f"{option}.yaml"
            if path.is_file():
                check_group_file(path, str(group))
                break


def check_group_file(path: Path, group: str) -> None:
    """Refuse a scenario, sweep or fit file that sets ``hydra.*`` or any ``_target_``.

    Such a file is a ``_global_`` delta, so a ``hydra:`` node in it would reach Hydra's own
    settings (``hydra.callbacks`` with a ``_target_`` runs any code); only a sweep file's
    ``hydra.sweeper.params`` (plain values) is allowed.

    Raises
    ------
    ScenarioError
        Naming the file, the key and what is allowed.
    """
    text = path.read_text(encoding="utf-8")
    rel = _rel(path)
    m = re.search(r"^#\s*@package\s+(\S+)", text, flags=re.M)
    package = m.group(1) if m else group
    if package == "hydra" or package.startswith("hydra."):
        raise ScenarioError(rel, "# @package", package, _FILE_RULE)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return  # Hydra reports unparsable YAML itself
    if not isinstance(data, dict):
        return
    target = _find_key(data, "_target_")
    if target is not None:
        raise ScenarioError(rel, target[0], str(target[1]), _FILE_RULE)
    for entry in data.get("defaults", []) or []:
        text_entry = json_dumps(entry)
        if "hydra" in text_entry and not (group == "explore" and entry == EXPLORE_DEFAULT):
            raise ScenarioError(rel, "defaults", text_entry, _FILE_RULE)
    if package != "_global_" or "hydra" not in data:
        return
    h = data["hydra"]
    plain = str | int | float | bool
    ok = (
        group == "explore"  # a design preset: the explore sweeper's settings, plain values only
        and isinstance(h, dict)
        and set(h) == {"sweeper"}
        and isinstance(h["sweeper"], dict)
        and set(h["sweeper"]) <= EXPLORE_SETTINGS
        and all(
            v is None
            or isinstance(v, plain)
            or (isinstance(v, list) and all(isinstance(x, plain) for x in v))
            for v in h["sweeper"].values()
        )
    ) or (
        group == "sweep"
        and isinstance(h, dict)
        and set(h) == {"sweeper"}
        and isinstance(h["sweeper"], dict)
        and set(h["sweeper"]) == {"params"}
        and isinstance(h["sweeper"]["params"], dict)
        and all(isinstance(v, str | int | float | bool) for v in h["sweeper"]["params"].values())
    )
    if not ok:
        keys = sorted(_leaf_keys(h, "hydra"))
        raise ScenarioError(rel, keys[0] if keys else "hydra", "<set>", _FILE_RULE)


def _find_key(node: Any, key: str, prefix: str = "") -> tuple[str, Any] | None:
    """Dotted path and value of the first ``key`` anywhere in a YAML tree, or None."""
    if isinstance(node, dict):
        for k, v in node.items():
            p = f"{prefix}.{k}" if prefix else str(k)
            if k == key:
                return p, v
            found = _find_key(v, key, p)
            if found:
                return found
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found = _find_key(v, key, f"{prefix}[{i}]")
            if found:
                return found
    return None


def _leaf_keys(node: Any, prefix: str) -> list[str]:
    if isinstance(node, dict) and node:
        return [k for key, v in node.items() for k in _leaf_keys(v, f"{prefix}.{key}")]
    return [prefix]


def json_dumps(x: Any) -> str:
    import json

    return json.dumps(x, default=str)


def register_fits() -> None:
    """Make every fit under ``outputs/fit/`` (written by ``conflict-sim-calibrate``) loadable as
    ``+fit=NAME`` beside those in ``scenarios/fit/``: each file is checked with
    :func:`check_group_file` and stored in Hydra's ConfigStore (group ``fit``, package
    ``_global_``). A file that fails the check is not registered; selecting it gives its error.
    """
    from hydra.core.config_store import ConfigStore

    from sim.paths import NAME_RE, OUTPUTS

    fit_dir = OUTPUTS / "fit"
    if not fit_dir.is_dir():
        return
    cs = ConfigStore.instance()
    for p in sorted(fit_dir.glob("*.yaml")):
        if not NAME_RE.fullmatch(p.stem) or ".." in p.stem or not p.is_file():
            continue
        try:
            check_group_file(p, "fit")
            node = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
            if not isinstance(node, dict):
                raise ScenarioError(
                    str(p), "file", "<not a mapping>", "a fit written by conflict-sim-calibrate"
                )
        except ScenarioError as e:
            _BAD_FITS[p.stem] = e
            continue
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as e:
            _BAD_FITS[p.stem] = ScenarioError(str(p), "file", "<unreadable>", f"valid YAML ({e})")
            continue
        _BAD_FITS.pop(p.stem, None)
        _OUTPUT_FITS[p.stem] = p
        cs.store(group="fit", name=p.stem, node=OmegaConf.create(node), package="_global_")


def _override_error(e: Exception, overrides: Sequence[str], name: str) -> ScenarioError:
    """Turn Hydra's composition error into a ScenarioError naming the override or the file."""
    msg = " ".join(str(e).split())
    cause = e.__cause__ or e.__context__
    if cause is not None and str(cause) not in str(e):
        msg = f"{msg}: {' '.join(str(cause).split())}"
    m = re.search(r"full_key: (\S+)", msg)
    key = m.group(1) if m else None
    if key is None:
        m = re.search(r"(?:override|merging override) '?([\w.\[\]+~]+)=", msg)
        key = m.group(1).lstrip("+~") if m else None
    keys = {o.split("=")[0].lstrip("+~"): o for o in overrides}
    if key is None:  # fall back to the first override named in the message
        key = next((k for k in keys if re.search(rf"\b{re.escape(k)}\b", msg)), "?")
    value_m = re.search(r"Value '([^']*)'", msg)
    allowed = _allowed_for(msg, key)
    if key in keys:
        value = keys[key].split("=", 1)[1] if "=" in keys[key] else "<none>"
        return ScenarioError("override", key, value, allowed)
    value = value_m.group(1) if value_m else "<see message>"
    return ScenarioError(f"scenarios/scenario/{name}.yaml", key, value, allowed)


def _allowed_for(msg: str, key: str) -> str:
    """What would have been accepted, read off Hydra's or OmegaConf's message.

    Three cases get a precise answer (a value of the wrong type, bools included; a key the schema
    does not have; an option missing from a config group); anything else keeps the library's own
    explanation.
    """
    m = re.search(r"could not be converted to (\w+)", msg)
    if m:
        meta = {path: md for path, _v, md in iter_params(Config())}.get(key)
        extra = f", {meta['lo']} <= value <= {meta['hi']} ({meta['unit']})" if meta else ""
        kind = m.group(1).lower()
        return f"a value of the right type: {'an' if kind[0] in 'aeiou' else 'a'} {kind}{extra}"
    if re.search(r"is not a valid bool", msg):
        return "a value of the right type: a bool (true or false)"
    m = re.search(r"Key '([^']+)' not in '(\w+)'", msg)
    if m:
        cls = getattr(schema, m.group(2), None)
        if cls is not None and is_dataclass(cls):
            names = ", ".join(f.name for f in fields(cls))
            return f"a known key; {key} is not in {m.group(2)}, whose keys are {names}"
    m = re.search(r"Could not find '([^']+)/[^']*'", msg)
    if m:
        group = m.group(1)
        options = sorted(f.stem for f in (scenarios_dir() / group).glob("*.yaml"))
        if options:
            return f"one of {', '.join(options)} (in scenarios/{group}/)"
        return f"the name of a YAML file in scenarios/{group}/ (there is none yet)"
    return f"a known key of the right type ({msg})"


def load_scenario(name: str = "afghanistan_2021", overrides: Sequence[str] = ()) -> Scenario:
    """Load, validate and return a scenario.

    Parameters
    ----------
    name : str, default "afghanistan_2021"
        A file stem under ``scenarios/scenario/`` (see :func:`available_scenarios`).
    overrides : sequence of str
        Hydra overrides such as ``"reserve.commandos=500"`` or ``"model.withdrawal.end=2021-12-31"``.

    Returns
    -------
    Scenario
        Immutable; equal (same fingerprint) to what the Hydra app builds from the same overrides.
        Once loaded it is kept in a cache keyed by every input (:mod:`sim.scenario.cache`), so a
        new process skips composing and reading the tables.

    Raises
    ------
    ScenarioError
        Naming the file, field, bad value and what is allowed.
    """
    from sim.scenario import cache

    key = None
    if cache.cache_dir() is not None:
        roots = search_roots(overrides)
        key = cache.scenario_key(name, list(overrides), roots, _paths.OUTPUTS)
        hit = cache.fetch(key, roots) if key else None
        if hit is not None:
            warn_if_fit_elsewhere(hit)
            return hit
    cfg = compose_config(name, overrides)
    scen = scenario_from_config(cfg, overrides)
    if key is not None:
        cache.store(key, scen)
    warn_if_fit_elsewhere(scen)
    return scen


class FitDataWarning(UserWarning):
    """A fit's posterior draws used with other data than they were calibrated on."""


def fit_mismatches(scen: Scenario, observations_sha256: str | None = None, data: bool = True) -> list[str]:
    """Why the scenario's posterior draws are not the fit of its data: one line per mismatch.

    Compares ``posterior.data`` with the tables the scenario read (unless ``data`` is false) and,
    when given, ``posterior.observations`` with the SHA-256 of an observation file (the first 16
    hex digits are compared). Empty when the fit records nothing, matches, or there is no
    posterior.
    """
    post = scen.config.get("posterior", None)
    if post is None or not scen.posterior_file:
        return []
    fit = Path(scen.posterior_file).stem
    out = []
    want = str(post.get("data", "") or "")
    if data and want and scen.data_fingerprint and want != scen.data_fingerprint:
        out.append(
            f"the posterior {fit} was calibrated on the data tables {want}; this scenario reads "
            f"{scen.config.data.dir} ({scen.data_fingerprint}): its draws are not this data's fit "
            "(recalibrate with conflict-sim-calibrate, or read the fit's header)"
        )
    want = str(post.get("observations", "") or "")
    if want and observations_sha256 and not observations_sha256.startswith(want):
        out.append(
            f"the posterior {fit} was calibrated against observations {want}; these are "
            f"{observations_sha256[:16]}: its draws are not their fit "
            "(recalibrate with conflict-sim-calibrate)"
        )
    return out


def warn_if_fit_elsewhere(scen: Scenario, observations_sha256: str | None = None, data: bool = True) -> None:
    """Warn (:class:`FitDataWarning`) for each of :func:`fit_mismatches`."""
    import warnings

    for msg in fit_mismatches(scen, observations_sha256, data):
        warnings.warn(msg, FitDataWarning, stacklevel=3)


# ---------------------------------------------------------------------------------------------
# From a composed config to a Scenario
# ---------------------------------------------------------------------------------------------


_BOOL_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0"}
#: Largest seed: seeds are stored as signed 64-bit integers.
SEED_MAX = 2**63 - 1


@functools.cache
def _schema_config() -> DictConfig:
    """The schema as an OmegaConf config, made once per process (0.06 s each time, twice a job
    of a sweep); read-only, so no caller can change what the next one gets."""
    schema = OmegaConf.structured(Config)
    OmegaConf.set_readonly(schema, True)
    return schema


def scenario_from_config(
    cfg: DictConfig, overrides: Sequence[str] = (), root: Path | None = None, pinned: Iterable[str] = ()
) -> Scenario:
    """Validate a composed config, read its tables and build the :class:`Scenario`.

    ``data.dir`` is read inside ``root``, by default the folder the scenario's YAML came from
    (the scenarios directory, or a ``hydra.searchpath`` folder among ``overrides``). The keys of
    ``overrides`` (plus ``pinned``) become :attr:`Scenario.pinned`: a value the user sets wins
    over the posterior's draws of it."""
    register_configs()
    if "hydra" in cfg:  # composed with return_hydra_config=True: the world is the rest
        cfg = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
    scen_file = f"scenarios/scenario/{cfg.get('name', '?')}.yaml"
    overridden = {re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", o.split("=")[0].lstrip("+~")) for o in overrides}

    def where(path: str) -> str:
        parts = path.split(".")
        prefixes = {".".join(parts[: k + 1]) for k in range(len(parts))}
        return "override" if prefixes & overridden else scen_file

    # Typed object (OmegaConf already enforced types when composing; re-check for safety).
    try:
        merged = OmegaConf.merge(_schema_config(), cfg)  # merge copies the schema
        obj: Config = OmegaConf.to_object(merged)  # type: ignore[assignment]
    except OmegaConfBaseException as e:
        key = getattr(e, "full_key", "?")
        raise ScenarioError(scen_file, str(key), "<see message>", " ".join(str(e).split())) from None

    # Bool switches: OmegaConf reads any integer as a bool (2 -> true); an override must say
    # what it means.
    schema_cfg = _schema_config()
    for o in overrides:
        key, _, raw = o.lstrip("+~").partition("=")
        if (
            isinstance(OmegaConf.select(schema_cfg, key, default=None), bool)
            and raw.strip().lower() not in _BOOL_WORDS
        ):
            raise ScenarioError("override", key, raw, "a bool (true or false)")

    # Non-finite numbers (nan, inf) anywhere: a range check alone lets NaN through.
    for path, value in _floats(obj):
        if not math.isfinite(value):
            meta = {p: md for p, _v, md in iter_params(obj)}.get(path)
            if meta is not None and meta.get("nonfinite"):
                continue
            rng = f", {meta['lo']} <= value <= {meta['hi']} ({meta['unit']})" if meta else ""
            raise ScenarioError(where(path), path, value, f"a finite number{rng}")

    # Ranges of every declared parameter.
    for path, value, meta in iter_params(obj):
        lo, hi = meta["lo"], meta["hi"]
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ScenarioError(
                where(path), path, value, f"{lo} <= value <= {hi} ({meta['unit']}: {meta['doc']})"
            )
    if obj.backend not in ("numba", "python"):
        raise ScenarioError(where("backend"), "backend", obj.backend, "'numba' or 'python'")
    if obj.replicates < 1:
        raise ScenarioError(where("replicates"), "replicates", obj.replicates, "an integer >= 1")
    if not 0 <= obj.seed <= SEED_MAX - (obj.replicates - 1):
        raise ScenarioError(
            where("seed"),
            "seed",
            obj.seed,
            f"an integer 0 <= seed <= {SEED_MAX - (obj.replicates - 1)} (seed + replicates - 1 must fit "
            "in a signed 64-bit integer)",
        )
    if obj.model.command.policy not in POLICIES:
        raise ScenarioError(
            where("model.command.policy"),
            "model.command.policy",
            obj.model.command.policy,
            f"one of {', '.join(POLICIES)}",
        )

    start = _date(obj.timeline.start, where("timeline.start"), "timeline.start")
    horizon = int(obj.timeline.horizon_days)
    w = obj.model.withdrawal
    w_start = _date(w.start, where("model.withdrawal.start"), "model.withdrawal.start")
    w_end = _date(w.end, where("model.withdrawal.end"), "model.withdrawal.end")
    if w_end < w_start:
        raise ScenarioError(
            where("model.withdrawal.end"),
            "model.withdrawal.end",
            w.end,
            f"a date on or after model.withdrawal.start ({w.start})",
        )

    if obj.report.by_date:
        by = _date(obj.report.by_date, where("report.by_date"), "report.by_date")
        last = start + dt.timedelta(days=horizon)
        if not start <= by <= last:
            raise ScenarioError(
                where("report.by_date"),
                "report.by_date",
                obj.report.by_date,
                f"a date within the scenario {start} .. {last} (timeline.start + horizon_days)",
            )

    # Tables.
    if obj.data.kind == "synthetic":
        from sim.resources import check_world
        from sim.scenario.synthetic import synthetic_tables

        check_world(obj.synthetic.n_locations, obj.synthetic.n_units, where("synthetic.n_locations"))
        frames = synthetic_tables(obj.synthetic)
        base = "synthetic"
        data_fp = "synthetic"
    elif obj.data.kind == "tables":
        if not obj.data.dir:
            raise ScenarioError(
                scen_file, "data.dir", obj.data.dir, "a directory of CSV tables relative to scenarios/"
            )
        base_dir = root if root is not None else scenario_root(cfg, search_roots(overrides))
        data_dir = _paths.resolve_inside(base_dir, obj.data.dir, where("data.dir"), "data.dir")
        if not data_dir.is_dir():
            raise ScenarioError(
                where("data.dir"), "data.dir", obj.data.dir, f"an existing directory under {base_dir}"
            )
        frames = {t: _read_csv(data_dir, t) for t in TABLE_SPECS}
        base = f"scenarios/{obj.data.dir}"
        data_fp = data_fingerprint(cfg, base_dir)
    else:
        raise ScenarioError(where("data.kind"), "data.kind", obj.data.kind, "'tables' or 'synthetic'")

    tables = _validate_tables(frames, base)
    sources: dict[str, str] = dict(
        zip(tables["sources"]["source_id"], tables["sources"]["citation"], strict=True)
    )

    # Source ids in every table row.
    for tname, df in tables.items():
        if tname == "sources" or "source" not in df:
            continue
        _check_sources(df["source"].to_numpy(), sources, f"{base}/{tname}.csv")
    # Provenance of parameters.
    known_paths = {p for p, _, _ in iter_params(obj)} | _all_paths(obj)
    for path, sid in obj.provenance.items():
        if path not in known_paths:
            raise ScenarioError(
                scen_file,
                f"provenance.{path}",
                path,
                "a dotted path of a scenario field, e.g. reserve.commandos",
            )
        for s in str(sid).split(";"):
            if s.strip() not in sources:
                raise ScenarioError(scen_file, f"provenance.{path}", s, f"a source_id of {base}/sources.csv")

    loc_df = tables["locations"]
    loc_ids = loc_df["location_id"].to_numpy(dtype=object)
    loc_index = {k: i for i, k in enumerate(loc_ids)}

    # Patrons.
    patrons = tuple(sorted(set(tables["militias"]["patron"].astype(str))))

    # Events.
    events = []
    for i, ev in enumerate(obj.events):
        field = f"events[{i}]"
        if not ev.enabled:  # switched off (events.N.enabled=false); checked when on
            continue
        if ev.kind not in EVENT_KINDS:
            raise ScenarioError(
                where(f"{field}.kind"), f"{field}.kind", ev.kind, f"one of {', '.join(EVENT_KINDS)}"
            )
        d = _date(ev.date, where(f"{field}.date"), f"{field}.date")
        day = (d - start).days
        if not 0 <= day < horizon:
            raise ScenarioError(
                where(f"{field}.date"),
                f"{field}.date",
                ev.date,
                f"a date within the horizon {start} .. {start + dt.timedelta(days=horizon - 1)}",
            )
        li = -1
        if ev.kind == "reinforcement_request" or ev.location:
            if ev.location not in loc_index:
                raise ScenarioError(
                    where(f"{field}.location"),
                    f"{field}.location",
                    ev.location,
                    f"a location_id of {base}/locations.csv",
                )
            li = loc_index[ev.location]
        pi = -1
        if ev.kind == "leader_return":
            if ev.patron not in patrons:
                raise ScenarioError(
                    where(f"{field}.patron"),
                    f"{field}.patron",
                    ev.patron,
                    f"a militia patron: {', '.join(patrons) or '(none)'}",
                )
            pi = patrons.index(ev.patron)
        if ev.kind == "policy" and ev.note not in POLICIES:
            raise ScenarioError(scen_file, f"{field}.note", ev.note, f"one of {', '.join(POLICIES)}")
        if ev.source:
            for s in ev.source.split(";"):
                if s.strip() not in sources:
                    raise ScenarioError(scen_file, f"{field}.source", s, f"a source_id of {base}/sources.csv")
        events.append(Event(day, ev.kind, li, pi, float(ev.value), ev.source, ev.note))
    events.sort(key=lambda e: (e.day, list(EVENT_KINDS).index(e.kind), e.location, e.patron))

    # Support schedules (air, logistics, maintenance), t = 0..horizon.
    schedules = support_schedules(obj.model, start, horizon, w_start, w_end, where)
    schedules.setflags(write=False)

    # Build read-only tables with integer references.
    prov_df = tables["provinces"]
    prov_names = prov_df["province"].astype(str).tolist()
    prov_index = {p: i for i, p in enumerate(prov_names)}
    ctrl = loc_df["initial_control"].map(CONTROL_NAMES).to_numpy(np.int8)
    locations = Table(
        {
            "location_id": loc_ids,
            "name": loc_df["name"].astype(str).to_numpy(dtype=object),
            "province": loc_df["province"].astype(str).to_numpy(dtype=object),
            "province_index": loc_df["province"].map(prov_index).to_numpy(np.int64),
            "kind": loc_df["kind"].astype(str).to_numpy(dtype=object),
            "lat": loc_df["lat"].to_numpy(np.float64),
            "lon": loc_df["lon"].to_numpy(np.float64),
            "population": loc_df["population"].to_numpy(np.float64),
            "ruggedness": loc_df["ruggedness"].to_numpy(np.float64),
            "affinity": loc_df["affinity_insurgent"].to_numpy(np.float64),
            "is_capital": (loc_df["kind"] == "capital").to_numpy(np.bool_),
            "has_airport": loc_df["has_airport"].to_numpy(np.bool_),
            "has_prison": loc_df["has_prison"].to_numpy(np.bool_),
            "initial_control": ctrl,
            "value": loc_df["value"].to_numpy(np.float64),
            "revenue_share": loc_df["revenue_share"].to_numpy(np.float64),
            "source": loc_df["source"].astype(str).to_numpy(dtype=object),
        }
    )
    provinces = Table(
        {
            "province": np.array(prov_names, dtype=object),
            "capital": prov_df["capital_location_id"].map(loc_index).to_numpy(np.int64),
            "population": prov_df["population"].to_numpy(np.float64),
            "region": prov_df["region"].astype(str).to_numpy(dtype=object),
            "source": prov_df["source"].astype(str).to_numpy(dtype=object),
        }
    )
    r = tables["roads"]
    roads = Table(
        {
            "src": r["from_id"].map(loc_index).to_numpy(np.int64),
            "dst": r["to_id"].map(loc_index).to_numpy(np.int64),
            "road_class": r["road_class"].astype(str).to_numpy(dtype=object),
            "distance_km": r["distance_km"].to_numpy(np.float64),
            "travel_days": r["travel_days"].to_numpy(np.float64),
            "source": r["source"].astype(str).to_numpy(dtype=object),
        }
    )
    g = tables["garrisons"]
    garrisons = Table(
        {
            "location": g["location_id"].map(loc_index).to_numpy(np.int64),
            "type": g["type"].astype(str).to_numpy(dtype=object),
            "personnel_nominal": g["personnel_nominal"].to_numpy(np.float64),
            "quality": g["quality"].to_numpy(np.float64),
            "morale": g["morale"].to_numpy(np.float64),
            "supply_days": g["supply_days"].to_numpy(np.float64),
            "source": g["source"].astype(str).to_numpy(dtype=object),
        }
    )
    m = tables["militias"]
    militias = Table(
        {
            "location": m["location_id"].map(loc_index).to_numpy(np.int64),
            "patron": m["patron"].astype(str).to_numpy(dtype=object),
            "patron_index": m["patron"]
            .astype(str)
            .map({p: i for i, p in enumerate(patrons)})
            .to_numpy(np.int64),
            "personnel": m["personnel"].to_numpy(np.float64),
            "loyalty": m["loyalty"].to_numpy(np.float64),
            "source": m["source"].astype(str).to_numpy(dtype=object),
        }
    )
    u = tables["insurgents"]
    insurgents = Table(
        {
            "unit_id": u["unit_id"].astype(str).to_numpy(dtype=object),
            "location": u["location_id"].map(loc_index).to_numpy(np.int64),
            "strength": u["strength"].to_numpy(np.float64),
            "morale": u["morale"].to_numpy(np.float64),
            "source": u["source"].astype(str).to_numpy(dtype=object),
        }
    )
    pool = np.zeros(len(loc_ids))
    p = tables["insurgent_pools"]
    np.add.at(pool, p["location_id"].map(loc_index).to_numpy(np.int64), p["part_time"].to_numpy(np.float64))
    pools = Table({"part_time": pool})

    _check_roads(roads, locations, base)
    campaign = _campaign(obj.model.campaign, start, horizon, provinces, where)
    posterior_file, posterior_sha = _posterior(obj.posterior, where)

    frozen_cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    OmegaConf.set_readonly(frozen_cfg, True)
    return Scenario(
        name=obj.name,
        description=obj.description,
        scenario_file=scen_file,
        config=frozen_cfg,
        start=start,
        horizon_days=horizon,
        provinces=provinces,
        locations=locations,
        roads=roads,
        garrisons=garrisons,
        militias=militias,
        patrons=patrons,
        insurgents=insurgents,
        pools=pools,
        events=tuple(events),
        sources=MappingProxyType(dict(sources)),
        schedules=schedules,
        campaign=campaign,
        posterior_file=posterior_file,
        posterior_sha256=posterior_sha,
        data_fingerprint=data_fp,
        pinned=frozenset(pinned) | {o.split("=", 1)[0].lstrip("+~") for o in overrides if "=" in o},
    )


# ---------------------------------------------------------------------------------------------
# Tables: specs, reading and checks
# ---------------------------------------------------------------------------------------------
# column -> (kind, lo, hi); kind: str | id | float | int | bool | enum:<a|b> | ref:<table>
TABLE_SPECS: dict[str, dict[str, tuple]] = {
    "sources": {"source_id": ("id",), "citation": ("str",)},
    "provinces": {
        "province": ("id",),
        "capital_location_id": ("ref:locations",),
        "population": ("float", 0, 1e9),
        "region": ("str",),
        "source": ("str",),
    },
    "locations": {
        "location_id": ("id",),
        "name": ("str",),
        "province": ("ref:provinces",),
        "kind": ("enum", ("capital", "district", "city")),
        "lat": ("float", -90, 90),
        "lon": ("float", -180, 180),
        "population": ("float", 0, 1e8),
        "ruggedness": ("float", 0, 1),
        "affinity_insurgent": ("float", 0, 1),
        "has_airport": ("bool",),
        "has_prison": ("bool",),
        "initial_control": ("enum", ("government", "contested", "insurgent")),
        "value": ("float", 0, 1),
        "revenue_share": ("float", 0, 1),
        "source": ("str",),
    },
    "roads": {
        "from_id": ("ref:locations",),
        "to_id": ("ref:locations",),
        "road_class": ("enum", ("highway", "secondary", "local")),
        "distance_km": ("float", 0, 5000),
        "travel_days": ("float", 1e-3, 100),
        "source": ("str",),
    },
    "garrisons": {
        "location_id": ("ref:locations",),
        "type": ("enum", GARRISON_TYPES),
        "personnel_nominal": ("float", 0, 1e6),
        "quality": ("float", 0, 3),
        "morale": ("float", 0, 1),
        "supply_days": ("float", 0, 365),
        "source": ("str",),
    },
    "militias": {
        "location_id": ("ref:locations",),
        "patron": ("str",),
        "personnel": ("float", 0, 1e6),
        "loyalty": ("float", 0, 1),
        "source": ("str",),
    },
    "insurgents": {
        "unit_id": ("id",),
        "location_id": ("ref:locations",),
        "strength": ("float", 0, 1e6),
        "morale": ("float", 0, 1),
        "source": ("str",),
    },
    "insurgent_pools": {
        "location_id": ("ref:locations",),
        "part_time": ("float", 0, 1e7),
        "source": ("str",),
    },
}
#: Columns a table may leave out, with the value they then take.
OPTIONAL_COLUMNS: dict[str, dict[str, str]] = {
    "locations": {"revenue_share": "0"},  # share of customs revenue through a border crossing
    "provinces": {"region": "all"},  # theatre of the province (campaign sequencing)
}
# Order in which references can be resolved.
_ORDER = (
    "sources",
    "provinces",
    "locations",
    "roads",
    "garrisons",
    "militias",
    "insurgents",
    "insurgent_pools",
)


def _read_csv(data_dir: Path, table: str) -> pd.DataFrame:
    path = data_dir / f"{table}.csv"
    rel = _rel(path)
    if not path.is_file():
        raise ScenarioError(
            rel, "file", str(path.name), f"a CSV file with columns {', '.join(TABLE_SPECS[table])}"
        )
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise ScenarioError(
            rel, "file", path.name, f"well-formed UTF-8 CSV ({' '.join(str(e).split())})"
        ) from None


def _rel(path: Path) -> str:
    try:
        return f"scenarios/{path.resolve().relative_to(scenarios_dir())}"
    except ValueError:
        return str(path)


def _validate_tables(frames: dict[str, pd.DataFrame], base: str) -> dict[str, pd.DataFrame]:
    """Check columns, types, ranges, ids and references of every table; return typed frames."""
    out: dict[str, pd.DataFrame] = {}
    for table in _ORDER:
        spec = TABLE_SPECS[table]
        df = frames[table]
        fname = f"{base}/{table}.csv"
        for col, default in OPTIONAL_COLUMNS.get(table, {}).items():
            if col not in df.columns:
                df = df.assign(**{col: default})
        missing = [c for c in spec if c not in df.columns]
        if missing:
            raise ScenarioError(
                fname, "columns", missing[0], f"columns {', '.join(spec)} (missing {', '.join(missing)})"
            )
        df = df.copy()
        for col, (kind, *args) in spec.items():
            s = df[col]
            if kind in ("float", "int"):
                vals = pd.to_numeric(s, errors="coerce").to_numpy(np.float64)
                bad = np.flatnonzero(~np.isfinite(vals))
                if len(bad):
                    i = int(bad[0])
                    raise ScenarioError(fname, f"line {i + 2}, column {col!r}", s.iloc[i], "a finite number")
                lo, hi = args
                bad = np.flatnonzero((vals < lo) | (vals > hi))
                if len(bad):
                    i = int(bad[0])
                    raise ScenarioError(
                        fname, f"line {i + 2}, column {col!r}", vals[i], f"{lo} <= value <= {hi}"
                    )
                df[col] = vals
            elif kind == "bool":
                v = s.astype(str).str.strip().str.lower()
                ok = v.isin(["0", "1", "true", "false", "0.0", "1.0"]).to_numpy()
                if not ok.all():
                    i = int(np.flatnonzero(~ok)[0])
                    raise ScenarioError(fname, f"line {i + 2}, column {col!r}", s.iloc[i], "0 or 1")
                df[col] = v.isin(["1", "true", "1.0"]).to_numpy()
            elif kind == "enum":
                ok = s.isin(args[0]).to_numpy()
                if not ok.all():
                    i = int(np.flatnonzero(~ok)[0])
                    raise ScenarioError(
                        fname, f"line {i + 2}, column {col!r}", s.iloc[i], f"one of {', '.join(args[0])}"
                    )
            elif kind == "id":
                empty = (s.astype(str).str.strip() == "").to_numpy()
                if empty.any():
                    i = int(np.flatnonzero(empty)[0])
                    raise ScenarioError(
                        fname, f"line {i + 2}, column {col!r}", s.iloc[i], "a non-empty identifier"
                    )
                dup = s.duplicated().to_numpy()
                if dup.any():
                    i = int(np.flatnonzero(dup)[0])
                    raise ScenarioError(
                        fname,
                        f"line {i + 2}, column {col!r}",
                        s.iloc[i],
                        "a unique identifier (this one is repeated)",
                    )
            elif kind.startswith("ref:"):
                target = kind[4:]
                key = {"locations": "location_id", "provinces": "province"}[target]
                if target not in out:  # provinces -> capital refers forward to locations
                    continue
                ok = s.isin(out[target][key]).to_numpy()
                if not ok.all():
                    i = int(np.flatnonzero(~ok)[0])
                    raise ScenarioError(
                        fname, f"line {i + 2}, column {col!r}", s.iloc[i], f"a {key} of {base}/{target}.csv"
                    )
        out[table] = df
    # Forward references: provinces -> capitals.
    prov = out["provinces"]
    ok = prov["capital_location_id"].isin(out["locations"]["location_id"]).to_numpy()
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise ScenarioError(
            f"{base}/provinces.csv",
            f"line {i + 2}, column 'capital_location_id'",
            prov["capital_location_id"].iloc[i],
            f"a location_id of {base}/locations.csv",
        )
    caps = out["locations"]
    cap_rows = caps[caps["kind"] == "capital"]
    prov_caps = set(prov["capital_location_id"])
    for i, lid in zip(cap_rows.index, cap_rows["location_id"], strict=True):
        if lid not in prov_caps:
            raise ScenarioError(
                f"{base}/locations.csv",
                f"line {i + 2}, column 'kind'",
                "capital",
                "'capital' only for a location named as capital in provinces.csv",
            )
    for table, key in (("garrisons", "location_id"), ("militias", "location_id")):
        dup = out[table][key].duplicated().to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise ScenarioError(
                f"{base}/{table}.csv",
                f"line {i + 2}, column {key!r}",
                out[table][key].iloc[i],
                "at most one row per location",
            )
    return out


def _check_sources(col: np.ndarray, sources: dict[str, str], fname: str) -> None:
    uniq, first = np.unique(col.astype(str), return_index=True)
    for val, i in zip(uniq, first, strict=True):
        ids = [x.strip() for x in val.split(";") if x.strip()]
        if not ids:
            raise ScenarioError(
                fname,
                f"line {i + 2}, column 'source'",
                val,
                "one or more source_id of sources.csv separated by ';'",
            )
        for sid in ids:
            if sid not in sources:
                raise ScenarioError(
                    fname, f"line {i + 2}, column 'source'", sid, "a source_id of sources.csv"
                )


def _check_roads(roads: Table, locations: Table, base: str) -> None:
    n = locations.n_rows
    src, dst = roads["src"], roads["dst"]
    self_loop = np.flatnonzero(src == dst)
    if len(self_loop):
        i = int(self_loop[0])
        raise ScenarioError(
            f"{base}/roads.csv",
            f"line {i + 2}, column 'to_id'",
            locations["location_id"][dst[i]],
            "a location other than from_id",
        )
    caps = np.flatnonzero(locations["is_capital"])
    if len(caps) == 0:
        raise ScenarioError(
            f"{base}/locations.csv",
            "column 'kind'",
            "<no capital>",
            "at least one location of kind 'capital'",
        )
    hub = int(caps[np.argmax(locations["value"][caps])])
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(src.tolist(), dst.tolist(), strict=True):
        adj[a].append(b)
        adj[b].append(a)
    seen = np.zeros(n, dtype=bool)
    seen[hub] = True
    q = deque([hub])
    while q:
        a = q.popleft()
        for b in adj[a]:
            if not seen[b]:
                seen[b] = True
                q.append(b)
    for c in caps:
        if not seen[c]:
            raise ScenarioError(
                f"{base}/roads.csv",
                "road graph",
                locations["location_id"][c],
                f"every capital reachable by road from "
                f"{locations['location_id'][hub]!r} (this capital is not)",
            )


def _floats(obj: Any, prefix: str = "") -> list[tuple[str, float]]:
    """``(dotted_path, value)`` of every float in a config object tree (lists included)."""
    out: list[tuple[str, float]] = []
    if is_dataclass(obj):
        items = [(f.name, getattr(obj, f.name)) for f in fields(obj)]
    elif isinstance(obj, dict):
        items = list(obj.items())
    elif isinstance(obj, list):
        items = [(str(i), v) for i, v in enumerate(obj)]
    else:
        return out
    for k, v in items:
        p = f"{prefix}[{k}]" if isinstance(obj, list) else f"{prefix}{'.' if prefix else ''}{k}"
        if isinstance(v, float):
            out.append((p, v))
        elif is_dataclass(v) or isinstance(v, dict | list):
            out.extend(_floats(v, p))
    return out


def data_fingerprint(cfg: DictConfig, root: Path | None = None) -> str:
    """A short hash of the data a config reads: the bytes of its CSV tables (``data.kind:
    tables``), or ``"synthetic"`` (a synthetic world is fully given by its config).

    Part of a sweep's and a job's identity, so a resumed sweep notices edited tables.
    """
    import hashlib

    kind = str(OmegaConf.select(cfg, "data.kind", default="tables"))
    if kind != "tables":
        return kind
    rel = str(OmegaConf.select(cfg, "data.dir", default=""))
    d = _paths.resolve_inside(
        root if root is not None else scenarios_dir(),
        rel,
        f"scenarios/scenario/{cfg.get('name', '?')}.yaml",
        "data.dir",
    )
    h = hashlib.sha256()
    for t in sorted(TABLE_SPECS):
        f = d / f"{t}.csv"
        h.update(t.encode() + b"\0")
        h.update(f.read_bytes() if f.is_file() else b"<missing>")
    return f"tables:{h.hexdigest()[:16]}"


def _date(value: Any, where: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(where, field, value, "an ISO date YYYY-MM-DD") from None


def _all_paths(obj: Any, prefix: str = "") -> set[str]:
    from dataclasses import fields, is_dataclass

    out: set[str] = set()
    for f in fields(obj):
        v = getattr(obj, f.name)
        p = f"{prefix}{f.name}"
        out.add(p)
        if is_dataclass(v):
            out |= _all_paths(v, p + ".")
    return out


# ---------------------------------------------------------------------------------------------
# Support schedules and the campaign plan
# ---------------------------------------------------------------------------------------------
def support_schedules(
    model: Any, start: dt.date, horizon: int, w_start: dt.date, w_end: dt.date, where: Any
) -> np.ndarray:
    """The three support schedules (rows ``codes.SCHED_*``), one value per day 0..horizon.

    Each is a :class:`~sim.scenario.schema.Curve` over the withdrawal's progress
    ``tau(t) = (t - start) / (end - start)`` (a step at the start when start == end); an empty
    curve is the straight line 1 -> ``withdrawal.residual`` for ``logistics``, and equal to
    ``logistics`` for ``air`` and ``maintenance``.
    """
    days = np.arange(horizon + 1, dtype=np.float64)
    off = (w_start - start).days
    span = (w_end - w_start).days
    if span > 0:
        tau = (days - off) / span
    else:
        tau = np.where(days >= off, np.inf, -np.inf)
    residual = float(model.withdrawal.residual)
    out = np.empty((3, horizon + 1))

    def curve(name: str) -> np.ndarray | None:
        c = getattr(model.support, name)
        path = f"model.support.{name}"
        xs, ys = [float(v) for v in c.tau], [float(v) for v in c.value]
        if not xs and not ys:
            return None
        if len(xs) != len(ys):
            raise ScenarioError(
                where(f"{path}.value"), f"{path}.value", ys, f"as many values as {path}.tau ({len(xs)})"
            )
        for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
            if not np.isfinite(x) or (k and x <= xs[k - 1]):
                raise ScenarioError(
                    where(f"{path}.tau"), f"{path}.tau", xs, "finite progress points in increasing order"
                )
            if not (np.isfinite(y) and 0.0 <= y <= 1.0):
                raise ScenarioError(where(f"{path}.value"), f"{path}.value", y, "values 0 <= v <= 1")
        return np.interp(np.clip(tau, -1e300, 1e300), xs, ys)

    logistics = curve("logistics")
    if logistics is None:
        logistics = 1.0 - (1.0 - residual) * np.clip(tau, 0.0, 1.0)
    air = curve("air")
    maintenance = curve("maintenance")
    from sim.kernels import codes as C

    out[C.SCHED_LOGISTICS] = logistics
    out[C.SCHED_AIR] = logistics if air is None else air
    out[C.SCHED_MAINTENANCE] = logistics if maintenance is None else maintenance
    return out


def _campaign(camp: Any, start: dt.date, horizon: int, provinces: Table, where: Any) -> dict[str, Any]:
    """The campaign plan as arrays: theatres (regions), phase start days and focus weights."""
    theatres = sorted(set(provinces["region"].tolist()))
    days, focus = [], []
    for k, ph in enumerate(camp.phases):
        path = f"model.campaign.phases[{k}]"
        d = (_date(ph.start, where(f"{path}.start"), f"{path}.start") - start).days
        if days and d <= days[-1]:
            raise ScenarioError(
                where(f"{path}.start"), f"{path}.start", ph.start, "dates in increasing order"
            )
        row = np.zeros(len(theatres))
        for name in ph.focus:
            if name not in theatres:
                raise ScenarioError(
                    where(f"{path}.focus"),
                    f"{path}.focus",
                    name,
                    f"a region of provinces.csv: {', '.join(theatres)}",
                )
            row[theatres.index(name)] = 1.0
        days.append(d)
        focus.append(row)
    return {
        "theatres": tuple(theatres),
        "phase_day": np.array(days, np.int64),
        "focus": np.array(focus, np.float64).reshape(len(days), len(theatres)),
    }


def _posterior(post: Any, where: Any) -> tuple[str, str]:
    """Resolve ``posterior.samples`` and hash the file (its draws are part of the scenario)."""
    import hashlib

    if post.draw not in ("sample", "point"):
        raise ScenarioError(where("posterior.draw"), "posterior.draw", post.draw, "'sample' or 'point'")
    if not post.samples:
        return "", ""
    p = Path(post.samples)
    if not p.is_absolute():
        if ".." in p.parts:
            raise ScenarioError(
                where("posterior.samples"),
                "posterior.samples",
                post.samples,
                "a path under scenarios/ without '..'",
            )
        p = scenarios_dir() / p
    if not p.is_file() or p.suffix != ".parquet":
        raise ScenarioError(
            where("posterior.samples"),
            "posterior.samples",
            post.samples,
            f"an existing Parquet file of posterior draws (relative to {scenarios_dir()}, or absolute)",
        )
    return str(p), hashlib.sha256(p.read_bytes()).hexdigest()
