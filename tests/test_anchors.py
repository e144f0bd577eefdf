"""The toy step of ``benchmarks/anchors`` gives the same totals in idiomatic Mesa, in idiomatic
agentpy and in numba (the benchmark's ratios compare equal work)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "anchors"))
import toy


def test_mesa_and_numba_toy_steps_agree():
    w0 = toy.make_world(300, 2_000, seed=3)
    w = copy.deepcopy(w0)
    m = toy.MesaToy(copy.deepcopy(w0), seed=7)
    for d in range(4):
        toy.numba_day(w, 7, d)
        m.step()
    assert toy.numba_totals(w) == pytest.approx(m.totals(), rel=1e-9)
    # per location and per unit, not only the sums
    np.testing.assert_allclose(w["garrison"], [loc.garrison for loc in m.places], rtol=1e-9)
    units = sorted(m.agents_by_type[toy.Unit], key=lambda u: u.uid)
    np.testing.assert_array_equal(w["uloc"], [u.pos for u in units])
    np.testing.assert_allclose(w["strength"], [u.strength for u in units], rtol=1e-9)
    # and the day did something: units moved and garrisons fell
    assert (w["uloc"] != w0["uloc"]).mean() > 0.5
    assert w["garrison"].sum() < w0["garrison"].sum()


def test_agentpy_and_numba_toy_steps_agree():
    # agentpy is in the test extra (and the anchors extra), so this runs wherever the suite does
    assert toy.ap is not None, "agentpy is not installed: pip install -e '.[test]'"
    w0 = toy.make_world(300, 2_000, seed=3)
    w = copy.deepcopy(w0)
    m = toy.AgentpyToy({"world": copy.deepcopy(w0), "seed": 7})
    m.sim_setup(steps=4)
    for d in range(4):
        toy.numba_day(w, 7, d)
        m.sim_step()
    assert toy.numba_totals(w) == pytest.approx(m.totals(), rel=1e-9)
    np.testing.assert_allclose(w["garrison"], [loc.garrison for loc in m.places], rtol=1e-9)
    units = sorted(m.units, key=lambda u: u.uid)
    np.testing.assert_array_equal(w["uloc"], [m.net.positions[u].label for u in units])
    np.testing.assert_allclose(w["strength"], [u.strength for u in units], rtol=1e-9)
    assert (w["uloc"] != w0["uloc"]).mean() > 0.5


def test_candidates_are_the_nearest_others():
    w = toy.make_world(400, 10, seed=0)
    assert w["cand"].shape == (400, toy.K)
    assert (w["cand"] != np.arange(400)[:, None]).all()
    assert (np.diff(w["days"], axis=1) >= 0).all()
