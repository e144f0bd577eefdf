"""Typed structured configs: what a scenario is.

Every Hydra config under ``scenarios/`` is validated against :class:`Config`, registered in
Hydra's ``ConfigStore`` as ``base_config``. Unknown keys and wrong types are rejected by
OmegaConf when the config is composed; ranges, dates, references and table contents are checked
by :mod:`sim.scenario.validate` when the config becomes a :class:`sim.scenario.Scenario`.

Each model parameter carries its unit and allowed range in the dataclass field's ``metadata``
(see :func:`param`), so the docs, the validator and error messages read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from omegaconf import MISSING


def param(default: Any, unit: str, lo: float | None, hi: float | None, doc: str) -> Any:
    """Declare a model parameter with its unit, closed allowed range [lo, hi] and meaning."""
    return field(default=default, metadata={"unit": unit, "lo": lo, "hi": hi, "doc": doc})


# --------------------------------------------------------------------------------------------
# Model parameters (the numbers a user sweeps)
# --------------------------------------------------------------------------------------------
@dataclass
class WithdrawalParams:
    """Foreign-support schedule: sigma(t) = 1 before ``start``, falls linearly to ``residual`` at
    ``end`` and stays there. Dates are ISO strings (YYYY-MM-DD)."""

    start: str = "2021-05-01"
    end: str = "2021-08-31"
    residual: float = param(0.0, "fraction", 0.0, 1.0, "support left after the withdrawal ends")
    airlift_floor: float = param(
        0.5,
        "fraction",
        0.0,
        1.0,
        "share of airlift capacity left when foreign support is zero (contractor maintenance)",
    )


@dataclass
class CombatParams:
    """Stochastic Lanchester square law, solved exactly over each day (see docs/model.md)."""

    beta_gov: float = param(
        0.03, "1/day", 0.0, 1.0, "insurgents put out of action per effective government fighter-day"
    )
    beta_ins: float = param(
        0.03, "1/day", 0.0, 1.0, "government fighters put out of action per effective insurgent-day"
    )
    air_support: float = param(
        1.0, "multiplier", 0.0, 10.0, "government effectiveness bonus at full foreign support (1 + air*sigma)"
    )
    fort_capital: float = param(0.5, "multiplier", 0.0, 5.0, "fortification bonus in capitals")
    fort_district: float = param(0.2, "multiplier", 0.0, 5.0, "fortification bonus in districts")
    fort_airport: float = param(1.5, "multiplier", 0.0, 10.0, "fortification bonus of an airport holdout")
    terrain: float = param(0.5, "multiplier", 0.0, 5.0, "insurgent bonus per unit of ruggedness")
    insurgent_quality: float = param(0.6, "multiplier", 0.0, 2.0, "initial insurgent unit quality")
    capture_gain: float = param(
        0.05,
        "quality per 1000 captured",
        0.0,
        1.0,
        "insurgent quality gained per 1,000 government personnel captured",
    )
    max_insurgent_quality: float = param(1.2, "multiplier", 0.0, 3.0, "cap on insurgent quality")
    pool_alone: float = param(
        1.0,
        "fraction",
        0.0,
        1.0,
        "share of a local part-time pool that fights where no insurgent unit"
        " is converging on the location (all of it fights where one is)",
    )
    noise: float = param(
        0.3, "log-sd", 0.0, 3.0, "sd of the lognormal factor on realised losses (0 = deterministic)"
    )


@dataclass
class MoraleParams:
    """Morale m in [0, 1] relaxes toward a logistic target; below ``break_threshold`` a unit breaks."""

    alpha: float = param(0.25, "1/day", 0.0, 1.0, "relaxation rate toward the target")
    b0: float = param(0.8, "logit", -10.0, 10.0, "baseline")
    b_ratio: float = param(1.0, "logit per log-ratio", 0.0, 10.0, "weight of log local force ratio")
    b_losses: float = param(4.0, "logit per fraction lost", 0.0, 50.0, "weight of today's losses")
    b_isolated: float = param(1.0, "logit", 0.0, 10.0, "penalty when cut off from government capitals")
    b_news: float = param(0.6, "logit per news unit", 0.0, 10.0, "weight of news of other falls")
    b_support: float = param(1.5, "logit", 0.0, 10.0, "weight of foreign support sigma(t)")
    b_supply: float = param(0.5, "logit", 0.0, 10.0, "weight of supply (saturating at 30 days)")
    break_threshold: float = param(0.3, "morale", 0.0, 1.0, "morale below which a garrison breaks")
    news_tau_days: float = param(10.0, "days", 0.1, 365.0, "decay time of news")
    news_lambda_days: float = param(1.5, "travel days", 0.01, 100.0, "distance decay of local news")
    news_capital_weight: float = param(0.5, "news units", 0.0, 10.0, "national news of a capital falling")
    news_district_weight: float = param(0.3, "news units", 0.0, 10.0, "local news of a district falling")
    news_district_national: float = param(
        0.0, "news units", 0.0, 1.0, "national news of a district falling (0 = capitals only)"
    )
    news_district_region: float = param(
        0.0,
        "news units",
        0.0,
        1.0,
        "news of a district falling at every district post of its region (0 = off)",
    )
    surrender_base: float = param(-0.5, "logit", -10.0, 10.0, "baseline logit of surrender when broken")
    surrender_affinity: float = param(3.0, "logit", 0.0, 20.0, "weight of local insurgent affinity")
    retreat_prob: float = param(
        0.8,
        "probability",
        0.0,
        1.0,
        "chance that a broken garrison with an airport withdraws there and holds out (at parity)",
    )
    retreat_besieged: float = param(
        0.0,
        "fraction",
        0.0,
        1.0,
        "share of retreat_prob lost by a garrison that breaks under siege with no insurgents inside"
        " the town (it negotiates the handover instead of withdrawing to the airport)",
    )
    retreat_keep: float = param(0.7, "fraction", 0.0, 1.0, "share of a broken garrison reaching the airport")
    holdout_morale: float = param(0.45, "morale", 0.0, 1.0, "morale of a garrison after retreating")
    insurgent_alpha: float = param(0.2, "1/day", 0.0, 1.0, "insurgent morale relaxation rate")
    insurgent_b0: float = param(1.0, "logit", -10.0, 10.0, "insurgent morale baseline")
    insurgent_b_losses: float = param(
        3.0, "logit per fraction lost", 0.0, 50.0, "insurgent morale loss per fraction lost"
    )
    insurgent_b_news: float = param(
        0.3, "logit per news unit", 0.0, 10.0, "insurgent morale gain from their own successes"
    )
    insurgent_min_attack_morale: float = param(
        0.25, "morale", 0.0, 1.0, "insurgent units below this morale do not advance"
    )


@dataclass
class MovementParams:
    """Insurgent targeting: U_j = w_value*value_j - w_distance*days_ij - w_defence*D_j/S + ..."""

    w_value: float = param(3.0, "utility", 0.0, 100.0, "weight of target value")
    w_distance: float = param(0.7, "utility per day", 0.0, 100.0, "weight of travel time")
    w_defence: float = param(1.0, "utility per ratio", 0.0, 100.0, "weight of defence/own strength")
    w_concentration: float = param(
        0.3, "utility per unit", 0.0, 100.0, "bonus per other unit already heading to the target"
    )
    w_keep: float = param(0.5, "utility", 0.0, 100.0, "bonus for keeping yesterday's target")
    temperature: float = param(1.0, "utility", 0.01, 100.0, "softmax temperature")
    candidates: int = param(24, "nodes", 1, 256, "nearest nodes (by travel time) a unit considers")
    radius_days: float = param(6.0, "days", 0.1, 100.0, "furthest target considered")
    max_hops_per_day: int = param(8, "hops", 1, 1000, "road hops a unit may take in one day")
    withdraw_ratio: float = param(
        1e6,
        "ratio",
        0.0,
        1e6,
        "siege ratio (effective defence incl. air support and fortification + 1) / (effective "
        "insurgent threat + 1) above which a unit breaks off an attack and does not pick a target",
    )
    besiege_isolated: bool = False
    """Isolated capitals too strong to attack are besieged from next door instead of ignored."""
    w_siege: float = param(
        0.0, "utility", -100.0, 100.0, "bonus for besieging an isolated capital (with ``besiege_isolated``)"
    )


@dataclass
class MilitiaParams:
    """Militia loyalty l in [0, 1]; below ``stand_aside`` a militia stops fighting."""

    alpha: float = param(0.15, "1/day", 0.0, 1.0, "relaxation rate of loyalty")
    c0: float = param(0.0, "logit", -10.0, 10.0, "baseline")
    c_patron: float = param(1.5, "logit", 0.0, 10.0, "patron present in the country")
    c_support: float = param(1.0, "logit", 0.0, 10.0, "foreign support sigma(t)")
    c_news: float = param(0.8, "logit per news unit", 0.0, 10.0, "news of nearby falls")
    c_capital: float = param(1.0, "logit", 0.0, 10.0, "government holds the province capital")
    stand_aside: float = param(0.35, "loyalty", 0.0, 1.0, "loyalty below which a militia stands aside")
    switch_prob: float = param(
        0.02, "probability per day", 0.0, 1.0, "daily chance a militia standing aside switches sides"
    )
    quality: float = param(0.5, "multiplier", 0.0, 2.0, "militia combat quality")


@dataclass
class CommandParams:
    """Reinforcement requests and the government's allocation of its mobile reserve."""

    request_threshold: float = param(
        0.8, "ratio", 0.0, 100.0, "threat I_near/G_eff above which a garrison requests help"
    )
    request_size: float = param(500.0, "people", 0.0, 1e6, "personnel asked for in one request")
    policy: str = "by_value"  # one of first_come, by_value, none
    capitals_only: bool = True
    abandon_fraction: float = param(
        0.6, "fraction", 0.0, 1.0, "share of district garrisons pulled back when abandoning the countryside"
    )


@dataclass
class GrowthParams:
    """Insurgent recruitment rho * P * a * (1 - pool/cap) in held districts, per day."""

    rho: float = param(2e-5, "recruits per person per day", 0.0, 1e-2, "recruitment rate")
    saturation: float = param(
        0.01, "fraction of population", 0.0, 1.0, "local pool cap as a share of population x affinity"
    )
    prisoners_per_prison: float = param(
        400.0, "people", 0.0, 1e5, "prisoners freed when a prison city falls (Kabul x10)"
    )
    absorb: float = param(
        0.5, "fraction per day", 0.0, 1.0, "share of a local pool a passing unit absorbs each day"
    )


@dataclass
class Curve:
    """A schedule in [0, 1] over the withdrawal's progress, piecewise linear.

    ``tau`` are points of progress tau = (t - withdrawal.start) / (withdrawal.end -
    withdrawal.start) (0 at the start, 1 at the end; increasing), ``value`` the schedule there;
    it is held at the first value before the first point and at the last value after the last.
    Because the curve is written in progress, not dates, moving ``withdrawal.end`` stretches it
    (the "slower withdrawal" what-if). Empty lists: the default named in :class:`SupportParams`.
    """

    tau: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)


@dataclass
class SupportParams:
    """Three foreign-support schedules, each acting on what it really drives (docs/model.md).

    * ``logistics``: foreign troops and contractors present - logistics, pay and supply; drives
      garrison morale (``morale.b_support``), militia loyalty (``militia.c_support``) and the
      negotiation odds. Default: the straight line from 1 at the start to
      ``withdrawal.residual`` at the end.
    * ``air``: foreign air strikes in support of the garrisons - the combat multiplier
      (``combat.air_support``) and the defence insurgents see when they choose targets.
      Default: equal to ``logistics``.
    * ``maintenance``: contractor maintenance of the air fleet - airlift capacity
      ``A(t) = airlift (floor + (1 - floor) maintenance(t))``. Default: equal to ``logistics``.
    """

    logistics: Curve = field(default_factory=Curve)
    air: Curve = field(default_factory=Curve)
    maintenance: Curve = field(default_factory=Curve)


@dataclass
class NegotiationParams:
    """Negotiated handover of a government-held location, with no local force majority needed.

    Each day a garrison (or militia) with insurgents at or next to its location hands it over
    with probability ``logistic(z)``, where
    ``z = n0 + capital [i is a capital] + isolated iso_i + province_lost L_p + news (news_i +
    news_g) + affinity (a_i - 0.5) - supply min(s_i / 30, 1) - logistics lambda(t) - patron
    [patron present] - ratio clip(log(X_eff / T_eff), -3, 3) + revenue R(t)`` (docs/model.md).
    """

    enabled: bool = False
    n0: float = param(-6.0, "logit per day", -20.0, 5.0, "baseline daily logit of a handover")
    capital: float = param(-2.0, "logit", -20.0, 10.0, "offset for provincial capitals")
    isolated: float = param(1.0, "logit", 0.0, 10.0, "cut off from the national capital")
    province_lost: float = param(
        2.0, "logit per share", 0.0, 20.0, "share of the province's district centres insurgent-held"
    )
    news: float = param(0.3, "logit per news unit", 0.0, 10.0, "news of falls, local and national")
    affinity: float = param(2.0, "logit", 0.0, 20.0, "local affinity toward the insurgents (a - 0.5)")
    supply: float = param(1.0, "logit", 0.0, 10.0, "days of supply (saturating at 30) lower the odds")
    logistics: float = param(
        2.0, "logit", 0.0, 20.0, "foreign logistics and pay (the logistics schedule) lower the odds"
    )
    patron: float = param(2.0, "logit", 0.0, 20.0, "the local militia's patron present lowers the odds")
    ratio: float = param(0.5, "logit per log-ratio", 0.0, 10.0, "local force ratio lowers the odds")
    revenue: float = param(
        0.0, "logit per share", 0.0, 20.0, "share of customs revenue lost raises the odds (unpaid garrisons)"
    )


@dataclass
class CampaignPhase:
    """From ``start`` (ISO date) on, units favour targets in the ``focus`` theatres (regions of
    ``provinces.csv``; empty = none favoured)."""

    start: str = MISSING
    focus: list[str] = field(default_factory=list)
    source: str = ""
    note: str = ""


@dataclass
class CampaignParams:
    """Insurgent campaign sequencing: a strategic layer above unit targeting.

    Theatre priorities change over time (``phases``): a target in a focus theatre of the current
    phase scores ``w_focus`` more. Provincial capitals become objectives only from
    ``capitals_day`` (days from the scenario start): before it they are invested (besieged)
    but neither stormed nor negotiated over. While a phase names focus theatres, the theatres
    outside it run at ``outside_tempo`` of a normal day: a unit there presses on with that
    probability a day, else it holds (at a defended place it breaks off and invests it from next
    door, elsewhere it stays put), and a handover there happens with ``outside_tempo`` times its
    odds (economy of force; 1 = no effect). Redeployment: while a phase names focus theatres,
    each day a unit outside them that is ready to act (not on the road, morale at least the
    minimum attack morale; at a defended place it breaks off) leaves for them with probability
    ``redeploy`` (0 = off), to an insurgent-held staging location there drawn in
    proportion to the government-held targets within its reach, ``redeploy_days`` on the road.
    Rebalancing between fronts: while today's phase names no focus theatre, theatre a has
    r_a = g_a / (n_a + 1) government-held places per insurgent unit (g_a the places it holds,
    n_a the live units there or heading there) against R = sum g / (sum n + 1) for the country; a
    ready unit in a theatre with r_a < R leaves, with probability ``rebalance`` a day (0 = off),
    for a staging location in the theatres with r_a > R, drawn and reached as in a redeployment.
    """

    enabled: bool = False
    w_focus: float = param(1.0, "utility", 0.0, 100.0, "bonus for targets in a focus theatre")
    capitals_day: float = param(0.0, "days", 0.0, 3650.0, "day from which capitals are objectives")
    outside_tempo: float = param(
        1.0, "share of a day", 0.0, 1.0, "offensive tempo outside the focus theatres of a phase"
    )
    redeploy: float = param(
        0.0, "per day", 0.0, 1.0, "daily chance a unit outside the focus theatres leaves for them"
    )
    redeploy_days: float = param(3.0, "days", 0.0, 30.0, "days on the road between theatres")
    mobile_share: float = param(
        1.0, "share of units", 0.0, 1.0, "share of insurgent units that may redeploy (the rest stay local)"
    )
    rebalance: float = param(
        0.0,
        "per day",
        0.0,
        1.0,
        "daily chance a unit leaves a theatre with fewer government-held places per unit than the "
        "country's for one with more, while no phase focus is set (0 = off)",
    )
    phases: list[CampaignPhase] = field(default_factory=list)


@dataclass
class RevenueParams:
    """Border crossings: customs revenue the government loses, and the insurgents gain, when a
    crossing (``revenue_share`` in locations.csv) is insurgent-held."""

    enabled: bool = False
    b_revenue: float = param(
        2.0, "logit per share", 0.0, 20.0, "garrison morale lost per share of customs revenue seized"
    )
    g_revenue: float = param(
        2.0, "multiplier per share", 0.0, 50.0, "insurgent recruitment gained per share of revenue seized"
    )


@dataclass
class CollapseParams:
    """Political collapse of the centre: the national government falls by a deal or flight.

    Each day while the national capital is held, it collapses with probability
    ``logistic(k0 + capitals_lost C(t) + news news_g - logistics lambda(t) + approaches A(t))``
    with C the share of provincial capitals lost and A the share of the locations within
    ``approach_days`` of the national capital held by the insurgents.
    """

    enabled: bool = False
    k0: float = param(-12.0, "logit per day", -40.0, 5.0, "baseline daily logit")
    capitals_lost: float = param(10.0, "logit per share", 0.0, 50.0, "share of provincial capitals lost")
    news: float = param(0.2, "logit per news unit", 0.0, 10.0, "national news of capital falls")
    logistics: float = param(3.0, "logit", 0.0, 30.0, "foreign support (logistics schedule) lowers it")
    approaches: float = param(4.0, "logit per share", 0.0, 50.0, "share of the capital's approaches held")
    approach_days: float = param(2.0, "travel days", 0.1, 30.0, "reach of the national capital's approaches")
    news_shock: float = param(5.0, "news units", 0.0, 100.0, "national news of the collapse")


@dataclass
class ConsolidationParams:
    """Province pull-back: district garrisons fall back on their provincial capital as their
    province falls.

    Each day, in a province where the insurgents hold at least ``threshold`` of the district
    centres (yesterday's control), every government-held district garrison sends ``rate`` of its
    personnel to the provincial capital, if the government still holds it (docs/model.md).
    """

    enabled: bool = False
    threshold: float = param(
        0.5, "share", 0.0, 1.0, "share of the province's district centres insurgent-held that starts it"
    )
    rate: float = param(0.1, "share per day", 0.0, 1.0, "share of a district garrison pulled back a day")


@dataclass
class AbandonmentParams:
    """Posts abandoned ahead of the insurgents: a district garrison with none inside leaves.

    Each day a government district garrison (not a provincial capital, not an airport holdout,
    not handed over today) with no insurgents inside its location abandons the post with
    probability ``logistic(z)``, whatever the local force ratio, where
    ``z = a0 + isolated iso_i + province_lost L_p + news (news_i + news_g)
    - supply min(s_i / 30, 1) - logistics lambda(t)``: cut off, its province falling around it,
    hearing of falls, short of supply and unpaid once the contractors leave (docs/model.md). The
    garrison goes home or across a border (deserters); the local insurgents walk in.
    """

    enabled: bool = False
    a0: float = param(-9.0, "logit per day", -20.0, 5.0, "baseline daily logit of abandoning a post")
    isolated: float = param(1.0, "logit", 0.0, 10.0, "cut off from the national capital")
    province_lost: float = param(
        3.0, "logit per share", 0.0, 20.0, "share of the province's district centres insurgent-held"
    )
    news: float = param(0.5, "logit per news unit", 0.0, 10.0, "news of falls, local and national")
    supply: float = param(1.0, "logit", 0.0, 10.0, "days of supply (saturating at 30) lower the odds")
    logistics: float = param(
        2.0, "logit", 0.0, 20.0, "foreign logistics and pay (the logistics schedule) lower the odds"
    )


@dataclass
class ModelParams:
    withdrawal: WithdrawalParams = field(default_factory=WithdrawalParams)
    combat: CombatParams = field(default_factory=CombatParams)
    morale: MoraleParams = field(default_factory=MoraleParams)
    movement: MovementParams = field(default_factory=MovementParams)
    militia: MilitiaParams = field(default_factory=MilitiaParams)
    command: CommandParams = field(default_factory=CommandParams)
    growth: GrowthParams = field(default_factory=GrowthParams)
    support: SupportParams = field(default_factory=SupportParams)
    negotiation: NegotiationParams = field(default_factory=NegotiationParams)
    campaign: CampaignParams = field(default_factory=CampaignParams)
    revenue: RevenueParams = field(default_factory=RevenueParams)
    collapse: CollapseParams = field(default_factory=CollapseParams)
    consolidation: ConsolidationParams = field(default_factory=ConsolidationParams)
    abandonment: AbandonmentParams = field(default_factory=AbandonmentParams)


# --------------------------------------------------------------------------------------------
# Forces, reserve, timeline, events
# --------------------------------------------------------------------------------------------
@dataclass
class ForcesConfig:
    present_fraction: float = param(
        0.5,
        "fraction",
        0.05,
        1.0,
        "share of nominal (payroll) government personnel actually present",
    )
    insurgent_scale: float = param(1.0, "multiplier", 0.0, 10.0, "scale on insurgent unit strengths")
    pool_scale: float = param(1.0, "multiplier", 0.0, 10.0, "scale on part-time local fighters")
    militia_scale: float = param(1.0, "multiplier", 0.0, 10.0, "scale on militia personnel")
    militia_loyalty_shift: float = param(
        0.0,
        "loyalty",
        -1.0,
        1.0,
        "added to every militia's initial loyalty and to its loyalty target (clipped to [0, 1])",
    )


@dataclass
class ReserveConfig:
    commandos: float = param(3000.0, "people", 0.0, 1e6, "mobile reserve available for airlift")
    airlift_per_day: float = param(600.0, "people/day", 0.0, 1e6, "airlift capacity at full support")
    delay_days: int = param(2, "days", 0, 30, "days from dispatch to arrival")
    quality: float = param(1.2, "multiplier", 0.0, 3.0, "quality of reserve troops")


@dataclass
class TimelineConfig:
    start: str = MISSING
    horizon_days: int = param(150, "days", 1, 3650, "days simulated")


@dataclass
class EventConfig:
    """A scripted event on a date. ``kind`` is one of :data:`EVENT_KINDS`.

    ``enabled: false`` switches an event off without deleting it, so that a what-if can drop it
    (``events.1.enabled=false``; the app's event levers do this).
    """

    date: str = MISSING
    kind: str = MISSING
    location: str = ""
    patron: str = ""
    value: float = 0.0
    source: str = ""
    note: str = ""
    enabled: bool = True


EVENT_KINDS: dict[str, str] = {
    "abandon_countryside": "pull `value` (default command.abandon_fraction) of district garrisons back"
    " to their province capital",
    "leader_return": "militia patron `patron` returns: loyalty of their militias jumps by `value`",
    "reinforcement_request": "a request for `value` people at `location` is filed with the command",
    "policy": "allocation policy becomes `note` (first_come, by_value, none)",
    "offensive": "insurgent units start moving (before it they hold position)",
}

POLICIES = ("first_come", "by_value", "none")


@dataclass
class SyntheticConfig:
    """Size knobs of the synthetic world generator (used when ``data.kind == synthetic``)."""

    n_locations: int = param(200, "locations", 2, 5_000_000, "locations on a jittered lattice")
    n_units: int = param(400, "units", 0, 50_000_000, "insurgent units")
    capital_every: int = param(20, "locations", 1, 1_000_000, "one capital per this many locations")
    spacing_km: float = param(30.0, "km", 1.0, 1000.0, "lattice spacing")
    world_seed: int = param(0, "seed", 0, 2**31 - 1, "seed of the world layout (not of the run)")


@dataclass
class DataConfig:
    kind: str = "tables"  # tables | synthetic
    dir: str = ""  # relative to the scenarios/ directory


@dataclass
class ReportConfig:
    """What the headline tables report."""

    by_date: str = ""  # count capitals fallen by this ISO date; "" = the end of the horizon


@dataclass
class PosteriorConfig:
    """Parameter draws of a calibrated fit (``sim.inference.abc``).

    ``samples`` is a Parquet file of equally weighted posterior draws, one row per draw and
    config paths as columns (``model.morale.b0``), relative to ``scenarios/`` (e.g.
    ``fit/afghanistan_2021_posterior.parquet``) or an absolute path. With ``draw: sample``
    replicate r of an ensemble takes the draw chosen by its seed (so a lone run with the same
    seed takes the same one): parameter uncertainty plus stochasticity. ``draw: point`` runs the
    scenario's own values (the fit's point estimate where the fit sets them).

    ``data`` and ``observations`` say what the draws were calibrated on (written by
    ``conflict-sim-calibrate``; "" = not recorded): the data tables' fingerprint
    (:func:`sim.scenario.load.data_fingerprint`, ``tables:<16 hex>``) and the first 16 hex digits
    of the observation file's SHA-256. A scenario that loads the fit with other tables, or a
    forecast or validation against other observations, warns (:class:`FitDataWarning`): the draws
    are then a sensitivity run on other data, not that data's fit.
    """

    samples: str = ""
    draw: str = "sample"  # sample | point
    data: str = ""  # fingerprint of the tables the draws were calibrated on
    observations: str = ""  # SHA-256 (16 hex) of the observation file they were calibrated against


@dataclass
class Config:
    """A whole scenario plus the run settings (seed, replicates, backend)."""

    name: str = MISSING
    description: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    timeline: TimelineConfig = field(default_factory=TimelineConfig)
    forces: ForcesConfig = field(default_factory=ForcesConfig)
    reserve: ReserveConfig = field(default_factory=ReserveConfig)
    model: ModelParams = field(default_factory=ModelParams)
    events: list[EventConfig] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    posterior: PosteriorConfig = field(default_factory=PosteriorConfig)
    seed: int = 0
    replicates: int = 1
    backend: str = "numba"


def register_configs() -> None:
    """Register :class:`Config` as ``base_config`` in Hydra's ConfigStore, and the ``pid``
    resolver that makes run directories unique (idempotent)."""
    import os

    from hydra.core.config_store import ConfigStore  # Hydra only when composing
    from omegaconf import OmegaConf

    cs = ConfigStore.instance()
    if "base_config.yaml" not in cs.repo:  # storing converts the dataclass: 0.1 s a job
        cs.store(name="base_config", node=Config)
    if not OmegaConf.has_resolver("pid"):
        # cached: one value per process, like Hydra's ${now:...}
        OmegaConf.register_new_resolver("pid", lambda: os.getpid(), use_cache=True)


def iter_params(obj: Any, prefix: str = "") -> list[tuple[str, Any, dict]]:
    """List ``(dotted_path, value, metadata)`` for every field with range metadata.

    Works on the dataclass instance tree returned by ``OmegaConf.to_object``.
    """
    out: list[tuple[str, Any, dict]] = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if is_dataclass(value):
            out.extend(iter_params(value, path + "."))
        elif "unit" in f.metadata:
            out.append((path, value, dict(f.metadata)))
    return out
