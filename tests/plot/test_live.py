"""Live figures: a blitted frame equals a fresh full drawing of the same day."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import sim
from sim.plot import maps
from sim.plot.live import LiveMap, LiveSeries, model_day


@pytest.fixture(scope="module")
def run100(scen):
    return sim.ConflictModel(scen, seed=1).run(100)


def test_blitting_leaves_no_trace_of_earlier_days(scen, run100, tmp_path):
    live = LiveMap(scen)
    for d in (0, 40, 80):  # draw other days first: the frame must not remember them
        live.render(*model_day(run100, d))
    frame = live.render(*model_day(run100, 100))
    fresh = LiveMap(scen).render(*model_day(run100, 100))
    np.testing.assert_array_equal(frame, fresh)
    assert not np.array_equal(frame, LiveMap(scen).render(*model_day(run100, 0)))
    png = live.png(*model_day(run100, 100))
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    np.testing.assert_array_equal(img, frame[..., :3])
    (tmp_path / "live_map.png").write_bytes(png)


def test_live_map_draws_what_map_day_draws(scen, run100):
    """Same markers: colours follow control, areas follow force, borders and roads drawn."""
    live = LiveMap(scen)
    control, force, title = model_day(run100, 90)
    live.update(control, force, title)
    fc = live.points.get_facecolors()
    from matplotlib.colors import to_rgb

    want = np.array([to_rgb(c) for c in maps._COLORS[control]])
    np.testing.assert_allclose(fc[:, :3], want)
    np.testing.assert_allclose(
        live.points.get_sizes(), maps._sizes(force, np.asarray(scen.locations["is_capital"], bool))
    )
    assert "government holds" in title and "day 90" in title
    n_rings = len(maps.borders(scen))
    assert n_rings == 34
    assert len(live.labels) == 34  # every capital named


def test_model_day_checks_the_day(scen, run100):
    with pytest.raises(ValueError, match="outside the days run so far"):
        model_day(run100, 101)
    m = sim.ConflictModel(scen, seed=1, record_locations=False)
    with pytest.raises(ValueError, match="record_locations=False"):
        model_day(m, 0)


def test_live_series_counts(scen, run100):
    live = LiveSeries(scen)
    ctrl = run100._loc_ctrl[0, : run100.day + 1]
    held, by_state = live.counts(ctrl)
    assert by_state.sum(axis=0).tolist() == [scen.n_locations] * (run100.day + 1)
    sides = run100.sides
    np.testing.assert_array_equal(held, sides["capitals_held"].to_numpy())
    a = live.render(ctrl)
    b = LiveSeries(scen).render(ctrl)
    np.testing.assert_array_equal(a, b)
