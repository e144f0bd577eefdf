"""Bayesian calibration by ABC-SMC (pyabc), reproducible from a seed on any number of workers.

The three seams of pyabc (``doc/examples/parameter_inference.ipynb``) are kept:

* **simulate**: :class:`Model` maps a parameter draw (config path -> value) to the standardised
  discrepancies of every observation (:func:`sim.inference.simulate.simulate_terms`): counts by
  date (national and per province, with bounds), capitals lost on a date and with a mode, and
  capitals not lost by a date, uncensored;
* **prior**: :func:`read_priors` reads one distribution per calibrated parameter, with its reason
  and source (``scenarios/priors/NAME.yaml``), each checked against the schema's range;
* **compare**: the distance is ``sqrt(sum_i w_i z_i^2)`` (:func:`sim.inference.likelihood.distance`).

ABC-SMC (Toni et al. 2009; Beaumont et al. 2009, as implemented by pyabc, Schälte et al. 2022)
samples populations of particles against a falling tolerance (the median distance of the last
population); each population is stored in pyabc's SQLite history, so a stopped calibration
resumes where it stopped.

**Reproducibility.** pyabc's own parallel samplers accept particles in the order workers finish,
so their results change with the number of workers. :class:`DeterministicSampler` instead
evaluates candidate j of generation t with the random state keyed by (seed, t, j) - proposal and
simulation alike - in chunks on any ``concurrent.futures``-style executor (in-process, a process
pool, a Dask cluster's ``Client.get_executor()``, or submitit on SLURM), reads the results in
candidate order and keeps the first n accepted: the same particles whatever the executor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import random
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
import yaml

from sim.inference.likelihood import Plan, capitals_gap, distance, prepare_plan
from sim.inference.observations import check_data_rule, read_observations, resolve_path
from sim.scenario import Scenario, ScenarioError, load_scenario, scenarios_dir
from sim.scenario.values import check_param_values, param_ranges

DISTS = ("uniform", "loguniform", "normal")
#: Scaling of the proposal kernel's covariance (pyabc's MultivariateNormalTransition, Silverman's
#: bandwidth times this): wider than Silverman's keeps the importance weights from collapsing
#: onto a few particles when many parameters are weakly identified.
TRANSITION_SCALING = 2.0


# ----------------------------------------------------------------------------------- priors
@dataclass(frozen=True)
class Prior:
    """The prior of one calibrated parameter.

    ``dist`` is ``uniform`` on [low, high], ``loguniform`` on [low, high] or ``normal`` (mu, sd)
    truncated to [low, high]; ``reason`` says why, ``source`` cites it.
    """

    path: str
    dist: str
    low: float
    high: float
    mu: float = math.nan
    sd: float = math.nan
    reason: str = ""
    source: str = ""

    @property
    def key(self) -> str:
        """The parameter's name inside pyabc (dots are not safe in its database)."""
        return self.path.replace(".", "__")

    def rv(self) -> Any:
        import pyabc

        if self.dist == "uniform":
            return pyabc.RV("uniform", self.low, self.high - self.low)
        if self.dist == "loguniform":
            return pyabc.RV("loguniform", self.low, self.high)
        a, b = (self.low - self.mu) / self.sd, (self.high - self.mu) / self.sd
        return pyabc.RV("truncnorm", a, b, loc=self.mu, scale=self.sd)


def read_priors(spec: str | Path) -> list[Prior]:
    """Read priors from ``scenarios/priors/NAME.yaml`` (a name) or a YAML file (a path).

    Raises
    ------
    ScenarioError
        Naming the file, the parameter, the bad value and what is allowed.
    """
    p = Path(str(spec))
    if not p.suffix:
        p = scenarios_dir() / "priors" / f"{spec}.yaml"
    if not p.is_file():
        raise ScenarioError(
            "priors", "file", str(spec), f"a priors YAML file or a name in {scenarios_dir() / 'priors'}"
        )
    where = str(p)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ScenarioError(
            where, "file", p.name, f"well-formed YAML ({' '.join(str(e).split())[:120]})"
        ) from None
    params = doc.get("parameters") if isinstance(doc, dict) else None
    if not isinstance(params, dict) or not params:
        raise ScenarioError(
            where, "parameters", params, "a mapping: config path -> {dist, low, high, reason}"
        )
    ranges = param_ranges()
    out = []
    for path, d in params.items():
        if not isinstance(d, dict):
            raise ScenarioError(where, f"parameters.{path}", d, "a mapping with dist, low, high and reason")
        dist = d.get("dist", "uniform")
        if dist not in DISTS:
            raise ScenarioError(where, f"parameters.{path}.dist", dist, f"one of {', '.join(DISTS)}")
        try:
            low, high = float(d["low"]), float(d["high"])
        except (KeyError, TypeError, ValueError):
            raise ScenarioError(where, f"parameters.{path}", d, "numbers low and high") from None
        check_param_values({path: low}, where=where, per_replicate=True)
        check_param_values({path: high}, where=where, per_replicate=True)
        if not low < high or (dist == "loguniform" and low <= 0):
            raise ScenarioError(
                where, f"parameters.{path}.high", high, f"a number > low ({low}), low > 0 if log"
            )
        mu, sd = float(d.get("mu", math.nan)), float(d.get("sd", math.nan))
        if dist == "normal" and not (math.isfinite(mu) and math.isfinite(sd) and sd > 0):
            raise ScenarioError(
                where, f"parameters.{path}.sd", d.get("sd"), "mu and sd > 0 for a normal prior"
            )
        if not str(d.get("reason", "")).strip():
            raise ScenarioError(where, f"parameters.{path}.reason", "", "a sentence: why this prior")
        assert path in ranges
        out.append(Prior(path, dist, low, high, mu, sd, str(d["reason"]).strip(), str(d.get("source", ""))))
    return out


# ------------------------------------------------------------------------------------ model
@dataclass
class Model:
    """The simulate step: parameter draw -> standardised discrepancies ``{"z": array}``.

    Holds only names and paths (it is pickled to workers); the scenario and the resolved
    observations are built on first use in each process. The model's own seed is drawn from
    numpy's global stream, which :class:`DeterministicSampler` keys per candidate.
    """

    scenario: str
    overrides: tuple[str, ...]
    observations: str
    cutoff_day: int
    priors: tuple[Prior, ...]
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def load(self) -> tuple[Scenario, Plan]:
        if "scen" not in self._cache:
            scen = load_scenario(self.scenario, list(self.overrides))
            plan = prepare_plan(read_observations(self.observations), scen, self.cutoff_day)
            self._cache.update(scen=scen, plan=plan)
        return self._cache["scen"], self._cache["plan"]

    def __getstate__(self) -> dict:
        d = dict(self.__dict__)
        d["_cache"] = {}
        return d

    def values(self, pars: Any) -> dict[str, float]:
        return {p.path: float(pars[p.key]) for p in self.priors}

    def __call__(self, pars: Any) -> dict[str, np.ndarray]:
        from sim.inference.simulate import simulate_terms

        scen, plan = self.load()
        # pyabc draws from numpy's global stream; DeterministicSampler keys it per candidate
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002
        z, _ = simulate_terms(scen, plan, [self.values(pars)], [seed], parallel=False)
        return {"z": z[0]}


class Distance:
    """The compare step: ``sqrt(sum_i w_i z_i^2)`` with the observation weights ``w``."""

    def __init__(self, weights: np.ndarray) -> None:
        self.w = np.asarray(weights, np.float64)

    def __call__(self, x: dict, x0: dict) -> float:
        return float(distance(np.asarray(x["z"])[None, :] - np.asarray(x0["z"])[None, :], self.w)[0])


# ---------------------------------------------------------------------------------- sampler
def _job_seed(seed: int, t: int, j: int) -> int:
    h = hashlib.sha256(f"{seed}:{t}:{j}".encode()).digest()
    return int.from_bytes(h[:4], "little")


_FUNCS: dict[bytes, Callable] = {}


def _run_chunk(blob: bytes, digest: bytes, seeds: list[int]) -> list:
    """Evaluate candidates in a worker: the random state keyed per candidate, restored after."""
    fn = _FUNCS.get(digest)
    if fn is None:
        _FUNCS.clear()
        fn = _FUNCS[digest] = cloudpickle.loads(blob)
    # pyabc's proposals use numpy's global stream: key it per candidate, restore it after
    state, pystate = np.random.get_state(), random.getstate()  # noqa: NPY002
    out = []
    try:
        for s in seeds:
            np.random.seed(s)  # noqa: NPY002
            random.seed(s)
            out.append(fn())
    finally:
        np.random.set_state(state)  # noqa: NPY002
        random.setstate(pystate)
    return out


class InlineExecutor(Executor):
    """Run submitted work at once in this process (one worker, no parallelism)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Any:
        from concurrent.futures import Future

        f: Future = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # handed to the caller through the future
            f.set_exception(e)
        return f


def _pyabc_sampler_base() -> type:
    from pyabc.sampler import Sampler

    return Sampler


class DeterministicSampler(_pyabc_sampler_base()):  # type: ignore[misc]
    """A pyabc sampler whose populations depend only on the seed, not on the workers.

    Parameters
    ----------
    seed : int
    executor : concurrent.futures.Executor, optional
        Where chunks run (``submit``): :class:`InlineExecutor` by default; a
        ``ProcessPoolExecutor``, ``distributed.Client.get_executor()`` or a submitit executor.
    chunk : int, default 16
        Candidates per submitted task.
    batch : int, optional
        Candidates submitted at a time (default: 4 chunks per worker slot, at least n).
    """

    def __init__(
        self, seed: int = 0, executor: Executor | None = None, chunk: int = 16, batch: int | None = None
    ):
        super().__init__()
        self.seed = int(seed)
        self.executor = executor or InlineExecutor()
        self.chunk = int(chunk)
        self.batch = batch

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        blob = cloudpickle.dumps(simulate_one)
        digest = hashlib.sha256(blob).digest()
        sample = self._create_empty_sample()
        batch = max(int(self.batch or 0), int(n))
        j0, accepted, evaluated = 0, 0, 0
        while accepted < n and evaluated < max_eval:
            chunks = [
                [_job_seed(self.seed, t, j) for j in range(a, min(a + self.chunk, j0 + batch))]
                for a in range(j0, j0 + batch, self.chunk)
            ]
            futures = [self.executor.submit(_run_chunk, blob, digest, c) for c in chunks]
            for fut in futures:  # in candidate order, whatever order they finished in
                for particle in fut.result():
                    if accepted >= n:
                        break
                    sample.append(particle)
                    evaluated += 1
                    accepted += bool(particle.accepted)
            j0 += batch
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample


# ------------------------------------------------------------------------------- calibrate
@dataclass
class CalibrationResult:
    """A finished (or stopped) calibration: the posterior and how it was reached."""

    name: str
    out_dir: Path
    posterior: pd.DataFrame  # equally weighted draws, config paths as columns
    population: pd.DataFrame  # the last population: draws, weight, distance
    generations: pd.DataFrame  # per generation: epsilon, evaluations, acceptance rate, ess
    ess: float
    point: dict[str, float]
    meta: dict[str, Any]


def calibrate(
    scenario: str = "afghanistan_2021",
    *,
    priors: str | Path | None = None,
    observations: str | Path | None = None,
    overrides: Sequence[str] = (),
    cutoff: str | dt.date | None = None,
    population: int = 300,
    generations: int = 8,
    min_acceptance: float = 0.005,
    seed: int = 0,
    out_dir: str | Path = "outputs/calibration/fit",
    name: str | None = None,
    executor: Executor | None = None,
    workers: int = 1,
    chunk: int = 16,
    draws: int | None = None,
    log: Callable[[str], None] | None = print,
) -> CalibrationResult:
    """Calibrate a scenario's uncertain parameters to its observations by ABC-SMC.

    Parameters
    ----------
    scenario : str, default "afghanistan_2021"
    priors : str or Path, optional
        A priors file or name (default: ``scenarios/priors/SCENARIO.yaml``).
    observations : str or Path, optional
        An observation table (default: ``scenarios/observations/SCENARIO.csv``).
    overrides : sequence of str
        Hydra overrides of the scenario (its other parameters stay fixed).
    cutoff : str or date, optional
        Use observations up to this date only (default: all of them).
    population : int, default 300
        Particles per generation.
    generations : int, default 8
        Populations in all (a resumed run counts those already stored).
    min_acceptance : float, default 0.005
        Stop when a generation accepts fewer than this share of candidates.
    seed : int, default 0
        The whole calibration is a function of this seed.
    out_dir : str or Path
        Where the pyabc history (``abc.db``), the posterior and the figures go; a calibration
        found there (same settings) is resumed.
    name : str, optional
        Also write the fit ``outputs/fit/NAME.yaml`` (loaded by ``+fit=NAME``); checked up front.
    executor : Executor, optional
        Where candidates run (default: a pool of ``workers`` processes, or in this process).
    workers : int, default 1
    chunk : int, default 16
        Candidates per task.
    draws : int, optional
        Posterior draws to export (default: ``population``).
    log : callable, optional
    """
    import pyabc

    from sim.io import ensure_dir

    say = log or (lambda _s: None)
    fit_file = None
    if name is not None:  # check where the fit goes before any simulation runs
        from sim.paths import OUTPUTS, check_name

        check_name(name, "calibrate", "name")
        if (scenarios_dir() / "fit" / f"{name}.yaml").is_file():
            raise ScenarioError(
                "calibrate", "name", name, "a name no fit in scenarios/fit/ uses (+fit=NAME: ambiguous)"
            )
        fit_file = ensure_dir(OUTPUTS / "fit", "fit directory") / f"{name}.yaml"
    out = ensure_dir(out_dir, "calibrate out")
    pri = read_priors(priors or scenario)
    obs_path = resolve_path(observations or scenario)
    obs = read_observations(obs_path)
    check_data_rule(scenario, obs)
    scen = load_scenario(scenario, list(overrides))
    cut = (
        (dt.date.fromisoformat(str(cutoff)) - scen.start).days
        if cutoff is not None
        else int(max((d - scen.start).days for d in obs.table["date"]))
    )
    plan = prepare_plan(obs, scen, cut)
    settings = {
        "scenario": scenario,
        "overrides": list(overrides),
        "priors": [asdict(p) for p in pri],
        "observations": str(obs_path),
        "observations_sha256": obs.sha256,
        "cutoff_day": int(cut),
        "cutoff_date": scen.date_of(cut).isoformat(),
        "fingerprint": scen.fingerprint,
        "population": int(population),
        "seed": int(seed),
    }
    key = hashlib.sha256(yaml.safe_dump(settings, sort_keys=True).encode()).hexdigest()[:16]
    meta_file = out / "calibration.yaml"
    if meta_file.is_file():
        old = yaml.safe_load(meta_file.read_text(encoding="utf-8")) or {}
        if old.get("key") != key:
            raise ScenarioError(
                str(meta_file),
                "key",
                old.get("key"),
                f"the same settings to resume ({key}); choose another out= for a new calibration",
            )
    else:
        _write_text(meta_file, yaml.safe_dump({"key": key, **settings}, sort_keys=False))
    model = Model(scenario, tuple(overrides), str(obs_path), int(cut), tuple(pri))
    prior = pyabc.Distribution(**{p.key: p.rv() for p in pri})
    own_pool = None
    if executor is None and workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        own_pool = executor = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))
    sampler = DeterministicSampler(seed=seed, executor=executor, chunk=chunk)
    abc = pyabc.ABCSMC(
        model,
        prior,
        Distance(plan.weights),
        population_size=int(population),
        sampler=sampler,
        transitions=pyabc.MultivariateNormalTransition(scaling=TRANSITION_SCALING),
        eps=pyabc.QuantileEpsilon(alpha=0.5),
    )
    db = f"sqlite:///{(out / 'abc.db').resolve()}"
    x0 = {"z": np.zeros(plan.n_terms)}
    if (out / "abc.db").is_file():
        hist = abc.load(db, 1)
        done = int(hist.max_t) + 1
        say(f"calibrate: resuming {out} after {done} generation(s)")
    else:
        np.random.seed(_job_seed(seed, -1, 0))  # noqa: NPY002 - pyabc's own set-up draws, if any
        hist = abc.new(db, x0)
        done = 0
    say(
        f"calibrate: {scenario} - {len(pri)} parameters, {plan.n_terms} observation terms to "
        f"{scen.date_of(cut)}, population {population}, generations {generations}, seed {seed}"
    )
    gap = capitals_gap(plan, scen)
    if gap:
        say(f"calibrate: {gap}")
    try:
        if generations - done > 0:
            abc.run(max_nr_populations=generations - done, min_acceptance_rate=min_acceptance)
    except AssertionError as e:
        # pyabc refuses a generation whose importance weights are not finite (a proposal density
        # that underflowed to 0 in a narrow posterior); the history keeps every complete one
        hist = abc.load(db, 1)
        say(
            f"calibrate: warning: generation {int(hist.max_t) + 1} stopped ({' '.join(str(e).split())}); "
            f"the posterior is generation {int(hist.max_t)}"
        )
    finally:
        if own_pool is not None:
            own_pool.shutdown()
    return export_fit(
        hist,
        pri,
        out,
        scenario=scenario,
        overrides=overrides,
        draws=draws or population,
        seed=seed,
        settings=settings,
        log=say,
        fit_file=fit_file,
        fitted_on={"data": scen.data_fingerprint, "observations": obs.sha256[:16]},
    )


def _write_text(path: Path, text: str) -> None:
    from sim.io import write_text

    write_text(path, text)


def export_fit(
    hist: Any,
    priors: Sequence[Prior],
    out: Path,
    *,
    scenario: str,
    overrides: Sequence[str] = (),
    draws: int = 300,
    seed: int = 0,
    settings: dict | None = None,
    log: Callable[[str], None] = print,
    fit_file: Path | None = None,
    fitted_on: dict[str, str] | None = None,
) -> CalibrationResult:
    """Write the posterior of a pyabc history: draws, point estimate, fit config and figures.

    Files in ``out``: ``posterior.parquet`` (``draws`` equally weighted draws, systematic
    resampling of the last population), ``population.parquet`` (its particles, weights and
    distances), ``generations.csv``, ``fit.yaml`` (a Hydra fit: ``+fit=NAME`` after copying it
    to ``scenarios/fit/``, or ``posterior.samples=PATH``), ``trace.png`` and ``pairs.png``.
    ``fitted_on`` (``data``, ``observations``) goes into the fit's ``posterior`` block, so a
    scenario that uses the draws with other tables or observations says so
    (:func:`sim.scenario.load.fit_mismatches`).
    """
    from sim.plot.inference import pair_plot, trace_plot

    df, w = hist.get_distribution(m=0, t=hist.max_t)
    keys = [p.key for p in priors]
    df = df[keys]
    w = np.asarray(w, np.float64) / np.sum(w)
    ess = float(1.0 / np.sum(w**2))
    pop = hist.get_population(t=hist.max_t)
    dists = np.array([p.distance for p in pop.particles])
    population = df.rename(columns={p.key: p.path for p in priors}).reset_index(drop=True)
    population["weight"] = w
    population["distance"] = dists if len(dists) == len(population) else np.nan
    rng = np.random.default_rng(_job_seed(seed, 10_000, 0))
    u = (rng.random() + np.arange(draws)) / draws
    idx = np.minimum(np.searchsorted(np.cumsum(w), u), len(w) - 1)
    post = population.iloc[idx][[p.path for p in priors]].reset_index(drop=True)
    point = {p.path: float(np.median(post[p.path])) for p in priors}
    check_param_values(point, per_replicate=True)
    pops = hist.get_all_populations()
    pops = pops[pops["t"] >= 0]
    gens = pd.DataFrame(
        {
            "generation": pops["t"].to_numpy(int),
            "epsilon": pops["epsilon"].to_numpy(float),
            "evaluations": pops["samples"].to_numpy(int),
            "acceptance_rate": np.nan,
            "ess": np.nan,
        }
    )
    for k, t in enumerate(gens["generation"]):
        _, wt = hist.get_distribution(m=0, t=int(t))
        wt = np.asarray(wt) / np.sum(wt)
        gens.loc[k, "ess"] = 1.0 / np.sum(wt**2)
        gens.loc[k, "acceptance_rate"] = len(wt) / max(int(gens.loc[k, "evaluations"]), 1)
    from sim.io import write_with

    write_with(out / "posterior.parquet", lambda p: post.to_parquet(p, index=False))
    write_with(out / "population.parquet", lambda p: population.to_parquet(p, index=False))
    write_with(out / "generations.csv", lambda p: gens.to_csv(p, index=False))
    fixed, loose = _fixed_overrides(scenario, overrides)
    body = _merge(fixed, _nest(point))
    warning = ess_warning(gens["ess"].to_numpy(float), len(population))
    fit = (
        f"# @package _global_\n"
        f"# Posterior of an ABC-SMC calibration of {scenario} (sim.inference.abc), written\n"
        f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC from {out}: {len(post)} equally\n"
        f"# weighted draws, ESS {ess:.0f} of {len(population)} particles, "
        f"{int(gens['evaluations'].sum())} simulations.\n"
        + (f"# WARNING: {warning}\n" if warning else "")
        + "# The values below are the posterior medians (posterior.draw=point runs them)"
        + (f", with the calibration's fixed overrides ({', '.join(_fixed_list(overrides))})" if fixed else "")
        + ".\n"
        + (
            f"# Give these with +fit on the command line too (this file cannot hold them): "
            f"{' '.join(loose)}\n"
            if loose
            else ""
        )
        + yaml.safe_dump(
            {
                "posterior": {
                    "samples": str((out / "posterior.parquet").resolve()),
                    "draw": "sample",
                    # both keys always, so a fit never inherits the base scenario's record
                    "data": (fitted_on or {}).get("data", ""),
                    "observations": (fitted_on or {}).get("observations", ""),
                },
                **body,
            },
            sort_keys=False,
        )
    )
    if loose:
        log(f"calibrate: {' '.join(loose)} not in fit.yaml (not a parameter value): give it with +fit")
    _write_text(out / "fit.yaml", fit)
    if fit_file is not None:
        _write_text(fit_file, fit)
    trace_plot(hist, priors, out / "trace.png")
    pair_plot(post, priors, out / "pairs.png")
    meta = {
        **(settings or {}),
        "ess": ess,
        "generations": len(gens),
        "simulations": int(gens["evaluations"].sum()),
    }
    _write_text(out / "result.yaml", yaml.safe_dump(meta, sort_keys=False))
    log(
        f"calibrate: {len(gens)} generation(s), {int(gens['evaluations'].sum())} simulations, final epsilon "
        f"{gens['epsilon'].iloc[-1]:.2f}, ESS {ess:.0f} of {len(population)}; wrote {out}"
    )
    if warning:
        log(f"calibrate: warning: {warning}")
    return CalibrationResult(out.name, out, post, population, gens, ess, point, meta)


#: An ESS below this share of the population is reported as a degenerate posterior.
ESS_WARN_SHARE = 0.05


def ess_warning(ess_by_generation: np.ndarray, population: int) -> str | None:
    """A one-line warning when the last generation's effective sample size (Kish's ESS,
    1 / sum w_i^2 of the normalised importance weights) is below ``ESS_WARN_SHARE`` of the
    population, else None: the posterior then rests on a handful of particles, and its spread
    (and every predictive check made with it) understates what the data allow. Names the last
    generation that was above the line, for a rerun with fewer generations."""
    ess = np.asarray(ess_by_generation, np.float64)
    line = ESS_WARN_SHARE * population
    if len(ess) == 0 or ess[-1] >= line:
        return None
    ok = np.flatnonzero(ess >= line)
    last = f"generation {int(ok[-1])} was the last above it" if len(ok) else "no generation was above it"
    return (
        f"ESS {ess[-1]:.0f} of {population} particles is below {line:.0f} ({ESS_WARN_SHARE:.0%}): the "
        f"posterior rests on a handful of parameter sets ({last}); rerun with a larger population, "
        "fewer free parameters or fewer generations before trusting its spread"
    )


def _fixed_list(overrides: Sequence[str]) -> list[str]:
    """The overrides that set one config value (``a.b=v``, ``+a.b=v``, ``++a.b=v``): those a
    fit file can hold. Group selections (``fit=X``, ``+fit=X``), deletions (``~a``) and the
    posterior's own settings are not among them."""
    out = []
    for ov in overrides:
        key = ov.split("=", 1)[0].lstrip("+")
        if "=" in ov and "." in key and not ov.startswith("~") and not key.startswith("posterior."):
            out.append(ov)
    return out


def _fixed_overrides(scenario: str, overrides: Sequence[str]) -> tuple[dict, list[str]]:
    """The calibration's fixed overrides as a nested config of their composed values (so
    ``+fit=NAME`` runs the model that was calibrated, e.g. with a mechanism switched on), and
    the overrides that cannot go into a fit file (see :func:`fixed_list`)."""
    from omegaconf import OmegaConf

    fixed = _fixed_list(overrides)
    loose = [ov for ov in overrides if ov not in fixed and not ov.lstrip("+").startswith("posterior.")]
    if not fixed:
        return {}, loose
    cfg = load_scenario(scenario, list(overrides)).config
    out: dict = {}
    for ov in fixed:
        path = ov.split("=", 1)[0].lstrip("+")
        v = OmegaConf.select(cfg, path)
        v = OmegaConf.to_container(v, resolve=True) if OmegaConf.is_config(v) else v
        _merge(out, _nest_one(path, v))
    return out, loose


def _nest_one(path: str, value: Any) -> dict:
    out: dict = {}
    d = out
    parts = path.split(".")
    for p in parts[:-1]:
        d = d.setdefault(p, {})
    d[parts[-1]] = value
    return out


def _merge(base: dict, extra: dict) -> dict:
    """``extra`` merged into ``base`` (in place, nested dicts merged, ``extra`` wins)."""
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v
    return base


def _nest(flat: dict[str, float]) -> dict:
    """Dotted paths -> a nested config, values rounded to 6 decimals."""
    out: dict = {}
    for path, v in flat.items():
        _merge(out, _nest_one(path, round(float(v), 6)))
    return out


def default_workers() -> int:
    """Worker processes for a local calibration: the cores numba sees."""
    return max(1, int(os.environ.get("NUMBA_NUM_THREADS") or os.cpu_count() or 1))
