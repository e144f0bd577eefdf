"""Phase 7: insurgent growth - recruitment, absorption of local pools, captured equipment.

In every insurgent-held location the local pool grows by
``rho P_i a_i max(0, 1 - pool_i / cap_i)`` recruits a day, with ``cap_i = saturation P_i a_i``
(P population, a affinity toward the insurgents). A unit standing in a held location absorbs a
share ``absorb`` of the local pool each day (units in index order), and captured equipment left
there today raises its quality by ``capture_gain`` per 1,000 personnel's worth, up to
``max_ins_quality``. Prisoners freed by a fall were added in the control phase.
"""

from __future__ import annotations

from sim.kernels import codes as C
from sim.kernels import layout as L
from sim.kernels.common import kernel


def growth(X, G, P, seed: int, t: int) -> None:
    """Recruit, absorb pools into units, and hand out captured equipment (the replicate)."""
    boost = 1.0 + P.g_revenue * X.rf[L.RF_REVENUE_LOST] if G.flags[L.F_REVENUE_ON] == 1 else 1.0
    pool, equip, acc = X.lf[L.L_POOL], X.lf[L.L_EQUIP], X.acc
    ctrl = X.l8[L.L8_CTRL]
    population, affinity = G.gf[L.G_POPULATION], G.gf[L.G_AFFINITY]
    for i in range(len(pool)):
        if ctrl[i] != C.INSURGENT:
            continue
        base = population[i] * affinity[i]
        cap = P.saturation * base
        if cap <= 0.0:
            continue
        rec = P.rho * boost * base * max(0.0, 1.0 - pool[i] / cap)
        pool[i] += rec
        acc[C.ACC_INS_RECRUITS] += rec
    # units absorb in storage order, which within a location is unit-id order
    s, uq, ueta, uloc = X.uf[L.U_S], X.uf[L.U_Q], X.uf[L.U_ETA], X.ui[L.UI_LOC]
    for u in range(len(s)):
        if s[u] <= 0.0 or ueta[u] > 0.0:
            continue
        i = uloc[u]
        if ctrl[i] != C.INSURGENT:
            continue
        take = pool[i] * P.absorb
        pool[i] -= take
        s[u] += take
        if equip[i] > 0.0:
            uq[u] = min(uq[u] + P.capture_gain * equip[i] / 1000.0, P.max_ins_quality)
    for i in range(len(pool)):
        equip[i] = 0.0


growth_nb = kernel(growth)
