import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from PIL import Image

import sim.plot as P


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_location_arrays_match_series(one, scen):
    arr = P.location_arrays(one, scen)
    n = scen.n_locations
    assert arr.control.shape == (151, n) and arr.force.shape == (151, n)
    s = one.series
    row = s[(s.day == 98) & (s.location_id == "kabul_kabul")].iloc[0]
    k = scen.location_index("kabul_kabul")
    assert arr.gov[98, k] == pytest.approx(row.gov_strength)
    assert arr.ins[98, k] == pytest.approx(row.ins_strength)


def test_map_day(one, scen, tmp_path, save):
    fig = P.map_day(one, scen, "2021-08-07")
    save(fig, tmp_path, "map")
    (ax,) = fig.axes
    assert "2021-08-07" in ax.get_title() and "day 98" in ax.get_title()
    assert ax.get_xlabel().startswith("longitude") and ax.get_ylabel().startswith("latitude")
    roads = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert sum(len(c.get_segments()) for c in roads) == scen.roads.n_rows
    (pts,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(pts.get_offsets()) == scen.n_locations
    # colours follow control on that day
    arr = P.location_arrays(one, scen)
    n_gov = int((arr.control[98] == 0).sum())
    fc = pts.get_facecolors()
    blue = np.array(matplotlib_rgba(P.CONTROL_COLORS["government"]))
    assert int(np.all(np.isclose(fc[:, :3], blue[:3], atol=1e-3), axis=1).sum()) == n_gov
    # sizes grow with force
    sizes = pts.get_sizes()
    f = arr.force[98]
    assert sizes[np.argmax(f)] == sizes.max()
    # every capital named once; legend has control states and sizes
    names = _texts(ax)
    caps = [str(x) for x in scen.locations["name"][scen.capital_indices()]]
    assert sorted(names) == sorted(caps)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"government", "contested", "insurgent", "airport holdout"} <= set(legend)
    assert any("present" in t for t in legend)


def matplotlib_rgba(c):
    from matplotlib.colors import to_rgba

    return to_rgba(c)


def test_map_day_accepts_day_and_rejects_out_of_range(one, scen):
    fig = P.map_day(one, scen, 0, labels="none", legend=False)
    assert "day 0" in fig.axes[0].get_title()
    assert len(fig.axes[0].texts) == 0 and fig.axes[0].get_legend() is None
    with pytest.raises(ValueError, match="outside"):
        P.map_day(one, scen, "2022-01-01")


def test_map_needs_series(ens, scen):
    with pytest.raises(ValueError, match="record_locations"):
        P.map_day(ens, scen, 10)


def test_map_strip(one, scen, tmp_path, save):
    dates = ["2021-06-15", "2021-07-20", "2021-08-07", "2021-08-20", "2021-09-01"]
    fig = P.map_strip(one, scen, dates, ncols=3)
    save(fig, tmp_path, "strip")
    assert len(fig.axes) == 6
    shown = [ax for ax in fig.axes if ax.axison]
    assert len(shown) == 5
    for ax, d in zip(shown, dates, strict=True):
        assert ax.get_title().startswith(d)
        assert _texts(ax) == ["Kabul"]
    assert len(fig.legends) == 1 and len(fig.legends[0].get_texts()) == 5


def test_animate_map_gif(one, scen, tmp_path):
    path = tmp_path / "anim.gif"
    anim = P.animate_map(one, scen, path, step=30, dpi=40)
    assert path.is_file()
    with Image.open(path) as im:
        assert im.n_frames == 6  # days 0, 30, ..., 150
    assert anim is not None
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        P.animate_map(one, scen, tmp_path / "x.avi", step=75)
