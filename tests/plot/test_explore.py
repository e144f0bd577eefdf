"""Figures of exploratory modelling, from tables with known content."""

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

import sim.plot as P
from sim.explore import ParamSpec, make_design, morris_indices, prim, sobol_indices

PI = [ParamSpec(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)]


@pytest.fixture(scope="module")
def sobol_table():
    d = make_design(PI, "sobol", n=256, seed=0)
    return sobol_indices(d, Ishigami.evaluate(d.values()), "y", num_resamples=100)


def test_sobol_bars_with_intervals_and_s2(sobol_table, tmp_path, save):
    fig = P.sensitivity_bars(sobol_table)
    save(fig, tmp_path, "sobol")
    ax, s2 = fig.axes[0], fig.axes[1]
    st = sobol_table[sobol_table["index"] == "ST"].set_index("param")["value"]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(st.sort_values().index)  # largest on top
    bars = list(ax.patches)
    assert len(bars) == 6  # S1 and ST for three parameters
    widths = sorted(round(b.get_width(), 9) for b in bars)
    assert round(st["x2"], 9) in widths
    assert len(ax.collections) >= 2  # error bars
    assert "second order" in s2.get_title()
    assert "Sobol" in ax.get_title() and "y" in ax.get_title()


def test_morris_bars_and_scatter(tmp_path, save):
    d = make_design(PI, "morris", n=20, seed=0)
    t = morris_indices(d, Ishigami.evaluate(d.values()), "y", num_resamples=50)
    fig = P.sensitivity_bars(t)
    save(fig, tmp_path, "morris")
    a1, a2 = fig.axes
    assert "mu*" in a1.get_xlabel() and a2.get_ylabel().startswith("sigma")
    assert len(a1.patches) == 3


def test_sensitivity_bars_errors(sobol_table):
    with pytest.raises(ValueError, match="no indices"):
        P.sensitivity_bars(sobol_table, outcome="other")
    two = pd.concat([sobol_table, sobol_table.assign(outcome="z")])
    with pytest.raises(ValueError, match="several outcomes"):
        P.sensitivity_bars(two)


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((800, 3)), columns=["a", "b", "c"])
    y = ((x.a > 0.3) & (x.a < 0.7) & (x.b > 0.5)).to_numpy()
    return prim(x, np.where(rng.random(800) < 0.05, ~y, y), density=0.85)


def test_prim_tradeoff(planted, tmp_path, save):
    fig = P.prim_tradeoff(planted.trajectory)
    save(fig, tmp_path, "tradeoff")
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("coverage") and ax.get_ylabel().startswith("density")
    chosen = planted.trajectory[planted.trajectory["chosen"]].iloc[0]
    assert any(f"box {int(chosen['box'])}" in t.get_text() for t in ax.texts)


def test_prim_box_limits(planted, tmp_path, save):
    fig = P.prim_box(planted.limits, planted.stats)
    save(fig, tmp_path, "box")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(planted.limits["param"])
    assert any(t.get_text().startswith("qp ") for t in ax.texts)
    assert "density" in ax.get_title()
    with pytest.raises(ValueError, match="restricts no parameter"):
        P.prim_box(planted.limits.iloc[:0])


def test_response_surface_averages_per_cell(tmp_path, save):
    rng = np.random.default_rng(1)
    pts = pd.DataFrame(
        {
            "a": rng.random(400),
            "w": pd.Timestamp("2021-08-31") + pd.to_timedelta(rng.integers(0, 120, 400), "D"),
        }
    )
    pts["mean"] = 10 * pts["a"]
    fig = P.response_surface(pts, "a", "w", "hub_fell_day", bins=4)
    save(fig, tmp_path, "surface")
    ax = fig.axes[0]
    mesh = ax.collections[0]
    arr = np.asarray(mesh.get_array()).reshape(4, 4)  # rows: w cells, columns: a cells
    assert arr[:, 0].mean() < arr[:, -1].mean()  # the outcome rises with a
    assert arr[0, -1] == pytest.approx(
        10 * pts.loc[pts.a >= pts.a.min() + 0.75 * (pts.a.max() - pts.a.min()), "a"].mean(), rel=0.2
    )
    with pytest.raises(KeyError, match="no column 'zz'"):
        P.response_surface(pts, "a", "zz")
