"""Validation against the record up to the cut-off: predictive checks, ablation, what-ifs.

* :func:`predictive_check` simulates the scenario's posterior (or prior) predictive ensemble and
  puts every used observation beside the predictive median and 50 % / 90 % intervals of the
  model's value (:mod:`sim.inference.likelihood`'s observation operator), flagging those outside;
* :func:`record_share` is the share of runs that reproduce the seed's record: no capital lost
  before 6 August, Zaranj lost on 6 August (+-2 days) without a fight, Sheberghan on 7 August
  (+-2 days), and no third capital by then;
* :func:`ablation` repeats the key checks with each mechanism switched off (same draws, same
  seeds), and :func:`what_ifs` the counterfactuals a user asks (same draws and seeds: common
  random numbers);
* :func:`write_report` writes ``docs/validation.md`` (``conflict-sim-validate``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.inference.likelihood import Plan, distance, prepare_plan
from sim.inference.observations import read_observations
from sim.inference.posterior import replicate_params
from sim.inference.simulate import simulate_terms
from sim.scenario import Scenario, load_scenario
from sim.scenario.load import warn_if_fit_elsewhere
from sim.scenario.scenario import CONTROL_NAMES

#: Mechanisms switched off one at a time in the ablation (label -> overrides).
ABLATIONS: dict[str, list[str]] = {
    "all mechanisms (posterior)": [],
    "no negotiated handovers": ["model.negotiation.enabled=false"],
    "no campaign sequencing": ["model.campaign.enabled=false"],
    "no redeployment between theatres": ["model.campaign.redeploy=0"],
    # off in the shipped scenario: this row is the variant with it on, with its own posterior
    "economy of force on (its own posterior)": ["+fit=afghanistan_2021_economy_of_force"],
    "one support schedule (linear)": [
        "model.support.logistics.tau=[]",
        "model.support.logistics.value=[]",
        "model.support.air.tau=[]",
        "model.support.air.value=[]",
        "model.support.maintenance.tau=[]",
        "model.support.maintenance.value=[]",
    ],
    "no border revenue": ["model.revenue.enabled=false"],
    "no political collapse": ["model.collapse.enabled=false"],
    # the abandon_countryside event of 10 May with nothing pulled back (calibrated share -> 0)
    "no pull-back to the capitals on 10 May": ["model.command.abandon_fraction=0"],
    # off in the shipped scenario: the variant with it on, with its own posterior
    "province pull-back on (its own posterior)": ["+fit=afghanistan_2021_pull_back"],
    # off in the shipped scenario: the variant with it on, with its own posterior, and the same
    # draws with it off (what the mechanism itself adds)
    "posts abandoned on (its own posterior)": ["+fit=afghanistan_2021_abandonment"],
    "posts abandoned: the same posterior, rule off": [
        "+fit=afghanistan_2021_abandonment",
        "model.abandonment.enabled=false",
    ],
    # off in the shipped scenario: the variant with it on, with its own posterior (fitted with
    # the redeployment between theatres on), and the same draws with it off
    "national news of district falls on (its own posterior)": ["+fit=afghanistan_2021_district_news"],
    "national news of district falls: the same posterior, rule off": [
        "+fit=afghanistan_2021_district_news",
        "model.morale.news_district_national=0",
    ],
}

#: The what-if questions of the product (label -> overrides), each against the baseline.
WHAT_IFS: dict[str, list[str]] = {
    "baseline (posterior)": [],
    "slower withdrawal (to 31 Dec 2021)": ["model.withdrawal.end=2021-12-31"],
    "larger reserve (12,000 commandos)": ["reserve.commandos=12000"],
    "militias held (loyalty +0.3)": ["forces.militia_loyalty_shift=0.3"],
    "negotiations refused": ["model.negotiation.enabled=false"],
    "air strikes kept": ["model.support.air.value=[1,1,1,1,1]"],
    # the stalemate reference: every support schedule kept at its pre-withdrawal level
    "no withdrawal (all foreign support kept)": [
        "model.support.logistics.value=[1,1,1,1,1,1,1,1,1,1]",
        "model.support.air.value=[1,1,1,1,1]",
        "model.support.maintenance.value=[1,1,1,1,1,1,1,1,1,1]",
    ],
}

#: The geography of the district falls: the share of the district posts lost (first falls of
#: posts not insurgent-held at the start) that lie in the north and north-east (UN OCHA regions of
#: ``provinces.csv``: the nine provinces Badakhshan, Baghlan, Balkh, Faryab, Jowzjan, Kunduz,
#: Samangan, Sar-e Pul and Takhar, 111 of the 358 district posts). Record: the dated falls compiled
#: in ``scenarios/data/afghanistan_2021/raw/observed/district_falls.csv`` (each row cited, all
#: published by 7 August 2021; about 60 % of AAN's national counts), counted on the same
#: definition: day -> (falls in the north and north-east, all falls). ``tests/evaluation/
#: test_predictive_check.py`` recounts them from the file. A share, so it does not depend on the
#: compilation's completeness unless the press covered the regions unevenly.
NORTH_REGIONS = ("north", "northeast")
RECORD_NORTH_FALLS: dict[int, tuple[int, int]] = {60: (44, 76), 98: (68, 116)}  # 30 June, 7 August

ZARANJ, SHEBERGHAN = "nimroz_zaranj", "jowzjan_sheberghan"
ZARANJ_DAY, SHEBERGHAN_DAY = 97, 98  # 6 and 7 August 2021


def predictive_check(
    scenario: str = "afghanistan_2021",
    *,
    overrides: Sequence[str] = (),
    observations: str | None = None,
    replicates: int = 300,
    seed: int = 50_000,
    params: Any = None,
    cutoff: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, Plan, Scenario]:
    """Every used observation beside the predictive distribution of the model's value.

    Returns the table (``label, kind, date, observed, bound, q05 .. q95, inside50, inside90``, and
    ``inside50_rep, inside90_rep``: the same against replicated observations, the model's value
    plus a draw of the observation error ``sd`` of the likelihood - the posterior predictive
    distribution of the data, as in Gelman et al. 2013, *Bayesian Data Analysis*, ch. 6),
    the discrepancies ``z`` and values (replicates x terms), the plan and the scenario.
    ``params`` as :func:`sim.run` (None: the posterior draws; a table: e.g. prior draws).
    """
    scen = load_scenario(scenario, list(overrides))
    obs = read_observations(observations or scenario)
    warn_if_fit_elsewhere(scen, obs.sha256, data=False)
    cut = None if cutoff is None else (dt.date.fromisoformat(cutoff) - scen.start).days
    plan = prepare_plan(obs, scen, cut)
    seeds = np.arange(seed, seed + replicates)
    if params is None:
        draws = replicate_params(scen, seeds)
    elif isinstance(params, str):
        draws = None
    else:
        draws = params.to_dict("records") if hasattr(params, "to_dict") else list(params)
    z, v = simulate_terms(scen, plan, draws, seeds)
    v_rep = replicated(plan, v, seed)
    rows = []
    for k in range(plan.n_terms):
        row = _row(plan, k, *_inside(plan, k, v[:, k]))
        *_, in90_rep, in50_rep = _inside(plan, k, v_rep[:, k])
        row["inside90_rep"], row["inside50_rep"] = bool(in90_rep), bool(in50_rep)
        rows.append(row)
    return pd.DataFrame(rows), z, v, plan, scen


def replicated(plan: Plan, v: np.ndarray, seed: int) -> np.ndarray:
    """Replicated observations y_rep: the model's values ``v`` (runs x terms) plus a draw of each
    observation's error ``sd`` of the likelihood (the posterior predictive distribution of the
    data; Gelman et al. 2013, ch. 6), keyed by (seed, runs)."""
    sd = np.concatenate([plan.c_sd, plan.e_sd]).astype("float64")
    return v + sd[None, :] * np.random.default_rng([seed, v.shape[0]]).standard_normal(v.shape)


def coverage_test(plan: Plan, v_rep: np.ndarray, obs: np.ndarray | None = None) -> dict[str, float]:
    """The record as a whole against the model's own runs: posterior predictive p-values.

    With 165 observations a calibrated model leaves about a tenth of them outside their 90 %
    intervals by chance, and the observations are correlated (34 capitals held on two dates move
    together), so a count of misses says little until it is compared with the same count for the
    model's own runs, each read as a record (y_rep_r, the replicated data): p = P(T(y_rep) >=
    T(y)), a small p meaning the record lies further out than the model's runs do (Gelman, Meng
    and Stern 1996, *Statistica Sinica* 6, 733-807). Three test quantities T:

    * ``outside90``: observations outside their 90 % intervals (the rule of
      :func:`predictive_check`'s ``inside90_rep``: a bound is outside only on its side, a 'not
      lost by' when under 5 % of the runs agree with it); blind to how far outside.
    * ``outside98``: the same at 98 % (1 % each side): a few misses far outside.
    * ``surprise``: sum_k -ln s_k, where s_k = min(1, 2 min(F_k, 1 - F_k)) is the two-sided tail
      probability of observation k among the runs (F_k its mid-rank, (below + ties/2 + 1/2) /
      (runs + 1)); one-sided for a bound, and min(1, 2 P(held)) for a capital 'not lost by' day
      D (in a run that lost it earlier, min(1, 2 P(lost))). An observation beyond every one of
      300 runs adds ln 301 = 5.7, one at the median 0 (Fisher's 1932 combination of tail
      probabilities, referred to the runs rather than to a chi-square, since the terms are
      correlated).

    Each defines a 90 % predictive region for the whole record, {y: T(y) <= the 90th percentile
    of T(y_rep)}, and the record lies inside it when p > 0.1. Tested on synthetic truths
    (``tests/evaluation/test_predictive_check.py``): records drawn from the model get p spread
    evenly on (0, 1); with terms correlated as the runs of a common cause are, none of the three
    is strong against a few large misses, so the report lists the misses as well.

    A run read as a record gives exact values where the record has bounds; a bound term keeps the
    record's rule, and a capital 'not lost by' D is a yes or no in a run as in the record. Each
    run is tested against intervals it is part of (300 runs: a 1/300 effect). ``obs`` is the
    record (default: the plan's observed values, counts then event days).

    Returns, for each quantity, the record's value (``*_observed``), the runs' median and 90th
    percentile, and ``*_p``.
    """
    R, K = v_rep.shape
    nc = plan.n_counts
    if obs is None:
        obs = np.concatenate([plan.c_obs, plan.e_day]).astype(np.float64)
    levels = {"outside90": (0.05, 0.95), "outside98": (0.01, 0.99)}
    qs = {name: np.quantile(v_rep, lh, axis=0) for name, lh in levels.items()}
    out_rep = {name: np.zeros((R, K), bool) for name in levels}
    out_obs = {name: np.zeros(K, bool) for name in levels}
    s_rep = np.ones((R, K))
    s_obs = np.ones(K)

    def tail(x: np.ndarray, y: np.ndarray, side: int) -> np.ndarray:
        """Tail probability of each y among x: side 0 two-sided, 1 upper tail, 2 lower tail."""
        xs = np.sort(x)
        below = np.searchsorted(xs, y, "left")
        ties = np.searchsorted(xs, y, "right") - below
        f = (below + 0.5 * ties + 0.5) / (len(x) + 1.0)
        t = {0: np.minimum(f, 1.0 - f), 1: 1.0 - f, 2: f}[side]
        return np.minimum(1.0, 2.0 * t)

    for k in range(K):
        x = v_rep[:, k]
        y = obs[k : k + 1]
        if k < nc:
            b = int(plan.c_bound[k])
            for name, (lo, hi) in qs.items():
                lo_k, hi_k = _count_interval(b, lo[k], hi[k])
                for vals, dst in ((x, out_rep[name][:, k]), (y, out_obs[name][k : k + 1])):
                    dst[:] = (vals < lo_k) | (vals > hi_k)
            s_rep[:, k] = tail(x, x, b)
            s_obs[k] = tail(x, y, b)[0]
            continue
        e = k - nc
        if plan.e_kind[e] == 1:  # not lost by D: a yes or no, held in the run or lost earlier
            p_held = float(np.mean(x > y[0]))
            held = x > y[0]
            for name, (lo, _hi) in levels.items():
                out_rep[name][:, k] = np.where(held, p_held < lo, 1.0 - p_held < lo)
                out_obs[name][k] = p_held < lo
            s_obs[k] = min(1.0, 2.0 * p_held)
            s_rep[:, k] = np.where(held, s_obs[k], min(1.0, 2.0 * (1.0 - p_held)))
        else:
            for name, (lo, hi) in qs.items():
                out_rep[name][:, k] = (x < lo[k]) | (x > hi[k])
                out_obs[name][k] = (y[0] < lo[k]) | (y[0] > hi[k])
            s_rep[:, k] = tail(x, x, 0)
            s_obs[k] = tail(x, y, 0)[0]
    t_rep = {name: m.sum(axis=1).astype(float) for name, m in out_rep.items()}
    t_obs = {name: float(m.sum()) for name, m in out_obs.items()}
    t_rep["surprise"] = -np.log(np.maximum(s_rep, 1e-300)).sum(axis=1)
    t_obs["surprise"] = float(-np.log(np.maximum(s_obs, 1e-300)).sum())
    res: dict[str, float] = {}
    for name, tr in t_rep.items():
        res[f"{name}_observed"] = t_obs[name]
        res[f"{name}_runs_median"] = float(np.median(tr))
        res[f"{name}_runs_q90"] = float(np.quantile(tr, 0.9))
        res[f"{name}_p"] = float(np.mean(tr >= t_obs[name]))
    return res


def _count_interval(bound: int, lo: float, hi: float) -> tuple[float, float]:
    """The interval a count observation must lie in, from the runs' quantiles ``lo``, ``hi``.

    ``bound`` is the plan's code: 0 an exact count (``[lo, hi]``); 1 a lower bound, "at least
    o", met when some runs reach it (outside only above ``hi``); 2 an upper bound, "at most o"
    (outside only below ``lo``). :func:`_inside` and :func:`coverage_test` share this rule.
    """
    return (-np.inf if bound == 1 else lo), (np.inf if bound == 2 else hi)


def _inside(plan: Plan, k: int, x: np.ndarray) -> tuple[str, float, str, np.ndarray, bool, bool]:
    """Term k's kind, observed value, bound, quantiles of the values x over runs, and whether the
    observation lies inside their 90 % and 50 % intervals."""
    q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95])
    nc = plan.n_counts
    if k < nc:
        o = float(plan.c_obs[k])
        code = int(plan.c_bound[k])
        lo90, hi90 = _count_interval(code, q[0], q[4])
        lo50, hi50 = _count_interval(code, q[1], q[3])
        return "count", o, ("", "lower", "upper")[code], q, lo90 <= o <= hi90, lo50 <= o <= hi50
    e = k - nc
    o = float(plan.e_day[e])
    if plan.e_kind[e] == 1:  # held: inside when enough runs still hold it on the day
        p_held = float(np.mean(x > o))
        return "not lost by", o, "", q, p_held >= 0.05, p_held >= 0.25
    return "lost on", o, "", q, q[0] <= o <= q[4], q[1] <= o <= q[3]


def _row(
    plan: Plan, k: int, kind: str, o: float, b: str, q: np.ndarray, in90: bool, in50: bool
) -> dict[str, Any]:
    lab = plan.labels[k]
    return {
        "label": lab,
        "date": lab.split(" ")[0],
        "kind": kind,
        "observed": o,
        "bound": b,
        "weight": float(plan.weights[k]),
        **{f"q{int(p * 100):02d}": float(x) for p, x in zip((0.05, 0.25, 0.5, 0.75, 0.95), q, strict=True)},
        "inside50": bool(in50),
        "inside90": bool(in90),
    }


def record_share(scen: Scenario, values: np.ndarray, plan: Plan, modes: np.ndarray | None = None) -> float:
    """Share of runs that reproduce the seed's record (see the module docstring).

    ``values`` are :func:`predictive_check`'s model values; ``modes`` (runs x locations, the
    first-loss mode) when the modes are to be checked too.
    """
    lost = _lost_days(scen, values, plan)
    caps = [str(c) for c in scen.locations["location_id"][scen.capital_indices()]]
    first = np.min([lost[c] for c in caps], axis=0)
    z, s = lost[ZARANJ], lost[SHEBERGHAN]
    others = np.sum([lost[c] <= SHEBERGHAN_DAY for c in caps if c not in (ZARANJ, SHEBERGHAN)], axis=0)
    ok = (first >= ZARANJ_DAY - 1) & (np.abs(z - ZARANJ_DAY) <= 2) & (np.abs(s - SHEBERGHAN_DAY) <= 2)
    ok &= others == 0
    return float(ok.mean())


def record_bound(k: int, n: int, level: float = 0.95) -> float:
    """One-sided upper confidence bound on a share from k successes in n runs (Clopper and
    Pearson 1934): the p with P(X <= k | n, p) = 1 - level; 1 - (1 - level)^(1/n) when k = 0
    (about 3/n at 95 %)."""
    from scipy.stats import beta

    return 1.0 if k >= n else float(beta.ppf(level, k + 1, n - k))


def _lost_days(scen: Scenario, values: np.ndarray, plan: Plan) -> dict[str, np.ndarray]:
    """City-lost day per capital and run, read from the event terms (last one per capital)."""
    ids = scen.locations["location_id"]
    out: dict[str, np.ndarray] = {}
    for e in range(plan.n_events):
        if plan.e_measure[e] == 0:
            out[str(ids[plan.e_loc[e]])] = values[:, plan.n_counts + e]
    return out


def north_share(
    scen: Scenario, seed: int, replicates: int, days: Sequence[int] = (60, 98), params: Any = None
) -> dict[int, np.ndarray]:
    """Per run, the share of the district posts lost by each day that lie in the north and
    north-east (:data:`NORTH_REGIONS`; first falls of posts not insurgent-held at the start, as
    :data:`RECORD_NORTH_FALLS` counts the record). Runs ``replicates`` replicates from ``seed``
    with ``params`` as :func:`sim.run` (None: posterior draws keyed by seed, as
    :func:`predictive_check`); NaN for a run with no fall."""
    import sim

    r = sim.run(scen, seed=seed, replicates=replicates, record_locations=False, params=params)
    loc = scen.locations
    region = dict(zip(scen.provinces["province"], scen.provinces["region"], strict=True))
    cols = (loc["location_id"], loc["province"], loc["kind"], loc["initial_control"])
    posts = {
        str(i): region.get(str(p)) in NORTH_REGIONS
        for i, p, k, c in zip(*cols, strict=True)
        if str(k) == "district" and int(c) != CONTROL_NAMES["insurgent"]
    }
    ev = r.events
    ev = ev[(ev["event"] == "district_fell") & ev["location_id"].isin(list(posts))]
    first = ev.groupby(["replicate", "location_id"], as_index=False)["day"].min()
    first["north"] = first["location_id"].map(posts).astype(bool)
    out: dict[int, np.ndarray] = {}
    for d in days:
        share = first[first["day"] <= d].groupby("replicate")["north"].mean()
        out[d] = share.reindex(range(replicates)).to_numpy(np.float64)
    return out


def key_checks(
    scen: Scenario,
    z: np.ndarray,
    v: np.ndarray,
    plan: Plan,
    ppc: pd.DataFrame,
    seed: int = 50_000,
    params: Any = None,
) -> dict[str, float | str]:
    """The pre-cut-off checks of the ablation and what-if tables, from one ensemble (``seed`` and
    ``params`` as given to :func:`predictive_check`: the seed keys the replicated data of the
    whole-record test, and both the runs of :func:`north_share`)."""
    lab = list(plan.labels)
    lost = _lost_days(scen, v, plan)
    caps = [str(c) for c in scen.locations["location_id"][scen.capital_indices()]]
    first = np.min([lost[c] for c in caps if c in lost], axis=0)

    def col(label: str) -> np.ndarray:
        return v[:, lab.index(label)]

    out = {
        "D 30 Jun (obs 0.375)": float(np.median(col("2021-06-30 districts_insurgent_held"))),
        "D 24 Jul (obs 0.537)": float(np.median(col("2021-07-24 districts_insurgent_held"))),
        "first capital lost (day; obs 97)": float(np.median(first)),
        "P(no capital before day 96)": float(np.mean(first >= 96)),
        "Zaranj lost (day; obs 97)": float(np.median(lost[ZARANJ])),
        "Sheberghan lost (day; obs 98)": float(np.median(lost[SHEBERGHAN])),
        "P(record)": record_share(scen, v, plan),
        "distance (median)": float(np.median(distance(z, plan.weights))),
        "observations inside 90 %": float(ppc["inside90"].mean()),
        "inside 90 %, with observation error": float(ppc["inside90_rep"].mean()),
    }
    cov = coverage_test(plan, replicated(plan, v, seed))
    out["whole record: p (outside 90 % / 98 % / surprise)"] = (
        f"{cov['outside90_p']:.2f} / {cov['outside98_p']:.3f} / {cov['surprise_p']:.2f}"
    )
    if all(d <= scen.horizon_days for d in RECORD_NORTH_FALLS) and "region" in scen.provinces.keys():
        shares = north_share(scen, seed, len(v), tuple(RECORD_NORTH_FALLS), params)
        for d, (k, n) in RECORD_NORTH_FALLS.items():
            date = scen.start + dt.timedelta(days=d)
            label = f"north share of posts lost by {date:%d %b} (record {k / n:.2f})"
            out[label] = float(np.nanmedian(shares[d]))
    return out


def ablation(
    scenario: str = "afghanistan_2021",
    replicates: int = 200,
    seed: int = 50_000,
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """The key checks with each mechanism off, on the posterior's draws and the same seeds."""
    rows = []
    for name, ov in ABLATIONS.items():
        ppc, z, v, plan, scen = predictive_check(scenario, overrides=ov, replicates=replicates, seed=seed)
        rows.append({"model": name, **key_checks(scen, z, v, plan, ppc, seed)})
        log(f"validate: ablation {name}: {rows[-1]}")
    return pd.DataFrame(rows)


def what_ifs(
    scenario: str = "afghanistan_2021",
    replicates: int = 200,
    seed: int = 50_000,
    questions: Mapping[str, list[str]] | None = None,
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Counterfactuals against the baseline, from 1 May with the same draws and seeds."""
    import sim

    rows = []
    base: dict[str, np.ndarray] = {}
    for name, ov in (questions or WHAT_IFS).items():
        scen = load_scenario(scenario, ov)
        r = sim.run(scen, seed=seed, replicates=replicates, record_locations=False)
        runs, summ = r.runs, r.summary
        aug15 = (dt.date(2021, 8, 15) - scen.start).days
        lost = summ.pivot(index="replicate", columns="location_id", values="lost_day").astype("float64")
        by15 = (lost <= aug15).sum(axis=1).to_numpy()
        hub = runs["hub_fell_day"].astype("float64").to_numpy()
        first = lost.min(axis=1).to_numpy()
        sheb = lost[SHEBERGHAN].to_numpy()
        if not base:
            base = {"by15": by15, "first": first}
        H = scen.horizon_days + 1
        _, _, v, plan, _ = predictive_check(scenario, overrides=ov, replicates=replicates, seed=seed)
        lab = list(plan.labels)
        rows.append(
            {
                "what if": name,
                "D 30 Jun (median)": float(np.median(v[:, lab.index("2021-06-30 districts_insurgent_held")])),
                "D 24 Jul (median)": float(np.median(v[:, lab.index("2021-07-24 districts_insurgent_held")])),
                "capitals lost by 15 Aug (median)": float(np.median(by15)),
                "paired difference (mean)": float(np.mean(by15 - base["by15"])),
                "first capital lost (day, median)": float(np.nanmedian(np.nan_to_num(first, nan=H))),
                "Sheberghan lost (day, median)": float(np.median(np.nan_to_num(sheb, nan=H))),
                "P(Kabul held on 31 Aug)": float(
                    np.mean(np.nan_to_num(hub, nan=H) > (dt.date(2021, 8, 31) - scen.start).days)
                ),
            }
        )
        log(f"validate: what-if {name}: {rows[-1]}")
    return pd.DataFrame(rows)


def ppc_plot(ppc: pd.DataFrame, path: Path | None = None) -> Any:
    """Observed values against the predictive 50 % / 90 % intervals, one row per observation."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    parts = [("count", "fraction of the total"), ("lost on", "day"), ("not lost by", "day")]
    parts = [(k, u) for k, u in parts if (ppc["kind"] == k).any()]
    sizes = [max(2, int((ppc["kind"] == k).sum())) for k, _ in parts]
    fig, axes = plt.subplots(
        len(parts),
        1,
        figsize=(9, 0.16 * sum(sizes) + 2.5),
        squeeze=False,
        gridspec_kw={"height_ratios": sizes},
    )
    for ax, (kind, unit) in zip(axes[:, 0], parts, strict=True):
        d = ppc[ppc["kind"] == kind].reset_index(drop=True)
        y = np.arange(len(d))
        ax.hlines(y, d["q05"], d["q95"], color="C0", lw=1)
        ax.hlines(y, d["q25"], d["q75"], color="C0", lw=3)
        ax.plot(d["q50"], y, "|", color="C0", ms=6)
        c = np.where(d["inside90"], "k", "C3")
        ax.scatter(d["observed"], y, c=c, marker="x", s=14, zorder=3)
        ax.set_yticks(y, [s[:48] for s in d["label"]], fontsize=5)
        ax.invert_yaxis()
        ax.set_xlabel(f"{kind}: {unit} (observed x, red when outside the 90 % interval)", fontsize=8)
    fig.suptitle("Posterior predictive check: every observation up to 7 August 2021")
    fig.tight_layout()
    if path is None:
        return fig
    from sim.io import save_figure

    return save_figure(fig, Path(path), dpi=100)
