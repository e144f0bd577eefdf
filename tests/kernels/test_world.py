"""The static arrays: the candidate table against scipy's Dijkstra, its two twins equal; state fields view
blocks."""

import numpy as np
import pytest

import sim
from sim.world import (
    PY_CANDIDATES_MAX,
    blocks_of,
    build_static,
    candidate_table,
    candidate_table_nb,
    candidate_table_py,
    initial_state,
    pack_state,
    road_csr,
)


def shortest_days(indptr, indices, edge_days):
    """All-pairs road travel days from scipy's Dijkstra (an independent oracle; parallel roads
    reduced to the fastest first, as scipy would add them)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    n = len(indptr) - 1
    src = np.repeat(np.arange(n), np.diff(indptr))
    best = {}
    for a, b, d in zip(src.tolist(), indices.tolist(), edge_days.tolist(), strict=True):
        best[(a, b)] = min(d, best.get((a, b), np.inf))
    a, b = np.array([k[0] for k in best]), np.array([k[1] for k in best])
    w = sp.csr_matrix((np.array(list(best.values())), (a, b)), shape=(n, n))
    return dijkstra(w, directed=True), best


def check_against_oracle(table, indptr, indices, edge_days, k, radius):
    """The table's definition checked against an independent all-pairs Dijkstra: the K nearest
    within ``radius`` in (days, node) order, their days, a first hop that starts a shortest path,
    and the fastest road to it."""
    cand, cdays, cnext, chop = table
    dist, best = shortest_days(indptr, indices, edge_days)
    n = len(indptr) - 1
    for s in range(n):
        reach = [v for v in range(n) if v != s and dist[s, v] <= radius]
        want = sorted(reach, key=lambda v: (dist[s, v], v))[:k]
        m = len(want)
        assert cand[s, :m].tolist() == want and (cand[s, m:] == -1).all()
        np.testing.assert_allclose(cdays[s, :m], dist[s, want], rtol=1e-12)
        for j, v in enumerate(want):
            f = int(cnext[s, j])
            assert (s, f) in best and chop[s, j] == best[(s, f)]
            assert abs(best[(s, f)] + dist[f, v] - dist[s, v]) <= 1e-9  # on a shortest path


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_candidate_table_against_an_independent_dijkstra(seed):
    rng = np.random.default_rng(seed)
    n = 60
    src = rng.integers(0, n, 150)
    dst = rng.integers(0, n, 150)
    keep = src != dst
    days = rng.choice([0.25, 0.5, 0.75, 1.0], keep.sum())  # ties on purpose
    indptr, indices, edge_days = road_csr(n, src[keep], dst[keep], days)
    nb = candidate_table_nb(indptr, indices, edge_days, 8, 2.0)
    py = candidate_table_py(indptr, indices, edge_days, 8, 2.0)
    check_against_oracle(nb, indptr, indices, edge_days, 8, 2.0)
    # the plain twin (used up to PY_CANDIDATES_MAX locations: no compile at start-up) equals the
    # compiled one on all four tables, ties included
    for a, b in zip(py, nb, strict=True):
        np.testing.assert_array_equal(a, b)
    got = candidate_table(indptr, indices, edge_days, 8, 2.0)
    for a, b in zip(got, nb, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "name,overrides",
    [
        ("afghanistan_2021", []),
        ("synthetic", ["synthetic.n_locations=1500", "synthetic.world_seed=3"]),
        ("synthetic", ["synthetic.n_locations=400", "synthetic.world_seed=11", "synthetic.spacing_km=20"]),
    ],
)
def test_candidate_table_twins_equal_on_worlds(name, overrides):
    scen = sim.load_scenario(name, overrides)
    S = build_static(scen)
    assert S.n_loc <= PY_CANDIDATES_MAX
    k, r = S.cand.shape[1], float(scen.config.model.movement.radius_days)
    nb = candidate_table_nb(S.indptr, S.indices, S.edge_days, k, r)
    for a, b in zip((S.cand, S.cand_days, S.cand_next, S.cand_hop_days), nb, strict=True):
        np.testing.assert_array_equal(a, b)


def test_state_fields_view_blocks():
    scen = sim.load_scenario("synthetic", ["synthetic.n_locations=30", "synthetic.n_units=40"])
    st = initial_state(scen, 3)
    B = blocks_of(st)
    assert B is not None and B.lf.shape == (3, 17, 30) and B.uf.shape == (3, 4, 40)
    st.gov[1, 5] = 123.0
    st.abandoned[2] = 1
    st.patron_present[0, 0] = 0
    assert B.lf[1, 0, 5] == 123.0 and B.r8[2, 0] == 1 and B.r8[0, 1] == 0
    loose = type(st)(*(a.copy() for a in st))
    assert blocks_of(loose) is None
    packed = pack_state(loose)
    assert blocks_of(packed) is not None and pack_state(packed) is packed
    for f in st._fields:
        np.testing.assert_array_equal(getattr(packed, f), getattr(st, f))
