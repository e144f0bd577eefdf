"""Fit chosen model parameters to an observation table with Optuna.

:func:`calibrate` is what ``conflict-sim-calibrate`` calls. Each candidate parameter vector is
run as an ensemble of ``replicates`` replicates with the *same* seeds ``seed .. seed + K - 1``
for every candidate (common random numbers: the loss is a deterministic function of the
parameters, so candidates are compared on equal luck), up to the cut-off day only, and scored with
:func:`sim.inference.loss.ensemble_loss`. The search is Optuna's TPE sampler (multivariate),
re-seeded for trial n with ``(seed, n)``, so the candidate of a trial depends only on the seed,
its number and the finished trials before it: the same call gives the same history, and a run
that is stopped and started again continues to the same result as one that was not stopped.
The study lives in an SQLite file in the output directory; ``trials`` is the total budget, so
calling again with the same output directory continues where it stopped (a larger budget adds
trials).

Outputs (in ``out_dir``): ``study.db`` (Optuna storage), ``history.csv`` (one row per trial),
``convergence.png``, ``calibration.yaml`` (settings, best values, loss) and ``fit.yaml``, which is
also written as ``<fit_dir>/<name>.yaml`` so ``conflict-sim +fit=NAME`` loads it.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from omegaconf import OmegaConf

from sim.engine import run
from sim.inference.loss import PreparedObservations, ensemble_loss, prepare
from sim.inference.observations import Observations, check_data_rule, read_observations
from sim.io import ensure_dir, save_figure, write_text
from sim.paths import OUTPUTS, check_name
from sim.scenario import ScenarioError, compose_config, scenario_from_config
from sim.scenario.schema import Config, iter_params


@dataclass(frozen=True)
class ParamSpec:
    """A parameter to fit and its search range.

    Written ``path`` (the schema's whole range), ``path:lo:hi`` or ``path:lo:hi:log`` (search on
    a log scale; needs lo > 0). Integer parameters are searched over integers.
    """

    path: str
    lo: float
    hi: float
    log: bool = False
    integer: bool = False


def schema_params() -> dict[str, tuple[Any, dict]]:
    """Every declared parameter: dotted path -> (default, metadata with unit, lo, hi, doc)."""
    return {p: (v, m) for p, v, m in iter_params(Config(name="x"))}


def parse_param(spec: str | ParamSpec) -> ParamSpec:
    """Parse ``path[:lo:hi[:log]]`` and check it against the schema's range.

    Raises
    ------
    ScenarioError
        For an unknown parameter, a range outside the schema's, or a log range with lo <= 0.
    """
    if isinstance(spec, ParamSpec):
        parts = [spec.path, str(spec.lo), str(spec.hi)] + (["log"] if spec.log else [])
        spec = ":".join(parts)
    parts = [s.strip() for s in str(spec).split(":")]
    path = parts[0]
    known = schema_params()
    if path not in known:
        raise ScenarioError(
            "params",
            "param",
            path,
            "a model parameter with a range, e.g. model.combat.beta_ins (see sim/scenario/schema.py)",
        )
    default, meta = known[path]
    s_lo, s_hi = meta["lo"], meta["hi"]
    integer = isinstance(default, int) and not isinstance(default, bool)
    log = len(parts) >= 4 and parts[3].lower() == "log"
    if len(parts) not in (1, 3, 4) or (len(parts) == 4 and not log):
        raise ScenarioError("params", "param", spec, "path, path:lo:hi or path:lo:hi:log")
    if len(parts) == 1:
        lo, hi = s_lo, s_hi
    else:
        try:
            lo, hi = float(parts[1]), float(parts[2])
        except ValueError:
            raise ScenarioError("params", path, spec, "numbers lo and hi in path:lo:hi") from None
    if lo is None or hi is None:
        raise ScenarioError("params", path, spec, "an explicit range path:lo:hi (the schema has none)")
    if not lo < hi:
        raise ScenarioError("params", path, f"{lo}:{hi}", "lo < hi")
    if (s_lo is not None and lo < s_lo) or (s_hi is not None and hi > s_hi):
        raise ScenarioError(
            "params", path, f"{lo}:{hi}", f"a range within the schema's {s_lo} .. {s_hi} ({meta['unit']})"
        )
    if log and lo <= 0:
        raise ScenarioError("params", path, f"{lo}:{hi}:log", "lo > 0 for a log-scale search")
    if integer:
        lo, hi = float(math.ceil(lo)), float(math.floor(hi))
    return ParamSpec(path, float(lo), float(hi), log, integer)


def _distributions(specs: Sequence[ParamSpec]) -> dict[str, Any]:
    from optuna.distributions import FloatDistribution, IntDistribution

    return {
        p.path: (
            IntDistribution(int(p.lo), int(p.hi), log=p.log)
            if p.integer
            else FloatDistribution(p.lo, p.hi, log=p.log)
        )
        for p in specs
    }


@dataclass
class CalibrationResult:
    """What :func:`calibrate` found and where it wrote it."""

    name: str
    best_params: dict[str, float]
    best_loss: float
    n_trials: int
    history: pd.DataFrame
    out_dir: Path
    fit_path: Path | None
    storage: str


def _settings(
    scenario: str,
    overrides: Sequence[str],
    obs: Observations,
    specs: Sequence[ParamSpec],
    replicates: int,
    seed: int,
    startup: int,
    cutoff_day: int,
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "overrides": list(overrides),
        "observations": str(obs.path),
        "observations_sha256": obs.sha256,
        "params": [asdict(p) for p in specs],
        "replicates": int(replicates),
        "seed": int(seed),
        "startup_trials": int(startup),
        "cutoff_day": int(cutoff_day),
    }


def _trial_seed(seed: int, number: int) -> int:
    return (int(seed) * 1_000_003 + int(number) * 7919 + 1) % (2**31 - 1)


def calibrate(
    scenario: str,
    observations: str | Path | Observations,
    params: Sequence[str | ParamSpec],
    *,
    overrides: Sequence[str] = (),
    name: str = "fit",
    trials: int = 30,
    replicates: int = 8,
    seed: int = 0,
    out_dir: str | Path | None = None,
    fit_dir: str | Path | None = None,
    startup: int | None = None,
    cutoff: str | dt.date | None = None,
    write_fit: bool = True,
    log: Callable[[str], None] | None = print,
) -> CalibrationResult:
    """Fit ``params`` of ``scenario`` to ``observations`` with a fixed budget of ``trials``.

    Parameters
    ----------
    scenario : str
        Scenario name (``scenarios/scenario/NAME.yaml``).
    observations : str, Path or Observations
        An observation table (a path, or a name under ``scenarios/observations/``).
    params : sequence of str or ParamSpec
        ``path``, ``path:lo:hi`` or ``path:lo:hi:log`` (see :class:`ParamSpec`).
    overrides : sequence of str
        Hydra overrides applied to the scenario before the fitted parameters.
    name : str, default "fit"
        Name of the fit (``+fit=NAME``) and of the Optuna study.
    trials : int, default 30
        Total number of finished trials wanted in the study (a resumed study runs only the rest).
    replicates : int, default 8
        Ensemble size per candidate (seeds ``seed .. seed + replicates - 1``).
    seed : int, default 0
        Seed of the sampler and of the replicates.
    out_dir : str or Path, optional
        Default ``outputs/calibrate/NAME``.
    fit_dir : str or Path, optional
        Where ``NAME.yaml`` is written; default ``outputs/fit`` (where ``+fit=NAME`` finds it).
    startup : int, optional
        Random trials before TPE takes over; default ``min(10, max(4, trials // 4))``.
    cutoff : str or date, optional
        Use observations up to this date only; default the last date in the table.
    write_fit : bool, default True
        Write ``<fit_dir>/<name>.yaml``.
    log : callable, optional
        Progress lines go here (``None`` for silence).

    Returns
    -------
    CalibrationResult
    """
    import optuna
    from optuna.trial import TrialState

    say = log or (lambda _s: None)
    check_name(name, "calibrate", "name")  # issue 15: a fit name never leads out of its folder
    if trials < 1 or replicates < 1 or seed < 0:
        raise ValueError("trials and replicates must be >= 1 and seed >= 0")
    specs = [parse_param(p) for p in params]
    if not specs:
        raise ScenarioError("params", "params", "[]", "at least one parameter to fit")
    if len({p.path for p in specs}) != len(specs):
        raise ScenarioError("params", "params", [p.path for p in specs], "each parameter once")
    obs = observations if isinstance(observations, Observations) else read_observations(observations)
    check_data_rule(scenario, obs)
    overrides = list(overrides)
    cfg0 = compose_config(scenario, overrides)
    scen0 = scenario_from_config(cfg0, overrides)
    cutoff_day = None
    if cutoff is not None:
        cutoff_day = (dt.date.fromisoformat(str(cutoff)) - scen0.start).days
    prep = prepare(obs, scen0, cutoff_day)
    if prep.n_used == 0:
        raise ScenarioError(
            obs.path or "observations",
            "rows",
            0,
            "at least one observation with weight > 0 between the scenario start and the cut-off",
        )
    if prep.cutoff_day < 1:
        raise ScenarioError(
            obs.path or "observations",
            "date",
            scen0.start.isoformat(),
            "observations after the scenario start (cut-off day >= 1)",
        )
    startup = int(startup if startup is not None else min(10, max(4, trials // 4)))
    out = Path(out_dir) if out_dir is not None else OUTPUTS / "calibrate" / name
    ensure_dir(out, "calibrate out")  # issue 15: refuse an unwritable folder before any trial
    fdir = Path(fit_dir) if fit_dir is not None else OUTPUTS / "fit"
    if write_fit:
        ensure_dir(fdir, "calibrate fit_dir")
    storage = f"sqlite:///{(out / 'study.db').resolve()}"
    settings = _settings(scenario, overrides, obs, specs, replicates, seed, startup, prep.cutoff_day)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    study = optuna.create_study(study_name=name, storage=storage, direction="minimize", load_if_exists=True)
    old = study.user_attrs.get("settings")
    if old is None:
        study.set_user_attr("settings", settings)
    elif _comparable(old) != _comparable(settings):
        diff = [k for k in _comparable(settings) if _comparable(old).get(k) != _comparable(settings)[k]]
        raise ScenarioError(
            str(out / "study.db"),
            "settings",
            ", ".join(diff),
            "the same scenario, overrides, observations, params, replicates, seed "
            "and cut-off as the study being resumed (or a new out_dir)",
        )
    # Trials left running by an interrupted call are marked failed; they are not resumed.
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
        study._storage.set_trial_state_values(t._trial_id, TrialState.FAIL)

    dists = _distributions(specs)
    seeds_note = f"seeds {seed}..{seed + replicates - 1}"
    done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if done:
        say(f"{name}: resuming with {done} finished trial(s) in {out / 'study.db'}")
    say(
        f"{name}: fitting {', '.join(p.path for p in specs)} of {scenario} to {prep.n_used} "
        f"observation(s) up to {scen0.date_of(prep.cutoff_day)} (day {prep.cutoff_day}); "
        f"{replicates} replicates per candidate ({seeds_note}); budget {trials} trials"
    )
    while done < trials:
        number = len(study.get_trials(deepcopy=False))
        study.sampler = optuna.samplers.TPESampler(
            seed=_trial_seed(seed, number), n_startup_trials=startup, multivariate=True
        )
        trial = study.ask(dists)
        values = dict(trial.params)
        try:
            comp = evaluate(cfg0, overrides, values, prep, replicates, seed)
        except ScenarioError as e:
            study.tell(trial, state=TrialState.FAIL)
            say(f"  trial {trial.number}: invalid parameters ({e})")
            continue
        except BaseException:
            study.tell(trial, state=TrialState.FAIL)
            raise
        for k, v in comp.items():
            if k != "loss":
                trial.set_user_attr(k, v)
        study.tell(trial, comp["loss"])
        done += 1
        best = study.best_trial
        say(
            f"  trial {trial.number}: loss {comp['loss']:.4f} "
            f"({', '.join(f'{k}={_fmt(v)}' for k, v in values.items())}); "
            f"best {best.value:.4f} (trial {best.number})"
        )

    history = history_frame(study, specs)
    _atomic_text(out / "history.csv", history.to_csv(index=False))
    best = study.best_trial
    best_params = {
        p.path: (int(best.params[p.path]) if p.integer else float(best.params[p.path])) for p in specs
    }
    fit_text = fit_yaml(
        best_params,
        name=name,
        scenario=scenario,
        loss=float(best.value),
        trial=best.number,
        settings=settings,
    )
    _atomic_text(out / "fit.yaml", fit_text)
    fit_path = None
    if write_fit:
        fit_path = fdir / f"{name}.yaml"
        _atomic_text(fit_path, fit_text)
    summary = {
        **settings,
        "name": name,
        "trials": len(history[history.state == "COMPLETE"]),
        "best_trial": best.number,
        "best_loss": float(best.value),
        "best_loss_counts": best.user_attrs.get("loss_counts"),
        "best_loss_events": best.user_attrs.get("loss_events"),
        "best_params": best_params,
        "fit_file": str(fit_path) if fit_path else None,
        "start": str(scen0.start),
        "cutoff_date": str(scen0.date_of(prep.cutoff_day)),
        "skipped_rows": [
            f"{r.date} {r.kind} {r.quantity or r.location}: {r.reason}" for r in prep.skipped.itertuples()
        ],
    }
    _atomic_text(out / "calibration.yaml", yaml.safe_dump(summary, sort_keys=False))
    convergence_plot(history, specs, out / "convergence.png")
    say(
        f"{name}: best loss {best.value:.4f} at trial {best.number}: "
        f"{', '.join(f'{k}={_fmt(v)}' for k, v in best_params.items())}"
    )
    if fit_path is not None:
        say(f"{name}: wrote {fit_path} (load it with +fit={name}); history and plot in {out}")
    return CalibrationResult(
        name, best_params, float(best.value), len(history), history, out, fit_path, storage
    )


def _comparable(s: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in s.items() if k != "observations"}


def _fmt(v: float) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def evaluate(
    cfg0: Any,
    overrides: Sequence[str],
    values: dict[str, float],
    prep: PreparedObservations,
    replicates: int,
    seed: int,
) -> dict[str, float]:
    """Run one candidate as an ensemble up to the cut-off and return its loss components.

    Raises
    ------
    ScenarioError
        When the candidate values are invalid for the scenario.
    """
    cfg = OmegaConf.merge(cfg0, OmegaConf.from_dotlist([f"{k}={v!r}" for k, v in values.items()]))
    scen = scenario_from_config(cfg, [*overrides, *(f"{k}={v}" for k, v in values.items())])
    res = run(scen, seed=seed, replicates=replicates, days=max(prep.cutoff_day, 1), record_locations=False)
    return ensemble_loss(res, scen, prep)


def history_frame(study: Any, specs: Sequence[ParamSpec]) -> pd.DataFrame:
    """One row per trial: number, state, loss, loss components, parameters, best so far."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {
            "trial": t.number,
            "state": t.state.name,
            "loss": t.value if t.value is not None else np.nan,
            "loss_counts": t.user_attrs.get("loss_counts", np.nan),
            "loss_events": t.user_attrs.get("loss_events", np.nan),
        }
        for p in specs:
            row[p.path] = t.params.get(p.path, np.nan)
        row["seconds"] = t.duration.total_seconds() if t.duration is not None else np.nan
        rows.append(row)
    df = pd.DataFrame(rows)
    ok = df["state"] == "COMPLETE"
    df["best_so_far"] = df["loss"].where(ok).cummin()
    return df


def fit_yaml(
    values: dict[str, float], *, name: str, scenario: str, loss: float, trial: int, settings: dict[str, Any]
) -> str:
    """The Hydra config of a fit: ``# @package _global_`` and the fitted values, nested."""
    tree: dict[str, Any] = {}
    for path, v in values.items():
        node = tree
        parts = path.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    obs = Path(settings["observations"]).name if settings["observations"] else "<table>"
    head = [
        "# @package _global_",
        f"# Fitted parameters '{name}' for the {scenario} scenario, written by conflict-sim-calibrate",
        f"# on {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        f"# Observations: {obs} (sha256 {settings['observations_sha256'][:12]}), up to day "
        f"{settings['cutoff_day']};",
        f"# {settings['replicates']} replicates per candidate, seed {settings['seed']}, best loss "
        f"{loss:.5g} at trial {trial}.",
        f"# Scenario overrides during the fit: {' '.join(settings['overrides']) or '(none)'}",
        f"# Load with: conflict-sim scenario={scenario} +fit={name}",
    ]
    return "\n".join(head) + "\n" + yaml.safe_dump(tree, sort_keys=False)


def convergence_plot(history: pd.DataFrame, specs: Sequence[ParamSpec], path: Path) -> Path:
    """Loss per trial with the best so far, and each parameter's value per trial."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = history[history["state"] == "COMPLETE"]
    n = 1 + len(specs)
    fig, axes = plt.subplots(n, 1, figsize=(7, 2.2 * n + 0.6), sharex=True, squeeze=False)
    ax = axes[0, 0]
    ax.scatter(ok["trial"], ok["loss"], s=12, color="0.5", label="trial")
    ax.step(history["trial"], history["best_so_far"], where="post", color="C3", label="best so far")
    ax.set_ylabel("loss")
    ax.set_yscale("log" if len(ok) and ok["loss"].min() > 0 else "linear")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("calibration convergence")
    best = ok.loc[ok["loss"].idxmin()] if len(ok) else None
    for k, p in enumerate(specs, start=1):
        ax = axes[k, 0]
        ax.scatter(ok["trial"], ok[p.path], s=12, color="C0")
        if best is not None:
            ax.axhline(best[p.path], color="C3", lw=1, ls="--", label="best")
            ax.legend(loc="upper right", fontsize=8)
        ax.set_ylabel(p.path.split(".")[-1])
        if p.log:
            ax.set_yscale("log")
    axes[-1, 0].set_xlabel("trial")
    fig.tight_layout()
    return save_figure(fig, path)


def _atomic_text(path: Path, text: str) -> None:
    write_text(path, text)
