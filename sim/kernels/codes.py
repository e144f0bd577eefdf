"""Integer codes shared by the kernels, the Python reference and the output tables.

Plain module-level ints so numba folds them as compile-time constants.
"""

# Control of a location (int8), same values as sim.scenario.Control
GOVERNMENT = 0
CONTESTED = 1
INSURGENT = 2
AIRPORT = 3
CONTROL_LABELS = ("government", "contested", "insurgent", "airport")

# How a location fell (int8); NOT_FALLEN while it has not
NOT_FALLEN = 0
ASSAULT = 1  # garrison destroyed in combat
SURRENDER = 2  # broken garrison gave up with insurgents at the gate
NEGOTIATED = 3  # handed over with no fight at the location (elders' deal, empty post)
HOLDOUT_LOST = 4  # the airport holdout fell
FALL_MODES = ("none", "assault", "surrender", "negotiated", "holdout_lost")
# How a city was first lost (int8 ``lost_mode``): a fall mode, or its garrison's retreat to the
# airport (the city lost, the airport still held)
LOST_AIRPORT = 5
LOST_MODES = ("none", "assault", "surrender", "negotiated", "holdout_lost", "airport")

# Militia state (int8)
MIL_NONE = -1
MIL_ACTIVE = 0
MIL_STOOD_ASIDE = 1
MIL_SWITCHED = 2

# Allocation policies
POLICY_FIRST_COME = 0
POLICY_BY_VALUE = 1
POLICY_NONE = 2
POLICY_CODES = {"first_come": 0, "by_value": 1, "none": 2}

# Scripted events (int)
EV_ABANDON = 0
EV_LEADER_RETURN = 1
EV_REQUEST = 2
EV_POLICY = 3
EV_OFFENSIVE = 4
SCRIPTED_CODES = {
    "abandon_countryside": 0,
    "leader_return": 1,
    "reinforcement_request": 2,
    "policy": 3,
    "offensive": 4,
}

# Logged events (int8): the typed event log; NO_LOCATION for events of no one location
NO_LOCATION = -1
LOG_DISTRICT_FELL = 0
LOG_CAPITAL_FELL = 1
LOG_REQUESTED = 2
LOG_SENT = 3
LOG_ARRIVED = 4
LOG_PRISONERS_FREED = 5
LOG_MILITIA_STOOD_ASIDE = 6
LOG_MILITIA_SWITCHED = 7
LOG_RETREATED_TO_AIRPORT = 8
LOG_RETAKEN = 9
LOG_COUNTRYSIDE_ABANDONED = 10
LOG_LEADER_RETURNED = 11
LOG_HANDOVER_AGREED = 12
LOG_GOVERNMENT_COLLAPSED = 13
LOG_NUDGED = 14  # assimilation brought the location to an observation (sim.inference.assimilate)
LOG_POST_ABANDONED = 15  # a garrison left its post, none inside (sim.kernels.negotiation)
LOG_LABELS = (
    "district_fell",
    "capital_fell",
    "reinforcement_requested",
    "reinforcement_sent",
    "reinforcement_arrived",
    "prisoners_freed",
    "militia_stood_aside",
    "militia_switched",
    "retreated_to_airport",
    "retaken",
    "countryside_abandoned",
    "leader_returned",
    "handover_agreed",
    "government_collapsed",
    "assimilation_nudge",
    "post_abandoned",
)

# Kinds of random draw (the `kind` key of the counter-based stream)
DRAW_TARGET = 1
DRAW_LOSS_GOV = 2
DRAW_LOSS_INS = 3
DRAW_LOSS_GOV2 = 4
DRAW_LOSS_INS2 = 5
DRAW_BREAK = 6
DRAW_BREAK_MODE = 7
DRAW_MILITIA = 8
DRAW_NEGOTIATE = 9
DRAW_COLLAPSE = 10
DRAW_TEMPO = 11  # campaign tempo outside the focus theatres (movement)
DRAW_ABANDON = 12  # a garrison abandons its post (negotiation phase)
DRAW_REDEPLOY = 13  # a unit outside the focus theatres leaves for them (movement)
DRAW_STAGE = 14  # the staging location a redeploying unit heads for (movement)
DRAW_MOBILE = 15  # whether a unit belongs to the mobile forces (movement; day 0, fixed for its life)

# How a garrison broke today (int8 ``broke``)
BROKE_NONE = 0
BROKE_SURRENDERED = 1
BROKE_DESERTED = 2
BROKE_RETREATED = 3
BROKE_HANDED_OVER = 4  # a negotiated handover (sim.kernels.negotiation)
BROKE_ABANDONED = 5  # the garrison left its post, none inside (sim.kernels.negotiation)

# Rows of the support schedules ``Static.sched`` (each in [0, 1], one value per day)
SCHED_AIR = 0  # foreign air strikes in support: combat multiplier, targeting
SCHED_LOGISTICS = 1  # foreign troops and contractors: logistics, pay, morale, militias
SCHED_MAINTENANCE = 2  # contractor maintenance of the air fleet: airlift capacity
N_SCHED = 3
SCHED_LABELS = ("air", "logistics", "maintenance")

# Per-replicate accounting counters (columns of `acc`)
ACC_GOV_CASUALTIES = 0
ACC_GOV_DESERTERS = 1
ACC_GOV_CAPTURED = 2
ACC_GOV_REINFORCEMENTS = 3
ACC_INS_CASUALTIES = 4
ACC_INS_RECRUITS = 5
ACC_INS_PRISONERS = 6
ACC_INS_SWITCHED = 7
ACC_EQUIPMENT = 8
N_ACC = 9
ACC_LABELS = (
    "gov_casualties",
    "gov_deserters",
    "gov_captured",
    "gov_reinforcements",
    "ins_casualties",
    "ins_recruits",
    "ins_prisoners_freed",
    "ins_from_militia",
    "equipment_captured",
)
