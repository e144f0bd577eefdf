"""Assimilation to the cut-off: a particle filter over the daily state, nudged to hard facts.

:func:`assimilate` conditions an ensemble on the observations up to a cut-off by sequential
Monte Carlo (a bootstrap particle filter; Gordon, Salmond and Smith 1993; in agent-based models
e.g. Ward, Evans and Malleson 2016, Lueck et al. 2019):

1. particles start on the scenario's first day with parameters drawn from the scenario's
   posterior (or its point values) and their own seeds;
2. the ensemble is stepped to the end of each observation date; every particle is weighted by
   the likelihood of that date's observations (:mod:`sim.inference.likelihood`: the same terms
   as the calibration), except the per-province district counts, which step 3 imposes on every
   particle anyway: weighing by them too used them twice, and on a day whose province counts lie
   beyond every particle (7 July 2021: Badakhshan 0.93 held by the insurgents, no particle above
   0.6) it left one particle standing, whose early capital losses every later particle
   inherited. Without that weight the filter forecasts better on the model's own runs as well
   (docs/calibration.md, "The filter"); ``weigh_provinces=True`` restores it. The observed
   losses of district posts (not capitals: the border crossings of 2021) are only imposed (step
   3) by default, as the province counts are: a particle that lost a post weeks before its date
   already holds the state the observation asks for on that date. ``weigh_district_events=True``
   weighs by them too. Measured before it became the default (2 December 2026): on synthetic
   truths the two are level; on the 2021 splits imposing alone keeps the ESS above 170 of 1,000
   (weighing: 22-38 on 5 July, where the model takes Ishkashim weeks early) and forecasts better
   from 30 June and 15 July and worse from 31 July (docs/calibration.md, "District losses:
   weighed or only imposed"). Where a particle
   lost a location before the day it was observed lost, the particles are resampled at once so
   that those that agree replace it;
3. **hard events are imposed, not hoped for**: where a named location was lost on that date (a
   ``fell`` row of a capital, with its mode), every particle that has not lost it is brought to
   it - the garrison hands it over and goes home (``without_fight``), withdraws to the airport
   (``airport``) or is destroyed (``after_fight``) - and the loss is logged as an
   ``assimilation_nudge`` event; where a province's count of district centres is observed, each
   particle's control is brought to it (the most threatened government centres handed over, or
   the least held insurgent ones retaken by a detachment from the provincial capital, the units
   there moving next door);
4. when the effective sample size ``(sum w)^2 / sum w^2`` falls below ``resample`` x particles,
   the particles are resampled (systematic resampling keyed by (seed, date)); every child then
   continues with a fresh seed keyed by (seed, date, child), so copies of one parent diverge.

A particle that lost a capital before the date it was observed lost, or a capital observed held,
is not repaired: it is weighted down (its likelihood term) and resampled away. The report gives,
per observation date, the effective sample size before resampling and how many particles needed
a nudge of each kind. Everything is a function of the seed: thread counts and backends give the
same particles.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import Ensemble
from sim.inference.likelihood import Plan, count_values, count_z, event_z, loglik
from sim.inference.posterior import replicate_params
from sim.kernels import codes as C
from sim.kernels.common import log_event
from sim.kernels.control import fall
from sim.scenario import Scenario
from sim.world import param_table


@dataclass
class Assimilation:
    """The result of :func:`assimilate`: the ensemble at the cut-off and the filter's report."""

    ensemble: Ensemble
    report: pd.DataFrame
    weights: np.ndarray  # normalised particle weights at the cut-off (uniform after resampling)
    cutoff_day: int

    @property
    def nudged(self) -> int:
        """Particle nudges in all (hard events and district counts)."""
        return int(self.report[["nudged_events", "nudged_districts"]].to_numpy().sum())


def _key(*parts: int) -> int:
    h = hashlib.sha256(":".join(str(int(p)) for p in parts).encode()).digest()
    return int.from_bytes(h[:8], "little") & ((1 << 62) - 1)


def systematic(weights: np.ndarray, u: float) -> np.ndarray:
    """Systematic resampling: parent indices for len(weights) children, offset ``u`` in [0, 1)."""
    w = np.asarray(weights, np.float64)
    n = len(w)
    c = np.cumsum(w / w.sum())
    c[-1] = 1.0
    return np.searchsorted(c, (u + np.arange(n)) / n, side="right").clip(0, n - 1)


def assimilate(
    scenario: Scenario,
    plan: Plan,
    particles: int = 1000,
    seed: int = 0,
    params: Any = None,
    resample: float = 0.5,
    nudge_events: bool = True,
    nudge_districts: bool = True,
    parallel: bool | int = True,
    backend: str = "numba",
    weigh_provinces: bool = False,
    weigh_district_events: bool = False,
) -> Assimilation:
    """Condition an ensemble on the observations of ``plan`` up to its cut-off.

    Parameters
    ----------
    scenario : Scenario
    plan : Plan
        Observations resolved against the scenario, restricted to the cut-off
        (:func:`sim.inference.likelihood.prepare_plan`).
    particles : int, default 1000
    seed : int, default 0
        Particle r starts with seed ``seed + r`` (and so with the posterior draw a lone run with
        that seed takes).
    params : None, "point" or a table, optional
        As :func:`sim.run`'s ``params`` (default: the scenario's posterior draws).
    resample : float, default 0.5
        Resample when the effective sample size falls below this share of the particles.
    nudge_events, nudge_districts : bool, default True
        Impose observed losses of named locations, and observed district counts per province.
    weigh_provinces : bool, default False
        Weigh the particles by the province counts too, not only impose them (step 2).
    weigh_district_events : bool, default False
        Weigh the particles by the observed losses of district posts as well as impose them
        (False: impose only; step 2).
    parallel : bool or int, default True
    backend : {"numba", "python"}, default "numba"
        The kernels, or the agents' reference rules (:class:`sim.engine.Ensemble`).
    """
    from sim.engine import replicate_draws

    seeds = np.arange(seed, seed + particles, dtype=np.int64)
    draws = (
        replicate_draws(scenario, seeds, params) if params is not None else replicate_params(scenario, seeds)
    )
    ens = Ensemble(
        scenario, param_table(scenario, particles, draws), seeds, parallel=parallel, backend=backend
    )
    ctrl0 = np.asarray(scenario.locations["initial_control"])
    is_capital = np.asarray(scenario.locations["is_capital"], bool)
    logw = np.zeros(particles)
    rows = []
    for day in plan.days:
        day = int(day)
        if day > plan.cutoff_day:
            break
        ens.advance(day + 1)
        c_rows = np.flatnonzero(plan.c_day == day)
        # province counts are imposed on every particle below (nudge_districts); unless asked,
        # they do not weigh as well (see the module docstring, step 2)
        w_rows = c_rows if (weigh_provinces or not nudge_districts) else c_rows[~plan.c_province[c_rows]]
        e_rows = np.flatnonzero(plan.e_day == day)
        # losses of district posts (not capitals) are imposed on the particles that have not lost
        # them (step 3); they weigh unless asked not to (see the module docstring, step 2). A post
        # observed still held is not imposed, so it always weighs
        weigh_all = weigh_district_events or not nudge_events
        imposed_only = ~is_capital[plan.e_loc[e_rows]] & (plan.e_kind[e_rows] == 0)
        ew_rows = e_rows if weigh_all else e_rows[~imposed_only]
        z = []
        w = []
        if len(w_rows):
            z.append(count_z(plan, count_values(plan, ens.field("ctrl"), ctrl0, w_rows), w_rows))
            w.append(plan.c_w[w_rows])
        if len(ew_rows):
            z.append(
                event_z(
                    plan, ens.field("lost_day"), ens.field("lost_mode"), ens.field("fell_day"), ew_rows, day
                )
            )
            w.append(plan.e_w[ew_rows])
        if z:
            logw += loglik(np.concatenate(z, axis=1), np.concatenate(w))
        wn = np.exp(logw - logw.max())
        ess = float(wn.sum() ** 2 / (wn**2).sum())
        did = False
        # a particle that lost a location before the day it was observed lost cannot be repaired:
        # resample so that the ones that agree replace it (unless none does)
        hard = [k for k in ew_rows if plan.e_kind[k] == 0 and plan.e_w[k] > 0] if nudge_events else []
        lost = ens.field("lost_day") if hard else None
        early = np.zeros(particles, bool)
        for k in hard:
            d = lost[:, plan.e_loc[k]]
            early |= (d >= 0) & (d < day)
        if ess < resample * particles or (early.any() and not early.all()):
            parents = systematic(wn, np.random.default_rng(_key(seed, day, 0)).random())
            ens.resample(parents, np.array([_key(seed, day, r + 1) for r in range(particles)], np.int64))
            logw[:] = 0.0
            did = True
            unique = len(np.unique(parents))
        else:
            unique = particles
        n_ev = _nudge_events(ens, plan, e_rows, day) if nudge_events else 0
        n_di = _nudge_districts(ens, plan, c_rows, day, ctrl0) if nudge_districts else 0
        rows.append(
            {
                "day": day,
                "date": scenario.date_of(day),
                "terms": len(c_rows) + len(e_rows),
                "ess": ess,
                "ess_share": ess / particles,
                "resampled": did,
                "unique_parents": unique,
                "nudged_events": n_ev,
                "nudged_districts": n_di,
            }
        )
    ens.advance(plan.cutoff_day + 1)
    wn = np.exp(logw - logw.max())
    return Assimilation(ens, pd.DataFrame(rows), wn / wn.sum(), plan.cutoff_day)


# ------------------------------------------------------------------------------- nudges
def _nudge_events(ens: Ensemble, plan: Plan, e_rows: np.ndarray, day: int) -> int:
    """Bring every particle to the observed losses of the day (capitals and districts)."""
    todo = [k for k in e_rows if plan.e_kind[k] == 0 and plan.e_w[k] > 0]
    if not todo:
        return 0
    count = [0]

    def fn(st: Any, S: Any, ptab: np.ndarray, _rows: np.ndarray) -> None:
        for k in todo:
            i = int(plan.e_loc[k])
            for r in range(st.ctrl.shape[0]):
                if st.lost_day[r, i] >= 0:
                    continue  # already lost (on the day, or earlier: weighted, not repaired)
                force_loss(st, S, ptab[r], r, day, i, int(plan.e_mode[k]))
                count[0] += 1

    ens.for_blocks(fn)
    return count[0]


def force_loss(st: Any, S: Any, P: Any, r: int, t: int, i: int, mode: int) -> None:
    """Location i is lost on day t in replicate r, as observed (``mode``: 0 unknown, 1 without a
    fight, 2 after a fight, 3 the garrison withdrew to the airport)."""
    g = st.gov[r, i]
    log_event(st, r, t, C.LOG_NUDGED, i, float(mode))
    if mode == 3 and S.has_airport[i] and g > 0.0:
        keep = g * P.retreat_keep
        st.acc[r, C.ACC_GOV_DESERTERS] += g - keep
        st.gov[r, i] = keep
        st.holdout[r, i] = 1
        st.gm[r, i] = P.holdout_morale
        st.ctrl[r, i] = C.AIRPORT
        st.lost_day[r, i] = t
        st.lost_mode[r, i] = C.LOST_AIRPORT
        log_event(st, r, t, C.LOG_RETREATED_TO_AIRPORT, i, keep)
        return
    if mode == 2:
        st.acc[r, C.ACC_GOV_CASUALTIES] += g
        st.equip[r, i] += 0.5 * g
        how = C.ASSAULT
    else:  # a handover (or a loss of unknown mode)
        st.acc[r, C.ACC_GOV_DESERTERS] += g
        st.equip[r, i] += g
        how = C.NEGOTIATED
    st.gov[r, i] = 0.0
    st.holdout[r, i] = 0
    if st.mstate[r, i] == C.MIL_ACTIVE:
        st.mstate[r, i] = C.MIL_STOOD_ASIDE
    fall(st, S, P, r, t, i, how)


def _nudge_districts(ens: Ensemble, plan: Plan, c_rows: np.ndarray, day: int, ctrl0: np.ndarray) -> int:
    """Bring each particle's district control in a province to the observed count of the day."""
    todo = [
        k
        for k in c_rows
        if plan.c_w[k] > 0 and plan.c_pred[k] in (1, 3) and plan.c_mask[k].sum() < len(ctrl0)
    ]
    todo = [k for k in todo if not plan.c_mask[k].all()]
    if not todo:
        return 0
    count = [0]

    def fn(st: Any, S: Any, ptab: np.ndarray, _rows: np.ndarray) -> None:
        for k in todo:
            mask = plan.c_mask[k] & ~S.is_capital
            if not mask.any():
                continue
            total = int(plan.c_mask[k].sum())
            target = round(float(plan.c_obs[k]) * total)
            since = plan.c_pred[k] == 3
            for r in range(st.ctrl.shape[0]):
                # the count covers the province's capital too (a district centre in the
                # sources' counts); only its districts are handed over or retaken here
                held = (st.ctrl[r] == C.INSURGENT) & plan.c_mask[k]
                if since:
                    held &= ctrl0 != C.INSURGENT
                now = int(held.sum())
                held &= mask
                want = target
                if plan.c_bound[k] == 1:
                    want = max(now, target)
                elif plan.c_bound[k] == 2:
                    want = min(now, target)
                if want > now:
                    count[0] += _hand_over(st, S, ptab[r], r, day, mask, want - now)
                elif want < now:
                    count[0] += _retake(st, S, r, day, held, now - want)

    ens.for_blocks(fn)
    return count[0]


def _hand_over(st: Any, S: Any, P: Any, r: int, t: int, mask: np.ndarray, n: int) -> int:
    """Hand the n most threatened government-held centres of ``mask`` over (the garrison
    withdraws to its provincial capital when that is held, else goes home)."""
    cand = np.flatnonzero(mask & (st.ctrl[r] != C.INSURGENT))
    order = cand[np.lexsort((cand, st.gm[r, cand], -st.threat[r, cand]))][:n]
    for i in order:
        g = st.gov[r, i]
        cap = S.prov_capital[i]
        if g > 0.0 and st.ctrl[r, cap] != C.INSURGENT and st.gov[r, cap] > 0.0:
            tot = st.gov[r, cap] + g
            st.gq[r, cap] = (st.gq[r, cap] * st.gov[r, cap] + st.gq[r, i] * g) / tot
            st.gov[r, cap] = tot
        else:
            st.acc[r, C.ACC_GOV_DESERTERS] += g
        st.gov[r, i] = 0.0
        st.holdout[r, i] = 0
        if st.mstate[r, i] == C.MIL_ACTIVE:
            st.mstate[r, i] = C.MIL_STOOD_ASIDE
        log_event(st, r, t, C.LOG_NUDGED, int(i), 0.0)
        fall(st, S, P, r, t, int(i), C.NEGOTIATED)
    return len(order)


def _retake(st: Any, S: Any, r: int, t: int, held: np.ndarray, n: int) -> int:
    """Retake the n insurgent-held centres of ``held`` with the fewest insurgents present: a
    detachment (a tenth of the provincial capital's garrison, at most 200) moves in, the units
    there move to the next insurgent-held location, the local pool stays."""
    cand = np.flatnonzero(held)
    order = cand[np.lexsort((cand, st.ins[r, cand]))][:n]
    done = 0
    for i in order:
        cap = S.prov_capital[i]
        if st.ctrl[r, cap] == C.INSURGENT or st.gov[r, cap] <= 1.0:
            continue
        g = min(0.1 * st.gov[r, cap], 200.0)
        st.gov[r, cap] -= g
        st.gov[r, i] = g
        st.gq[r, i] = st.gq[r, cap]
        st.gm[r, i] = 0.5
        st.ctrl[r, i] = C.GOVERNMENT
        st.fell_day[r, i] = -1
        st.fall_mode[r, i] = C.NOT_FALLEN
        nbrs = S.indices[S.indptr[i] : S.indptr[i + 1]]
        away = [int(v) for v in nbrs if st.ctrl[r, v] == C.INSURGENT]
        for u in range(st.s.shape[1]):
            if st.s[r, u] > 0.0 and st.uloc[r, u] == i and st.ueta[r, u] == 0.0 and away:
                st.uloc[r, u] = away[0]
                st.unext[r, u] = away[0]
                st.utgt[r, u] = i
        log_event(st, r, t, C.LOG_NUDGED, int(i), -1.0)
        log_event(st, r, t, C.LOG_RETAKEN, int(i), g)
        done += 1
    return done
