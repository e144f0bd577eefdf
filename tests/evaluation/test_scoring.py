"""``score_forecast`` on a hand-made forecast and observed table (all values worked by hand).

Made-up world: start 2000-01-01, horizon day 9 (c = 10 for a fully known outcome), cut-off day 3,
four replicates, capitals A..E. Nothing here is a real observation.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.cli.score import main as score_main
from sim.evaluation.scoring import score_forecast
from sim.inference.forecast import Forecast, summarise_held, write_forecast
from sim.inference.observations import from_frame

#: the made-up forecast's scenario cannot be loaded, so its distance-order reference is left out,
#: with a warning (tested in test_reference_without_a_scenario_warns_not_silently)
LEFT_OUT = pytest.mark.filterwarnings("ignore:the distance_order reference is left out:UserWarning")

START = dt.date(2000, 1, 1)
NA = np.nan
SAMPLES = {
    "A": [5, 7, NA, 6],  # observed fell day 6       -> x' = [5, 7, 10, 6]
    "B": [NA, NA, 8, NA],  # observed not fallen by 9  -> complete, y = c = 10
    "C": [2, 3, 4, 5],  # observed fell day 2       -> known at the cut-off
    "D": [4, 9, NA, NA],  # observed not fallen by 5  -> partial, c = 6
    "E": [4, 4, 5, NA],  # observed fell day 8
}


def _day(d: int) -> str:
    return (START + dt.timedelta(days=d)).isoformat()


def _forecast() -> Forecast:
    rows = []
    for city, xs in SAMPLES.items():
        for r, x in enumerate(xs):
            rows.append(
                {
                    "location_id": city,
                    "name": f"City {city}",
                    "replicate": r,
                    "seed": r,
                    "fell_day": pd.NA if np.isnan(x) else int(x),
                }
            )
    fall = pd.DataFrame(rows)
    fall["fell_day"] = fall["fell_day"].astype("Int64")
    fall["fell_date"] = pd.to_datetime(START) + pd.to_timedelta(fall["fell_day"].astype(float), unit="D")
    held = pd.DataFrame(
        {
            "replicate": np.repeat(np.arange(4), 10),
            "day": np.tile(np.arange(10), 4),
            "capitals_held": np.tile(np.linspace(5, 1, 10).round(), 4),
        }
    )
    held.loc[(held.replicate == 0) & (held.day == 9), "capitals_held"] = 3.0
    meta = {
        "scenario": "made_up",
        "start": START.isoformat(),
        "horizon_day": 9,
        "horizon_date": _day(9),
        "cutoff_day": 3,
        "cutoff_date": _day(3),
        "replicates_kept": 4,
    }
    summ = pd.DataFrame({"location_id": list(SAMPLES), "name": [f"City {c}" for c in SAMPLES]})
    for q in ("q05", "q25", "q50", "q75", "q95"):
        summ[f"{q}_day"] = 5
    return Forecast(meta, fall, summ, summarise_held(held, START, 3), held)


def _observed():
    return from_frame(
        pd.DataFrame(
            [
                {"date": _day(6), "kind": "fell", "location": "A", "source": "made up"},
                {"date": _day(9), "kind": "not_fallen_by", "location": "City B", "source": "made up"},
                {"date": _day(2), "kind": "fell", "location": "C", "source": "made up"},
                {"date": _day(5), "kind": "not_fallen_by", "location": "D", "source": "made up"},
                {"date": _day(1), "kind": "not_fallen_by", "location": "E", "source": "made up"},
                {"date": _day(8), "kind": "fell", "location": "E", "source": "made up"},
                {
                    "date": _day(9),
                    "kind": "count",
                    "quantity": "capitals_held",
                    "value": 1,
                    "source": "made up",
                },
            ]
        ),
        path="made_up.csv",
    )


@pytest.fixture(scope="module")
def scored():
    with pytest.warns(UserWarning, match="distance_order reference is left out"):
        return score_forecast(_forecast(), _observed(), brier_dates=[_day(5), _day(9)], plot=False)


def test_crps_per_city(scored):
    b = scored.by_city.set_index("location_id")
    # A: x' = [5, 6, 7, 10], y = 6: 1.5 - 32/32 = 0.5
    # B: x' = [8, 10, 10, 10], y = 10: 0.5 - 12/32 = 0.125
    # C: x' = [2, 3, 4, 5], y = 2: 1.5 - 20/32 = 0.875
    # D: c = 6, x' = [4, 6, 6, 6], y = 6: 0.5 - 12/32 = 0.125
    # E: x' = [4, 4, 5, 10], y = 8: 3.25 - 38/32 = 2.0625
    expect = {"A": 0.5, "B": 0.125, "C": 0.875, "D": 0.125, "E": 2.0625}
    for city, v in expect.items():
        assert b.loc[city, "crps_days"] == pytest.approx(v), city
    assert b.loc["C", "known_at_cutoff"]
    assert not b.loc["D", "complete"]
    # out of sample: A, B, D, E -> (0.5 + 0.125 + 0.125 + 2.0625) / 4
    assert scored.summary["crps_days_mean"] == pytest.approx(0.703125)
    assert scored.summary["n_out_of_sample"] == 4


@LEFT_OUT
def test_statements_about_capitals_count_and_other_places_do_not():
    # a later "not lost by" row of another statement about capitals (the 2021 table's "capital
    # after the first two") is the truth for D; a border crossing elsewhere is not a capital score
    rows = [
        {"date": _day(5), "kind": "not_fallen_by", "location": "D"},
        {
            "date": _day(9),
            "kind": "not_fallen_by",
            "quantity": "capital after the first two",
            "location": "D",
        },
        {"date": _day(7), "kind": "fell", "quantity": "border crossing", "location": "Somewhere"},
        {"date": _day(6), "kind": "fell", "location": "A"},
    ]
    obs = from_frame(pd.DataFrame([{"source": "made up", **r} for r in rows]), path="made_up.csv")
    res = score_forecast(_forecast(), obs, plot=False)
    d = res.by_city.set_index("location_id").loc["D"]
    assert bool(d["complete"]) and d["observed"] == "not_fallen_by"


def test_brier(scored):
    d = scored.brier_by_date.set_index("day")
    # day 5: A p=1/4 o=0 -> 1/16; B 0; D p=1/4 o=0 -> 1/16; E p=3/4 o=0 -> 9/16
    assert d.loc[5, "brier"] == pytest.approx(0.6875 / 4)
    assert d.loc[5, "n"] == 4
    # day 9: A p=3/4 o=1; B p=1/4 o=0; E p=3/4 o=1 -> 1/16 each; D unknown after day 5
    assert d.loc[9, "brier"] == pytest.approx(0.0625)
    assert d.loc[9, "n"] == 3
    assert scored.summary["brier_mean"] == pytest.approx(0.875 / 7)


def test_coverage_and_rank_correlation(scored):
    b = scored.by_city.set_index("location_id")
    # A: 50% [5, 7] holds 6; B: [8, 10] holds 10; E: [4, 5] misses 8, 90% [4, 10] holds it
    assert b.loc["A", "covered50"] and b.loc["B", "covered50"] and not b.loc["E", "covered50"]
    assert b.loc["E", "covered90"]
    assert pd.isna(b.loc["D", "covered50"])
    assert scored.summary["coverage50"] == pytest.approx(2 / 3)
    assert scored.summary["coverage90"] == pytest.approx(1.0)
    # medians A 6, B 10, E 4 vs observed A 6, B 10 (H + 1), E 8: ranks (2,3,1) vs (1,3,2)
    assert scored.summary["spearman_fall_order"] == pytest.approx(0.5)


def test_counts_are_scored(scored):
    c = scored.counts
    assert len(c) == 1
    # day 9: capitals held [3, 1, 1, 1] against 1: mean |x-y| = 0.5, pair term 12/32
    assert c["crps"].iloc[0] == pytest.approx(0.5 - 12 / 32)


@LEFT_OUT
def test_score_command_writes_its_files(tmp_path, capsys):
    fc_dir = write_forecast(_forecast(), tmp_path / "fc")
    obs_file = _observed().to_csv(tmp_path / "observed.csv")
    score_main(
        [
            str(fc_dir),
            str(obs_file),
            "--out",
            str(tmp_path / "score"),
            "--brier-dates",
            f"{_day(5)},{_day(9)}",
        ]
    )
    out = capsys.readouterr().out
    assert "crps_days_mean: 0.7031" in out
    for f in ("scores_by_city.csv", "brier_by_date.csv", "scores.yaml", "forecast_vs_observed.png"):
        assert (tmp_path / "score" / f).is_file(), f


def test_unknown_city_is_an_error(tmp_path):
    obs = from_frame(
        pd.DataFrame([{"date": _day(4), "kind": "fell", "location": "Atlantis", "source": "made up"}])
    )
    with pytest.raises(Exception, match="Atlantis"):
        score_forecast(_forecast(), obs, plot=False)


def test_reference_forecasts_known_answer():
    # known at the cut-off (day 3): C lost on day 2. Farthest first over a 4-day window:
    # B (3 days from the capital) day 4, E day 5, A day 6, D (the capital itself) day 7.
    res = score_forecast(
        _forecast(),
        _observed(),
        plot=False,
        reference_window=4,
        distances={"A": 1.0, "B": 3.0, "C": 2.0, "D": 0.0, "E": 2.0},
    )
    ref = res.references.set_index("forecast")
    # no change: A |10 - 6| = 4, B 0, D (censored at 6) 0, E |10 - 8| = 2 -> 1.5
    assert ref.loc["no_change", "crps_days_mean"] == pytest.approx(1.5)
    # all on the last observed day (2): A 4, B 8, D 4, E 6 -> 5.5
    assert ref.loc["last_observed_day", "crps_days_mean"] == pytest.approx(5.5)
    # distance order: A 0, B |4 - 10| = 6, D 0 (7 censored at 6), E |5 - 8| = 3 -> 2.25
    assert ref.loc["distance_order", "crps_days_mean"] == pytest.approx(2.25)
    model = ref.loc["model", "crps_days_mean"]
    assert ref.loc["model", "crps_skill_vs_no_change"] == pytest.approx(1 - model / 1.5)
    assert set(res.summary["references"]) == {"no_change", "last_observed_day", "distance_order"}


def test_reference_without_a_scenario_warns_not_silently():
    """When the forecast's scenario cannot be loaded (here a made-up forecast whose +fit is
    unknown), the distance-order reference is left out with a warning naming why; the other
    references are still scored (the validation report once lost the row without a word)."""
    fc = _forecast()
    fc.meta["overrides"] = ["+fit=no_such_fit_anywhere"]
    with pytest.warns(UserWarning, match="distance_order reference is left out"):
        res = score_forecast(fc, _observed(), plot=False)
    assert set(res.references["forecast"]) == {"model", "no_change", "last_observed_day"}
