"""Plausibility of the 2021 scenario with its default parameters (100 replicates each).

Targets are only facts known by 7 August 2021 (observed_before_2021-08-08.csv and the seed
article). The counterfactuals must move outcomes the right way (same seeds).
"""

import numpy as np
import pytest

import sim

R = 100
N_DISTRICTS = 358  # non-capital locations of the scenario


@pytest.fixture(scope="module")
def base():
    return sim.run("afghanistan_2021", seed=0, replicates=R, record_locations=False)


def run(*ov):
    return sim.run("afghanistan_2021", seed=0, replicates=R, record_locations=False, overrides=ov)


def fall_day(res, loc):
    s = res.summary
    return s[s.location_id == loc].fell_day.astype("float").fillna(10_000).to_numpy()


def districts_held(res, day):
    sd = res.sides
    d = sd[sd.day == day]
    return N_DISTRICTS - (d.locations_held - d.capitals_held).to_numpy()


def test_countryside_erodes_before_capitals_fall(base):
    # observed (AAN, scaled to 358 districts): ~135 on 30 June (day 60), ~193 on 24 July (day 84)
    assert 100 <= float(np.median(districts_held(base, 60))) <= 190
    assert 160 <= float(np.median(districts_held(base, 84))) <= 250
    # no capital lost before day 90 in nearly all runs (the first one, Zaranj, fell on day 97)
    sd = base.sides
    assert float((sd[sd.day == 89].capitals_held == 34).mean()) >= 0.9


def test_first_capital_falls_around_the_article(base):
    # observed: the first capital (Zaranj) fell on day 97, the second (Sheberghan) on day 98
    first = base.summary.groupby("replicate").fell_day.min().astype(float).fillna(10_000)
    assert 90 <= first.median() <= 108


def test_sheberghan_is_among_the_first_capitals_lost(base):
    # Sheberghan was the second capital lost (its garrison withdrew to the airport); the forces in
    # Jowzjan and the north come from pre-offensive sources. "Lost" = the city falls or its
    # garrison withdraws to the airport, whichever comes first.
    e = base.events
    e = e[e.is_capital.astype(bool) & e.event.isin(["capital_fell", "retreated_to_airport"])]
    lost = e.groupby(["replicate", "location_id"]).day.min().reset_index()
    lost["rank"] = lost.groupby("replicate").day.rank(method="first")
    she = lost[lost.location_id == "jowzjan_sheberghan"].set_index("replicate")["rank"]
    she = she.reindex(range(R), fill_value=99)
    # measured: 82 % on seeds 0-99 (44 % before isolated capitals were besieged), median rank 2
    assert (she <= 3).mean() >= 0.6
    assert she.median() <= 3


def test_no_withdrawal_fewer_capitals_fall(base):
    slow = run("model.withdrawal.end=2022-12-31")
    assert slow.runs.capitals_fallen.mean() < base.runs.capitals_fallen.mean() - 5


def test_larger_reserve_later_falls(base):
    big = run("reserve.commandos=20000")
    first_base = base.summary.groupby("replicate").fell_day.min().astype(float).fillna(10_000)
    first_big = big.summary.groupby("replicate").fell_day.min().astype(float).fillna(10_000)
    assert first_big.median() > first_base.median()

    # fewer capitals lost by the end of August (day 122); by day 150 both lose nearly all
    def held(res):
        return res.sides[res.sides.day == 122].capitals_held.mean()

    assert held(big) > held(base)


def test_loyal_militias_hold_sheberghan_longer(base):
    loyal = run("forces.militia_loyalty_shift=0.3")
    she_base = fall_day(base, "jowzjan_sheberghan")
    she_loyal = fall_day(loyal, "jowzjan_sheberghan")
    assert she_loyal.mean() > she_base.mean()
    assert np.median(she_loyal) >= np.median(she_base)


def test_zaranj_handed_over_sheberghan_fought(base):
    # seed article: Zaranj fell "without a fight"; at Sheberghan forces withdrew to the airport
    s = base.summary
    modes = s[s.location_id == "nimroz_zaranj"]["mode"].astype(str)
    modes = modes[modes != "none"]
    assert modes.value_counts().idxmax() == "negotiated"
    assert modes.isin(["surrender", "negotiated"]).mean() > 0.5
    she = s[s.location_id == "jowzjan_sheberghan"]["mode"].astype(str)
    she = she[she != "none"]
    assert she.isin(["assault", "holdout_lost"]).mean() > 0.5
    # both fall around days 90-110 in a good share of runs (observed: days 97 and 98)
    for loc in ("nimroz_zaranj", "jowzjan_sheberghan"):
        d = fall_day(base, loc)
        assert ((d >= 90) & (d <= 115)).mean() >= 0.4
