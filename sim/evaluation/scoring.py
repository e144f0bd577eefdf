"""Score a forecast against an observed table of events (``conflict-sim-score``).

The observed table is any file in the observation format (:mod:`sim.inference.observations`);
its ``fell`` and ``not_fallen_by`` rows are used (``location`` is a location_id or name of the
forecast's capitals), and ``count`` rows of ``capitals_held`` / ``capitals_fallen`` are scored
too when present. Per capital the truth is: its first ``fell`` row if any, else its latest
``not_fallen_by`` row. With H the forecast horizon (day) and c the censoring point:

* observed ``fell`` on day d <= H: y = d, c = H + 1 (fully known);
* observed ``fell`` after H, or ``not_fallen_by`` D >= H: y = c = H + 1 (fully known: not within
  the horizon);
* ``not_fallen_by`` D < H: y = c = D + 1 (known only up to D).

Scores (see :mod:`sim.evaluation.scores` for the formulas):

* **CRPS** (days) of the fall day, censored at c: a forecast sample "not fallen" counts as c.
* **Brier** of "fallen by date D" for each scoring date D (default: weekly from the cut-off to
  the horizon, and the horizon), where the outcome is known (not for D > D' of a
  ``not_fallen_by`` D').
* **Spearman** rank correlation between the forecast median fall day and the observed fall day
  (not fallen = H + 1, ties averaged), over capitals with a fully known outcome.
* **Coverage** of the central 50% and 90% intervals of the censored fall day, over capitals
  with a fully known outcome.

Capitals observed to have fallen on or before the cut-off were known when the forecast was made;
they are listed with ``known_at_cutoff = True`` and left out of the summary scores, which are
out-of-sample only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.evaluation.scores import brier, covered, crps_censored, crps_ensemble, prob_by, quantile, spearman
from sim.inference.forecast import Forecast, read_forecast
from sim.inference.observations import Observations, read_observations
from sim.io import atomic_dir, save_figure, write_text
from sim.scenario import ScenarioError


@dataclass
class ScoreResult:
    """Scores of a forecast: per capital, per Brier date, per count row, and the summary."""

    by_city: pd.DataFrame
    brier_by_date: pd.DataFrame
    counts: pd.DataFrame
    summary: dict[str, Any]
    out_dir: Path | None = None
    references: pd.DataFrame = field(default_factory=pd.DataFrame)


def _truth(obs: Observations, fc: Forecast) -> pd.DataFrame:
    """One row per observed capital: location_id, name, kind, day, y, c, complete.

    Event rows whose ``quantity`` names something other than a capital (``border crossing``) are
    left to the likelihood; these scores are about the capitals of the forecast: rows whose
    ``quantity`` is empty or starts with ``capital`` (e.g. ``capital after the first two``).
    """
    start = dt.date.fromisoformat(fc.meta["start"])
    H = int(fc.meta["horizon_day"])
    cities = fc.fall_dates[["location_id", "name"]].drop_duplicates()
    ids = cities["location_id"].astype(str).to_numpy()
    names = cities["name"].astype(str).to_numpy()
    t = obs.table[obs.table["kind"].isin(["fell", "not_fallen_by"])].copy()
    if "quantity" in t:  # other places (border crossings) enter the likelihood, not these scores
        q = t["quantity"].fillna("").astype(str).str.strip()
        t = t[q.eq("") | q.str.startswith("capital")]
    rows: dict[str, dict[str, Any]] = {}
    for r in t.itertuples(index=False):
        measure = getattr(r, "measure", "lost") or "lost"
        hit = np.flatnonzero(ids == r.location)
        if len(hit) == 0:
            hit = np.flatnonzero(names == r.location)
        if len(hit) != 1:
            raise ScenarioError(
                obs.path or "observed",
                "location",
                r.location,
                "a location_id or unique name of a capital in the forecast",
            )
        lid = ids[hit[0]]
        day = (r.date - start).days
        cur = rows.get(lid)
        if r.kind == "fell":
            if cur is None or cur["kind"] != "fell" or day < cur["day"]:
                rows[lid] = {"kind": "fell", "day": day, "measure": measure}
        elif cur is None or (cur["kind"] == "not_fallen_by" and day > cur["day"]):
            rows[lid] = {"kind": "not_fallen_by", "day": day, "measure": measure}
    out = []
    for lid, v in rows.items():
        name = names[np.flatnonzero(ids == lid)[0]]
        d = int(v["day"])
        if v["kind"] == "fell" and d <= H:
            y, c, complete = float(d), float(H + 1), True
        elif v["kind"] == "fell" or d >= H:
            y, c, complete = float(H + 1), float(H + 1), True
        else:
            y, c, complete = float(d + 1), float(d + 1), False
        out.append(
            {
                "location_id": lid,
                "name": name,
                "observed": v["kind"],
                "measure": v["measure"],
                "observed_day": d,
                "observed_date": (start + dt.timedelta(days=d)).isoformat(),
                "y": y,
                "c": c,
                "complete": complete,
            }
        )
    return pd.DataFrame(
        out,
        columns=[
            "location_id",
            "name",
            "observed",
            "measure",
            "observed_day",
            "observed_date",
            "y",
            "c",
            "complete",
        ],
    )


def score_forecast(
    forecast: str | Path | Forecast,
    observed: str | Path | Observations,
    out_dir: str | Path | None = None,
    brier_dates: list[str | dt.date] | None = None,
    plot: bool = True,
    reference_window: int = 30,
    distances: dict[str, float] | None = None,
) -> ScoreResult:
    """Score a forecast against an observed table, beside standard reference forecasts.

    Parameters
    ----------
    forecast : str, Path or Forecast
        A forecast directory (``conflict-sim-forecast`` output) or a :class:`Forecast`.
    observed : str, Path or Observations
        An observation table (any file in the documented format).
    out_dir : str or Path, optional
        Where to write ``scores_by_city.csv``, ``brier_by_date.csv``, ``scores_counts.csv``,
        ``references.csv``, ``scores.yaml`` and ``forecast_vs_observed.png`` (nothing is written
        when None).
    brier_dates : list of str or date, optional
        Dates D of "lost by D"; default weekly from the cut-off + 7 days, and the horizon.
    plot : bool, default True
    reference_window : int, default 30
        Days over which the distance-order reference spreads the remaining capitals
        (:func:`sim.evaluation.reference.reference_forecasts`).
    distances : dict, optional
        Road travel days from the national capital per capital, for the distance-order
        reference (default: from the forecast's scenario).
    """
    from sim.evaluation.reference import reference_forecasts

    fc = forecast if isinstance(forecast, Forecast) else read_forecast(forecast)
    obs = observed if isinstance(observed, Observations) else read_observations(observed)
    start = dt.date.fromisoformat(fc.meta["start"])
    H = int(fc.meta["horizon_day"])
    cut = int(fc.meta["cutoff_day"])
    truth = _truth(obs, fc)
    if truth.empty and not (obs.table["kind"] == "count").any():
        raise ScenarioError(
            obs.path or "observed",
            "rows",
            0,
            "at least one fell / not_fallen_by row for a capital of the forecast",
        )
    if brier_dates is None:
        days = [*range(cut + 7, H, 7), H]
    else:
        days = [(dt.date.fromisoformat(str(d)) - start).days for d in brier_dates]
    for d, D in zip(brier_dates or [], days, strict=False):  # a date where a date belongs
        if not 0 <= D <= H:
            end = start + dt.timedelta(days=H)
            raise ScenarioError("score", "brier_dates", str(d), f"dates within the forecast {start} .. {end}")
    by_city, bl, metrics = score_samples(forecast_samples(fc), truth, H, cut, days)
    brier_by_date = (
        bl.groupby("day")
        .agg(n=("brier", "size"), brier=("brier", "mean"), mean_p=("p", "mean"), observed_share=("o", "mean"))
        .reset_index()
    )
    brier_by_date["date"] = [(start + dt.timedelta(days=int(d))).isoformat() for d in brier_by_date["day"]]

    # Reference forecasts from what was known at the cut-off, scored alike.
    refs = reference_forecasts(fc, truth, window=reference_window, distances=distances)
    ref_rows = [{"forecast": "model", **metrics}]
    for name, samp in refs.items():
        _, _, m = score_samples(samp, truth, H, cut, days)
        ref_rows.append({"forecast": name, **m})
    references = pd.DataFrame(ref_rows)
    for name in refs:
        r = references[references["forecast"] == name].iloc[0]
        references.loc[references["forecast"] == "model", f"crps_skill_vs_{name}"] = _skill(
            metrics["crps_days_mean"], r["crps_days_mean"]
        )
        references.loc[references["forecast"] == "model", f"brier_skill_vs_{name}"] = _skill(
            metrics["brier_mean"], r["brier_mean"]
        )

    # Counts of capitals held / fallen.
    counts = _score_counts(obs, fc, start)
    summary: dict[str, Any] = {
        "forecast": str(fc.out_dir) if fc.out_dir else None,
        "observed": obs.path,
        "observed_sha256": obs.sha256,
        "cutoff_date": fc.meta["cutoff_date"],
        "horizon_date": fc.meta["horizon_date"],
        "n_capitals_observed": len(by_city),
        **metrics,
        "counts_crps_mean": _mean(counts["crps"]) if len(counts) else None,
        **_count_summary(counts),
        "references": {
            row["forecast"]: {k: _clean(v) for k, v in row.items() if k != "forecast"}
            for row in references.to_dict("records")
            if row["forecast"] != "model"
        },
        "skill": {
            k: _clean(v)
            for k, v in references[references["forecast"] == "model"].iloc[0].items()
            if k.endswith(tuple(f"_vs_{n}" for n in refs))
        },
    }
    summary = {k: _clean(v) for k, v in summary.items()}
    res = ScoreResult(by_city, brier_by_date, counts, summary, references=references)
    if out_dir is not None:
        out = Path(out_dir)

        def earlier(p: Path) -> list[str] | None:  # replace only an earlier score
            names = {f.name for f in p.iterdir()}
            ok = "scores.yaml" in names and names <= set(SCORE_FILES)
            return sorted(names) if ok and all((p / n).is_file() for n in names) else None

        with atomic_dir(out, replace_if=earlier, what="score out") as tmp:
            _put(tmp / "scores_by_city.csv", by_city.to_csv(index=False))
            _put(tmp / "brier_by_date.csv", brier_by_date.to_csv(index=False))
            _put(tmp / "scores_counts.csv", counts.to_csv(index=False))
            _put(tmp / "references.csv", references.to_csv(index=False))
            _put(tmp / "scores.yaml", yaml.safe_dump(summary, sort_keys=False))
            if plot and len(by_city):
                score_plot(res, fc, tmp / "forecast_vs_observed.png")
        res.out_dir = out
    return res


def forecast_samples(fc: Forecast) -> dict[str, dict[str, np.ndarray]]:
    """Per measure (``lost``, ``fell``) and capital: the forecast's sample of days (NaN: not
    within the horizon)."""
    fd = fc.fall_dates
    out: dict[str, dict[str, np.ndarray]] = {}
    for measure, col in (("lost", "lost_day"), ("fell", "fell_day")):
        if col not in fd:
            col = "fell_day"  # forecasts written before the city-lost day existed
        out[measure] = {
            lid: g[col].astype("float64").to_numpy() for lid, g in fd.groupby("location_id", sort=False)
        }
    return out


def score_samples(
    samples: dict[str, dict[str, np.ndarray]], truth: pd.DataFrame, H: int, cut: int, days: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """CRPS, Brier, rank correlation and coverage of one forecast (samples per capital).

    Capitals observed lost on or before the cut-off were known when the forecast was made: they
    are listed (``known_at_cutoff``) and left out of the summary scores, which are out of sample.
    """
    rows = []
    for r in truth.itertuples(index=False):
        x = samples[r.measure][r.location_id]
        xc = np.where(np.isnan(x), H + 1, x)  # "not within the horizon" = H + 1
        rows.append(
            {
                "location_id": r.location_id,
                "name": r.name,
                "observed": r.observed,
                "measure": r.measure,
                "observed_day": r.observed_day,
                "observed_date": r.observed_date,
                "known_at_cutoff": bool(r.observed == "fell" and r.observed_day <= cut),
                "complete": bool(r.complete),
                "crps_days": float(crps_censored(x, r.y, r.c)),
                "p_lost_by_horizon": float(prob_by(x, H)),
                "median_day": float(quantile(xc, 0.5)),
                "q05_day": float(quantile(xc, 0.05)),
                "q25_day": float(quantile(xc, 0.25)),
                "q75_day": float(quantile(xc, 0.75)),
                "q95_day": float(quantile(xc, 0.95)),
                "covered50": bool(covered(xc, r.y, 0.5)) if r.complete else pd.NA,
                "covered90": bool(covered(xc, r.y, 0.9)) if r.complete else pd.NA,
            }
        )
    by_city = pd.DataFrame(rows)
    oos = by_city[~by_city["known_at_cutoff"]] if len(by_city) else by_city
    brow = []
    for D in days:
        for r in truth.itertuples(index=False):
            if r.observed == "fell" and r.observed_day <= cut:
                continue  # known at the cut-off
            if r.observed == "fell":
                o = float(r.observed_day <= D)
            elif D <= r.observed_day:
                o = 0.0
            else:
                continue  # outcome unknown
            p = float(prob_by(samples[r.measure][r.location_id], D))
            brow.append({"day": D, "location_id": r.location_id, "p": p, "o": o, "brier": float(brier(p, o))})
    bl = pd.DataFrame(brow, columns=["day", "location_id", "p", "o", "brier"])
    comp = oos[oos["complete"]] if len(oos) else oos
    metrics = {
        "n_out_of_sample": len(oos),
        "n_complete": len(comp),
        "crps_days_mean": _mean(oos["crps_days"]) if len(oos) else None,
        "brier_mean": _mean(bl["brier"]) if len(bl) else None,
        "spearman_fall_order": (spearman(comp["median_day"], _y(comp, H)) if len(comp) >= 2 else None),
        "coverage50": _mean(comp["covered50"].astype(float)) if len(comp) else None,
        "coverage90": _mean(comp["covered90"].astype(float)) if len(comp) else None,
    }
    return by_city, bl, {k: _clean(v) for k, v in metrics.items()}


def _count_summary(counts: pd.DataFrame) -> dict[str, Any]:
    """Mean CRPS of the district-count rows after the cut-off: the model and its references."""
    d = counts[(counts["quantity"] == "districts_insurgent_held") & counts["after_cutoff"]]
    if d.empty:
        return {}
    out = {"districts_crps_mean": _mean(d["crps"])}
    for ref in ("no_change", "trend"):
        col = d[f"crps_{ref}"].dropna()
        out[f"districts_crps_{ref}"] = _mean(col) if len(col) else None
    return out


def _skill(model: Any, ref: Any) -> float | None:
    """1 - score / reference score (positive: the model beats the reference)."""
    if model is None or ref is None or not np.isfinite(ref) or ref <= 0:
        return None
    return float(1.0 - model / ref)


def _clean(v: Any) -> Any:
    if isinstance(v, float | np.floating) and not np.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def _y(df: pd.DataFrame, H: int) -> np.ndarray:
    return np.where(df["observed"].eq("fell") & (df["observed_day"] <= H), df["observed_day"], H + 1).astype(
        float
    )


def _mean(s: pd.Series) -> float:
    return float(np.mean(np.asarray(s, dtype=float)))


def _score_counts(obs: Observations, fc: Forecast, start: dt.date) -> pd.DataFrame:
    """CRPS of count rows: capitals held / fallen (in capitals) and national district counts
    (``districts_insurgent_held`` as a fraction of the districts), beside two count references
    from what was known at the cut-off: ``no_change`` (the last observed fraction persists) and
    ``trend`` (a straight line through the last two observed fractions)."""
    t = obs.table[(obs.table["kind"] == "count") & (obs.table["weight"] > 0)]
    cols = [
        "date",
        "day",
        "quantity",
        "observed",
        "crps",
        "median",
        "after_cutoff",
        "crps_no_change",
        "crps_trend",
    ]
    cut = int(fc.meta["cutoff_day"])
    n_caps = fc.fall_dates["location_id"].nunique()
    caps = (
        fc.capitals_held_samples.pivot(index="replicate", columns="day", values="capitals_held")
        if not fc.capitals_held_samples.empty
        else None
    )
    dist = (
        fc.districts.pivot(index="replicate", columns="day", values="districts_insurgent_held")
        if not fc.districts.empty
        else None
    )
    rows = []
    for q in ("capitals_held", "capitals_fallen", "districts_insurgent_held"):
        tq = t[(t["quantity"] == q) & (t["province"] == "") & (t["bound"] == "")]
        arr = dist if q == "districts_insurgent_held" else caps
        if tq.empty or arr is None:
            continue
        obs_pts = []
        for r in tq.itertuples(index=False):
            day = (r.date - start).days
            if q == "districts_insurgent_held":
                v = r.value / r.of_total if np.isfinite(r.of_total) else np.nan
            else:
                v = r.value if np.isnan(r.of_total) else r.value / r.of_total * n_caps
            obs_pts.append((day, v))
        known = sorted((d, v) for d, v in obs_pts if d <= cut and np.isfinite(v))
        for day, v in obs_pts:
            if day not in arr.columns or not np.isfinite(v):
                continue
            x = arr[day].to_numpy(np.float64)
            if q == "capitals_fallen":
                x = n_caps - x
            row = {
                "date": (start + dt.timedelta(days=day)).isoformat(),
                "day": day,
                "quantity": q,
                "observed": v,
                "crps": float(crps_ensemble(x, v)),
                "median": float(quantile(x, 0.5)),
                "after_cutoff": day > cut,
                "crps_no_change": np.nan,
                "crps_trend": np.nan,
            }
            if day > cut and known:
                d1, v1 = known[-1]
                row["crps_no_change"] = abs(v1 - v)
                if len(known) >= 2:
                    d0, v0 = known[-2]
                    slope = (v1 - v0) / max(d1 - d0, 1)
                    row["crps_trend"] = abs(v1 + slope * (day - d1) - v)
            rows.append(row)
    return pd.DataFrame(rows, columns=cols)


#: The files a score writes (and the only ones it ever replaces).
SCORE_FILES = (
    "scores_by_city.csv",
    "brier_by_date.csv",
    "scores_counts.csv",
    "references.csv",
    "scores.yaml",
    "forecast_vs_observed.png",
)


def _put(path: Path, text: str) -> None:
    write_text(path, text)


def score_plot(res: ScoreResult, fc: Forecast, path: Path) -> Path:
    """Forecast fall-date intervals per capital against the observed fall dates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    H = int(fc.meta["horizon_day"])
    cut = int(fc.meta["cutoff_day"])
    b = res.by_city.sort_values(["median_day", "name"]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(10, max(3.0, 0.28 * len(b) + 1.4)))
    y = np.arange(len(b))
    ax.hlines(y, b["q05_day"], b["q95_day"], color="C0", lw=1, label="90% interval")
    ax.hlines(y, b["q25_day"], b["q75_day"], color="C0", lw=4, label="50% interval")
    ax.plot(b["median_day"], y, "o", color="C0", ms=4, label="median")
    fell = b["observed"].eq("fell") & (b["observed_day"] <= H)
    ax.plot(
        b.loc[fell, "observed_day"], y[fell.to_numpy()], "x", color="C3", ms=8, mew=2, label="observed fall"
    )
    nf = ~fell
    obs_nf = np.minimum(b.loc[nf, "observed_day"].to_numpy(float) + 1, H + 1)
    ax.plot(obs_nf, y[nf.to_numpy()], ">", color="C3", ms=7, label="observed: not fallen by")
    ax.axvline(cut, color="k", ls="--", lw=1, label="cut-off")
    ax.axvline(H + 1, color="0.6", lw=1)
    ax.set_yticks(y, b["name"].astype(str), fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"day (0 = {fc.meta['start']}; {H + 1} = not within the horizon)")
    s = res.summary

    def f(v: Any) -> str:
        return "n/a" if v is None else f"{v:.3g}"

    ax.set_title(
        f"CRPS {f(s['crps_days_mean'])} d, Brier {f(s['brier_mean'])}, "
        f"Spearman {f(s['spearman_fall_order'])}, coverage 50% {f(s['coverage50'])}, "
        f"90% {f(s['coverage90'])}",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return save_figure(fig, path)
