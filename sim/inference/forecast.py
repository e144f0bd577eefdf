"""Probabilistic forecasts from a cut-off date: an ensemble, written as distributions.

The model has no state assimilation, so a forecast "from the cut-off" is the ensemble run from
the scenario start (with fitted or any parameters) and read after the cut-off. Optionally the
ensemble is *conditioned* on what was observed up to the cut-off by keeping only the share
``keep`` of replicates closest to the observations (smallest
:func:`sim.inference.loss.per_replicate_loss`, a rejection step as in ABC); ``keep=1`` (the
default) keeps them all. The choice is recorded in ``forecast.yaml``.

Files written into ``out_dir``:

* ``fall_dates.parquet``: ``location_id, name, replicate, seed, fell_day, fell_date`` for every
  capital and kept replicate (``fell_day`` is <NA> when it did not fall within the horizon).
* ``fall_summary.csv``: per capital ``p_fallen`` (by the horizon), ``p_fallen_by_cutoff``, and
  the quantiles ``q05 .. q95`` of the fall day (empirical, <NA> when the quantile lies beyond
  the horizon, i.e. "not within the horizon") with their dates.
* ``capitals_held.parquet``: per day ``day, date, after_cutoff, mean, q05, q25, q50, q75, q95``
  of capitals held; ``capitals_held_samples.parquet``: ``replicate, day, capitals_held``.
* ``forecast.yaml``: scenario, overrides, seeds, replicates kept, start, cut-off, horizon.
* ``forecast.png``: the fan of capitals held and the fall-date intervals.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.engine import run
from sim.evaluation.scores import quantile
from sim.inference.loss import per_replicate_loss, prepare
from sim.inference.observations import Observations, check_data_rule, read_observations, resolve_path
from sim.io import atomic_dir, check_new_dir, file_mode, save_figure
from sim.scenario import ScenarioError, load_scenario, scenarios_dir

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass
class Forecast:
    """A probabilistic forecast as tables (see the module docstring)."""

    meta: dict[str, Any]
    fall_dates: pd.DataFrame
    fall_summary: pd.DataFrame
    capitals_held: pd.DataFrame
    capitals_held_samples: pd.DataFrame
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
    replicates: int = 200,
    cutoff: str | dt.date | None = None,
    observations: str | Path | Observations | None = None,
    keep: float = 1.0,
    out_dir: str | Path | None = None,
    log: Callable[[str], None] | None = print,
) -> Forecast:
    """Run an ensemble and write its forecast after the cut-off.

    Parameters
    ----------
    scenario : str
        Scenario name.
    overrides : sequence of str
        Hydra overrides, e.g. ``["+fit=NAME"]``.
    seed, replicates : int
        Replicate r uses seed ``seed + r``.
    cutoff : str or date, optional
        Last observed date; default the last date of ``observations`` (or of the scenario's
        shipped table ``scenarios/observations/NAME.csv``).
    observations : str, Path or Observations, optional
        Used for the default cut-off and for conditioning (``keep < 1``).
    keep : float, default 1.0
        Share of replicates kept, those closest to the observations up to the cut-off.
    out_dir : str or Path, optional
        Where to write the files (nothing is written when None).
    log : callable, optional
        Progress lines go here.
    """
    say = log or (lambda _s: None)
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep must be in (0, 1], not {keep}")
    if out_dir is not None:  # issue 15: refuse an unusable output folder before the ensemble runs
        check_new_dir(out_dir, replace_if=_earlier_forecast, what="forecast out")
    overrides = list(overrides)
    scen = load_scenario(scenario, overrides)
    obs: Observations | None = None
    if observations is None and (cutoff is None or keep < 1.0):
        observations = default_observations(scenario)
    if observations is not None:
        obs = (
            observations
            if isinstance(observations, Observations)
            else read_observations(resolve_path(observations))
        )
        check_data_rule(scenario, obs)
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
    say(
        f"forecast: {scenario} {' '.join(overrides)} - {replicates} replicates from seed {seed}, "
        f"cut-off {cutoff_date} (day {cutoff_day}), horizon {scen.date_of(H)} (day {H})"
    )
    res = run(scen, seed=seed, replicates=replicates, record_locations=False, chunk=max(16, replicates // 10))
    kept = np.arange(replicates)
    if keep < 1.0:
        if obs is None:
            raise ScenarioError("forecast", "keep", keep, "an observation table to condition on")
        prep = prepare(obs.until(cutoff_date), scen, cutoff_day)
        losses = per_replicate_loss(res, scen, prep)
        n_keep = max(1, math.ceil(keep * replicates))
        kept = np.sort(np.argsort(losses, kind="stable")[:n_keep])
        say(
            f"forecast: kept {n_keep} of {replicates} replicates closest to {prep.n_used} "
            f"observation(s) (loss {losses[kept].max():.4f} at most, median of all "
            f"{np.median(losses):.4f})"
        )
    summ = res.summary[res.summary["replicate"].isin(kept)]
    fall = (
        summ[["location_id", "name", "replicate", "seed", "fell_day", "fell_date"]]
        .sort_values(["location_id", "replicate"])
        .reset_index(drop=True)
    )
    fall_summary = summarise_falls(fall, scen.start, H, cutoff_day)
    sides = res.sides[res.sides["replicate"].isin(kept)]
    samples = sides[["replicate", "day", "capitals_held"]].reset_index(drop=True)
    held = summarise_held(samples, scen.start, cutoff_day)
    meta = {
        "scenario": scenario,
        "overrides": overrides,
        "fit": next((o.split("=", 1)[1] for o in overrides if o.startswith("+fit=")), None),
        "seed": int(seed),
        "replicates": int(replicates),
        "replicates_kept": len(kept),
        "keep": float(keep),
        "conditioning": (
            "none"
            if keep >= 1.0
            else "rejection: the share `keep` of replicates with the smallest "
            "per-replicate loss against the observations up to the cut-off"
        ),
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
    fc = Forecast(meta, fall, fall_summary, held, samples)
    if out_dir is not None:
        fc.out_dir = write_forecast(fc, Path(out_dir), config_yaml=res.config_yaml)
        say(f"forecast: wrote {fc.out_dir}")
    return fc


def summarise_falls(fall: pd.DataFrame, start: dt.date, horizon: int, cutoff_day: int) -> pd.DataFrame:
    """Per capital: probability of falling by the horizon / cut-off, and fall-day quantiles."""
    rows = []
    for (lid, name), g in fall.groupby(["location_id", "name"], sort=False):
        d = g["fell_day"].astype("float64").to_numpy()
        x = np.where(np.isnan(d), horizon + 1, d)  # "not within the horizon" = horizon + 1
        row: dict[str, Any] = {
            "location_id": lid,
            "name": name,
            "p_fallen": float(np.mean(~np.isnan(d))),
            "p_fallen_by_cutoff": float(np.mean(x <= cutoff_day)),
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
        ["q50_day", "p_fallen", "name"], ascending=[True, False, True], na_position="last"
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
    return Forecast(meta, fall, summ, held, samples, p)


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
    a2.set_xlabel(f"fall day ({H + 1} = not within the horizon)")
    fig.suptitle(
        f"{fc.meta['scenario']}: forecast from the cut-off {fc.meta['cutoff_date']} "
        f"({fc.meta['replicates_kept']} replicates)"
    )
    fig.tight_layout()
    return save_figure(fig, path)
