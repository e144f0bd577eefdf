import matplotlib.dates as mdates
import numpy as np
from matplotlib.collections import PolyCollection

import sim.plot as P


def test_capitals_timeline(one, scen, tmp_path, save):
    fig = P.capitals_timeline(one, marks={"AFP report": "2021-08-08"}, scenario=scen)
    save(fig, tmp_path, "timeline")
    (ax,) = fig.axes
    assert "seed 1" in ax.get_title()
    assert ax.get_ylabel() == "capitals held"
    step, falls = ax.lines[0], ax.lines[1]
    sd = one.sides
    assert np.array_equal(step.get_ydata(), sd.capitals_held.to_numpy())
    assert len(falls.get_xdata()) == int(one.runs.capitals_fallen.iloc[0])
    texts = [t.get_text() for t in ax.texts]
    assert "AFP report" in texts
    if one.runs.hub_fell_day.notna().iloc[0]:
        assert any(t.startswith("Kabul falls") for t in texts)
    assert sum(1 for t in texts if t[-6:-4].isdigit() or t[-3:].isalpha()) >= 3


def test_capitals_fan(ens, tmp_path, save, n_rep):
    fig = P.capitals_fan(ens, bands=(0.5, 0.9))
    save(fig, tmp_path, "fan")
    (ax,) = fig.axes
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    (med,) = ax.lines
    wide = ens.sides.pivot(index="day", columns="replicate", values="capitals_held")
    assert np.allclose(med.get_ydata(), np.median(wide.to_numpy(float), axis=1))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["90% band", "50% band", f"median of {n_rep} replicates"]
    assert ax.get_ylim()[1] == 35


def test_capitals_fan_compares_results(ens, alt, tmp_path, save):
    fig = P.capitals_fan({"baseline": ens, "8000 commandos": alt}, marks={"report": 99})
    save(fig, tmp_path, "fan2")
    (ax,) = fig.axes
    assert len(ax.lines) == 3  # two medians and the mark
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 4
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("baseline") and labels[1].startswith("8000 commandos")


def test_fall_dates(ens, tmp_path, save, n_rep):
    fig = P.fall_dates(ens)
    save(fig, tmp_path, "falls")
    (ax,) = fig.axes
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert len(names) == 34 and len(set(names)) == 34
    # ordered by median fall day
    s = ens.summary.assign(d=ens.summary.fell_day.astype(float).fillna(np.inf))
    med = s.groupby("name").d.median()
    assert list(med[names].to_numpy()) == sorted(med.to_numpy())
    assert f"{n_rep} replicates" in ax.get_title()
    # medians drawn as white dots, one per capital that fell in at least half the runs
    dots = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert len(dots) == int(np.isfinite(med).sum())
    _lo, hi = ax.get_xlim()
    assert mdates.num2date(hi).date().isoformat() >= "2021-09-28"
