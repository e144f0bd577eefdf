"""The observation operator and error model: how far a run's state is from each observation.

One seam serves calibration (:mod:`sim.inference.abc`), assimilation
(:mod:`sim.inference.assimilate`) and the posterior predictive check
(:mod:`sim.evaluation.validation`): an observation table is resolved against a scenario into a
:class:`Plan`; the model's value of every row is read off the state arrays (counts on their day,
events from the first-loss day of a location); and each row gives a standardised discrepancy
``z_i`` (its observation error ``sd_i`` as the unit):

* a **count** (a fraction of its total): ``z = (m - o) / sd``; a ``lower`` bound gives
  ``min(m - o, 0) / sd``, an ``upper`` bound ``max(m - o, 0) / sd``;
* a location **lost on day D** (``fell``): ``z = (d - D) / sd`` with d the simulated day the
  city was lost (``measure = lost``: its garrison gone or withdrawn to an airport) or its last
  holdout ended (``measure = fell``) - uncensored: a run that loses it on day 130 is 33 days
  late, not "after the cut-off"; a run that never loses it within the horizon H counts H + 1;
* a location **not lost by day D** (``not_fallen_by``): ``z = max(D + 1 - d, 0) / sd`` (days too
  early), 0 when it held; the same fact dated again later (rows of one location and ``quantity``)
  is used once, at its latest date within the cut-off, since the later row implies the earlier
  ones and shares their dating error;
* the **mode** of a loss, when observed (``without_fight``: negotiated or surrendered;
  ``after_fight``: assault, holdout lost or a retreat to the airport; ``airport``: the garrison
  withdrew to the airport): a mismatch adds ``z = MODE_PENALTY`` (as if that many sd off).

The log-likelihood of a run is ``-1/2 sum_i w_i z_i^2`` (independent Gaussian errors) and the ABC
distance ``sqrt(sum_i w_i z_i^2)``: the same terms, so the calibration, the particle filter and
the predictive check weigh every observation alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.inference.observations import Observations, resolve_location
from sim.kernels import codes as C
from sim.scenario import Scenario, ScenarioError

#: z added when the observed mode of a loss differs from the simulated one.
MODE_PENALTY = 1.5
_BOUND = {"": 0, "lower": 1, "upper": 2}
_MODE = {"": 0, "without_fight": 1, "after_fight": 2, "airport": 3}
#: Simulated first-loss modes (codes.LOST_MODES) that match each observed mode.
MODE_MATCH = {
    1: (C.SURRENDER, C.NEGOTIATED),
    2: (C.ASSAULT, C.HOLDOUT_LOST, C.LOST_AIRPORT),
    3: (C.LOST_AIRPORT,),
}
# predicates of a count quantity: (which locations, what state counts)
_QUANTITY = {
    "capitals_held": ("capitals", "held"),
    "capitals_fallen": ("capitals", "insurgent"),
    "locations_held": ("all", "held"),
    "locations_insurgent_held": ("all", "insurgent"),
    "districts_held": ("all", "held"),
    "districts_insurgent_held": ("all", "insurgent"),
    "locations_contested": ("all", "contested"),
    "districts_lost_since_start": ("all", "lost_since_start"),
}


@dataclass(frozen=True)
class Plan:
    """Observations resolved against a scenario (rows with weight > 0, day 0 .. cut-off).

    Attributes
    ----------
    rows : pandas.DataFrame
        The used rows, in table order, with ``day`` (days from the start), ``term`` (their index
        into the arrays below, counts first) and ``label`` (a short readable name).
    skipped : pandas.DataFrame
        Rows not used, with a ``reason``.
    cutoff_day : int
    c_day, c_mask, c_pred, c_obs, c_bound, c_sd, c_w, c_province : numpy.ndarray
        Count terms: day, location mask (n_c, N), predicate code (0 held, 1 insurgent,
        2 contested, 3 lost since start), observed fraction, bound code (0, 1 lower, 2 upper),
        observation error, weight, and whether the count is of one province.
    e_day, e_loc, e_kind, e_measure, e_mode, e_sd, e_w : numpy.ndarray
        Event terms: day, location index, kind (0 lost on the day, 1 not lost by it), measure
        (0 lost, 1 fell), observed mode (0 none, 1 without fight, 2 after fight, 3 airport),
        observation error (days) and weight.
    """

    rows: pd.DataFrame
    skipped: pd.DataFrame
    cutoff_day: int
    c_day: np.ndarray
    c_mask: np.ndarray
    c_pred: np.ndarray
    c_obs: np.ndarray
    c_bound: np.ndarray
    c_sd: np.ndarray
    c_w: np.ndarray
    c_province: np.ndarray
    e_day: np.ndarray
    e_loc: np.ndarray
    e_kind: np.ndarray
    e_measure: np.ndarray
    e_mode: np.ndarray
    e_sd: np.ndarray
    e_w: np.ndarray
    horizon: int = 0
    labels: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_counts(self) -> int:
        return len(self.c_day)

    @property
    def n_events(self) -> int:
        return len(self.e_day)

    @property
    def n_terms(self) -> int:
        return self.n_counts + self.n_events

    @property
    def weights(self) -> np.ndarray:
        """Weights of all terms, counts first."""
        return np.concatenate([self.c_w, self.e_w])

    @property
    def count_days(self) -> np.ndarray:
        """Sorted days on which counts are observed (the state must be read at their end)."""
        return np.unique(self.c_day)

    @property
    def days(self) -> np.ndarray:
        """Sorted days with any observation."""
        return np.unique(np.concatenate([self.c_day, self.e_day]))


def prepare_plan(obs: Observations, scen: Scenario, cutoff_day: int | None = None) -> Plan:
    """Resolve an observation table against a scenario (see the module docstring).

    Parameters
    ----------
    obs : Observations
    scen : Scenario
    cutoff_day : int, optional
        Ignore rows after this day; default: the day of the last row.

    Raises
    ------
    ScenarioError
        For an unknown location or province, or a row after the scenario's horizon.
    """
    t = obs.table.copy()
    t["day"] = [(d - scen.start).days for d in t["date"]]
    if cutoff_day is None:
        cutoff_day = int(t["day"].max()) if len(t) else 0
    cutoff_day = int(cutoff_day)
    where = obs.path or "observations"
    if cutoff_day > scen.horizon_days:
        raise ScenarioError(
            where,
            "date",
            scen.date_of(cutoff_day).isoformat(),
            f"a date within the scenario's horizon ({scen.start} .. {scen.date_of(scen.horizon_days)})",
        )
    reason = np.full(len(t), "", dtype=object)
    reason[(t["weight"] <= 0).to_numpy()] = "weight 0"
    reason[(t["day"] < 0).to_numpy()] = "before the scenario start"
    reason[(t["day"] > cutoff_day).to_numpy()] = "after the cut-off"
    loc = scen.locations
    ids, names = loc["location_id"], loc["name"]
    where_ev = (t["kind"] != "count").to_numpy() & (reason == "")
    for k in np.flatnonzero(where_ev):
        i = resolve_location(ids, names, t["location"].iloc[k], where)
        if loc["initial_control"][i] == C.INSURGENT:
            # the scenario's initial conditions (what was known on its start date) already hold it
            # insurgent: the observation contradicts an input and cannot be fitted
            reason[k] = "insurgent-held at the scenario start"
    # one fact observed again later: among the "not lost by" rows of one location and quantity,
    # the latest within the cut-off implies the earlier ones and carries the same dating error,
    # so only it is used (counting them all would count one fact several times)
    nf = (t["kind"] == "not_fallen_by").to_numpy() & (reason == "")
    if nf.any():
        series = t.loc[nf, ["location", "quantity", "day"]]
        last = series.groupby(["location", "quantity"])["day"].transform("max").to_numpy()
        for k, d, dl in zip(np.flatnonzero(nf), series["day"].to_numpy(), last, strict=True):
            if d < dl:
                reason[k] = f"implied by its later 'not lost by' row ({scen.date_of(int(dl))})"
    t["reason"] = reason
    used = t[t["reason"] == ""].copy()
    n = loc.n_rows
    is_cap = np.asarray(loc["is_capital"])
    provs = np.asarray(loc["province"])
    counts = used[used["kind"] == "count"]
    events = used[used["kind"] != "count"]
    c_mask = np.zeros((len(counts), n), bool)
    c_pred, c_obs = np.zeros(len(counts), np.int64), np.zeros(len(counts))
    labels = []
    for k, r in enumerate(counts.itertuples(index=False)):
        which, pred = _QUANTITY[r.quantity]
        m = {"capitals": is_cap, "all": np.ones(n, bool)}[which].copy()
        if r.province:
            if r.province not in set(provs.tolist()):
                raise ScenarioError(where, "province", r.province, "a province of the scenario")
            m &= provs == r.province
        c_mask[k] = m
        c_pred[k] = ("held", "insurgent", "contested", "lost_since_start").index(pred)
        total = r.of_total if np.isfinite(r.of_total) else float(m.sum())
        c_obs[k] = r.value / total if total > 0 else 0.0
        labels.append(f"{r.date} {r.quantity}" + (f" {r.province}" if r.province else ""))
    e_loc = np.array([resolve_location(ids, names, s, where) for s in events["location"]], np.int64)
    for r in events.itertuples(index=False):
        labels.append(f"{r.date} {r.kind} {r.location}")
    rows = pd.concat([counts, events])
    rows["term"] = np.arange(len(rows))
    rows["label"] = labels
    return Plan(
        rows=rows.reset_index(drop=True),
        skipped=t[t["reason"] != ""][["date", "kind", "quantity", "location", "reason"]].reset_index(
            drop=True
        ),
        cutoff_day=cutoff_day,
        c_day=counts["day"].to_numpy(np.int64),
        c_mask=c_mask,
        c_pred=c_pred,
        c_obs=c_obs,
        c_bound=counts["bound"].map(_BOUND).to_numpy(np.int64),
        c_sd=counts["sd"].to_numpy(np.float64),
        c_w=counts["weight"].to_numpy(np.float64),
        c_province=(counts["province"] != "").to_numpy(bool),
        e_day=events["day"].to_numpy(np.int64),
        e_loc=e_loc,
        e_kind=(events["kind"] == "not_fallen_by").to_numpy(np.int64),
        e_measure=(events["measure"] == "fell").to_numpy(np.int64),
        e_mode=events["mode"].map(_MODE).to_numpy(np.int64),
        e_sd=events["sd"].to_numpy(np.float64),
        e_w=events["weight"].to_numpy(np.float64),
        horizon=int(scen.horizon_days),
        labels=tuple(labels),
    )


# --------------------------------------------------------------------------- model values
def capitals_gap(plan: Plan, scen: Scenario) -> str | None:
    """A one-line warning when some provincial capitals have no event term in ``plan`` (neither
    "lost on" nor "not lost by" a date up to its cut-off), else None.

    Nothing then says whether they were still held, so a fit or a filter to that cut-off may lose
    them before it (docs/calibration.md, the 15 July split). The 2021 table carries "not lost by"
    rows for every capital twice a month from 15 May, so any cut-off from then on has one.
    """
    caps = scen.capital_indices()
    seen = set(plan.e_loc[plan.e_w > 0].tolist())
    missing = [int(c) for c in caps if int(c) not in seen]
    if not missing:
        return None
    return (
        f"warning: {len(missing)} of {len(caps)} capitals have no observation up to "
        f"{scen.date_of(plan.cutoff_day)} saying "
        "whether they were lost (a fit or filter may lose them before it; add 'not_fallen_by' rows "
        "dated at the cut-off)"
    )


def count_values(
    plan: Plan, ctrl: np.ndarray, ctrl0: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """Model fractions of count rows from a control array (R, N) at the end of their day.

    ``ctrl0`` is the initial control (N,) for ``districts_lost_since_start``; ``rows`` selects
    count rows (default all). Returns shape (R, n_rows).
    """
    idx = np.arange(plan.n_counts) if rows is None else np.asarray(rows, np.int64)
    ctrl = np.asarray(ctrl)
    R = ctrl.shape[0]
    out = np.zeros((R, len(idx)))
    states = {
        0: ctrl != C.INSURGENT,
        1: ctrl == C.INSURGENT,
        2: (ctrl == C.CONTESTED) | (ctrl == C.AIRPORT),
        3: (ctrl == C.INSURGENT) & (np.asarray(ctrl0) != C.INSURGENT)[None, :],
    }
    for j, k in enumerate(idx):
        m = plan.c_mask[k]
        tot = m.sum()
        out[:, j] = states[int(plan.c_pred[k])][:, m].sum(axis=1) / tot if tot else 0.0
    return out


def count_z(plan: Plan, values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Standardised discrepancies of count rows, shape like ``values`` (R, n_rows)."""
    idx = np.arange(plan.n_counts) if rows is None else np.asarray(rows, np.int64)
    d = values - plan.c_obs[idx][None, :]
    b = plan.c_bound[idx][None, :]
    d = np.where(b == 1, np.minimum(d, 0.0), np.where(b == 2, np.maximum(d, 0.0), d))
    return d / plan.c_sd[idx][None, :]


def event_z(
    plan: Plan,
    lost_day: np.ndarray,
    lost_mode: np.ndarray,
    fell_day: np.ndarray,
    rows: np.ndarray | None = None,
    known_until: int | None = None,
) -> np.ndarray:
    """Standardised discrepancies of event rows from first-loss arrays (R, N).

    ``known_until`` is the last simulated day (the particle filter reads the state mid-run): a
    location not lost by then counts as lost the day after (the least lateness possible);
    by default the arrays cover the whole horizon H and "never lost" counts as H + 1.
    """
    idx = np.arange(plan.n_events) if rows is None else np.asarray(rows, np.int64)
    R = lost_day.shape[0]
    z = np.zeros((R, len(idx)))
    never = (plan.horizon if known_until is None else known_until) + 1
    for j, k in enumerate(idx):
        i = plan.e_loc[k]
        d = (fell_day if plan.e_measure[k] == 1 else lost_day)[:, i].astype(np.float64)
        d = np.where(d < 0, never, d)
        D = float(plan.e_day[k])
        if plan.e_kind[k] == 1:  # not lost by D
            z[:, j] = np.maximum(D + 1.0 - d, 0.0) / plan.e_sd[k]
            continue
        zz = (d - D) / plan.e_sd[k]
        m = int(plan.e_mode[k])
        if m:
            ok = np.isin(lost_mode[:, i], MODE_MATCH[m]) & (d <= never - 1)
            zz = np.sqrt(zz**2 + np.where(ok, 0.0, MODE_PENALTY**2))
        z[:, j] = zz
    return z


def loglik(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """-1/2 sum_i w_i z_i^2 over the last axis."""
    return -0.5 * (np.asarray(z) ** 2 * np.asarray(w)[None, :]).sum(axis=-1)


def distance(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sqrt(sum_i w_i z_i^2) over the last axis (the ABC distance)."""
    return np.sqrt((np.asarray(z) ** 2 * np.asarray(w)[None, :]).sum(axis=-1))
