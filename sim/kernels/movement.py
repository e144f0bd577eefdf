"""Phase 2: insurgent targeting and movement along the road graph.

A unit at a node that is not defended (no government garrison or active militia) chooses a
target among the node's K nearest locations by road travel time (``Static.cand``) that the
government still holds, scoring each (MODEL-NOTES step 2)::

    U_j = w_value value_j - w_distance days_ij - w_defence D_j / S_u
          + w_concentration n_j + w_keep [j == yesterday's target]

where D_j = X_eff_j (1 + air_support air(t)) (1 + f_j) is the effective defence at j (garrison +
active militia, with today's foreign air support and fortification, so units avoid cities while
air support lasts and turn to them as it ends), S_u the unit's strength and n_j the number of
units that were heading to j yesterday (concentration of force). Candidates where the attack is
hopeless, siege ratio rho_j = (D_j + 1) / (max(T_eff_j, e_u) + 1) > ``withdraw_ratio`` (T_eff_j
the effective insurgent threat at j as its garrison sees it, e_u = n_j S_u q_u h(m_u) the unit's
own effective strength times the number of units converging on j, itself included), are not
considered. The target is drawn from softmax(U / temperature) with the uniform keyed (seed,
day, TARGET, unit). The unit then travels hop by hop along shortest paths with one day of travel
time per day, and stops at any defended location on its way (where it will fight). All units
hold their position before the offensive starts; units below the minimum attack morale do not
advance.

Siege and withdrawal: a unit at a defended location whose morale is below the minimum attack
morale, or whose siege ratio there exceeds ``withdraw_ratio``, breaks off: it withdraws to the
adjacent insurgent-held location with the most insurgents present (ties: lowest id; failing
that, an adjacent undefended location), keeping the location it left as its target. From there it
besieges it (neighbours count half in a garrison's threat), recovers morale away from the fight
and absorbs local recruits.

Investing an isolated capital (``besiege_isolated``): a hopeless candidate j is kept when it is a
capital with no open road to the national capital (``st.iso``, yesterday's value). It scores
U_j = w_value value_j - w_distance days_ij + w_siege + w_concentration n_j + w_keep [...] (no
defence term: it will not be stormed), and a unit that draws it stops one hop short of it, next
door, where it counts half in the garrison's threat (docs/model.md, step 2).

Campaign sequencing (``model.campaign``, :func:`campaign_state`): targets in the focus theatres
of today's phase score ``w_focus`` more, and before ``capitals_day`` a provincial capital is no
objective - a hopeless or not-yet-allowed capital may only be invested (as above), and a unit
that reaches one breaks off.

Redeployment between theatres (``campaign.redeploy``): while today's phase names focus theatres,
a unit outside them that is ready to act (not on the road, morale at least the minimum attack
morale; at a defended place it breaks off) leaves for them with probability ``redeploy`` (uniform
keyed (seed, day, REDEPLOY, unit)). It heads for a staging location drawn (uniform keyed (seed,
day, STAGE, unit)) among the insurgent-held locations of the focus theatres, each weighted by the
number of government-held candidates within ``radius_days`` of it (:func:`staging_weights`), and
is on the road ``redeploy_days`` (not present anywhere) before it arrives and chooses targets
there.

Rebalancing between fronts (``campaign.rebalance``): while today's phase names no focus theatre,
the theatres with fewer government-held places per insurgent unit than the country
(:func:`rebalance_theatres`) send units, each ready unit leaving with probability ``rebalance``
a day, to staging locations in those with more, drawn and reached as in a redeployment.

Units are independent within a day (they read yesterday's targets and today's control), so the
result does not depend on the order in which they are visited.

Implementation: the per-location quantities every unit reads (effective defence with its
multipliers, the threat as the garrison sees it, whether a location is defended or held) are
computed once a day into arrays (the location view of :func:`move_units`). Units are stored in
(location, unit id) order (:mod:`sim.kernels.order`), so the units that score targets from one
location come one after another: the location's part of every candidate's score (value and
distance, defence, concentration and focus, which candidates are held, too far, blocked or may
be besieged) is computed once, when the first of them scores (:func:`candidate_row`), and the
unit loop (:func:`move_all`) adds the unit's own part, with the same arithmetic in the same order
as the per-agent reference (:meth:`sim.agents.InsurgentUnit.move`). A unit's draws are keyed by
its id, not its storage slot, so the order changes no result.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.common import defence, kernel, morale_factor, multiplier
from sim.kernels.rng import uniform


@njit(cache=True)
def campaign_state(campaign: int, phase_day, focus, capitals_day: float, t: int, focus_now) -> int:
    """Today's campaign phase: fill ``focus_now`` with its focus row (zeros before the first
    phase or with the campaign off) and return 1 when provincial capitals are objectives
    (``t >= capitals_day``, or the campaign off), else 0."""
    if campaign == 0:
        return 1
    ph = -1
    for k in range(len(phase_day)):
        if phase_day[k] <= t:
            ph = k
    if ph >= 0:
        for j in range(len(focus_now)):
            focus_now[j] = focus[ph, j]
    return 1 if t >= capitals_day else 0


def move_units(X, G, P, seed: int, t: int) -> None:
    """Advance every insurgent unit of the replicate by one day (see module docstring)."""
    lf, l8 = X.lf, X.l8
    # yesterday's targets of live units -> concentration counts
    tgt, s, utgt = lf[L.L_TGT_COUNT], X.uf[L.U_S], X.ui[L.UI_TGT]
    for i in range(len(tgt)):
        tgt[i] = 0.0
    for u in range(len(s)):
        if s[u] > 0.0 and utgt[u] >= 0:
            tgt[utgt[u]] += 1.0
    if t < G.flags[L.F_OFFENSIVE_DAY]:
        return
    # the location view: today's per-location quantities targeting reads (shape (N,) each):
    # deff = X_eff (1 + air_support air(t))(1 + f), teff = threat * mean insurgent quality * (1 + terrain
    # r) (the T_eff of the siege ratio), defended, and held (by the insurgents)
    n = lf.shape[1]
    deff = np.empty(n)
    teff = np.empty(n)
    defended = np.empty(n, np.bool_)
    held = np.empty(n, np.bool_)
    air = G.sched[C.SCHED_AIR, t]
    gov, gq, gm, mil, loy = lf[L.L_GOV], lf[L.L_GQ], lf[L.L_GM], lf[L.L_MIL], lf[L.L_LOY]
    ins, ins_eff, threat = lf[L.L_INS], lf[L.L_INS_EFF], lf[L.L_THREAT]
    ms, holdout, ctrl = l8[L.L8_MSTATE], l8[L.L8_HOLDOUT], l8[L.L8_CTRL]
    is_capital, rugged = G.gb[L.G_IS_CAPITAL], G.gf[L.G_RUGGEDNESS]
    for j in range(n):
        _x, x_eff = defence(gov, gq, gm, mil, loy, ms, P.mil_quality, j)
        x_eff *= multiplier(holdout, is_capital, P, air, j)
        deff[j] = x_eff
        ins_q = ins_eff[j] / ins[j] if ins[j] > 0.0 else P.ins_quality0
        teff[j] = threat[j] * ins_q * (1.0 + P.terrain * rugged[j])
        held[j] = ctrl[j] == C.INSURGENT
        defended[j] = not held[j] and (gov[j] > 0.0 or (ms[j] == C.MIL_ACTIVE and mil[j] > 0.0))
    focus_now = np.zeros(G.focus.shape[1])
    cap_ok = campaign_state(G.flags[L.F_CAMPAIGN], G.phase_day, G.focus, P.capitals_day, t, focus_now)
    # who leaves (per theatre: the daily chance) and where to: a redeployment toward the
    # phase's focus, or, in a phase without one, a rebalancing toward the thinly held fronts
    leave = np.zeros(len(focus_now))
    pull = np.zeros(len(focus_now))
    if focus_now.sum() > 0.0:
        if P.redeploy > 0.0:
            for a in range(len(focus_now)):
                if focus_now[a] > 0.0:
                    pull[a] = 1.0
                else:
                    leave[a] = P.redeploy
    elif P.rebalance > 0.0 and G.flags[L.F_CAMPAIGN] != 0:
        rebalance_theatres(X.uf, X.ui, held, G, P.rebalance, leave, pull)
    stage = np.zeros(n)
    if leave.sum() > 0.0:
        staging_weights(G, held, pull, P.radius_days, stage)
    move_all(
        X.uf,
        X.ui,
        tgt,
        ins,
        deff,
        teff,
        defended,
        held,
        l8[L.L8_ISO],
        G,
        focus_now,
        cap_ok,
        leave,
        stage,
        P,
        seed,
        t,
    )


@njit(cache=True)
def rebalance_theatres(uf, ui, held, G, rate: float, leave, pull) -> None:
    """The theatres a rebalancing between fronts (``campaign.rebalance``) draws from and sends to.

    Theatre a has r_a = g_a / (n_a + 1) government-held places per insurgent unit, g_a the
    locations there not held by the insurgents and n_a the live units there (or, on the road,
    heading there); the country R = sum_a g_a / (sum_a n_a + 1). Sets ``leave[a] = rate`` where
    units are plentiful (n_a > 0 and r_a < R) and ``pull[a] = 1`` where they are scarce (r_a > R).
    """
    theatre = G.gi[L.G_THEATRE]
    g = np.zeros(len(leave))
    units = np.zeros(len(leave))
    for j in range(len(held)):
        if not held[j]:
            g[theatre[j]] += 1.0
    s, ueta = uf[L.U_S], uf[L.U_ETA]
    uloc, unext = ui[L.UI_LOC], ui[L.UI_NEXT]
    for u in range(len(s)):
        if s[u] > 0.0:
            at = unext[u] if ueta[u] > 0.0 else uloc[u]
            units[theatre[at]] += 1.0
    country = g.sum() / (units.sum() + 1.0)
    for a in range(len(leave)):
        r = g[a] / (units[a] + 1.0)
        if units[a] > 0.0 and r < country:
            leave[a] = rate
        elif r > country:
            pull[a] = 1.0


@njit(cache=True, no_cpython_wrapper=True)
def count_at_most(cum, x: float) -> int:
    """The number of entries of the non-decreasing ``cum`` that are <= x (a binary search): the
    index ``np.searchsorted(cum, x, side="right")`` gives, without compiling numpy's generic
    search (0.7 s of a cold start)."""
    lo = 0
    hi = len(cum)
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, no_cpython_wrapper=True)
def staging_weights(G, held, pull, radius: float, cum) -> None:
    """Cumulative staging weights of a redeployment or rebalancing (``campaign.redeploy``,
    ``campaign.rebalance``) into ``cum`` (N,): location j weighs the number of government-held
    candidates within ``radius`` days when it is insurgent-held and in a theatre that draws units
    (``pull`` > 0: a focus theatre of today's phase, or a thinly held front), else 0, so
    ``cum[-1]`` is the total (0: nowhere to stage)."""
    cand, cand_days, theatre = G.cand, G.cand_days, G.gi[L.G_THEATRE]
    total = 0.0
    for j in range(len(cum)):
        if held[j] and pull[theatre[j]] > 0.0:
            for k in range(cand.shape[1]):
                c = cand[j, k]
                if c < 0:
                    break
                if not held[c] and cand_days[j, k] <= radius:
                    total += 1.0
        cum[j] = total


@njit(cache=True, no_cpython_wrapper=True)
def candidate_row(
    here: int, tgt_count, deff, teff, held, iso, G, focus_now, cap_ok: int, P, row_f, row_i
) -> int:
    """The location's part of the score of each candidate target of ``here`` (today's values).

    Fills, for candidate k: ``row_i[0, k]`` the location j, ``row_i[1, k]`` its kind (0 out of
    the question: held or beyond the radius; 1 a target; 2 a target that may be invested when an
    attack is hopeless; +4 when a provincial capital is not yet an objective), and ``row_f[:, k]``
    = (w_value value_j - w_distance days, w_concentration n_j + w_focus focus, w_defence D_j,
    D_j + 1, T_eff_j, n_j). Returns the number of candidates (the row stops at the first -1).
    """
    cand, cand_days = G.cand, G.cand_days
    is_capital, value, theatre = G.gb[L.G_IS_CAPITAL], G.gf[L.G_VALUE], G.gi[L.G_THEATRE]
    nk = 0
    for k in range(cand.shape[1]):
        j = cand[here, k]
        if j < 0:
            break
        nk += 1
        row_i[0, k] = j
        if held[j] or cand_days[here, k] > P.radius_days:
            row_i[1, k] = 0
            continue
        kind = 1
        if P.besiege != 0 and is_capital[j] and iso[j] != 0:
            kind = 2
        if cap_ok == 0 and is_capital[j]:
            kind += 4
        row_i[1, k] = kind
        row_f[0, k] = P.w_value * value[j] - P.w_distance * cand_days[here, k]
        row_f[1, k] = P.w_concentration * tgt_count[j] + P.w_focus * focus_now[theatre[j]]
        row_f[2, k] = P.w_defence * deff[j]
        row_f[3, k] = deff[j] + 1.0
        row_f[4, k] = teff[j]
        row_f[5, k] = tgt_count[j]
    return nk


@njit(cache=True, no_cpython_wrapper=True)
def move_all(
    uf,
    ui,
    tgt_count,
    ins,
    deff,
    teff,
    defended,
    held,
    iso,
    G,
    focus_now,
    cap_ok: int,
    leave,
    stage,
    P,
    seed: int,
    t: int,
) -> None:
    """The unit loop of one replicate-day (see :func:`move_units`).

    ``uf``, ``ui`` are the unit blocks (:mod:`sim.kernels.layout`: strength, quality, morale,
    eta; location, next node, target, id); ``tgt_count``, ``ins``, ``iso`` the state's rows and
    ``deff``, ``teff``, ``defended``, ``held`` today's location view (:func:`move_units`). ``focus_now``
    (n_theatres,) is 1 for the focus theatres of today's campaign phase and ``cap_ok`` is 0 while
    provincial capitals are not yet objectives (:func:`campaign_state`); ``leave`` (n_theatres,)
    the daily chance that a ready unit in each theatre leaves it (a redeployment or rebalancing;
    :func:`move_units`), and ``stage`` (N,) the cumulative weights of the staging locations it
    heads for (:func:`staging_weights`; all 0: none).
    """
    s, uq, um, ueta = uf[L.U_S], uf[L.U_Q], uf[L.U_M], uf[L.U_ETA]
    uloc, unext, utgt, uid = ui[L.UI_LOC], ui[L.UI_NEXT], ui[L.UI_TGT], ui[L.UI_ID]
    cand, cand_next, cand_hop_days = G.cand, G.cand_next, G.cand_hop_days
    indptr, indices, edge_days = G.indptr, G.indices, G.edge_days
    is_capital, theatre = G.gb[L.G_IS_CAPITAL], G.gi[L.G_THEATRE]
    slow_outside = P.outside_tempo < 1.0 and focus_now.sum() > 0.0
    stage_total = stage[-1] if len(stage) > 0 else 0.0
    redeploy = stage_total > 0.0
    k_max = cand.shape[1]
    score = np.empty(k_max)
    ok = np.empty(k_max, np.bool_)
    siege = np.empty(k_max, np.bool_)
    row_f = np.empty((6, k_max))
    row_i = np.empty((2, k_max), np.int64)
    row_of = -1  # the location whose candidate row is in row_f, row_i
    nk = 0
    for u in range(len(s)):
        if s[u] <= 0.0:
            continue
        budget = 1.0
        if ueta[u] > 0.0:  # on the road
            if ueta[u] > budget:
                ueta[u] -= budget
                continue
            budget -= ueta[u]
            ueta[u] = 0.0
            uloc[u] = unext[u]
        here = uloc[u]
        own = s[u] * uq[u] * morale_factor(um[u])
        # outside the campaign's focus a unit presses on only on a share outside_tempo of days;
        # on the others it holds: it invests a defended place from next door, or stays put
        hold = (
            slow_outside
            and focus_now[theatre[here]] == 0.0
            and uniform(seed, t, C.DRAW_TEMPO, uid[u]) >= P.outside_tempo
        )
        if (
            redeploy
            and um[u] >= P.i_min_attack
            and leave[theatre[here]] > 0.0
            and uniform(seed, t, C.DRAW_REDEPLOY, uid[u]) < leave[theatre[here]]
            and uniform(seed, np.int64(0), C.DRAW_MOBILE, uid[u]) < P.mobile_share
        ):
            # leave for the focus theatres: the first staging location whose cumulative
            # weight exceeds the draw, redeploy_days on the road
            dest = count_at_most(stage, uniform(seed, t, C.DRAW_STAGE, uid[u]) * stage_total)
            utgt[u] = -1
            unext[u] = dest
            if P.redeploy_days > budget:
                ueta[u] = P.redeploy_days - budget
            else:
                uloc[u] = dest
            continue
        if defended[here]:
            n_conv = tgt_count[here] + (0.0 if utgt[u] == here else 1.0)
            ratio = (deff[here] + 1.0) / (max(teff[here], own * n_conv) + 1.0)
            blocked = (cap_ok == 0 and is_capital[here]) or hold
            if um[u] >= P.i_min_attack and ratio <= P.withdraw_ratio and not blocked:
                continue  # stay and fight
            # break off: the adjacent insurgent-held location with the most insurgents,
            # else the adjacent undefended one with the most; ties to the lowest id
            w = -1
            best_ins = -1.0
            for e in range(indptr[here], indptr[here + 1]):
                v = indices[e]
                if held[v] and ins[v] > best_ins:
                    w = v
                    best_ins = ins[v]
            if w < 0:
                for e in range(indptr[here], indptr[here + 1]):
                    v = indices[e]
                    if not defended[v] and ins[v] > best_ins:
                        w = v
                        best_ins = ins[v]
            if w < 0:
                continue
            utgt[u] = here  # besiege the location it left
            d = np.inf
            for e in range(indptr[here], indptr[here + 1]):
                if indices[e] == w and edge_days[e] < d:
                    d = edge_days[e]
            unext[u] = w
            if d > budget:
                ueta[u] = d - budget
            else:
                uloc[u] = w
            continue
        if um[u] < P.i_min_attack:
            continue
        if hold:
            continue  # outside the campaign's focus: hold today
        if here != row_of:
            nk = candidate_row(here, tgt_count, deff, teff, held, iso, G, focus_now, cap_ok, P, row_f, row_i)
            row_of = here
        # score every candidate once: U_j, or excluded (held, too far, hopeless unless it is
        # an isolated capital to besiege)
        best = -np.inf
        for k in range(nk):
            ok[k] = False
            siege[k] = False
            kind = row_i[1, k]
            if kind == 0:
                continue
            j = row_i[0, k]
            n_conv = row_f[5, k] + (0.0 if utgt[u] == j else 1.0)
            hopeless = row_f[3, k] / (max(row_f[4, k], own * n_conv) + 1.0) > P.withdraw_ratio
            if hopeless or kind >= 4:
                if (kind & 3) != 2:
                    continue
                siege[k] = True
            sc = row_f[0, k]
            if siege[k]:
                sc += P.w_siege
            else:
                sc -= row_f[2, k] / max(s[u], 1.0)
            sc += row_f[1, k]
            if utgt[u] == j:
                sc += P.w_keep
            score[k] = sc
            ok[k] = True
            if sc > best:
                best = sc
        if best == -np.inf:
            utgt[u] = -1
            continue
        total = 0.0
        for k in range(nk):
            if ok[k]:
                score[k] = math.exp((score[k] - best) / P.temperature)  # now the weight
                total += score[k]
        x = uniform(seed, t, C.DRAW_TARGET, uid[u]) * total
        acc = 0.0
        target = -1
        besieging = False
        for k in range(nk):
            if ok[k]:
                acc += score[k]
                target = row_i[0, k]
                besieging = siege[k]
                if x < acc:
                    break
        utgt[u] = target
        # travel toward the target, hop by hop, stopping at defended locations (and, for a
        # siege, next door to the target)
        for _ in range(P.max_hops):
            here = uloc[u]
            if here == target or defended[here]:
                break
            kk = -1
            for k in range(k_max):
                j = cand[here, k]
                if j < 0:
                    break
                if j == target:
                    kk = k
                    break
            if kk < 0:
                break
            nxt = cand_next[here, kk]
            if besieging and nxt == target:
                break
            d = cand_hop_days[here, kk]
            if d > budget:
                unext[u] = nxt
                ueta[u] = d - budget
                break
            budget -= d
            uloc[u] = nxt
            unext[u] = nxt


move_units_nb = kernel(move_units)
