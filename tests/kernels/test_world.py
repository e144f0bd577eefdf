"""The static arrays: the candidate table against a plain heapq Dijkstra; state fields view blocks."""

import heapq

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


def candidates_heapq(indptr, indices, edge_days, k, radius):
    """Truncated Dijkstra with heapq over (days, node, first hop) tuples (the table's definition)."""
    n = len(indptr) - 1
    cand = np.full((n, k), -1, np.int64)
    cdays = np.full((n, k), np.inf)
    cnext = np.full((n, k), -1, np.int64)
    for src in range(n):
        dist = {src: 0.0}
        done = set()
        heap = [(0.0, src, src)]
        found = 0
        while heap and found < k:
            d, v, f = heapq.heappop(heap)
            if v in done or d > dist.get(v, np.inf):
                continue
            if d > radius:
                break
            done.add(v)
            if v != src:
                cand[src, found], cdays[src, found], cnext[src, found] = v, d, f
                found += 1
            for e in range(indptr[v], indptr[v + 1]):
                w, nd = int(indices[e]), d + edge_days[e]
                if w not in done and nd < dist.get(w, np.inf):
                    dist[w] = nd
                    heapq.heappush(heap, (nd, w, w if v == src else f))
    return cand, cdays, cnext


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_candidate_table_equals_heapq_dijkstra(seed):
    rng = np.random.default_rng(seed)
    n = 60
    src = rng.integers(0, n, 150)
    dst = rng.integers(0, n, 150)
    keep = src != dst
    days = rng.choice([0.25, 0.5, 0.75, 1.0], keep.sum())  # ties on purpose
    indptr, indices, edge_days = road_csr(n, src[keep], dst[keep], days)
    want = candidates_heapq(indptr, indices, edge_days, 8, 2.0)
    nb = candidate_table_nb(indptr, indices, edge_days, 8, 2.0)
    py = candidate_table_py(indptr, indices, edge_days, 8, 2.0)
    for a, b in zip(nb[:3], want, strict=True):
        np.testing.assert_array_equal(a, b)
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
