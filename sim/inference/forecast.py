"""Probabilistic forecasts from a cut-off date, conditioned on what was observed up to it.

:func:`make_forecast` draws particles (parameters from the scenario's posterior, each with its
own seed), assimilates every observation up to the cut-off with the particle filter of
:mod:`sim.inference.assimilate` (weights from the observation likelihood, hard facts imposed,
resampling with fresh random streams), and runs the particles on to the horizon. With
``assimilate=False`` it is the unconditioned ensemble from the scenario start (the reference a
forecast should beat).

Files written into ``out_dir``:

* ``fall_dates.parquet``: ``location_id, name, replicate, seed, lost_day, lost_date, fell_day,
  fell_date, lost_mode`` for every capital and particle (``lost_day``: the city lost - its
  garrison gone or withdrawn to the airport; ``fell_day``: the last holdout ended; <NA> when not
  within the horizon).
* ``fall_summary.csv``: per capital ``p_lost`` (by the horizon), ``p_lost_by_cutoff`` and the
  quantiles ``q05 .. q95`` of the city-lost day with their dates (<NA> beyond the horizon).
* ``capitals_held.parquet``: per day ``day, date, after_cutoff, mean, q05, q25, q50, q75, q95`` of
  capitals held; ``capitals_held_samples.parquet``: ``replicate, day, capitals_held``.
* ``districts_samples.parquet``: ``replicate, day, districts_insurgent_held`` (a fraction of
  every district centre, provincial centres included), for scoring district counts.
* ``assimilation.csv``: per observation date the effective sample size, whether the particles
  were resampled and how many needed a nudge (empty without assimilation).
* ``forecast.yaml``: scenario, overrides, seeds, particles, start, cut-off, horizon, data
  fingerprints; ``config.yaml``; ``forecast.png``: the fan of capitals held and the intervals.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.evaluation.scores import quantile
from sim.inference.observations import Observations, check_data_rule, read_observations, resolve_path
from sim.io import atomic_dir, check_new_dir, file_mode, save_figure
from sim.scenario import ScenarioError, load_scenario, scenarios_dir
from sim.scenario.load import warn_if_fit_elsewhere

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass
class Forecast:
    """A probabilistic forecast as tables (see the module docstring)."""

    meta: dict[str, Any]
    fall_dates: pd.DataFrame
    fall_summary: pd.DataFrame
    capitals_held: pd.DataFrame
    capitals_held_samples: pd.DataFrame
    assimilation: pd.DataFrame = field(default_factory=pd.DataFrame)
    districts: pd.DataFrame = field(default_factory=pd.DataFrame)
    out_dir: Path | None = None


def default_observations(scenario: str) -> Path | None:
    """The observation table shipped for a scenario (``scenarios/observations/NAME.csv``)."""
    p = scenarios_dir() / "observations" / f"{scenario}.csv"
    return p if p.is_file() else None


def _qname(q: float) -> str:
    return f"q{round(q * 100):02d}"


def make_forecast(
    scenario: str,
    *,
    overrides: Sequence[str] = (),
    seed: int = 0,
    replicates: int = 1000,
    cutoff: str | dt.date | None = None,
    observations: str | Path | Observations | None = None,
    assimilate: bool = True,
    resample: float = 0.5,
    weigh_provinces: bool = False,
    weigh_district_events: bool = False,
    params: Any = None,
    out_dir: str | Path | None = None,
    parallel: bool | int = True,
    backend: str = "numba",
    log: Callable[[str], None] | None = print,
    islands: int = 1,
    executor: Executor | None = None,
) -> Forecast:
    """Assimilate the observations up to the cut-off, then run the particles to the horizon.

    With ``islands=K`` the particles are split into K independent particle filters (an island
    particle model, Verge, Dubarry, Del Moral and Moulines 2015, *Statistics and Computing* 25:
    pooled with equal weights), each a task for ``executor`` - local processes or a Dask cluster
    (``Client.get_executor()``), so a forecast spans machines. Particle r keeps seed ``seed + r``
    whatever K, and the result depends on K, never on the executor or its number of workers.

    Parameters
    ----------
    scenario : str
        Scenario name.
    overrides : sequence of str
        Hydra overrides, e.g. ``["+fit=NAME"]`` or ``["posterior.draw=point"]``.
    seed : int, default 0
        Particle r starts with seed ``seed + r``.
    replicates : int, default 1000
        Particles.
    cutoff : str or date, optional
        Last observed date; default the last date of ``observations``.
    observations : str, Path or Observations, optional
        Default: the scenario's shipped table ``scenarios/observations/NAME.csv``.
    assimilate : bool, default True
        Condition on the observations up to the cut-off (False: the ensemble from the start).
    resample : float, default 0.5
        Resampling threshold of the particle filter (a share of the particles).
    weigh_provinces : bool, default False
        Weigh the particles by the per-province district counts as well as impose them
        (:func:`sim.inference.assimilate.assimilate`).
    weigh_district_events : bool, default False
        Weigh the particles by the observed losses of district posts as well as impose them
        (False: impose only).
    params : None, "point" or a table, optional
        Particle parameters, as :func:`sim.run` (default: the scenario's posterior draws).
    out_dir : str or Path, optional
        Where to write the files (nothing is written when None).
    parallel : bool or int, default True
    backend : {"numba", "python"}, default "numba"
        The kernels, or the agents' reference rules (slow; the forecasts are equal).
    log : callable, optional
        Progress lines go here.
    islands : int, default 1
        Independent particle filters the particles are split into (1: one filter).
    executor : concurrent.futures.Executor, optional
        Runs the islands (default: one after the other in this process).
    """
    say = log or (lambda _s: None)
    if not 0.0 < resample <= 1.0:
        raise ValueError(f"resample must be in (0, 1], not {resample}")
    if out_dir is not None:  # refuse an unusable output folder before the particles run
        check_new_dir(out_dir, replace_if=_earlier_forecast, what="forecast out")
    overrides = list(overrides)
    scen = load_scenario(scenario, overrides)
    if observations is None:
        observations = default_observations(scenario)
    obs: Observations | None = None
    if observations is not None:
        obs = (
            observations
            if isinstance(observations, Observations)
            else read_observations(resolve_path(observations))
        )
        check_data_rule(scenario, obs)
        warn_if_fit_elsewhere(scen, obs.sha256, data=False)
    if cutoff is None:
        if obs is None:
            raise ScenarioError(
                "forecast", "cutoff", "<none>", "a cut-off date (cutoff=YYYY-MM-DD) or an observation table"
            )
        cutoff_date = obs.last_date
    else:
        cutoff_date = dt.date.fromisoformat(str(cutoff))
    cutoff_day = (cutoff_date - scen.start).days
    H = int(scen.horizon_days)
    if not 0 <= cutoff_day < H:
        raise ScenarioError(
            "forecast", "cutoff", cutoff_date.isoformat(), f"a date in {scen.start} .. {scen.date_of(H - 1)}"
        )
    if replicates < 1:
        raise ScenarioError("forecast", "replicates", replicates, "an integer >= 1")
    if not 1 <= islands <= replicates:
        raise ScenarioError("forecast", "islands", islands, f"an integer in 1 .. replicates ({replicates})")
    if assimilate and obs is None:
        raise ScenarioError("forecast", "observations", "<none>", "an observation table to assimilate")
    say(
        f"forecast: {scenario} {' '.join(overrides)} - {replicates} particles from seed {seed}, "
        f"cut-off {cutoff_date} (day {cutoff_day}), horizon {scen.date_of(H)} (day {H})"
    )
    sizes = [replicates // islands + (1 if k < replicates % islands else 0) for k in range(islands)]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    past = obs.until(cutoff_date) if (assimilate and obs is not None) else None
    if past is not None:
        from sim.inference.likelihood import capitals_gap, prepare_plan

        gap = capitals_gap(prepare_plan(past, scen, cutoff_day), scen)
        if gap:
            say(f"forecast: {gap}")
    task = dict(
        scenario=scenario,
        overrides=tuple(overrides),
        observations=past,
        cutoff_day=cutoff_day,
        assimilate=assimilate,
        resample=resample,
        weigh_provinces=weigh_provinces,
        weigh_district_events=weigh_district_events,
        params=params,
        parallel=parallel,
        backend=backend,
    )
    if executor is None:
        parts = [
            run_island(seed=seed, first=int(a), particles=n, **task)
            for a, n in zip(starts, sizes, strict=True)
        ]
    else:
        futures = [
            executor.submit(run_island, seed=seed, first=int(a), particles=n, **task)
            for a, n in zip(starts, sizes, strict=True)
        ]
        parts = [f.result() for f in futures]
    summ = pd.concat([p.summary for p in parts], ignore_index=True)
    sides = pd.concat([p.sides for p in parts], ignore_index=True)
    report = pd.DataFrame()
    if assimilate:
        reports = [p.report.assign(island=k) if islands > 1 else p.report for k, p in enumerate(parts)]
        report = pd.concat(reports, ignore_index=True)
        say(
            f"forecast: assimilated {parts[0].n_terms} observation terms on {len(parts[0].report)} dates"
            f"{f' in {islands} islands' if islands > 1 else ''}: ESS "
            f"{report['ess'].min():.0f}..{report['ess'].max():.0f} of {max(sizes)}, "
            f"{int(report['resampled'].sum())} resamplings, {sum(p.nudged for p in parts)} nudges"
        )
    config_yaml = parts[0].config_yaml  # the same scenario config in every island
    fall = (
        summ[
            [
                "location_id",
                "name",
                "replicate",
                "seed",
                "lost_day",
                "lost_date",
                "fell_day",
                "fell_date",
                "lost_mode",
            ]
        ]
        .sort_values(["location_id", "replicate"])
        .reset_index(drop=True)
    )
    fall_summary = summarise_falls(fall, scen.start, H, cutoff_day)
    if past is not None:
        bad = contradicted_holds(past, fall, scen.start, len(summ["replicate"].unique()))
        if bad:
            say(f"forecast: warning: {bad}")
    samples = sides[["replicate", "day", "capitals_held"]].reset_index(drop=True)
    held = summarise_held(samples, scen.start, cutoff_day)
    sd = sides
    districts = pd.DataFrame(
        {
            "replicate": sd["replicate"].to_numpy(),
            "day": sd["day"].to_numpy(),
            # every location is a district centre, provincial centres included
            # (sim.inference.observations, module docstring)
            "districts_insurgent_held": (scen.n_locations - sd["locations_held"]).to_numpy(np.float64)
            / scen.n_locations,
        }
    )
    meta = {
        "scenario": scenario,
        "overrides": overrides,
        "seed": int(seed),
        "replicates": int(replicates),
        "conditioning": (
            "particle filter over the observations up to the cut-off (sim.inference.assimilate)"
            if assimilate
            else "none: the ensemble from the scenario start"
        ),
        "resample": float(resample),
        "weigh_provinces": bool(weigh_provinces),
        "weigh_district_events": bool(weigh_district_events),
        "islands": int(islands),
        "observations": (obs.path if obs is not None else None),
        "observations_sha256": (obs.sha256 if obs is not None else None),
        "start": scen.start.isoformat(),
        "cutoff_date": cutoff_date.isoformat(),
        "cutoff_day": int(cutoff_day),
        "horizon_day": H,
        "horizon_date": scen.date_of(H).isoformat(),
        "quantiles": list(QUANTILES),
        "fingerprint": scen.fingerprint,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    fc = Forecast(meta, fall, fall_summary, held, samples, report, districts)
    if out_dir is not None:
        fc.out_dir = write_forecast(fc, Path(out_dir), config_yaml=config_yaml)
        say(f"forecast: wrote {fc.out_dir}")
    return fc


def contradicted_holds(obs: Observations, fall: pd.DataFrame, start: dt.date, particles: int) -> str | None:
    """One line naming the capitals that the observations say were still held on a date up to the
    cut-off but that some particles lost by then, with how many particles; None when none.

    The particle filter only weights such particles down; after a day that left one lineage
    standing (docs/calibration.md, "The filter") they may be most of the ensemble, and then the
    forecast starts from a state that contradicts the record: the user should know."""
    t = obs.table[obs.table["kind"] == "not_fallen_by"]
    if t.empty or fall.empty:
        return None
    last = t.assign(day=[(d - start).days for d in t["date"]]).groupby("location")["day"].max()
    lost = fall.dropna(subset=["lost_day"])
    out = []
    for lid, g in lost.groupby("location_id"):
        name = str(g["name"].iloc[0])
        held_until = last.get(lid, last.get(name))
        if held_until is None:
            continue
        n = int((g["lost_day"].astype(float) <= float(held_until)).sum())
        if n:
            out.append((n, f"{name} ({n} of {particles})"))
    if not out:
        return None
    out.sort(key=lambda x: -x[0])
    return (
        "capitals observed still held on a date are lost by then in some particles (the filter "
        "weights them down but cannot repair them; docs/calibration.md, 'The filter'): "
        + ", ".join(x[1] for x in out)
    )


@dataclass
class IslandResult:
    """One island's particles run to the horizon (replicates numbered from its first particle)."""

    summary: pd.DataFrame
    sides: pd.DataFrame
    report: pd.DataFrame
    config_yaml: str
    nudged: int = 0
    n_terms: int = 0


def run_island(
    *,
    scenario: str,
    overrides: Sequence[str],
    observations: Observations | None,
    cutoff_day: int,
    seed: int,
    first: int,
    particles: int,
    assimilate: bool,
    resample: float,
    params: Any,
    parallel: bool | int,
    backend: str,
    weigh_provinces: bool = False,
    weigh_district_events: bool = False,
) -> IslandResult:
    """Particles ``first .. first + particles - 1`` of a forecast (seeds ``seed + first + r``):
    filtered on ``observations`` up to ``cutoff_day`` when ``assimilate``, resampled to equal
    weights there, run to the horizon. A module-level function, so an executor on another
    machine can run it (the scenario is loaded there by name)."""
    from sim.engine import Ensemble, replicate_draws
    from sim.inference.assimilate import _key, systematic
    from sim.inference.assimilate import assimilate as run_filter
    from sim.inference.likelihood import prepare_plan
    from sim.world import param_table

    scen = load_scenario(scenario, list(overrides))
    s0 = seed + first
    if isinstance(params, pd.DataFrame):  # a table gives particle r its row r
        params = params.iloc[first : first + particles].reset_index(drop=True)
    elif params is not None and not isinstance(params, str):
        params = list(params)[first : first + particles]
    report = pd.DataFrame()
    nudged = n_terms = 0
    if assimilate:
        assert observations is not None
        plan = prepare_plan(observations, scen, cutoff_day)
        a = run_filter(
            scen,
            plan,
            particles,
            seed=s0,
            params=params,
            resample=resample,
            parallel=parallel,
            backend=backend,
            weigh_provinces=weigh_provinces,
            weigh_district_events=weigh_district_events,
        )
        ens, report, nudged, n_terms = a.ensemble, a.report, a.nudged, plan.n_terms
        if not np.allclose(a.weights, 1.0 / particles):  # equal weights from here on
            parents = systematic(a.weights, np.random.default_rng(_key(s0, cutoff_day, 0)).random())
            ens.resample(parents, np.array([_key(s0, cutoff_day, r + 1) for r in range(particles)], np.int64))
    else:
        seeds = np.arange(s0, s0 + particles, dtype=np.int64)
        draws = replicate_draws(scen, seeds, params)
        ens = Ensemble(scen, param_table(scen, particles, draws), seeds, parallel=parallel, backend=backend)
    ens.advance(int(scen.horizon_days))
    res = ens.result()
    summ, sides = res.summary.copy(), res.sides.copy()
    summ["replicate"] += first
    sides["replicate"] += first
    return IslandResult(summ, sides, report, res.config_yaml, nudged, n_terms)


def summarise_falls(fall: pd.DataFrame, start: dt.date, horizon: int, cutoff_day: int) -> pd.DataFrame:
    """Per capital: probability of being lost by the horizon / cut-off, and lost-day quantiles."""
    col = "lost_day" if "lost_day" in fall else "fell_day"
    rows = []
    for (lid, name), g in fall.groupby(["location_id", "name"], sort=False):
        d = g[col].astype("float64").to_numpy()
        x = np.where(np.isnan(d), horizon + 1, d)  # "not within the horizon" = horizon + 1
        row: dict[str, Any] = {
            "location_id": lid,
            "name": name,
            "p_lost": float(np.mean(~np.isnan(d))),
            "p_lost_by_cutoff": float(np.mean(x <= cutoff_day)),
        }
        for q in QUANTILES:
            v = float(quantile(x, q))
            row[f"{_qname(q)}_day"] = pd.NA if v > horizon else int(v)
        rows.append(row)
    out = pd.DataFrame(rows)
    for q in QUANTILES:
        c = f"{_qname(q)}_day"
        out[c] = out[c].astype("Int64")
        out[f"{_qname(q)}_date"] = (
            pd.to_datetime(start) + pd.to_timedelta(out[c].astype("float64"), unit="D")
        ).dt.strftime("%Y-%m-%d")
    return out.sort_values(
        ["q50_day", "p_lost", "name"], ascending=[True, False, True], na_position="last"
    ).reset_index(drop=True)


def summarise_held(samples: pd.DataFrame, start: dt.date, cutoff_day: int) -> pd.DataFrame:
    """Per day: mean and quantiles of capitals held over the replicates."""
    arr = samples.pivot(index="replicate", columns="day", values="capitals_held")
    days = arr.columns.to_numpy(int)
    vals = arr.to_numpy(np.float64)
    out = pd.DataFrame(
        {
            "day": days,
            "date": pd.to_datetime(start) + pd.to_timedelta(days, unit="D"),
            "after_cutoff": days > cutoff_day,
            "mean": vals.mean(axis=0),
        }
    )
    for q in QUANTILES:
        out[_qname(q)] = np.quantile(vals, q, axis=0, method="inverted_cdf")
    return out


#: The files :func:`write_forecast` writes (and the only ones it ever replaces).
FORECAST_FILES = (
    "fall_dates.parquet",
    "fall_summary.csv",
    "capitals_held.parquet",
    "capitals_held_samples.parquet",
    "assimilation.csv",
    "districts_samples.parquet",
    "config.yaml",
    "forecast.yaml",
    "forecast.png",
)


def _earlier_forecast(p: Path) -> list[str] | None:
    """The files of an earlier forecast in ``p`` (issue 15: only those are ever replaced)."""
    names = {f.name for f in p.iterdir()}
    ok = "forecast.yaml" in names and names <= set(FORECAST_FILES)
    return sorted(names) if ok and all((p / n).is_file() for n in names) else None


def write_forecast(fc: Forecast, out: Path, config_yaml: str = "") -> Path:
    """Write a forecast's files into the new directory ``out``, whole (a temporary directory
    renamed into place). An earlier forecast there is replaced; a directory holding anything
    else is refused (:class:`sim.paths.PathError`) and left as it was."""

    with atomic_dir(out, replace_if=_earlier_forecast, what="forecast out") as tmp:
        fc.fall_dates.to_parquet(tmp / "fall_dates.parquet", index=False)
        fc.fall_summary.to_csv(tmp / "fall_summary.csv", index=False)
        fc.capitals_held.to_parquet(tmp / "capitals_held.parquet", index=False)
        fc.capitals_held_samples.to_parquet(tmp / "capitals_held_samples.parquet", index=False)
        fc.assimilation.to_csv(tmp / "assimilation.csv", index=False)
        fc.districts.to_parquet(tmp / "districts_samples.parquet", index=False)
        if config_yaml:
            (tmp / "config.yaml").write_text(config_yaml, encoding="utf-8")
        (tmp / "forecast.yaml").write_text(yaml.safe_dump(fc.meta, sort_keys=False), encoding="utf-8")
        forecast_plot(fc, tmp / "forecast.png")
        for f in tmp.iterdir():
            os.chmod(f, file_mode())
    return Path(out)


def read_forecast(path: str | Path) -> Forecast:
    """Read a forecast directory written by :func:`write_forecast`."""
    p = Path(path)
    meta_file = p / "forecast.yaml"
    if not meta_file.is_file():
        raise ScenarioError(
            str(p), "forecast.yaml", "<missing>", "a directory written by conflict-sim-forecast"
        )
    meta = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
    fall = pd.read_parquet(p / "fall_dates.parquet")
    held = pd.read_parquet(p / "capitals_held.parquet")
    samples_file = p / "capitals_held_samples.parquet"
    samples = pd.read_parquet(samples_file) if samples_file.is_file() else pd.DataFrame()
    summ = pd.read_csv(p / "fall_summary.csv") if (p / "fall_summary.csv").is_file() else pd.DataFrame()
    asm = p / "assimilation.csv"
    report = pd.read_csv(asm) if asm.is_file() and asm.stat().st_size > 1 else pd.DataFrame()
    dfile = p / "districts_samples.parquet"
    districts = pd.read_parquet(dfile) if dfile.is_file() else pd.DataFrame()
    return Forecast(meta, fall, summ, held, samples, report, districts, p)


def forecast_plot(fc: Forecast, path: Path) -> Path:
    """Fan chart of capitals held, and the 50%/90% fall-date intervals per capital."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = fc.capitals_held
    s = fc.fall_summary
    H = int(fc.meta["horizon_day"])
    cut = int(fc.meta["cutoff_day"])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, max(4.0, 0.22 * len(s) + 1.2)))
    if len(h):
        a1.fill_between(h["day"], h["q05"], h["q95"], color="C0", alpha=0.2, label="90%")
        a1.fill_between(h["day"], h["q25"], h["q75"], color="C0", alpha=0.4, label="50%")
        a1.plot(h["day"], h["q50"], color="C0", label="median")
    a1.axvline(cut, color="k", ls="--", lw=1, label="cut-off")
    a1.set_xlabel(f"day (0 = {fc.meta['start']})")
    a1.set_ylabel("capitals held")
    a1.legend(fontsize=8)
    y = np.arange(len(s))

    def col(c: str) -> np.ndarray:
        return s[c].astype("float64").fillna(H + 1).to_numpy()

    a2.hlines(y, col("q05_day"), col("q95_day"), color="C0", lw=1)
    a2.hlines(y, col("q25_day"), col("q75_day"), color="C0", lw=4)
    a2.plot(col("q50_day"), y, "o", color="C0", ms=3)
    a2.axvline(cut, color="k", ls="--", lw=1)
    a2.axvline(H + 1, color="0.6", lw=1)
    a2.set_yticks(y, s["name"].astype(str), fontsize=7)
    a2.invert_yaxis()
    a2.set_xlabel(f"day the city is lost ({H + 1} = not within the horizon)")
    fig.suptitle(
        f"{fc.meta['scenario']}: forecast from the cut-off {fc.meta['cutoff_date']} "
        f"({fc.meta.get('replicates', fc.fall_dates['replicate'].nunique())} particles, "
        f"{'assimilated' if len(fc.assimilation) else 'not assimilated'})"
    )
    fig.tight_layout()
    return save_figure(fig, path)
