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

from hydra.core.config_store import ConfigStore
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
class ModelParams:
    withdrawal: WithdrawalParams = field(default_factory=WithdrawalParams)
    combat: CombatParams = field(default_factory=CombatParams)
    morale: MoraleParams = field(default_factory=MoraleParams)
    movement: MovementParams = field(default_factory=MovementParams)
    militia: MilitiaParams = field(default_factory=MilitiaParams)
    command: CommandParams = field(default_factory=CommandParams)
    growth: GrowthParams = field(default_factory=GrowthParams)


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
    """A scripted event on a date. ``kind`` is one of :data:`EVENT_KINDS`."""

    date: str = MISSING
    kind: str = MISSING
    location: str = ""
    patron: str = ""
    value: float = 0.0
    source: str = ""
    note: str = ""


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
    seed: int = 0
    replicates: int = 1
    backend: str = "numba"


def register_configs() -> None:
    """Register :class:`Config` as ``base_config`` in Hydra's ConfigStore, and the ``pid``
    resolver that makes run directories unique (idempotent)."""
    import os

    from omegaconf import OmegaConf

    cs = ConfigStore.instance()
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
