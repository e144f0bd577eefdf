"""Mesa agents: thin views onto the state arrays, and the plain-Python reference of the rules.

Every attribute of an agent (``garrison.personnel``, ``unit.strength``, ``location.control``)
reads and writes its row of the model's :class:`~sim.world.State` arrays, so notebooks see
current values whichever backend ran the step (``model.agents_by_type[Garrison]``, AgentSet
``select``/``agg`` queries, DataCollector reporters).

With ``backend="python"`` the model is stepped by the agents' own methods below, written in
plain Python over their attributes, phase by phase in the order of :mod:`sim.kernels.step`.
They are the readable specification: each method names the kernel it mirrors, consumes the same
counter-based random draws (:func:`sim.kernels.rng.uniform_py`) and does its arithmetic in the
same order, so both backends give the same trajectories (tests hold them equal).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import mesa
from mesa.discrete_space import FixedAgent

from sim.kernels import codes as C
from sim.kernels.combat import lanchester_day, noisy_loss
from sim.kernels.common import logistic as _logistic
from sim.kernels.common import morale_factor as _morale_factor
from sim.kernels.rng import normal_py, uniform_py

if TYPE_CHECKING:
    from sim.model import ConflictModel

logistic = _logistic.py_func
h = _morale_factor.py_func
lanchester = lanchester_day.py_func
noisy = noisy_loss.py_func


class _Row:
    """Descriptor: attribute ``name`` of an agent is ``state.<array>[0, agent.row]``."""

    def __init__(self, array: str, cast: type = float) -> None:
        self.array = array
        self.cast = cast

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return self.cast(getattr(obj.model.state, self.array)[0, obj.row])

    def __set__(self, obj: Any, value: Any) -> None:
        getattr(obj.model.state, self.array)[0, obj.row] = value


# ------------------------------------------------------------------------------------ views
class Location(FixedAgent):
    """A district centre or city, fixed to its cell of the road network.

    Attributes (views): ``control`` (codes.GOVERNMENT..AIRPORT), ``insurgents_present``,
    ``pool`` (part-time insurgents), ``news``, ``fell_day``, ``fall_mode``, ``request``.
    """

    control = _Row("ctrl", int)
    insurgents_present = _Row("ins")
    insurgents_effective = _Row("ins_eff")
    pool = _Row("pool")
    news = _Row("news")
    threat = _Row("threat")
    isolated = _Row("iso", int)
    fell_day = _Row("fell_day", int)
    lost_day = _Row("lost_day", int)
    lost_mode = _Row("lost_mode", int)
    fall_mode = _Row("fall_mode", int)
    request = _Row("req")
    request_day = _Row("req_day", int)
    equipment = _Row("equip")
    x_before = _Row("x_before")
    loss_x = _Row("loss_x")
    loss_frac_i = _Row("loss_frac_i")
    broke = _Row("broke", int)
    holdout = _Row("holdout", int)
    mil_state = _Row("mstate", int)
    gov = _Row("gov")
    gq = _Row("gq")
    gm = _Row("gm")
    mil = _Row("mil")
    loy = _Row("loy")

    def __init__(self, model: ConflictModel, row: int, cell: Any) -> None:
        super().__init__(model)
        self.row = row
        self.cell = cell
        loc = model.conflict_scenario.locations
        self.location_id = str(loc["location_id"][row])
        self.name = str(loc["name"][row])
        self.province = str(loc["province"][row])
        self.is_capital = bool(loc["is_capital"][row])
        self.has_airport = bool(loc["has_airport"][row])
        self.has_prison = bool(loc["has_prison"][row])
        self.population = float(loc["population"][row])
        self.value = float(loc["value"][row])

    @property
    def control_label(self) -> str:
        return C.CONTROL_LABELS[self.control]

    def __repr__(self) -> str:
        return f"<Location {self.name} ({self.control_label})>"

    # ----- reference rules
    def defence(self) -> tuple[float, float]:
        """Mirror of kernels.common.defence: (X, G q h(m) + M q_M h(l))."""
        P = self.model.params
        x = self.gov
        eff = self.gov * self.gq * h(self.gm)
        if self.mil_state == C.MIL_ACTIVE:
            x += self.mil
            eff += self.mil * P.mil_quality * h(self.loy)
        return x, eff

    def gov_multiplier(self, air: float) -> float:
        """Mirror of kernels.common.multiplier: (1 + air_support air(t)) (1 + f)."""
        P = self.model.params
        if self.holdout == 1:
            f = P.fort_airport
        elif self.is_capital:
            f = P.fort_capital
        else:
            f = P.fort_district
        return (1.0 + P.air_support * air) * (1.0 + f)

    def is_defended(self) -> bool:
        if self.control == C.INSURGENT:
            return False
        return self.gov > 0.0 or (self.mil_state == C.MIL_ACTIVE and self.mil > 0.0)

    def pool_share(self) -> float:
        """Share of the pool that fights today (kernels.common.pool_share): all of it where a
        unit is converging on this location (yesterday's targets), else ``pool_alone``."""
        if self.model.tgt_count[self.row] > 0.0:
            return 1.0
        return self.model.params.pool_alone

    def siege_ratio(self, e_u: float, air: float) -> float:
        """Siege ratio (kernels.movement.move_all): (X_eff mult + 1) / (max(T_eff, e_u) + 1)."""
        P = self.model.params
        _x, x_eff = self.defence()
        x_eff *= self.gov_multiplier(air)
        ins = self.insurgents_present
        ins_q = self.insurgents_effective / ins if ins > 0.0 else P.ins_quality0
        t_eff = self.threat * ins_q * (1.0 + P.terrain * float(self.model.static.ruggedness[self.row]))
        return (x_eff + 1.0) / (max(t_eff, e_u) + 1.0)

    def log_ratio(self, air: float) -> float:
        """clip(log((X_eff + 1) / (T_eff + 1)), -3, 3): the local force ratio as the garrison
        reads it, air support and fortification included (kernels.morale.garrison_morale and
        kernels.negotiation.negotiate)."""
        P = self.model.params
        _x, x_eff = self.defence()
        x_eff *= self.gov_multiplier(air)
        ins = self.insurgents_present
        ins_q = self.insurgents_effective / ins if ins > 0.0 else P.ins_quality0
        t_eff = self.threat * ins_q * (1.0 + P.terrain * float(self.model.static.ruggedness[self.row]))
        return min(max(math.log((x_eff + 1.0) / (t_eff + 1.0)), -3.0), 3.0)

    def muster(self) -> None:
        """Presence, first half (kernels.combat.presence): the fighting share of the pool."""
        P = self.model.params
        p = self.pool * self.pool_share()
        self.insurgents_present = p
        self.insurgents_effective = p * P.ins_quality0 * h(0.7)

    def fight(self, t: int) -> None:
        """Combat at this location (kernels.combat.combat, first loop)."""
        P, S, m = self.model.params, self.model.static, self.model
        air = float(S.sched[C.SCHED_AIR, t])
        x, x_eff = self.defence()
        self.x_before = x
        self.loss_x = 0.0
        self.loss_frac_i = 0.0
        ins = self.insurgents_present
        if self.control == C.INSURGENT or x <= 0.0 or ins <= 0.0:
            return
        c_x = x_eff / x * self.gov_multiplier(air)
        c_i = self.insurgents_effective / ins * (1.0 + P.terrain * float(S.ruggedness[self.row]))
        x1, i1 = lanchester(x, ins, P.beta_ins * c_i, P.beta_gov * c_x, 1.0)
        lx = noisy(x - x1, x, P.noise, normal_py(m.seed, t, C.DRAW_LOSS_GOV, self.row))
        li = noisy(ins - i1, ins, P.noise, normal_py(m.seed, t, C.DRAW_LOSS_INS, self.row))
        g_eff = self.gov * self.gq * h(self.gm)
        lg = lx * g_eff / x_eff if x_eff > 0.0 else lx * self.gov / x
        lg = min(lg, self.gov)
        lm = min(lx - lg, self.mil) if self.mil_state == C.MIL_ACTIVE else 0.0
        self.gov = self.gov - lg
        if self.mil_state == C.MIL_ACTIVE:
            self.mil = self.mil - lm
        self.loss_x = lg + lm
        self.loss_frac_i = li / ins
        self.insurgents_present = ins - li
        self.insurgents_effective = self.insurgents_effective * (1.0 - li / ins)
        m.account(C.ACC_GOV_CASUALTIES, lg + lm)

    def take_pool_losses(self) -> None:
        f = self.loss_frac_i
        if f > 0.0:
            lp = self.pool * self.pool_share() * f
            self.pool = self.pool - lp
            self.model.account(C.ACC_INS_CASUALTIES, lp)

    def update_control(self, t: int) -> None:
        """Control and falls (kernels.control.update_control)."""
        x = self.gov
        if self.mil_state == C.MIL_ACTIVE:
            x += self.mil
        ins = self.insurgents_present
        old = self.control
        if old == C.INSURGENT:
            if x > 0.0 and ins <= 0.0:
                self.control = C.GOVERNMENT
                self.fell_day = -1
                self.fall_mode = C.NOT_FALLEN
                self.model.log(t, C.LOG_RETAKEN, self.row, x)
            return
        if x <= 0.0:
            if ins > 0.0 or self.broke > 0:
                if old == C.AIRPORT or self.holdout == 1:
                    mode = C.HOLDOUT_LOST
                elif self.broke == C.BROKE_HANDED_OVER:
                    mode = C.NEGOTIATED
                elif self.broke > 0 and ins > 0.0:
                    mode = C.SURRENDER
                elif ins <= 0.0 or self.x_before <= 0.0:
                    mode = C.NEGOTIATED
                else:
                    mode = C.ASSAULT
                    self.equipment = self.equipment + self.x_before * 0.5
                self.fall(t, mode)
            return
        if self.holdout == 1:
            self.control = C.AIRPORT
        elif ins > 0.0:
            self.control = C.CONTESTED
        else:
            self.control = C.GOVERNMENT

    def fall(self, t: int, mode: int) -> None:
        """The location falls (kernels.control.fall): news, prisoners freed, equipment."""
        m, P, S = self.model, self.model.params, self.model.static
        self.control = C.INSURGENT
        self.fell_day = t
        if self.lost_day < 0:
            self.lost_day = t
            self.lost_mode = mode
        self.fall_mode = mode
        self.holdout = 0
        self.request = 0.0
        m.account(C.ACC_EQUIPMENT, self.equipment)
        if self.is_capital:
            m.command.news_national = m.command.news_national + P.news_capital
            m.log(t, C.LOG_CAPITAL_FELL, self.row, float(mode))
        else:
            m.command.news_national = m.command.news_national + P.news_district_national
            m.log(t, C.LOG_DISTRICT_FELL, self.row, float(mode))
        if P.news_district_region > 0.0 and not self.is_capital:
            # regional news: every district post of the region, in row order as the kernel
            for other in m.locations:
                if S.theatre[other.row] == S.theatre[self.row] and not other.is_capital:
                    other.news = other.news + P.news_district_region
        self.news = self.news + P.news_district
        for k in range(S.cand.shape[1]):
            j = int(S.cand[self.row, k])
            if j < 0:
                break
            other = m.locations[j]
            other.news = other.news + P.news_district * math.exp(
                -float(S.cand_days[self.row, k]) / P.news_lambda
            )
        prisoners = P.prisoners_per_prison * float(S.prison_scale[self.row])
        if self.has_prison and prisoners > 0.0:
            self.pool = self.pool + prisoners
            self.insurgents_present = self.insurgents_present + prisoners
            m.account(C.ACC_INS_PRISONERS, prisoners)
            m.log(t, C.LOG_PRISONERS_FREED, self.row, prisoners)

    def recruit(self) -> None:
        """Recruitment in a held location (kernels.growth.growth, first loop)."""
        if self.control != C.INSURGENT:
            return
        P = self.model.params
        aff = float(self.model.static.affinity[self.row])
        base = self.population * aff
        cap = P.saturation * base
        if cap <= 0.0:
            return
        m = self.model
        boost = 1.0 + P.g_revenue * float(m.state.revenue_lost[0]) if m.static.revenue_on == 1 else 1.0
        rec = P.rho * boost * base * max(0.0, 1.0 - self.pool / cap)
        self.pool = self.pool + rec
        self.model.account(C.ACC_INS_RECRUITS, rec)


class _AtLocation(FixedAgent):
    """A force fixed at one location, viewing that location's row of the state arrays."""

    def __init__(self, model: ConflictModel, row: int, cell: Any) -> None:
        super().__init__(model)
        self.row = row
        self.cell = cell
        self.location = model.locations[row]


class Garrison(_AtLocation):
    """The government garrison of a location: ``personnel``, ``quality``, ``morale``, ``supply``."""

    personnel = _Row("gov")
    quality = _Row("gq")
    morale = _Row("gm")
    supply = _Row("supply")
    holdout = _Row("holdout", int)

    def __init__(self, model: ConflictModel, row: int, cell: Any, kind: str) -> None:
        super().__init__(model, row, cell)
        self.kind = kind

    def __repr__(self) -> str:
        return f"<Garrison {self.location.name}: {self.personnel:.0f} ({self.kind})>"

    def update_morale(self, t: int) -> None:
        """Morale and breaking (kernels.morale.garrison_morale, per-location body)."""
        m, P, S, loc = self.model, self.model.params, self.model.static, self.location
        i = self.row
        air = float(S.sched[C.SCHED_AIR, t])
        lam = float(S.sched[C.SCHED_LOGISTICS, t])
        rev = P.b_revenue * float(m.state.revenue_lost[0]) if S.revenue_on == 1 else 0.0
        if loc.control == C.INSURGENT or self.personnel <= 0.0:
            return
        if loc.isolated == 1 and not loc.has_airport:
            self.supply = max(self.supply - 1.0, 0.0)
        else:
            self.supply = min(self.supply + 2.0, 60.0)
        ratio = loc.log_ratio(air)
        ins = loc.insurgents_present
        lost = loc.loss_x / max(loc.x_before, 1.0)
        z = (
            P.b0
            + P.b_ratio * ratio
            - P.b_losses * lost
            - P.b_isolated * loc.isolated
            - P.b_news * (loc.news + m.command.news_national)
            + P.b_support * lam
            + P.b_supply * min(self.supply / 30.0, 1.0)
            - rev
        )
        self.morale = self.morale + P.m_alpha * (logistic(z) - self.morale)
        if loc.threat <= 0.0 or self.morale >= P.break_threshold:
            return
        g = self.personnel
        if self.holdout == 1:
            m.account(C.ACC_GOV_CAPTURED, g)
            loc.equipment = loc.equipment + g
            self.personnel = 0.0
            loc.broke = C.BROKE_SURRENDERED
            return
        u1 = uniform_py(m.seed, t, C.DRAW_BREAK, i)
        p_retreat = P.retreat_prob if ins > 0.0 else P.retreat_prob * (1.0 - P.retreat_besieged)
        if loc.has_airport and u1 < p_retreat:
            keep = g * P.retreat_keep
            m.account(C.ACC_GOV_DESERTERS, g - keep)
            self.personnel = keep
            self.holdout = 1
            self.morale = P.holdout_morale
            loc.broke = C.BROKE_RETREATED
            if loc.lost_day < 0:
                loc.lost_day = t
                loc.lost_mode = C.LOST_AIRPORT
            m.log(t, C.LOG_RETREATED_TO_AIRPORT, i, keep)
            return
        u2 = uniform_py(m.seed, t, C.DRAW_BREAK_MODE, i)
        p_surr = logistic(P.surrender_base + P.surrender_affinity * (float(S.affinity[i]) - 0.5) - ratio)
        if u2 < p_surr:
            m.account(C.ACC_GOV_CAPTURED, g)
            loc.equipment = loc.equipment + g
            loc.broke = C.BROKE_SURRENDERED
        else:
            m.account(C.ACC_GOV_DESERTERS, g)
            loc.equipment = loc.equipment + 0.5 * g
            loc.broke = C.BROKE_DESERTED
        self.personnel = 0.0

    def consider_handover(self, t: int, province_lost: float, capitals_ok: bool) -> None:
        """A negotiated handover (kernels.negotiation.negotiate, per-location body): with
        ``province_lost`` the share of this province's district centres the insurgents hold."""
        m, P, S, loc = self.model, self.model.params, self.model.static, self.location
        i = self.row
        if loc.control == C.INSURGENT or self.holdout == 1 or loc.broke != C.BROKE_NONE:
            return
        if S.negotiate == 0 or loc.threat <= 0.0 or (loc.is_capital and not capitals_ok):
            return
        x, _ = loc.defence()
        if x <= 0.0:
            return
        ratio = loc.log_ratio(float(S.sched[C.SCHED_AIR, t]))
        p = int(S.mil_patron[i])
        patron = 1.0 if m.command.patron_present(p) else 0.0
        z = (
            P.n0
            + (P.n_capital if loc.is_capital else 0.0)
            + P.n_isolated * loc.isolated
            + P.n_province * province_lost
            + P.n_news * (loc.news + m.command.news_national)
            + P.n_affinity * (float(S.affinity[i]) - 0.5)
            - P.n_supply * min(self.supply / 30.0, 1.0)
            - P.n_logistics * float(S.sched[C.SCHED_LOGISTICS, t])
            - P.n_patron * patron
            - P.n_ratio * ratio
            + P.n_revenue * float(m.state.revenue_lost[0])
        )
        odds = logistic(z) * m.command.tempo(int(S.theatre[i]))
        if uniform_py(m.seed, t, C.DRAW_NEGOTIATE, i) >= odds:
            return
        g = self.personnel
        m.account(C.ACC_GOV_DESERTERS, g)
        loc.equipment = loc.equipment + g
        self.personnel = 0.0
        mil = m.militias_by_row[i]
        if mil is not None and mil.state == C.MIL_ACTIVE:
            mil.state = C.MIL_STOOD_ASIDE
            m.log(t, C.LOG_MILITIA_STOOD_ASIDE, i, mil.personnel)
        loc.broke = C.BROKE_HANDED_OVER
        m.log(t, C.LOG_HANDOVER_AGREED, i, g)

    def consider_abandoning(self, t: int, province_lost: float) -> None:
        """A district post abandoned ahead of the insurgents (kernels.negotiation.negotiate): a
        district garrison with none inside its location leaves with probability logistic(a0 +
        a_isolated iso + a_province L_p + a_news (news_i + news_g) - a_supply min(supply / 30, 1)
        - a_logistics lambda(t)), whatever the force ratio; an active militia stays."""
        m, P, S, loc = self.model, self.model.params, self.model.static, self.location
        i = self.row
        if loc.control == C.INSURGENT or self.holdout == 1 or loc.broke != C.BROKE_NONE:
            return
        if loc.is_capital or self.personnel <= 0.0 or loc.insurgents_present > 0.0:
            return
        y = (
            P.a0
            + P.a_isolated * loc.isolated
            + P.a_province * province_lost
            + P.a_news * (loc.news + m.command.news_national)
            - P.a_supply * min(self.supply / 30.0, 1.0)
            - P.a_logistics * float(S.sched[C.SCHED_LOGISTICS, t])
        )
        if uniform_py(m.seed, t, C.DRAW_ABANDON, i) >= logistic(y):
            return
        g = self.personnel
        m.account(C.ACC_GOV_DESERTERS, g)
        loc.equipment = loc.equipment + 0.5 * g
        self.personnel = 0.0
        loc.broke = C.BROKE_ABANDONED
        m.log(t, C.LOG_POST_ABANDONED, i, g)


class Militia(_AtLocation):
    """A pro-government militia: ``personnel``, ``loyalty``, ``state`` (codes.MIL_*), ``patron``."""

    personnel = _Row("mil")
    loyalty = _Row("loy")
    state = _Row("mstate", int)

    def __init__(self, model: ConflictModel, row: int, cell: Any, patron: str, patron_index: int) -> None:
        super().__init__(model, row, cell)
        self.patron = patron
        self.patron_index = patron_index

    def __repr__(self) -> str:
        return f"<Militia {self.patron}@{self.location.name}: {self.personnel:.0f}>"

    def update_loyalty(self, t: int) -> None:
        """Loyalty, standing aside and switching (kernels.morale.militia_loyalty)."""
        m, P, S = self.model, self.model.params, self.model.static
        i = self.row
        ms = self.state
        if ms == C.MIL_NONE or ms == C.MIL_SWITCHED or self.personnel <= 0.0:
            return
        lam = float(S.sched[C.SCHED_LOGISTICS, t])
        present = 1.0 if m.command.patron_present(self.patron_index) else 0.0
        cap = m.locations[int(S.prov_capital[i])]
        cap_held = 1.0 if cap.control != C.INSURGENT else 0.0
        z = (
            P.c0
            + P.c_patron * present
            + P.c_support * lam
            - P.c_news * (self.location.news + m.command.news_national)
            + P.c_capital * cap_held
        )
        target = min(max(logistic(z) + P.mil_loyalty_shift, 0.0), 1.0)
        self.loyalty = self.loyalty + P.l_alpha * (target - self.loyalty)
        if ms == C.MIL_ACTIVE:
            if self.loyalty < P.stand_aside and self.location.threat > 0.0:
                self.state = C.MIL_STOOD_ASIDE
                m.log(t, C.LOG_MILITIA_STOOD_ASIDE, i, self.personnel)
        elif ms == C.MIL_STOOD_ASIDE:
            if self.loyalty >= P.stand_aside:
                self.state = C.MIL_ACTIVE
            elif self.location.threat > 0.0 and uniform_py(m.seed, t, C.DRAW_MILITIA, i) < P.switch_prob:
                n = self.personnel
                self.state = C.MIL_SWITCHED
                self.location.pool = self.location.pool + n
                self.personnel = 0.0
                m.account(C.ACC_GOV_DESERTERS, n)
                m.account(C.ACC_INS_SWITCHED, n)
                m.log(t, C.LOG_MILITIA_SWITCHED, i, n)


class InsurgentUnit(mesa.Agent):
    """A Taliban unit: ``strength``, ``morale``, ``quality``, ``location_row``, ``target``,
    ``eta`` (days left on the road). ``cell`` is the cell it stands on (or left)."""

    strength = _Row("s")
    quality = _Row("uq")
    morale = _Row("um")
    location_row = _Row("uloc", int)
    next_row = _Row("unext", int)
    eta = _Row("ueta")
    target = _Row("utgt", int)

    def __init__(self, model: ConflictModel, row: int, unit_id: str) -> None:
        super().__init__(model)
        self.row = row
        self.unit_id = unit_id

    @property
    def cell(self) -> Any:
        return self.model.grid[self.location_row]

    def __repr__(self) -> str:
        return f"<InsurgentUnit {self.unit_id}: {self.strength:.0f} at {self.cell.coordinate}>"

    # ----- reference rules
    def effective(self, j: int) -> float:
        """Own strength for the siege ratio (kernels.movement.move_all): S q h(m) times the
        units converging on j (itself too)."""
        n = float(self.model.tgt_count[j])
        if self.target != j:
            n += 1.0
        return self.strength * self.quality * h(self.morale) * n

    def hopeless(self, j: int, air: float) -> bool:
        """Attacking j is hopeless: its siege ratio exceeds ``withdraw_ratio``."""
        loc = self.model.locations[j]
        return loc.siege_ratio(self.effective(j), air) > self.model.params.withdraw_ratio

    def blocked(self, j: int) -> bool:
        """j is a provincial capital that is not yet a campaign objective
        (kernels.movement.campaign_state): it may be invested but not stormed."""
        return self.model.locations[j].is_capital and not self.model.command.capitals_are_objectives

    def can_besiege(self, j: int) -> bool:
        """j may be invested from next door when an attack is hopeless
        (kernels.movement.move_all, ``besiege_isolated``): a capital cut off from the national
        capital."""
        loc = self.model.locations[j]
        return self.model.params.besiege == 1 and loc.is_capital and loc.isolated == 1

    def excluded(self, here: int, k: int) -> bool:
        """Candidate k is out of the question (kernels.movement.move_all): held, or beyond the
        radius."""
        m, P, S = self.model, self.model.params, self.model.static
        return (
            m.locations[int(S.cand[here, k])].control == C.INSURGENT or S.cand_days[here, k] > P.radius_days
        )

    def score(self, here: int, k: int, air: float, siege: bool) -> float:
        """U_j of candidate k (kernels.movement.move_all, scoring); a siege target scores
        ``w_siege`` in place of the defence term (the unit will not attack it)."""
        m, P, S = self.model, self.model.params, self.model.static
        j = int(S.cand[here, k])
        sc = P.w_value * float(S.value[j]) - P.w_distance * float(S.cand_days[here, k])
        if siege:
            sc += P.w_siege
        else:
            _, d_eff = m.locations[j].defence()
            d_eff *= m.locations[j].gov_multiplier(air)
            sc -= P.w_defence * d_eff / max(self.strength, 1.0)
        sc += P.w_concentration * m.tgt_count[j] + P.w_focus * m.command.focus(int(S.theatre[j]))
        if self.target == j:
            sc += P.w_keep
        return sc

    def choose_target(self, t: int, here: int) -> tuple[int, bool]:
        """Softmax choice of a target (kernels.movement.move_all, softmax draw): the target
        (-1 for none) and whether it is to be besieged rather than attacked."""
        m, P, S = self.model, self.model.params, self.model.static
        air = float(S.sched[C.SCHED_AIR, t])
        options = []
        for k in range(S.cand.shape[1]):
            j = int(S.cand[here, k])
            if j < 0:
                break
            if self.excluded(here, k):
                continue
            # a hopeless attack is no option, unless j can be besieged instead
            siege = self.hopeless(j, air) or self.blocked(j)
            if siege and not self.can_besiege(j):
                continue
            options.append((j, self.score(here, k, air, siege), siege))
        if not options:
            return -1, False
        best = max(sc for _, sc, _ in options)
        total = 0.0
        for _, sc, _ in options:
            total += math.exp((sc - best) / P.temperature)
        x = uniform_py(m.seed, t, C.DRAW_TARGET, self.row) * total
        acc = 0.0
        for j, sc, siege in options:
            acc += math.exp((sc - best) / P.temperature)
            if x < acc:
                return j, siege
        return options[-1][0], options[-1][2]

    def move(self, t: int) -> None:
        """One day of movement (kernels.movement.move_all)."""
        m, P, S = self.model, self.model.params, self.model.static
        if self.strength <= 0.0:
            return
        budget = 1.0
        if self.eta > 0.0:
            if self.eta > budget:
                self.eta = self.eta - budget
                return
            budget -= self.eta
            self.eta = 0.0
            self.location_row = self.next_row
        here = self.location_row
        loc = m.locations[here]
        # outside the campaign's focus: press on only on a share outside_tempo of days
        hold = m.command.tempo(int(S.theatre[here])) < 1.0 and (
            uniform_py(m.seed, t, C.DRAW_TEMPO, self.row) >= P.outside_tempo
        )
        if self.morale >= P.i_min_attack and self.redeploys(t, here, budget):
            return
        if loc.is_defended():
            if (
                self.morale >= P.i_min_attack
                and loc.siege_ratio(self.effective(here), float(S.sched[C.SCHED_AIR, t])) <= P.withdraw_ratio
                and not self.blocked(here)
                and not hold
            ):
                return  # stay and fight
            self.withdraw(here, budget)
            return
        if self.morale < P.i_min_attack:
            return
        if hold:
            return  # invest from where it is today
        self.target, siege = self.choose_target(t, here)
        if self.target < 0:
            return
        for _ in range(P.max_hops):
            here = self.location_row
            if here == self.target or m.locations[here].is_defended():
                return
            row = S.cand[here]
            hits = [k for k in range(len(row)) if row[k] == self.target]
            if not hits:
                return
            k = hits[0]
            nxt, d = int(S.cand_next[here, k]), float(S.cand_hop_days[here, k])
            if siege and nxt == self.target:
                return  # a siege stops next door
            if d > budget:
                self.next_row = nxt
                self.eta = d - budget
                return
            budget -= d
            self.location_row = nxt
            self.next_row = nxt

    def redeploys(self, t: int, here: int, budget: float) -> bool:
        """Leave for the campaign's focus theatres (kernels.movement.move_all, redeployment):
        outside them, with probability ``redeploy`` a day, head for a staging location
        ``redeploy_days`` away on the road. Returns whether the unit left."""
        m, P, S = self.model, self.model.params, self.model.static
        cmd = m.command
        leave = cmd.leave[int(S.theatre[here])]
        if not cmd.staging or leave == 0.0:
            return False
        if uniform_py(m.seed, t, C.DRAW_REDEPLOY, self.row) >= leave:
            return False
        if uniform_py(m.seed, 0, C.DRAW_MOBILE, self.row) >= P.mobile_share:
            return False  # a local unit: it fights where it is
        dest = cmd.staging_location(uniform_py(m.seed, t, C.DRAW_STAGE, self.row))
        self.target = -1
        self.next_row = dest
        if P.redeploy_days > budget:
            self.eta = P.redeploy_days - budget
        else:
            self.location_row = dest
        return True

    def withdraw(self, here: int, budget: float) -> None:
        """Break off and besiege from next door (kernels.movement.move_all, break-off branch):
        to the adjacent insurgent-held location with the most insurgents present (ties: lowest
        id), else the adjacent undefended one with the most, else stay."""
        m, S = self.model, self.model.static
        nbrs = m.neighbours[here]  # sorted by id
        best, best_ins = -1, -1.0
        for w in nbrs:
            if w.control == C.INSURGENT and w.insurgents_present > best_ins:
                best, best_ins = w.row, w.insurgents_present
        if best < 0:
            for w in nbrs:
                if not w.is_defended() and w.insurgents_present > best_ins:
                    best, best_ins = w.row, w.insurgents_present
        if best < 0:
            return
        self.target = here
        d = min(
            float(S.edge_days[e]) for e in range(S.indptr[here], S.indptr[here + 1]) if S.indices[e] == best
        )
        self.next_row = best
        if d > budget:
            self.eta = d - budget
        else:
            self.location_row = best

    def report_presence(self) -> None:
        """Presence, second half: add this unit to its location (kernels.combat.presence)."""
        if self.strength > 0.0 and self.eta == 0.0:
            loc = self.model.locations[self.location_row]
            loc.insurgents_present = loc.insurgents_present + self.strength
            loc.insurgents_effective = loc.insurgents_effective + self.strength * self.quality * h(
                self.morale
            )

    def take_losses(self) -> None:
        if self.strength > 0.0 and self.eta == 0.0:
            f = self.model.locations[self.location_row].loss_frac_i
            if f > 0.0:
                lu = self.strength * f
                self.strength = self.strength - lu
                self.model.account(C.ACC_INS_CASUALTIES, lu)

    def update_morale(self) -> None:
        """kernels.morale.insurgent_morale."""
        if self.strength <= 0.0:
            return
        P = self.model.params
        lost = self.model.locations[self.location_row].loss_frac_i if self.eta == 0.0 else 0.0
        z = P.i_b0 - P.i_b_losses * lost + P.i_b_news * self.model.command.news_national
        self.morale = self.morale + P.i_alpha * (logistic(z) - self.morale)

    def absorb_and_rearm(self) -> None:
        """kernels.growth.growth, second loop: absorb the local pool, take captured equipment."""
        if self.strength <= 0.0 or self.eta > 0.0:
            return
        loc = self.model.locations[self.location_row]
        if loc.control != C.INSURGENT:
            return
        P = self.model.params
        take = loc.pool * P.absorb
        loc.pool = loc.pool - take
        self.strength = self.strength + take
        if loc.equipment > 0.0:
            self.quality = min(self.quality + P.capture_gain * loc.equipment / 1000.0, P.max_ins_quality)


class Province(mesa.Agent):
    """A province: its locations and capital (aggregates, read-only views)."""

    def __init__(self, model: ConflictModel, index: int, name: str, capital_row: int) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.capital_row = capital_row

    @property
    def capital(self) -> Location:
        return self.model.locations[self.capital_row]

    @property
    def locations(self) -> list[Location]:
        return [loc for loc in self.model.locations if loc.province == self.name]

    @property
    def held_by_government(self) -> int:
        return sum(loc.control != C.INSURGENT for loc in self.locations)

    def __repr__(self) -> str:
        return f"<Province {self.name}: capital {self.capital.name} ({self.capital.control_label})>"


class GovernmentCommand(mesa.Agent):
    """The government's command: mobile ``reserve``, allocation ``policy``, scripted events,
    reinforcement requests and the airlift; also holds the national news level."""

    def __init__(self, model: ConflictModel) -> None:
        super().__init__(model)
        self.staging: list[tuple[int, float]] = []
        self.leave: list[float] = []
        self.pull: list[float] = []

    @property
    def reserve(self) -> float:
        return float(self.model.state.reserve[0])

    @reserve.setter
    def reserve(self, v: float) -> None:
        self.model.state.reserve[0] = v

    @property
    def policy(self) -> str:
        return ("first_come", "by_value", "none")[int(self.model.state.policy[0])]

    @property
    def news_national(self) -> float:
        return float(self.model.state.news_g[0])

    @news_national.setter
    def news_national(self, v: float) -> None:
        self.model.state.news_g[0] = v

    def patron_present(self, p: int) -> bool:
        return p >= 0 and int(self.model.state.patron_present[0, p]) == 1

    @property
    def open_requests(self) -> dict[str, float]:
        return {loc.name: loc.request for loc in self.model.locations if loc.request > 0.0}

    def __repr__(self) -> str:
        return f"<GovernmentCommand reserve={self.reserve:.0f} policy={self.policy}>"

    # ----- campaign (read by the insurgents' targeting)
    def plan_campaign(self, t: int) -> None:
        """Today's campaign phase (kernels.movement.campaign_state): focus theatres and whether
        provincial capitals are objectives yet."""
        S, P = self.model.static, self.model.params
        self._focus = [0.0] * S.focus.shape[1]
        self.capitals_are_objectives = True
        self.staging = []
        self.leave = [0.0] * S.focus.shape[1]  # a ready unit's daily chance of leaving, by theatre
        self.pull = [0.0] * S.focus.shape[1]  # 1: the theatre draws units leaving
        if S.campaign == 0:
            return
        started = [k for k in range(len(S.phase_day)) if S.phase_day[k] <= t]
        if started:
            self._focus = [float(v) for v in S.focus[started[-1]]]
        self.capitals_are_objectives = t >= P.capitals_day
        if sum(self._focus) > 0.0:
            if P.redeploy > 0.0:  # a redeployment toward the phase's focus
                self.pull = [1.0 if f > 0.0 else 0.0 for f in self._focus]
                self.leave = [0.0 if f > 0.0 else float(P.redeploy) for f in self._focus]
        elif P.rebalance > 0.0:
            self.plan_rebalance()
        if sum(self.leave) > 0.0:
            self.plan_staging()

    def plan_rebalance(self) -> None:
        """The theatres a rebalancing between fronts draws from and sends to
        (kernels.movement.rebalance_theatres): r_a = g_a / (n_a + 1) government-held places per
        unit in theatre a against the country's sum g / (sum n + 1); units leave (``leave[a] =
        rebalance``) where r_a is lower and units are present, and go (``pull[a] = 1``) where it
        is higher. A unit on the road counts where it is heading."""
        m, S, P = self.model, self.model.static, self.model.params
        g = [0.0] * len(self.leave)
        n = [0.0] * len(self.leave)
        for loc in m.locations:
            if loc.control != C.INSURGENT:
                g[int(S.theatre[loc.row])] += 1.0
        for u in m.units:
            if u.strength > 0.0:
                at = u.next_row if u.eta > 0.0 else u.location_row
                n[int(S.theatre[at])] += 1.0
        country = sum(g) / (sum(n) + 1.0)
        for a in range(len(g)):
            r = g[a] / (n[a] + 1.0)
            if n[a] > 0.0 and r < country:
                self.leave[a] = float(P.rebalance)
            elif r > country:
                self.pull[a] = 1.0

    def plan_staging(self) -> None:
        """Staging locations of a redeployment or rebalancing (kernels.movement.staging_weights):
        each insurgent-held location in a theatre that draws units (``pull``), with the number of
        government-held candidates within ``radius_days`` as its weight; ``staging`` is
        [(row, cumulative weight), ...] over the locations with a weight."""
        m, S, P = self.model, self.model.static, self.model.params
        for loc in m.locations:
            if loc.control != C.INSURGENT or self.pull[int(S.theatre[loc.row])] == 0.0:
                continue
            w = 0
            for k in range(S.cand.shape[1]):
                c = int(S.cand[loc.row, k])
                if c < 0:
                    break
                if m.locations[c].control != C.INSURGENT and S.cand_days[loc.row, k] <= P.radius_days:
                    w += 1
            if w > 0:
                total = self.staging[-1][1] if self.staging else 0.0
                self.staging.append((loc.row, total + float(w)))

    def staging_location(self, x: float) -> int:
        """The staging location a redeploying unit heads for: the first whose cumulative weight
        exceeds ``x`` times the total (x uniform in (0, 1))."""
        target = x * self.staging[-1][1]
        for row, cum in self.staging:
            if cum > target:
                return row
        return self.staging[-1][0]

    def focus(self, theatre: int) -> float:
        """1 when ``theatre`` is a focus of today's campaign phase, else 0."""
        return self._focus[theatre]

    def tempo(self, theatre: int) -> float:
        """Offensive tempo in ``theatre`` today: ``campaign.outside_tempo`` outside the focus
        theatres of a phase that names some, else 1."""
        if sum(self._focus) > 0.0 and self._focus[theatre] == 0.0:
            return float(self.model.params.outside_tempo)
        return 1.0

    # ----- reference rules
    def apply_events(self, t: int) -> None:
        """Scripted events of day t (kernels.events.apply_events)."""
        m, P, S, st = self.model, self.model.params, self.model.static, self.model.state
        for e in range(len(S.ev_day)):
            if int(S.ev_day[e]) != t:
                continue
            kind = int(S.ev_kind[e])
            value = float(S.ev_value[e])
            if kind == C.EV_ABANDON:
                frac = value if value > 0.0 else P.abandon_fraction
                moved_total = 0.0
                for g in m.garrisons_by_row:
                    if g is None:
                        continue
                    loc = g.location
                    if loc.is_capital or loc.control == C.INSURGENT or g.personnel <= 0.0:
                        continue
                    cap = m.locations[int(S.prov_capital[g.row])]
                    if cap.control == C.INSURGENT:
                        continue
                    move = g.personnel * frac
                    tot = cap.gov + move
                    cap.gq = (cap.gq * cap.gov + g.quality * move) / tot
                    cap.gov = tot
                    g.personnel = g.personnel - move
                    moved_total += move
                st.abandoned[0] = 1
                m.log(t, C.LOG_COUNTRYSIDE_ABANDONED, -1, moved_total)
            elif kind == C.EV_LEADER_RETURN:
                p = int(S.ev_patron[e])
                st.patron_present[0, p] = 1
                for mil in m.militias_by_row:
                    if mil is not None and mil.patron_index == p and mil.state != C.MIL_SWITCHED:
                        mil.loyalty = min(1.0, mil.loyalty + value)
                m.log(t, C.LOG_LEADER_RETURNED, -1, float(p))
            elif kind == C.EV_REQUEST:
                loc = m.locations[int(S.ev_loc[e])]
                if loc.request <= 0.0:
                    loc.request_day = t
                loc.request = max(loc.request, value)
                m.log(t, C.LOG_REQUESTED, loc.row, value)
            elif kind == C.EV_POLICY:
                st.policy[0] = int(S.ev_code[e])
        if S.consolidate == 1:
            self.pull_back()

    def pull_back(self) -> None:
        """Province pull-back (kernels.events.pull_back): where the insurgents hold at least
        ``consolidate_threshold`` of a province's district centres, each government district
        garrison there sends ``consolidate_rate`` of its personnel to the provincial capital."""
        m, P, S = self.model, self.model.params, self.model.static
        lost = self.province_lost()
        for g in m.garrisons_by_row:
            if g is None:
                continue
            loc = g.location
            if loc.is_capital or loc.control == C.INSURGENT or loc.holdout == 1 or g.personnel <= 0.0:
                continue
            if lost[int(S.province[g.row])] < P.consolidate_threshold:
                continue
            cap = m.locations[int(S.prov_capital[g.row])]
            if cap.control == C.INSURGENT:
                continue
            move = g.personnel * P.consolidate_rate
            if move <= 0.0:
                continue
            tot = cap.gov + move
            cap.gq = (cap.gq * cap.gov + g.quality * move) / tot
            cap.gov = tot
            g.personnel = g.personnel - move

    def trace_supply_lines(self) -> None:
        """Isolation: BFS from the national capital over locations not insurgent-held
        (kernels.morale.isolation)."""
        m, S = self.model, self.model.static
        for loc in m.locations:
            loc.isolated = 1
        hub = m.locations[S.hub]
        if hub.control == C.INSURGENT:
            return
        hub.isolated = 0
        queue = [hub]
        while queue:
            v = queue.pop(0)
            for w in m.neighbours[v.row]:
                if w.isolated == 1 and w.control != C.INSURGENT:
                    w.isolated = 0
                    queue.append(w)

    def command(self, t: int) -> None:
        """Requests, arrivals and airlift dispatch (kernels.command.command)."""
        m, P, S, st = self.model, self.model.params, self.model.static, self.model.state
        for loc in m.locations:
            if loc.control == C.INSURGENT or loc.gov <= 0.0 or loc.request > 0.0:
                continue
            if P.capitals_only == 1 and not loc.is_capital:
                continue
            if int(st.abandoned[0]) == 1 and not loc.is_capital:
                continue
            if loc.threat / loc.gov > P.request_threshold:
                loc.request = P.request_size
                loc.request_day = t
                m.log(t, C.LOG_REQUESTED, loc.row, P.request_size)
        slots = st.transit.shape[1]
        slot = t % slots
        for loc in m.locations:
            a = float(st.transit[0, slot, loc.row])
            if a <= 0.0:
                continue
            st.transit[0, slot, loc.row] = 0.0
            if loc.control == C.INSURGENT:
                self.reserve = self.reserve + a
                continue
            self._reinforce(loc, a, t)
        if self.policy == "none":
            return
        cap = P.airlift * (P.airlift_floor + (1.0 - P.airlift_floor) * float(S.sched[C.SCHED_MAINTENANCE, t]))
        land = (t + P.delay) % slots
        while cap > 0.0 and self.reserve > 0.0:
            open_ = [loc for loc in m.locations if loc.request > 0.0 and loc.control != C.INSURGENT]
            if not open_:
                break
            if self.policy == "by_value":
                best = min(open_, key=lambda loc: (-loc.value, loc.request_day, loc.row))
            else:
                best = min(open_, key=lambda loc: (loc.request_day, loc.row))
            amt = min(best.request, cap, self.reserve)
            best.request = best.request - amt
            cap -= amt
            self.reserve = self.reserve - amt
            m.log(t, C.LOG_SENT, best.row, amt)
            if P.delay == 0:
                self._reinforce(best, amt, t)
            else:
                st.transit[0, land, best.row] += amt

    def _reinforce(self, loc: Location, amount: float, t: int) -> None:
        P = self.model.params
        tot = loc.gov + amount
        loc.gq = (loc.gq * loc.gov + P.reserve_quality * amount) / tot
        loc.gm = (loc.gm * loc.gov + 0.8 * amount) / tot
        loc.gov = tot
        self.model.account(C.ACC_GOV_REINFORCEMENTS, amount)
        self.model.log(t, C.LOG_ARRIVED, loc.row, amount)

    def negotiate_handovers(self, t: int) -> None:
        """Negotiated handovers and abandoned posts (kernels.negotiation.negotiate): shares of
        each province's district centres held by the insurgents, then each garrison in turn."""
        m, P, S = self.model, self.model.params, self.model.static
        if S.negotiate == 0 and S.abandon == 0:
            return
        lost = self.province_lost()
        capitals_ok = S.campaign == 0 or t >= P.capitals_day
        for g in m.garrisons_by_row:
            g.consider_handover(t, lost[int(S.province[g.row])], capitals_ok)
        if S.abandon == 1:
            for g in m.garrisons_by_row:
                g.consider_abandoning(t, lost[int(S.province[g.row])])

    def province_lost(self) -> list[float]:
        """``L_p`` per province: the share of its district centres (capitals excluded) the
        insurgents hold (kernels.common.province_lost)."""
        m, S = self.model, self.model.static
        held = [0.0] * len(S.prov_districts)
        for loc in m.locations:
            if not loc.is_capital and loc.control == C.INSURGENT:
                held[int(S.province[loc.row])] += 1.0
        return [h / float(n) if n > 0.0 else 0.0 for h, n in zip(held, S.prov_districts, strict=True)]

    def count_revenue_lost(self) -> None:
        """Share of customs revenue through insurgent-held crossings (kernels.control, end)."""
        m, S = self.model, self.model.static
        if S.revenue_on == 0:
            return
        lost = 0.0
        for loc in m.locations:
            if float(S.revenue[loc.row]) > 0.0 and loc.control == C.INSURGENT:
                lost += float(S.revenue[loc.row])
        m.state.revenue_lost[0] = lost

    def collapse(self, t: int) -> None:
        """Political collapse of the centre (kernels.collapse.collapse)."""
        m, P, S, st = self.model, self.model.params, self.model.static, self.model.state
        hub = m.locations[S.hub]
        if S.collapse == 0 or int(st.collapsed[0]) >= 0 or hub.control == C.INSURGENT:
            return
        caps = [loc for loc in m.locations if loc.is_capital]
        lost = sum(1.0 for loc in caps if loc.control == C.INSURGENT)
        near = taken = 0.0
        for k in range(S.cand.shape[1]):
            j = int(S.cand[S.hub, k])
            if j < 0 or float(S.cand_days[S.hub, k]) > P.approach_days:
                break
            near += 1.0
            if m.locations[j].control == C.INSURGENT:
                taken += 1.0
        approaches = taken / near if near > 0.0 else 0.0
        z = (
            P.k0
            + P.k_capitals * lost / float(len(caps))
            + P.k_news * self.news_national
            + P.k_approaches * approaches
            - P.k_logistics * float(S.sched[C.SCHED_LOGISTICS, t])
        )
        if uniform_py(m.seed, t, C.DRAW_COLLAPSE, S.hub) >= logistic(z):
            return
        st.collapsed[0] = t
        m.log(t, C.LOG_GOVERNMENT_COLLAPSED, S.hub, z)
        g = hub.gov
        m.account(C.ACC_GOV_DESERTERS, g)
        hub.equipment = hub.equipment + g
        hub.gov = 0.0
        mil = m.militias_by_row[S.hub]
        if mil is not None and mil.state == C.MIL_ACTIVE:
            mil.state = C.MIL_STOOD_ASIDE
        hub.fall(t, C.NEGOTIATED)
        self.news_national = self.news_national + P.collapse_news
        st.policy[0] = C.POLICY_NONE
