import numpy as np
import pytest
from matplotlib.collections import PolyCollection

import sim.plot as P


def test_sweep_line_numeric(sweep_runs, tmp_path, save):
    fig = P.sweep_line(sweep_runs, "reserve.commandos", "hub_fell_day", na_value=150)
    save(fig, tmp_path, "sweep_line")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "reserve commandos" and ax.get_ylabel() == "hub fell day"
    assert "n = 18 per value" in ax.get_title()
    med = next(ln for ln in ax.lines if ln.get_label() == "median")
    assert list(med.get_xdata()) == [0, 500, 2000, 8000]
    v = sweep_runs[sweep_runs["reserve.commandos"] == "500"].hub_fell_day.astype(float).fillna(150)
    assert med.get_ydata()[1] == pytest.approx(v.median())
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1
    assert any("censored" in t.get_text() for t in ax.texts)


def test_sweep_line_drops_na_without_na_value(sweep_runs):
    fig = P.sweep_line(sweep_runs, "model.withdrawal.end", "hub_fell_day")
    ax = fig.axes[0]
    assert "n = 12-24 per value" in ax.get_title()  # 12 of 24 held in the last group
    assert not ax.texts


def test_sweep_line_categorical(sweep_runs):
    df = sweep_runs.assign(
        policy=sweep_runs["reserve.commandos"].map(
            {"0": "none", "500": "first_come", "2000": "by_value", "8000": "by_value"}
        )
    )
    fig = P.sweep_line(df, "policy")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["by_value", "first_come", "none"]


def test_sweep_line_errors(sweep_runs):
    with pytest.raises(KeyError, match="nope"):
        P.sweep_line(sweep_runs, "nope")


def test_sweep_heatmap(sweep_runs, tmp_path, save):
    fig = P.sweep_heatmap(sweep_runs, "reserve.commandos", "model.withdrawal.end", "capitals_fallen")
    save(fig, tmp_path, "heatmap")
    ax, cbar = fig.axes
    assert ax.get_xlabel() == "reserve commandos" and ax.get_ylabel() == "model withdrawal end"
    (im,) = ax.images
    assert im.get_array().shape == (3, 4)
    assert len(ax.texts) == 12
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "500", "2000", "8000"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2021-08-31", "2021-10-31", "2021-12-31"]
    sel = sweep_runs[
        (sweep_runs["reserve.commandos"] == "2000") & (sweep_runs["model.withdrawal.end"] == "2021-10-31")
    ]
    assert im.get_array()[1, 2] == pytest.approx(sel.capitals_fallen.median())
    assert "median capitals fallen" in cbar.get_ylabel()


def test_sweep_heatmap_stats(sweep_runs):
    fig = P.sweep_heatmap(
        sweep_runs,
        "reserve.commandos",
        "model.withdrawal.end",
        "hub_fell_day",
        stat=lambda v: float(np.mean(v > 110)),
        fmt=".2f",
        annotate=False,
    )
    assert len(fig.axes[0].texts) == 0
    with pytest.raises(ValueError, match="stat"):
        P.sweep_heatmap(sweep_runs, "reserve.commandos", "model.withdrawal.end", stat="mode")


def test_paired_difference(ens, alt, tmp_path, save, n_rep):
    fig = P.paired_difference(ens, alt, "hub_fell_day", labels=("base", "8000"), na_value=150)
    save(fig, tmp_path, "paired")
    ax0, ax1 = fig.axes
    assert [t.get_text() for t in ax0.get_xticklabels()] == ["base", "8000"]
    assert f"{n_rep} seeds" in ax0.get_title()
    d = alt.runs.hub_fell_day.astype(float).fillna(150) - ens.runs.hub_fell_day.astype(float).fillna(150)
    assert sum(p.get_height() for p in ax1.patches) == n_rep
    mean_line = next(ln for ln in ax1.lines if ln.get_label().startswith("mean"))
    assert mean_line.get_xdata()[0] == pytest.approx(d.mean())
    assert "per-seed difference" in ax1.get_title()


def test_paired_needs_common_seeds(ens, alt):
    shifted = alt.runs.assign(seed=alt.runs.seed + 1000)
    with pytest.raises(ValueError, match="common"):
        P.paired_difference(ens, shifted)


def test_paired_capitals(ens, alt, tmp_path, save):
    fig = P.paired_capitals(ens, alt, labels=("base", "8000"))
    save(fig, tmp_path, "paired_caps")
    (ax,) = fig.axes
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert len(names) == 34
    assert len(ax.collections[2].get_offsets()) == 34  # the median dots
    assert sum("→" in t.get_text() for t in ax.texts) == 34
    fig = P.paired_capitals(ens, alt, capitals=["Kabul", "jowzjan_sheberghan"])
    assert sorted(t.get_text() for t in fig.axes[0].get_yticklabels()) == ["Kabul", "Sheberghan"]


def test_sweep_line_censored_medians_are_not_joined_and_days_are_dates(sweep_runs, tmp_path, save):
    import pandas as pd

    df = sweep_runs.copy()
    df.loc[df["reserve.commandos"] == "8000", "hub_fell_day"] = pd.NA  # every run held: censored median
    start = pd.Timestamp("2021-05-01")
    df["hub_fell_date"] = start + pd.to_timedelta(df["hub_fell_day"].astype("float64"), unit="D")
    fig = P.sweep_line(df, "reserve.commandos", "hub_fell_day", na_value=150)
    save(fig, tmp_path, "sweep_line_censored")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "hub fell date"
    med = next(ln for ln in ax.lines if ln.get_label() == "median")
    y = pd.Series(med.get_ydata())
    assert y.isna().iloc[-1] and not y.iloc[:-1].isna().any()  # no segment to the censored point
    cens = next(ln for ln in ax.lines if "censored" in ln.get_label())
    assert list(cens.get_xdata()) == [8000]
    assert "%d %b %Y" == ax.yaxis.get_major_formatter().fmt
