"""How the kernels see the world: the state and the static arrays as a few packed blocks.

The Python side keeps :class:`sim.world.State` and :class:`sim.world.Static`, named tuples of
one array per quantity (``st.gov``, ``S.cand``). Handing those 90 arrays to every kernel made
numba's compile time grow with the argument list (each array is a struct of seven machine
words in every signature: a one-line function taking them compiled in 1.8 s, with one array in
0.07 s). So :func:`sim.world.initial_state` allocates each group of same-shape, same-dtype
fields as one block, with the replicate axis first, and the ``State`` fields are views into
them; the kernels take the blocks:

* :class:`Rows` - one replicate's blocks (a view per block, no copy), what every phase takes;
* :class:`Geo` - the static arrays, small per-location attributes packed, the rest as they are.

Field ``k`` of a block is row ``k``: ``X.lf[L_GOV]`` is replicate r's garrison strength (N,).
All indices are plain module ints, so numba folds them as constants.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# ------------------------------------------------------------------ per location, float64 (lf)
LF_FIELDS = (
    "gov",
    "gq",
    "gm",
    "supply",
    "mil",
    "loy",
    "pool",
    "news",
    "req",
    "ins",
    "ins_eff",
    "threat",
    "x_before",
    "loss_x",
    "loss_frac_i",
    "equip",
    "tgt_count",
)
L_GOV, L_GQ, L_GM, L_SUPPLY, L_MIL, L_LOY, L_POOL, L_NEWS, L_REQ = range(9)
L_INS, L_INS_EFF, L_THREAT, L_X_BEFORE, L_LOSS_X, L_LOSS_FRAC_I, L_EQUIP, L_TGT_COUNT = range(9, 17)

# ------------------------------------------------------------------ per location, int8 (l8)
L8_FIELDS = ("ctrl", "holdout", "mstate", "lost_mode", "fall_mode", "iso", "broke")
L8_CTRL, L8_HOLDOUT, L8_MSTATE, L8_LOST_MODE, L8_FALL_MODE, L8_ISO, L8_BROKE = range(7)

# ------------------------------------------------------------------ per location, int64 (li)
LI_FIELDS = ("fell_day", "lost_day", "req_day")
LI_FELL_DAY, LI_LOST_DAY, LI_REQ_DAY = range(3)

# ------------------------------------------------------------------ per unit, float64 (uf)
UF_FIELDS = ("s", "uq", "um", "ueta")
U_S, U_Q, U_M, U_ETA = range(4)

# ------------------------------------------------------------------ per unit, int64 (ui)
# The state holds the first three rows; the kernels' working copy adds the unit's id (its row in
# the scenario's table), by which its random draws are keyed whatever its storage slot.
UI_FIELDS = ("uloc", "unext", "utgt")
UI_LOC, UI_NEXT, UI_TGT, UI_ID = range(4)
N_UI_WORK = 4

# ------------------------------------------------------------------ per replicate
RF_FIELDS = ("reserve", "news_g", "revenue_lost", "start_gov", "start_ins")
RF_RESERVE, RF_NEWS_G, RF_REVENUE_LOST, RF_START_GOV, RF_START_INS = range(5)
RI_FIELDS = ("collapsed", "policy", "log_n", "log_lost")
RI_COLLAPSED, RI_POLICY, RI_LOG_N, RI_LOG_LOST = range(4)
# int8: column 0 is ``abandoned``, columns 1.. are ``patron_present``
R8_ABANDONED = 0
R8_PATRON = 1

#: block name -> (dtype, fields); the order of :class:`StateBlocks`
BLOCKS = {
    "lf": (np.float64, LF_FIELDS),
    "l8": (np.int8, L8_FIELDS),
    "li": (np.int64, LI_FIELDS),
    "uf": (np.float64, UF_FIELDS),
    "ui": (np.int64, UI_FIELDS),
    "rf": (np.float64, RF_FIELDS),
    "ri": (np.int64, RI_FIELDS),
}


class StateBlocks(NamedTuple):
    """The state of R replicates as blocks (replicate axis first); ``State`` fields view them."""

    lf: np.ndarray  # (R, 17, N) float64
    l8: np.ndarray  # (R, 7, N) int8
    li: np.ndarray  # (R, 3, N) int64
    uf: np.ndarray  # (R, 4, U) float64
    ui: np.ndarray  # (R, 3, U) int64
    rf: np.ndarray  # (R, 5) float64
    ri: np.ndarray  # (R, 4) int64
    r8: np.ndarray  # (R, 1 + P) int8: abandoned, patron_present
    transit: np.ndarray  # (R, delay + 1, N) float64
    acc: np.ndarray  # (R, N_ACC) float64
    log_day: np.ndarray  # (R, cap) int64
    log_kind: np.ndarray  # (R, cap) int8
    log_loc: np.ndarray  # (R, cap) int64
    log_val: np.ndarray  # (R, cap) float64


class Rows(NamedTuple):
    """One replicate's state, as the phase kernels take it (views of :class:`StateBlocks` rows;
    ``uf`` and ``ui`` are the kernels' working copy of the units, in (location, id) order)."""

    lf: np.ndarray  # (17, N)
    l8: np.ndarray  # (7, N)
    li: np.ndarray  # (3, N)
    uf: np.ndarray  # (4, U)
    ui: np.ndarray  # (4, U): uloc, unext, utgt, unit id
    rf: np.ndarray  # (5,)
    ri: np.ndarray  # (4,)
    r8: np.ndarray  # (1 + P,)
    transit: np.ndarray  # (delay + 1, N)
    acc: np.ndarray  # (N_ACC,)
    log_day: np.ndarray  # (cap,)
    log_kind: np.ndarray  # (cap,)
    log_loc: np.ndarray  # (cap,)
    log_val: np.ndarray  # (cap,)


# ------------------------------------------------------------------ static (Geo)
GF_FIELDS = ("value", "ruggedness", "affinity", "population", "prison_scale", "revenue")
G_VALUE, G_RUGGEDNESS, G_AFFINITY, G_POPULATION, G_PRISON_SCALE, G_REVENUE = range(6)
GB_FIELDS = ("is_capital", "has_airport", "has_prison")
G_IS_CAPITAL, G_HAS_AIRPORT, G_HAS_PRISON = range(3)
GI_FIELDS = ("prov_capital", "province", "theatre", "mil_patron")
G_PROV_CAPITAL, G_PROVINCE, G_THEATRE, G_MIL_PATRON = range(4)
EV_FIELDS = ("ev_day", "ev_kind", "ev_loc", "ev_patron", "ev_code")
E_DAY, E_KIND, E_LOC, E_PATRON, E_CODE = range(5)
FLAG_FIELDS = (
    "n_loc",
    "hub",
    "offensive_day",
    "negotiate",
    "campaign",
    "revenue_on",
    "collapse",
    "consolidate",
    "abandon",
)
(
    F_N_LOC,
    F_HUB,
    F_OFFENSIVE_DAY,
    F_NEGOTIATE,
    F_CAMPAIGN,
    F_REVENUE_ON,
    F_COLLAPSE,
    F_CONSOLIDATE,
    F_ABANDON,
) = range(9)


class Geo(NamedTuple):
    """The static arrays as the kernels take them (:func:`sim.world.geo`)."""

    gf: np.ndarray  # (6, N) float64: GF_FIELDS
    gb: np.ndarray  # (3, N) bool: GB_FIELDS
    gi: np.ndarray  # (4, N) int64: GI_FIELDS
    flags: np.ndarray  # (9,) int64: FLAG_FIELDS
    indptr: np.ndarray  # (N+1,) int64 CSR of the road graph
    indices: np.ndarray  # (2E,) int64
    edge_days: np.ndarray  # (2E,) float64
    cand: np.ndarray  # (N, K) int64 candidate targets, nearest first, -1 padded
    cand_days: np.ndarray  # (N, K) float64
    cand_next: np.ndarray  # (N, K) int64 first hop toward each candidate
    cand_hop_days: np.ndarray  # (N, K) float64
    sched: np.ndarray  # (3, T+1) float64 support schedules
    phase_day: np.ndarray  # (F,) int64
    focus: np.ndarray  # (F, n_theatres) float64
    prov_districts: np.ndarray  # (P,) float64
    ev: np.ndarray  # (5, E) int64: EV_FIELDS
    ev_value: np.ndarray  # (E,) float64
