"""The counter-based streams: numba and plain Python give the same bits."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels.rng import normal, normal_py, uniform, uniform_py

keys = st.tuples(st.integers(0, 2**40), st.integers(0, 10_000), st.integers(0, 64), st.integers(0, 2**40))


@settings(max_examples=300, deadline=None)
@given(keys)
def test_uniform_twins_equal(k):
    a, b = uniform(*k), uniform_py(*k)
    assert a == b
    assert 0.0 < a < 1.0


@settings(max_examples=200, deadline=None)
@given(keys)
def test_normal_twins_equal(k):
    assert normal(*k) == normal_py(*k)


def test_uniform_is_uniform_and_keys_decorrelate():
    u = np.array([uniform(7, 3, 1, e) for e in range(20000)])
    assert abs(u.mean() - 0.5) < 0.01
    assert abs(u.var() - 1 / 12) < 0.003
    v = np.array([uniform(7, 4, 1, e) for e in range(20000)])  # next day
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.03
    z = np.array([normal(1, 0, 2, e) for e in range(20000)])
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
