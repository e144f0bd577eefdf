"""World state: the scenario turned into arrays (struct of arrays) with a replicate axis.

Three bundles travel into every kernel, each a ``NamedTuple`` so numba sees typed fields:

* :class:`Static` - what never changes during a run: geography, the road graph as CSR arrays, the
  candidate-target table (the K nearest locations by road travel time, with the first hop), the
  support schedule sigma(t) and the scripted events.
* :class:`Params` - the model parameters as plain floats and ints.
* :class:`State` - everything that changes, with a leading replicate axis ``R``: per location
  (``[R, N]``), per insurgent unit (``[R, U]``), per replicate counters and the event log.

Units: people, days, kilometres; morale and loyalty in [0, 1].
"""

from __future__ import annotations

import heapq
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.kernels import codes as C
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
    fort: np.ndarray  # (N,) float64 fortification bonus (capital or district)
    mil_patron: np.ndarray  # (N,) int64 patron index of the local militia, -1 none
    prisoners: np.ndarray  # (N,) float64 prisoners freed if the location falls
    support: np.ndarray  # (T+1,) float64 foreign support sigma(t) in [0, 1]
    ev_day: np.ndarray  # (E,) int64 scripted events, sorted by day
    ev_kind: np.ndarray  # (E,) int64 codes.EV_*
    ev_loc: np.ndarray  # (E,) int64
    ev_patron: np.ndarray  # (E,) int64
    ev_value: np.ndarray  # (E,) float64
    ev_code: np.ndarray  # (E,) int64 (policy code for EV_POLICY)


class Params(NamedTuple):
    beta_gov: float
    beta_ins: float
    air_support: float
    fort_airport: float
    terrain: float
    ins_quality0: float
    capture_gain: float
    max_ins_quality: float
    noise: float
    m_alpha: float
    b0: float
    b_ratio: float
    b_losses: float
    b_isolated: float
    b_news: float
    b_support: float
    b_supply: float
    break_threshold: float
    news_decay: float  # exp(-1 / tau)
    news_lambda: float
    news_capital: float
    news_district: float
    surrender_base: float
    surrender_affinity: float
    retreat_prob: float  # chance a broken garrison with an airport withdraws there
    retreat_besieged: float  # share of retreat_prob lost when no insurgents are inside the town
    retreat_keep: float
    holdout_morale: float
    i_alpha: float
    i_b0: float
    i_b_losses: float
    i_b_news: float
    i_min_attack: float
    withdraw_ratio: float  # siege ratio above which a unit breaks off / does not attack
    besiege: int  # 1: hopeless isolated capitals are besieged from next door
    w_siege: float  # utility bonus of such a siege
    pool_alone: float  # share of a local pool that fights where no unit converges
    mil_loyalty_shift: float  # added to the militia loyalty target (and initial loyalty)
    w_value: float
    w_distance: float
    w_defence: float
    w_concentration: float
    w_keep: float
    temperature: float
    radius_days: float
    max_hops: int
    l_alpha: float
    c0: float
    c_patron: float
    c_support: float
    c_news: float
    c_capital: float
    stand_aside: float
    switch_prob: float
    mil_quality: float
    request_threshold: float
    request_size: float
    capitals_only: int
    abandon_fraction: float
    rho: float
    saturation: float
    absorb: float
    airlift: float
    airlift_floor: float
    delay: int
    reserve_quality: float


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
@njit(cache=True)
def candidate_table(
    indptr: np.ndarray, indices: np.ndarray, edge_days: np.ndarray, k: int, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """K nearest locations of every location by road travel time (truncated Dijkstra).

    Returns ``cand, cand_days, cand_next, cand_hop_days``, each (N, K), nearest first and ties
    broken by node id, padded with -1 / inf. ``cand_next`` is the first hop on a shortest path.
    """
    n = len(indptr) - 1
    cand = np.full((n, k), -1, np.int64)
    cdays = np.full((n, k), np.inf)
    cnext = np.full((n, k), -1, np.int64)
    chop = np.full((n, k), np.inf)
    dist = np.full(n, np.inf)
    first = np.full(n, -1, np.int64)
    done = np.zeros(n, np.bool_)
    touched = np.empty(n, np.int64)
    for src in range(n):
        nt = 0
        heap = [(0.0, src, src)]
        dist[src] = 0.0
        touched[nt] = src
        nt += 1
        found = 0
        while len(heap) > 0 and found < k:
            d, v, f = heapq.heappop(heap)
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
                    nf = w if v == src else f
                    first[w] = nf
                    heapq.heappush(heap, (nd, w, nf))
        for j in range(found):
            f = cnext[src, j]
            for e in range(indptr[src], indptr[src + 1]):
                if indices[e] == f and edge_days[e] < chop[src, j]:
                    chop[src, j] = edge_days[e]
        for j in range(nt):
            dist[touched[j]] = np.inf
            done[touched[j]] = False
            first[touched[j]] = -1
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
def build_static(scen: Scenario) -> Static:
    """Static arrays of a scenario (computed once per scenario, shared by all replicates)."""
    loc = scen.locations
    n = loc.n_rows
    p = scen.config.model
    indptr, indices, edge_days = road_csr(n, scen.roads["src"], scen.roads["dst"], scen.roads["travel_days"])
    k = int(p.movement.candidates)
    cand, cdays, cnext, chop = candidate_table(indptr, indices, edge_days, k, float(p.movement.radius_days))
    caps = np.flatnonzero(loc["is_capital"])
    hub = int(caps[np.argmax(loc["value"][caps])])
    prov_capital = scen.provinces["capital"][loc["province_index"]].astype(np.int64)
    fort = np.where(loc["is_capital"], p.combat.fort_capital, p.combat.fort_district)
    mil_patron = np.full(n, -1, np.int64)
    mil_patron[scen.militias["location"]] = scen.militias["patron_index"]
    prisoners = np.where(
        loc["has_prison"], p.growth.prisoners_per_prison * np.maximum(1.0, loc["population"] / 5e5), 0.0
    )
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
        fort=fort.astype(np.float64),
        mil_patron=mil_patron,
        prisoners=prisoners.astype(np.float64),
        support=np.asarray(scen.support, np.float64),
        ev_day=np.array([e.day for e in evs], np.int64),
        ev_kind=np.array(codes, np.int64),
        ev_loc=np.array([e.location for e in evs], np.int64),
        ev_patron=np.array([e.patron for e in evs], np.int64),
        ev_value=np.array([e.value for e in evs], np.float64),
        ev_code=np.array([C.POLICY_CODES.get(e.note, -1) for e in evs], np.int64),
    )


def build_params(scen: Scenario) -> Params:
    """Model parameters of a scenario as a flat, typed NamedTuple."""
    m = scen.config.model
    c, mo, mv, mi, cm, g = m.combat, m.morale, m.movement, m.militia, m.command, m.growth
    r = scen.config.reserve
    return Params(
        beta_gov=float(c.beta_gov),
        beta_ins=float(c.beta_ins),
        air_support=float(c.air_support),
        fort_airport=float(c.fort_airport),
        terrain=float(c.terrain),
        ins_quality0=float(c.insurgent_quality),
        capture_gain=float(c.capture_gain),
        max_ins_quality=float(c.max_insurgent_quality),
        noise=float(c.noise),
        m_alpha=float(mo.alpha),
        b0=float(mo.b0),
        b_ratio=float(mo.b_ratio),
        b_losses=float(mo.b_losses),
        b_isolated=float(mo.b_isolated),
        b_news=float(mo.b_news),
        b_support=float(mo.b_support),
        b_supply=float(mo.b_supply),
        break_threshold=float(mo.break_threshold),
        news_decay=float(np.exp(-1.0 / mo.news_tau_days)),
        news_lambda=float(mo.news_lambda_days),
        news_capital=float(mo.news_capital_weight),
        news_district=float(mo.news_district_weight),
        surrender_base=float(mo.surrender_base),
        surrender_affinity=float(mo.surrender_affinity),
        retreat_prob=float(mo.retreat_prob),
        retreat_besieged=float(mo.retreat_besieged),
        retreat_keep=float(mo.retreat_keep),
        holdout_morale=float(mo.holdout_morale),
        i_alpha=float(mo.insurgent_alpha),
        i_b0=float(mo.insurgent_b0),
        i_b_losses=float(mo.insurgent_b_losses),
        i_b_news=float(mo.insurgent_b_news),
        i_min_attack=float(mo.insurgent_min_attack_morale),
        withdraw_ratio=float(mv.withdraw_ratio),
        besiege=int(bool(mv.besiege_isolated)),
        w_siege=float(mv.w_siege),
        pool_alone=float(c.pool_alone),
        mil_loyalty_shift=float(scen.config.forces.militia_loyalty_shift),
        w_value=float(mv.w_value),
        w_distance=float(mv.w_distance),
        w_defence=float(mv.w_defence),
        w_concentration=float(mv.w_concentration),
        w_keep=float(mv.w_keep),
        temperature=float(mv.temperature),
        radius_days=float(mv.radius_days),
        max_hops=int(mv.max_hops_per_day),
        l_alpha=float(mi.alpha),
        c0=float(mi.c0),
        c_patron=float(mi.c_patron),
        c_support=float(mi.c_support),
        c_news=float(mi.c_news),
        c_capital=float(mi.c_capital),
        stand_aside=float(mi.stand_aside),
        switch_prob=float(mi.switch_prob),
        mil_quality=float(mi.quality),
        request_threshold=float(cm.request_threshold),
        request_size=float(cm.request_size),
        capitals_only=int(bool(cm.capitals_only)),
        abandon_fraction=float(cm.abandon_fraction),
        rho=float(g.rho),
        saturation=float(g.saturation),
        absorb=float(g.absorb),
        airlift=float(r.airlift_per_day),
        airlift_floor=float(m.withdrawal.airlift_floor),
        delay=int(r.delay_days),
        reserve_quality=float(r.quality),
    )


def initial_state(scen: Scenario, replicates: int, log_capacity: int | None = None) -> State:
    """Fresh state for ``replicates`` copies of the scenario at day 0 (identical rows)."""
    R = int(replicates)
    loc = scen.locations
    n = loc.n_rows
    cfg = scen.config
    pf = float(cfg.forces.present_fraction)

    def rep(a: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        return np.repeat(np.asarray(a, dtype)[None, :], R, axis=0)

    gov0 = np.zeros(n)
    gq0 = np.zeros(n)
    gm0 = np.zeros(n)
    sup0 = np.zeros(n)
    gl = scen.garrisons["location"]
    gov0[gl] = scen.garrisons["personnel_nominal"] * pf
    gq0[gl] = scen.garrisons["quality"]
    gm0[gl] = scen.garrisons["morale"]
    sup0[gl] = scen.garrisons["supply_days"]
    mil0 = np.zeros(n)
    loy0 = np.zeros(n)
    mst0 = np.full(n, C.MIL_NONE, np.int8)
    ml = scen.militias["location"]
    mil0[ml] = scen.militias["personnel"] * float(cfg.forces.militia_scale)
    loy0[ml] = np.clip(scen.militias["loyalty"] + float(cfg.forces.militia_loyalty_shift), 0, 1)
    mst0[ml] = C.MIL_ACTIVE
    pool0 = scen.pools["part_time"] * float(cfg.forces.pool_scale)
    ctrl0 = np.asarray(loc["initial_control"], np.int8)

    ins = scen.insurgents
    u = ins.n_rows
    s0 = ins["strength"] * float(cfg.forces.insurgent_scale)
    delay = int(cfg.reserve.delay_days)
    n_pat = max(len(scen.patrons), 1)
    cap = int(log_capacity) if log_capacity is not None else 8 * n + 16 * scen.horizon_days + 64
    present = np.ones((R, n_pat), np.int8)
    present[:, absent_patrons(scen)] = 0
    start_gov = float(gov0.sum() + mil0.sum())
    start_ins = float(s0.sum() + pool0.sum())
    return State(
        ctrl=rep(ctrl0, np.int8),
        gov=rep(gov0),
        gq=rep(gq0),
        gm=rep(gm0),
        supply=rep(sup0),
        holdout=np.zeros((R, n), np.int8),
        mil=rep(mil0),
        loy=rep(loy0),
        mstate=rep(mst0, np.int8),
        pool=rep(pool0),
        news=np.zeros((R, n)),
        fell_day=np.full((R, n), -1, np.int64),
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
        s=rep(s0),
        uq=np.full((R, u), float(cfg.model.combat.insurgent_quality)),
        um=rep(ins["morale"]),
        uloc=rep(ins["location"], np.int64),
        unext=rep(ins["location"], np.int64),
        ueta=np.zeros((R, u)),
        utgt=np.full((R, u), -1, np.int64),
        reserve=np.full(R, float(cfg.reserve.commandos)),
        news_g=np.zeros(R),
        policy=np.full(R, C.POLICY_CODES[str(cfg.model.command.policy)], np.int64),
        abandoned=np.zeros(R, np.int8),
        patron_present=present,
        acc=np.zeros((R, C.N_ACC)),
        start_gov=np.full(R, start_gov),
        start_ins=np.full(R, start_ins),
        log_day=np.zeros((R, cap), np.int64),
        log_kind=np.zeros((R, cap), np.int8),
        log_loc=np.zeros((R, cap), np.int64),
        log_val=np.zeros((R, cap)),
        log_n=np.zeros(R, np.int64),
        log_lost=np.zeros(R, np.int64),
    )


def absent_patrons(scen: Scenario) -> list[int]:
    """Patrons whose return is scripted start absent (e.g. Dostum abroad until August 2021)."""
    return sorted({e.patron for e in scen.events if e.kind == "leader_return"})
