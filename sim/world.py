"""World state: the scenario turned into arrays (struct of arrays) with a replicate axis.

Three bundles travel into every kernel:

* :class:`Static` (a ``NamedTuple``) - what never changes during a run: geography, the road
  graph as CSR arrays, the candidate-target table (the K nearest locations by road travel time,
  with the first hop), the three support schedules, the campaign plan and the scripted events.
* the parameters - one record of :data:`PARAM_DTYPE` per replicate (:func:`param_table`; numba
  reads ``P.b0`` from a Record), so an ensemble can carry posterior draws; :class:`Params` is the
  same record as Python scalars for the plain-Python reference.
* :class:`State` (a ``NamedTuple``) - everything that changes, with a leading replicate axis
  ``R``: per location (``[R, N]``), per insurgent unit (``[R, U]``), per replicate counters and
  the event log.

Units: people, days, kilometres; morale and loyalty in [0, 1].
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from omegaconf import OmegaConf

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.scenario import Scenario


class Static(NamedTuple):
    n_loc: int
    hub: int  # the national capital (highest-value capital)
    offensive_day: int  # insurgent units hold position before this day
    indptr: np.ndarray  # (N+1,) int64 CSR of the undirected road graph
    indices: np.ndarray  # (2E,) int64 neighbour ids
    edge_days: np.ndarray  # (2E,) float64 travel days of each directed edge
    cand: np.ndarray  # (N, K) int64 candidate targets, nearest first, -1 padded
    cand_days: np.ndarray  # (N, K) float64 travel days to each candidate
    cand_next: np.ndarray  # (N, K) int64 first hop toward each candidate
    cand_hop_days: np.ndarray  # (N, K) float64 travel days of that first hop
    value: np.ndarray  # (N,) float64 strategic value in [0, 1]
    is_capital: np.ndarray  # (N,) bool
    has_airport: np.ndarray  # (N,) bool
    has_prison: np.ndarray  # (N,) bool
    ruggedness: np.ndarray  # (N,) float64 in [0, 1]
    affinity: np.ndarray  # (N,) float64 in [0, 1], toward the insurgents
    population: np.ndarray  # (N,) float64 people
    prov_capital: np.ndarray  # (N,) int64 capital of the location's province
    province: np.ndarray  # (N,) int64 province index
    prov_districts: np.ndarray  # (P,) float64 non-capital locations of each province
    theatre: np.ndarray  # (N,) int64 theatre (region of the province) for campaign sequencing
    mil_patron: np.ndarray  # (N,) int64 patron index of the local militia, -1 none
    prison_scale: np.ndarray  # (N,) float64 prison size: 0, or max(1, population / 500,000)
    revenue: np.ndarray  # (N,) float64 share of customs revenue through the location (border crossing)
    sched: np.ndarray  # (3, T+1) float64 support schedules in [0, 1] (rows codes.SCHED_*)
    phase_day: np.ndarray  # (F,) int64 start day of each campaign phase
    focus: np.ndarray  # (F, n_theatres) float64 1 where a theatre is a focus of the phase
    negotiate: int  # 1: negotiated handovers (model.negotiation.enabled)
    campaign: int  # 1: campaign sequencing (model.campaign.enabled)
    revenue_on: int  # 1: border-crossing revenue (model.revenue.enabled)
    collapse: int  # 1: political collapse of the centre (model.collapse.enabled)
    consolidate: int  # 1: province pull-back (model.consolidation.enabled)
    abandon: int  # 1: posts abandoned ahead of the insurgents (model.abandonment.enabled)
    ev_day: np.ndarray  # (E,) int64 scripted events, sorted by day
    ev_kind: np.ndarray  # (E,) int64 codes.EV_*
    ev_loc: np.ndarray  # (E,) int64
    ev_patron: np.ndarray  # (E,) int64
    ev_value: np.ndarray  # (E,) float64
    ev_code: np.ndarray  # (E,) int64 (policy code for EV_POLICY)


def _flag(v: Any) -> int:
    return int(bool(v))


def _policy(v: Any) -> int:
    return int(C.POLICY_CODES[str(v)])


def _decay(tau: Any) -> float:
    return float(np.exp(-1.0 / float(tau)))


#: The model parameters as the kernels see them: ``(field, config path, transform)``. The fields
#: form :data:`PARAM_DTYPE`, a numpy structured dtype; a run holds one record per replicate
#: (:func:`param_table`), so replicates of one ensemble may carry different parameters (draws
#: from a posterior) while sharing the static arrays. Integer fields are switches and counts.
PARAM_SPEC: tuple[tuple[str, str, Any], ...] = (
    # combat
    ("beta_gov", "model.combat.beta_gov", float),
    ("beta_ins", "model.combat.beta_ins", float),
    ("air_support", "model.combat.air_support", float),
    ("fort_capital", "model.combat.fort_capital", float),
    ("fort_district", "model.combat.fort_district", float),
    ("fort_airport", "model.combat.fort_airport", float),
    ("terrain", "model.combat.terrain", float),
    ("ins_quality0", "model.combat.insurgent_quality", float),
    ("capture_gain", "model.combat.capture_gain", float),
    ("max_ins_quality", "model.combat.max_insurgent_quality", float),
    ("pool_alone", "model.combat.pool_alone", float),
    ("noise", "model.combat.noise", float),
    # garrison morale and breaking
    ("m_alpha", "model.morale.alpha", float),
    ("b0", "model.morale.b0", float),
    ("b_ratio", "model.morale.b_ratio", float),
    ("b_losses", "model.morale.b_losses", float),
    ("b_isolated", "model.morale.b_isolated", float),
    ("b_news", "model.morale.b_news", float),
    ("b_support", "model.morale.b_support", float),
    ("b_supply", "model.morale.b_supply", float),
    ("break_threshold", "model.morale.break_threshold", float),
    ("news_decay", "model.morale.news_tau_days", _decay),
    ("news_lambda", "model.morale.news_lambda_days", float),
    ("news_capital", "model.morale.news_capital_weight", float),
    ("news_district", "model.morale.news_district_weight", float),
    ("news_district_national", "model.morale.news_district_national", float),
    ("news_district_region", "model.morale.news_district_region", float),
    ("surrender_base", "model.morale.surrender_base", float),
    ("surrender_affinity", "model.morale.surrender_affinity", float),
    ("retreat_prob", "model.morale.retreat_prob", float),
    ("retreat_besieged", "model.morale.retreat_besieged", float),
    ("retreat_keep", "model.morale.retreat_keep", float),
    ("holdout_morale", "model.morale.holdout_morale", float),
    ("i_alpha", "model.morale.insurgent_alpha", float),
    ("i_b0", "model.morale.insurgent_b0", float),
    ("i_b_losses", "model.morale.insurgent_b_losses", float),
    ("i_b_news", "model.morale.insurgent_b_news", float),
    ("i_min_attack", "model.morale.insurgent_min_attack_morale", float),
    # targeting and movement
    ("w_value", "model.movement.w_value", float),
    ("w_distance", "model.movement.w_distance", float),
    ("w_defence", "model.movement.w_defence", float),
    ("w_concentration", "model.movement.w_concentration", float),
    ("w_keep", "model.movement.w_keep", float),
    ("temperature", "model.movement.temperature", float),
    ("radius_days", "model.movement.radius_days", float),
    ("max_hops", "model.movement.max_hops_per_day", int),
    ("withdraw_ratio", "model.movement.withdraw_ratio", float),
    ("besiege", "model.movement.besiege_isolated", _flag),
    ("w_siege", "model.movement.w_siege", float),
    # militias
    ("l_alpha", "model.militia.alpha", float),
    ("c0", "model.militia.c0", float),
    ("c_patron", "model.militia.c_patron", float),
    ("c_support", "model.militia.c_support", float),
    ("c_news", "model.militia.c_news", float),
    ("c_capital", "model.militia.c_capital", float),
    ("stand_aside", "model.militia.stand_aside", float),
    ("switch_prob", "model.militia.switch_prob", float),
    ("mil_quality", "model.militia.quality", float),
    ("mil_loyalty_shift", "forces.militia_loyalty_shift", float),
    # command
    ("request_threshold", "model.command.request_threshold", float),
    ("request_size", "model.command.request_size", float),
    ("capitals_only", "model.command.capitals_only", _flag),
    ("abandon_fraction", "model.command.abandon_fraction", float),
    ("policy", "model.command.policy", _policy),
    # growth
    ("rho", "model.growth.rho", float),
    ("saturation", "model.growth.saturation", float),
    ("absorb", "model.growth.absorb", float),
    ("prisoners_per_prison", "model.growth.prisoners_per_prison", float),
    # airlift and the reserve
    ("airlift", "reserve.airlift_per_day", float),
    ("airlift_floor", "model.withdrawal.airlift_floor", float),
    ("delay", "reserve.delay_days", int),
    ("reserve_quality", "reserve.quality", float),
    ("commandos", "reserve.commandos", float),
    # negotiated handovers
    ("n0", "model.negotiation.n0", float),
    ("n_capital", "model.negotiation.capital", float),
    ("n_isolated", "model.negotiation.isolated", float),
    ("n_province", "model.negotiation.province_lost", float),
    ("n_news", "model.negotiation.news", float),
    ("n_affinity", "model.negotiation.affinity", float),
    ("n_supply", "model.negotiation.supply", float),
    ("n_logistics", "model.negotiation.logistics", float),
    ("n_patron", "model.negotiation.patron", float),
    ("n_ratio", "model.negotiation.ratio", float),
    ("n_revenue", "model.negotiation.revenue", float),
    # campaign sequencing
    ("w_focus", "model.campaign.w_focus", float),
    ("capitals_day", "model.campaign.capitals_day", float),
    ("outside_tempo", "model.campaign.outside_tempo", float),
    ("redeploy", "model.campaign.redeploy", float),
    ("redeploy_days", "model.campaign.redeploy_days", float),
    ("mobile_share", "model.campaign.mobile_share", float),
    ("rebalance", "model.campaign.rebalance", float),
    # border crossings and revenue
    ("b_revenue", "model.revenue.b_revenue", float),
    ("g_revenue", "model.revenue.g_revenue", float),
    # political collapse of the centre
    ("k0", "model.collapse.k0", float),
    ("k_capitals", "model.collapse.capitals_lost", float),
    ("k_news", "model.collapse.news", float),
    ("k_logistics", "model.collapse.logistics", float),
    ("k_approaches", "model.collapse.approaches", float),
    ("approach_days", "model.collapse.approach_days", float),
    ("collapse_news", "model.collapse.news_shock", float),
    # province pull-back
    ("consolidate_threshold", "model.consolidation.threshold", float),
    ("consolidate_rate", "model.consolidation.rate", float),
    # posts abandoned ahead of the insurgents
    ("a0", "model.abandonment.a0", float),
    ("a_isolated", "model.abandonment.isolated", float),
    ("a_province", "model.abandonment.province_lost", float),
    ("a_news", "model.abandonment.news", float),
    ("a_supply", "model.abandonment.supply", float),
    ("a_logistics", "model.abandonment.logistics", float),
    # initial forces (read by initial_state)
    ("present_fraction", "forces.present_fraction", float),
    ("pool_scale", "forces.pool_scale", float),
    ("insurgent_scale", "forces.insurgent_scale", float),
    ("militia_scale", "forces.militia_scale", float),
)

#: One record of model parameters; integer fields for switches, counts and codes.
PARAM_DTYPE = np.dtype(
    [(f, np.int64 if conv in (int, _flag, _policy) else np.float64) for f, _, conv in PARAM_SPEC]
)
PARAM_PATHS: dict[str, str] = {path: f for f, path, _ in PARAM_SPEC}

#: Config paths that shape the static arrays (or the state's shape) and so must be equal for
#: every replicate of one run.
STRUCTURAL_PATHS = frozenset({"model.movement.radius_days", "reserve.delay_days"})

#: The parameters as plain Python scalars (what the Python reference reads: ``P.b0``).
Params = namedtuple("Params", [f for f, _, _ in PARAM_SPEC])


def build_params(scen: Scenario, values: Mapping[str, Any] | None = None) -> np.record:
    """Model parameters of a scenario as one record of :data:`PARAM_DTYPE`.

    Parameters
    ----------
    scen : Scenario
    values : mapping of str to number, optional
        Values that replace the scenario's, keyed by config path (``"model.morale.b0"``); keys
        must be paths of :data:`PARAM_SPEC` (checked by :func:`param_table`).
    """
    rec = np.array([_base_record(scen)], PARAM_DTYPE).view(np.recarray)
    for path, v in (values or {}).items():
        f = PARAM_PATHS[path]
        rec[f] = _CONVERT[f](v)
    return rec[0]


_CONVERT = {f: conv for f, _, conv in PARAM_SPEC}


@lru_cache(maxsize=16)
def _base_record(scen: Scenario) -> np.record:
    cfg = scen.config
    rec = np.zeros(1, PARAM_DTYPE).view(np.recarray)
    for f, path, conv in PARAM_SPEC:
        rec[f] = conv(OmegaConf.select(cfg, path))
    return rec[0]


def param_table(scen: Scenario, replicates: int, draws: Any = None) -> np.ndarray:
    """One parameter record per replicate: a ``numpy.recarray`` of shape ``(replicates,)`` and
    dtype :data:`PARAM_DTYPE` (``tab[r].b0`` reads a field, in numba as in Python).

    ``draws`` is None (every replicate gets the scenario's parameters), or a sequence of
    ``replicates`` mappings (config path -> value), or a pandas DataFrame with one row per
    replicate and config paths as columns. Values must lie in the schema's ranges.
    """
    from sim.scenario.values import check_param_values

    R = int(replicates)
    tab = np.empty(R, PARAM_DTYPE).view(np.recarray)
    base = build_params(scen)
    if draws is None:
        tab[:] = base
        return tab
    rows = draws.to_dict("records") if hasattr(draws, "to_dict") else list(draws)
    if len(rows) != R:
        raise ValueError(f"{len(rows)} parameter rows for {R} replicates")
    for r, row in enumerate(rows):
        if not row:
            tab[r] = base
            continue
        check_param_values(row, per_replicate=True)
        tab[r] = build_params(scen, row)
    return tab


def replace_params(P: np.record, **fields: Any) -> np.record:
    """A copy of a parameter record with some fields replaced (tests and experiments)."""
    out = np.array([P], PARAM_DTYPE).view(np.recarray)
    for k, v in fields.items():
        out[k] = v
    return out[0]


def params_view(P: np.record) -> Params:
    """The record as a namedtuple of Python scalars (for the plain-Python reference)."""
    return Params(*P.tolist())


class State(NamedTuple):
    # per location [R, N]
    ctrl: np.ndarray  # int8 codes.GOVERNMENT..AIRPORT
    gov: np.ndarray  # government personnel present
    gq: np.ndarray  # garrison quality
    gm: np.ndarray  # garrison morale
    supply: np.ndarray  # days of supply
    holdout: np.ndarray  # int8, 1 when the garrison holds only the airport
    mil: np.ndarray  # militia personnel
    loy: np.ndarray  # militia loyalty
    mstate: np.ndarray  # int8 codes.MIL_*
    pool: np.ndarray  # part-time insurgents (local pool)
    news: np.ndarray  # local news of falls
    fell_day: np.ndarray  # int64, -1 while held
    lost_day: np.ndarray  # int64 first day the city was lost (fall or retreat to an airport), -1
    lost_mode: np.ndarray  # int8 how it was first lost (codes.LOST_MODES), 0 while held
    fall_mode: np.ndarray  # int8 codes.ASSAULT..HOLDOUT_LOST
    req: np.ndarray  # open reinforcement request (people)
    req_day: np.ndarray  # int64 day the request was filed
    transit: np.ndarray  # [R, delay+1, N] reinforcements in the air, by arrival slot
    # derived each day [R, N]
    ins: np.ndarray  # insurgent personnel present (units arrived + pool)
    ins_eff: np.ndarray  # effective insurgent strength sum(S q h(m)) + pool part
    threat: np.ndarray  # insurgents present + half those at neighbours
    x_before: np.ndarray  # government + active militia before today's combat
    loss_x: np.ndarray  # government losses today
    loss_frac_i: np.ndarray  # fraction of insurgents present lost today
    iso: np.ndarray  # int8, 1 when no open road to the national capital
    broke: np.ndarray  # int8: 0 none, 1 surrendered, 2 deserted, 3 retreated
    equip: np.ndarray  # government personnel whose equipment was captured today
    tgt_count: np.ndarray  # units heading to each location (yesterday's targets)
    # per insurgent unit [R, U]
    s: np.ndarray  # strength (people)
    uq: np.ndarray  # quality
    um: np.ndarray  # morale
    uloc: np.ndarray  # int64 node (or the node left, when on the road)
    unext: np.ndarray  # int64 node being travelled to
    ueta: np.ndarray  # days left on the road (0 = at uloc)
    utgt: np.ndarray  # int64 target, -1 none
    # per replicate
    reserve: np.ndarray  # [R] mobile reserve (people)
    news_g: np.ndarray  # [R] national news of capital falls
    revenue_lost: np.ndarray  # [R] share of customs revenue through insurgent-held crossings
    collapsed: np.ndarray  # [R] int64 day the national government collapsed, -1
    policy: np.ndarray  # [R] int64 allocation policy code
    abandoned: np.ndarray  # [R] int8, countryside abandoned
    patron_present: np.ndarray  # [R, P] int8
    acc: np.ndarray  # [R, N_ACC] accounting counters
    start_gov: np.ndarray  # [R] government personnel at start
    start_ins: np.ndarray  # [R] insurgent personnel at start
    # event log [R, cap]
    log_day: np.ndarray
    log_kind: np.ndarray
    log_loc: np.ndarray
    log_val: np.ndarray
    log_n: np.ndarray  # [R] int64 entries written
    log_lost: np.ndarray  # [R] int64 entries dropped (capacity)


# ------------------------------------------------------------------------------- candidates
@njit(cache=True, inline="always")
def _before(hd, hv, hf, a: int, b: int) -> bool:
    """Heap entry a sorts before entry b: by (days, node, first hop), as tuples compare."""
    if hd[a] != hd[b]:
        return hd[a] < hd[b]
    if hv[a] != hv[b]:
        return hv[a] < hv[b]
    return hf[a] < hf[b]


@njit(cache=True, inline="always")
def _swap(hd, hv, hf, a: int, b: int) -> None:
    hd[a], hd[b] = hd[b], hd[a]
    hv[a], hv[b] = hv[b], hv[a]
    hf[a], hf[b] = hf[b], hf[a]


#: Worlds of up to this many locations build their candidate table in plain Python (about
#: 20 ms for the 2021 map's 392, 80 ms for 2,000) unless the compiled twin is already compiled
#: or in numba's cache (then it takes about 1 ms): compiling it costs about 1.4 s of a cold start
#: (issue 18). Both run the same algorithm.
PY_CANDIDATES_MAX = 2000


def _compiled_ready(fn: Any) -> bool:
    """Whether numba dispatcher ``fn`` is compiled in this process or has a cache index on disk
    (numba's own cache files; any doubt reads as not ready, which only costs the plain twin)."""
    try:
        import os

        return bool(fn.signatures) or os.path.exists(fn._cache._cache_file._index_path)
    except Exception:  # private numba attributes: absent in another version
        return False


def candidate_table(
    indptr: np.ndarray, indices: np.ndarray, edge_days: np.ndarray, k: int, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """K nearest locations of every location by road travel time (truncated Dijkstra).

    Returns ``cand, cand_days, cand_next, cand_hop_days``, each (N, K), nearest first and ties
    broken by node id, padded with -1 / inf. ``cand_next`` is the first hop on a shortest path,
    ``cand_hop_days`` the travel days of the fastest road to it. The priority queue pops
    (days, node, first hop) tuples smallest first; a node's distance and first hop are set by
    the first strictly shorter path found. :func:`candidate_table_py` (heapq) and
    :func:`candidate_table_nb` (a binary heap on arrays) implement this one definition and give
    the same table, ties included (``tests/kernels/test_world.py``); the plain one is used up to
    :data:`PY_CANDIDATES_MAX` locations while the compiled one is neither compiled nor cached.
    """
    small = len(indptr) - 1 <= PY_CANDIDATES_MAX
    fn = candidate_table_py if small and not _compiled_ready(candidate_table_nb) else candidate_table_nb
    return fn(indptr, indices, edge_days, int(k), float(radius))


def candidate_table_py(
    indptr: np.ndarray, indices: np.ndarray, edge_days: np.ndarray, k: int, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`candidate_table` with :mod:`heapq` (no compilation)."""
    import heapq

    n = len(indptr) - 1
    cand = np.full((n, k), -1, np.int64)
    cdays = np.full((n, k), np.inf)
    cnext = np.full((n, k), -1, np.int64)
    chop = np.full((n, k), np.inf)
    ip, ix, ed = indptr.tolist(), indices.tolist(), edge_days.tolist()
    inf = math.inf
    for src in range(n):
        dist = {src: 0.0}
        done: set[int] = set()
        heap = [(0.0, src, src)]
        row: list[tuple[int, float, int]] = []
        while heap and len(row) < k:
            d, v, f = heapq.heappop(heap)
            if v in done or d > dist.get(v, inf):
                continue
            if d > radius:
                break
            done.add(v)
            if v != src:
                row.append((v, d, f))
            for e in range(ip[v], ip[v + 1]):
                w = ix[e]
                nd = d + ed[e]
                if w not in done and nd < dist.get(w, inf):
                    dist[w] = nd
                    heapq.heappush(heap, (nd, w, w if v == src else f))
        for j, (v, d, f) in enumerate(row):
            cand[src, j], cdays[src, j], cnext[src, j] = v, d, f
            for e in range(ip[src], ip[src + 1]):
                if ix[e] == f and ed[e] < chop[src, j]:
                    chop[src, j] = ed[e]
    return cand, cdays, cnext, chop


@njit(cache=True)
def candidate_table_nb(
    indptr: np.ndarray, indices: np.ndarray, edge_days: np.ndarray, k: int, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`candidate_table` compiled: the priority queue is a binary heap on arrays ordered as
    (days, node, first hop) tuples."""
    n = len(indptr) - 1
    cand = np.full((n, k), -1, np.int64)
    cdays = np.full((n, k), np.inf)
    cnext = np.full((n, k), -1, np.int64)
    chop = np.full((n, k), np.inf)
    dist = np.full(n, np.inf)
    done = np.zeros(n, np.bool_)
    touched = np.empty(n, np.int64)
    cap = len(indices) + 1
    hd = np.empty(cap)
    hv = np.empty(cap, np.int64)
    hf = np.empty(cap, np.int64)
    for src in range(n):
        nt = 0
        hd[0], hv[0], hf[0] = 0.0, src, src
        size = 1
        dist[src] = 0.0
        touched[nt] = src
        nt += 1
        found = 0
        while size > 0 and found < k:
            # pop the smallest entry
            d, v, f = hd[0], hv[0], hf[0]
            size -= 1
            hd[0], hv[0], hf[0] = hd[size], hv[size], hf[size]
            p = 0
            while True:
                c = 2 * p + 1
                if c >= size:
                    break
                if c + 1 < size and _before(hd, hv, hf, c + 1, c):
                    c += 1
                if not _before(hd, hv, hf, c, p):
                    break
                _swap(hd, hv, hf, c, p)
                p = c
            if done[v] or d > dist[v]:
                continue
            if d > radius:
                break
            done[v] = True
            if v != src:
                cand[src, found] = v
                cdays[src, found] = d
                cnext[src, found] = f
                found += 1
            for e in range(indptr[v], indptr[v + 1]):
                w = indices[e]
                nd = d + edge_days[e]
                if not done[w] and nd < dist[w]:
                    if dist[w] == np.inf:
                        touched[nt] = w
                        nt += 1
                    dist[w] = nd
                    # push (nd, w, first hop)
                    q = size
                    hd[q], hv[q], hf[q] = nd, w, (w if v == src else f)
                    size += 1
                    while q > 0:
                        p = (q - 1) // 2
                        if not _before(hd, hv, hf, q, p):
                            break
                        _swap(hd, hv, hf, q, p)
                        q = p
        for j in range(found):
            f = cnext[src, j]
            for e in range(indptr[src], indptr[src + 1]):
                if indices[e] == f and edge_days[e] < chop[src, j]:
                    chop[src, j] = edge_days[e]
        for j in range(nt):
            dist[touched[j]] = np.inf
            done[touched[j]] = False
    return cand, cdays, cnext, chop


def road_csr(
    n: int, src: np.ndarray, dst: np.ndarray, days: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected road list -> CSR (indptr, indices, edge_days), neighbours sorted by id."""
    a = np.concatenate([src, dst]).astype(np.int64)
    b = np.concatenate([dst, src]).astype(np.int64)
    d = np.concatenate([days, days]).astype(np.float64)
    order = np.lexsort((b, a))
    a, b, d = a[order], b[order], d[order]
    indptr = np.zeros(n + 1, np.int64)
    np.add.at(indptr, a + 1, 1)
    return np.cumsum(indptr), b, d


# ------------------------------------------------------------------------------- builders
@lru_cache(maxsize=4)
def _graph_tables(scen: Scenario) -> tuple[np.ndarray, ...]:
    """The road graph (CSR) and the candidate table of a scenario, computed once per scenario
    (the truncated Dijkstra is most of building the static arrays; callers get copies)."""
    loc = scen.locations
    p = scen.config.model
    indptr, indices, edge_days = road_csr(
        loc.n_rows, scen.roads["src"], scen.roads["dst"], scen.roads["travel_days"]
    )
    from sim.scenario.cache import candidates

    k = int(p.movement.candidates)
    graph = (indptr, indices, edge_days)
    cand, cdays, cnext, chop = candidates(graph, k, float(p.movement.radius_days), candidate_table)
    return indptr, indices, edge_days, cand, cdays, cnext, chop


def build_static(scen: Scenario) -> Static:
    """Static arrays of a scenario (computed once per scenario, shared by all replicates)."""
    loc = scen.locations
    n = loc.n_rows
    p = scen.config.model
    indptr, indices, edge_days, cand, cdays, cnext, chop = (a.copy() for a in _graph_tables(scen))
    caps = np.flatnonzero(loc["is_capital"])
    hub = int(caps[np.argmax(loc["value"][caps])])
    prov = np.asarray(loc["province_index"], np.int64)
    prov_capital = scen.provinces["capital"][prov].astype(np.int64)
    n_prov = scen.provinces.n_rows
    prov_districts = np.bincount(prov[~loc["is_capital"]], minlength=n_prov).astype(np.float64)
    theatres = list(scen.campaign["theatres"])
    regions = scen.provinces["region"]
    theatre = np.array([theatres.index(regions[q]) for q in prov], np.int64)
    mil_patron = np.full(n, -1, np.int64)
    mil_patron[scen.militias["location"]] = scen.militias["patron_index"]
    prison_scale = np.where(loc["has_prison"], np.maximum(1.0, loc["population"] / 5e5), 0.0)
    evs = scen.events
    codes = [C.SCRIPTED_CODES[e.kind] for e in evs]
    offensive = [e.day for e in evs if e.kind == "offensive"]
    return Static(
        n_loc=n,
        hub=hub,
        offensive_day=int(min(offensive)) if offensive else 0,
        indptr=indptr,
        indices=indices,
        edge_days=edge_days,
        cand=cand,
        cand_days=cdays,
        cand_next=cnext,
        cand_hop_days=chop,
        value=np.asarray(loc["value"], np.float64),
        is_capital=np.asarray(loc["is_capital"]),
        has_airport=np.asarray(loc["has_airport"]),
        has_prison=np.asarray(loc["has_prison"]),
        ruggedness=np.asarray(loc["ruggedness"], np.float64),
        affinity=np.asarray(loc["affinity"], np.float64),
        population=np.asarray(loc["population"], np.float64),
        prov_capital=prov_capital,
        province=prov,
        prov_districts=prov_districts,
        theatre=theatre,
        mil_patron=mil_patron,
        prison_scale=prison_scale.astype(np.float64),
        revenue=np.asarray(loc["revenue_share"], np.float64),
        sched=np.ascontiguousarray(scen.schedules, np.float64),
        phase_day=np.asarray(scen.campaign["phase_day"], np.int64),
        focus=np.ascontiguousarray(scen.campaign["focus"], np.float64),
        negotiate=int(bool(p.negotiation.enabled)),
        campaign=int(bool(p.campaign.enabled)),
        revenue_on=int(bool(p.revenue.enabled)),
        collapse=int(bool(p.collapse.enabled)),
        consolidate=int(bool(p.consolidation.enabled)),
        abandon=int(bool(p.abandonment.enabled)),
        ev_day=np.array([e.day for e in evs], np.int64),
        ev_kind=np.array(codes, np.int64),
        ev_loc=np.array([e.location for e in evs], np.int64),
        ev_patron=np.array([e.patron for e in evs], np.int64),
        ev_value=np.array([e.value for e in evs], np.float64),
        ev_code=np.array([C.POLICY_CODES.get(e.note, -1) for e in evs], np.int64),
    )


def initial_state(
    scen: Scenario, replicates: int, log_capacity: int | None = None, ptab: np.ndarray | None = None
) -> State:
    """Fresh state for ``replicates`` copies of the scenario at day 0.

    ``ptab`` (one :data:`PARAM_DTYPE` record per replicate, :func:`param_table`) gives each
    replicate its own initial forces (``present_fraction``, ``militia_scale``,
    ``militia_loyalty_shift``, ``pool_scale``, ``insurgent_scale``, ``insurgent_quality``,
    ``commandos``, ``policy``); without it every replicate takes the scenario's.
    """
    R = int(replicates)
    if ptab is None:
        ptab = param_table(scen, R)
    if len(ptab) != R:
        raise ValueError(f"{len(ptab)} parameter records for {R} replicates")
    loc = scen.locations
    n = loc.n_rows
    cfg = scen.config

    def rep(a: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        return np.repeat(np.asarray(a, dtype)[None, :], R, axis=0)

    def col(f: str) -> np.ndarray:
        return np.asarray(ptab[f], np.float64)[:, None]

    nom = np.zeros(n)
    gq0 = np.zeros(n)
    gm0 = np.zeros(n)
    sup0 = np.zeros(n)
    gl = scen.garrisons["location"]
    nom[gl] = scen.garrisons["personnel_nominal"]
    gq0[gl] = scen.garrisons["quality"]
    gm0[gl] = scen.garrisons["morale"]
    sup0[gl] = scen.garrisons["supply_days"]
    mil_nom = np.zeros(n)
    loy_nom = np.zeros(n)
    mst0 = np.full(n, C.MIL_NONE, np.int8)
    ml = scen.militias["location"]
    mil_nom[ml] = scen.militias["personnel"]
    loy_nom[ml] = scen.militias["loyalty"]
    mst0[ml] = C.MIL_ACTIVE
    has_mil = mst0 != C.MIL_NONE
    gov = nom[None, :] * col("present_fraction")
    mil = mil_nom[None, :] * col("militia_scale")
    loy = np.where(has_mil[None, :], np.clip(loy_nom[None, :] + col("mil_loyalty_shift"), 0, 1), 0.0)
    pool = scen.pools["part_time"][None, :] * col("pool_scale")
    ctrl0 = np.asarray(loc["initial_control"], np.int8)

    ins = scen.insurgents
    u = ins.n_rows
    s = ins["strength"][None, :] * col("insurgent_scale")
    delay = int(cfg.reserve.delay_days)
    n_pat = max(len(scen.patrons), 1)
    cap = int(log_capacity) if log_capacity is not None else 8 * n + 16 * scen.horizon_days + 64
    present = np.ones((R, n_pat), np.int8)
    present[:, absent_patrons(scen)] = 0
    start_gov = gov.sum(axis=1) + mil.sum(axis=1)
    start_ins = s.sum(axis=1) + pool.sum(axis=1)
    fields = dict(
        ctrl=rep(ctrl0, np.int8),
        gov=gov,
        gq=rep(gq0),
        gm=rep(gm0),
        supply=rep(sup0),
        holdout=np.zeros((R, n), np.int8),
        mil=mil,
        loy=loy,
        mstate=rep(mst0, np.int8),
        pool=pool,
        news=np.zeros((R, n)),
        fell_day=np.full((R, n), -1, np.int64),
        lost_day=np.full((R, n), -1, np.int64),
        lost_mode=np.zeros((R, n), np.int8),
        fall_mode=np.zeros((R, n), np.int8),
        req=np.zeros((R, n)),
        req_day=np.full((R, n), -1, np.int64),
        transit=np.zeros((R, delay + 1, n)),
        ins=np.zeros((R, n)),
        ins_eff=np.zeros((R, n)),
        threat=np.zeros((R, n)),
        x_before=np.zeros((R, n)),
        loss_x=np.zeros((R, n)),
        loss_frac_i=np.zeros((R, n)),
        iso=np.zeros((R, n), np.int8),
        broke=np.zeros((R, n), np.int8),
        equip=np.zeros((R, n)),
        tgt_count=np.zeros((R, n)),
        s=s,
        uq=np.repeat(np.asarray(ptab["ins_quality0"], np.float64)[:, None], u, axis=1),
        um=rep(ins["morale"]),
        uloc=rep(ins["location"], np.int64),
        unext=rep(ins["location"], np.int64),
        ueta=np.zeros((R, u)),
        utgt=np.full((R, u), -1, np.int64),
        reserve=np.asarray(ptab["commandos"], np.float64).copy(),
        news_g=np.zeros(R),
        revenue_lost=np.zeros(R),
        collapsed=np.full(R, -1, np.int64),
        policy=np.asarray(ptab["policy"], np.int64).copy(),
        abandoned=np.zeros(R, np.int8),
        patron_present=present,
        acc=np.zeros((R, C.N_ACC)),
        start_gov=start_gov,
        start_ins=start_ins,
        log_day=np.zeros((R, cap), np.int64),
        log_kind=np.zeros((R, cap), np.int8),
        log_loc=np.zeros((R, cap), np.int64),
        log_val=np.zeros((R, cap)),
        log_n=np.zeros(R, np.int64),
        log_lost=np.zeros(R, np.int64),
    )
    return pack_state(State(**fields))


# ------------------------------------------------------------------------------- blocks
def new_blocks(R: int, n: int, u: int, n_patrons: int, slots: int, cap: int) -> L.StateBlocks:
    """Zeroed state blocks for R replicates (:class:`sim.kernels.layout.StateBlocks`)."""
    blocks = {
        name: np.zeros((R, len(names), u if name in ("uf", "ui") else n), dtype)
        for name, (dtype, names) in L.BLOCKS.items()
        if name not in ("rf", "ri")
    }
    return L.StateBlocks(
        **blocks,
        rf=np.zeros((R, len(L.RF_FIELDS))),
        ri=np.zeros((R, len(L.RI_FIELDS)), np.int64),
        r8=np.zeros((R, 1 + n_patrons), np.int8),
        transit=np.zeros((R, slots, n)),
        acc=np.zeros((R, C.N_ACC)),
        log_day=np.zeros((R, cap), np.int64),
        log_kind=np.zeros((R, cap), np.int8),
        log_loc=np.zeros((R, cap), np.int64),
        log_val=np.zeros((R, cap)),
    )


def state_of(B: L.StateBlocks) -> State:
    """The :class:`State` whose fields are views into the blocks ``B`` (writes go through)."""
    views: dict[str, np.ndarray] = {}
    for name, (_dtype, names) in L.BLOCKS.items():
        block = getattr(B, name)
        for k, f in enumerate(names):
            views[f] = block[:, k]
    views["abandoned"] = B.r8[:, L.R8_ABANDONED]
    views["patron_present"] = B.r8[:, L.R8_PATRON :]
    for f in ("transit", "acc", "log_day", "log_kind", "log_loc", "log_val"):
        views[f] = getattr(B, f)
    return State(**views)


def blocks_of(st: State) -> L.StateBlocks | None:
    """The blocks a state's fields view (as :func:`state_of` made them), or None when the fields
    are separate arrays (a state built by hand, by concatenation or by copying fields)."""
    base = st.gov.base
    if not isinstance(base, np.ndarray) or base.ndim != 3:
        return None
    got: dict[str, np.ndarray] = {}
    for name, (_dtype, names) in L.BLOCKS.items():
        block = getattr(st, names[0]).base
        if not isinstance(block, np.ndarray) or not block.flags.c_contiguous or block.shape[1] != len(names):
            return None
        for k, f in enumerate(names):
            a = getattr(st, f)
            if a.base is not block or a.ctypes.data != block.ctypes.data + k * block.strides[1]:
                return None
        got[name] = block
    r8 = st.abandoned.base
    if (
        not isinstance(r8, np.ndarray)
        or not r8.flags.c_contiguous
        or st.patron_present.base is not r8
        or st.abandoned.ctypes.data != r8.ctypes.data
        or st.patron_present.ctypes.data != r8.ctypes.data + L.R8_PATRON
    ):
        return None
    rest = {f: getattr(st, f) for f in ("transit", "acc", "log_day", "log_kind", "log_loc", "log_val")}
    if not all(a.flags.c_contiguous for a in rest.values()):
        return None
    return L.StateBlocks(**got, r8=r8, **rest)


def pack_state(st: State) -> State:
    """A state whose fields view blocks: ``st`` itself when they already do, else a copy."""
    if blocks_of(st) is not None:
        return st
    R, n = st.gov.shape
    B = new_blocks(R, n, st.s.shape[1], st.patron_present.shape[1], st.transit.shape[1], st.log_day.shape[1])
    out = state_of(B)
    for dst, src in zip(out, st, strict=True):
        np.copyto(dst, src)
    return out


def geo(S: Static) -> L.Geo:
    """The static arrays as the kernels take them (:class:`sim.kernels.layout.Geo`): the small
    per-location attributes packed into three blocks, the large tables as they are."""

    def pack(names: tuple[str, ...], dtype: type) -> np.ndarray:
        return np.ascontiguousarray(np.stack([np.asarray(getattr(S, f), dtype) for f in names]))

    def arr(a: np.ndarray, dtype: type) -> np.ndarray:
        return np.ascontiguousarray(a, dtype)

    return L.Geo(
        gf=pack(L.GF_FIELDS, np.float64),
        gb=pack(L.GB_FIELDS, np.bool_),
        gi=pack(L.GI_FIELDS, np.int64),
        flags=np.array([getattr(S, f) for f in L.FLAG_FIELDS], np.int64),
        indptr=arr(S.indptr, np.int64),
        indices=arr(S.indices, np.int64),
        edge_days=arr(S.edge_days, np.float64),
        cand=arr(S.cand, np.int64),
        cand_days=arr(S.cand_days, np.float64),
        cand_next=arr(S.cand_next, np.int64),
        cand_hop_days=arr(S.cand_hop_days, np.float64),
        sched=arr(S.sched, np.float64),
        phase_day=arr(S.phase_day, np.int64),
        focus=arr(S.focus, np.float64),
        prov_districts=arr(S.prov_districts, np.float64),
        ev=pack(L.EV_FIELDS, np.int64).reshape(len(L.EV_FIELDS), len(S.ev_day)),
        ev_value=arr(S.ev_value, np.float64),
    )


def absent_patrons(scen: Scenario) -> list[int]:
    """Patrons whose return is scripted start absent (e.g. Dostum abroad until August 2021)."""
    return sorted({e.patron for e in scen.events if e.kind == "leader_return"})


def replicate_rows(st: State, r: int) -> L.Rows:
    """Replicate r of a block-backed state as the phase kernels take it
    (:class:`sim.kernels.layout.Rows`; units in id order, without the id row)."""
    B = blocks_of(st)
    if B is None:
        raise ValueError("the state's fields do not view blocks (use pack_state)")
    return L.Rows(
        B.lf[r],
        B.l8[r],
        B.li[r],
        B.uf[r],
        B.ui[r],
        B.rf[r],
        B.ri[r],
        B.r8[r],
        B.transit[r],
        B.acc[r],
        B.log_day[r],
        B.log_kind[r],
        B.log_loc[r],
        B.log_val[r],
    )
