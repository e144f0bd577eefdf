"""Phase 7: insurgent growth - recruitment, absorption of local pools, captured equipment.

In every insurgent-held location the local pool grows by
``rho P_i a_i max(0, 1 - pool_i / cap_i)`` recruits a day, with ``cap_i = saturation P_i a_i``
(P population, a affinity toward the insurgents). A unit standing in a held location absorbs a
share ``absorb`` of the local pool each day (units in index order), and captured equipment left
there today raises its quality by ``capture_gain`` per 1,000 personnel's worth, up to
``max_ins_quality``. Prisoners freed by a fall were added in the control phase.
"""

from __future__ import annotations

from numba import njit

from sim.kernels import codes as C


def growth(st, S, P, r: int) -> None:
    """Recruit, absorb pools into units, and hand out captured equipment (replicate r)."""
    boost = 1.0 + P.g_revenue * st.revenue_lost[r] if S.revenue_on == 1 else 1.0
    for i in range(S.n_loc):
        if st.ctrl[r, i] != C.INSURGENT:
            continue
        base = S.population[i] * S.affinity[i]
        cap = P.saturation * base
        if cap <= 0.0:
            continue
        rec = P.rho * boost * base * max(0.0, 1.0 - st.pool[r, i] / cap)
        st.pool[r, i] += rec
        st.acc[r, C.ACC_INS_RECRUITS] += rec
    for u in range(st.s.shape[1]):
        if st.s[r, u] <= 0.0 or st.ueta[r, u] > 0.0:
            continue
        i = st.uloc[r, u]
        if st.ctrl[r, i] != C.INSURGENT:
            continue
        take = st.pool[r, i] * P.absorb
        st.pool[r, i] -= take
        st.s[r, u] += take
        if st.equip[r, i] > 0.0:
            st.uq[r, u] = min(st.uq[r, u] + P.capture_gain * st.equip[r, i] / 1000.0, P.max_ins_quality)
    for i in range(S.n_loc):
        st.equip[r, i] = 0.0


growth_nb = njit(cache=True)(growth)
