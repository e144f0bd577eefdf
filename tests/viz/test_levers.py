"""The app's levers, panels and ensembles without a browser (no solara needed)."""

from __future__ import annotations

import shlex

import numpy as np
import pytest

import sim
from sim.scenario import PARAM_ALIASES, ScenarioError
from sim.scenario.schema import ReserveConfig
from sim.viz import levers as L
from sim.viz.panels import feed_html, feed_table, run_summary


@pytest.fixture(scope="module")
def afg():
    return sim.load_scenario("afghanistan_2021")


def test_levers_read_units_ranges_and_defaults_from_the_schema(afg):
    lv = {x.key: x for x in L.param_levers(afg)}
    assert set(lv) == {p for p, *_ in L.PARAM_LEVERS}
    com = lv["reserve.commandos"]
    meta = next(f.metadata for f in ReserveConfig.__dataclass_fields__.values() if f.name == "commandos")
    assert (com.unit, com.lo, com.hi, com.doc) == (meta["unit"], meta["lo"], meta["hi"], meta["doc"])
    assert com.default == afg.config.reserve.commandos
    assert com.slider[0] >= com.lo and com.slider[1] <= com.hi
    assert lv["reserve.airlift_per_day"].unit == "people/day"
    assert lv["forces.militia_loyalty_shift"].slider[:2] == (-1.0, 1.0)
    assert lv["model.command.policy"].choices == ("first_come", "by_value", "none")
    assert lv["model.withdrawal.end"].default == afg.config.model.withdrawal.end
    assert "people" in com.allowed and "1,000,000" in com.allowed


def test_every_scripted_event_is_a_lever(afg):
    ev = L.event_levers(afg)
    assert [e.kind for e in ev] == [str(e.kind) for e in afg.config.events]
    kinds = {e.kind: e for e in ev}
    assert "Dostum" in kinds["leader_return"].label
    assert "Sheberghan" in kinds["reinforcement_request"].label
    assert "40%" in kinds["abandon_countryside"].label
    off = L.build("afghanistan_2021", 0, {kinds["abandon_countryside"].enabled_key: False})[0]
    assert "abandon_countryside" not in [e.kind for e in off.events]
    moved = L.build("afghanistan_2021", 0, {kinds["abandon_countryside"].date_key: "2021-06-01"})[0]
    (ab,) = [e for e in moved.events if e.kind == "abandon_countryside"]
    assert moved.date_of(ab.day).isoformat() == "2021-06-01"


def test_the_command_line_shown_reproduces_the_settings(afg):
    values = L.changed(
        afg, {"reserve.commandos": 6000, "events.2.enabled": False, "reserve.airlift_per_day": 600}
    )
    assert values == {"reserve.commandos": 6000, "events.2.enabled": False}  # airlift is the file's value
    extra = "model.combat.noise=0.5 description='a what-if'"
    scen, seed = L.build("afghanistan_2021", "7", values, extra)
    words = shlex.split(L.command_line("afghanistan_2021", "7", values, extra))
    assert words[:3] == ["conflict-sim", "scenario=afghanistan_2021", "seed=7"]
    again = sim.load_scenario("afghanistan_2021", words[3:])
    assert again == scen and seed == 7


@pytest.mark.parametrize(
    ("seed", "values", "extra", "override"),
    [
        ("x1", {}, "", "seed=x1"),
        ("-1", {}, "", "seed=-1"),
        ("0", {"model.withdrawal.end": "2021-02-30"}, "", "model.withdrawal.end=2021-02-30"),
        ("0", {"events.1.date": "2030-01-01"}, "", "events.1.date=2030-01-01"),
        ("0", {}, "model.combat.noise=7", "model.combat.noise=7"),
        ("0", {}, "reserve.comandos=1", "reserve.comandos=1"),
    ],
)
def test_a_bad_lever_fails_as_the_cli_does(seed, values, extra, override):
    with pytest.raises(ScenarioError) as cli:
        sim.load_scenario("afghanistan_2021", [override])
    with pytest.raises(ScenarioError) as app:
        L.build("afghanistan_2021", seed, values, extra)
    assert str(app.value) == str(cli.value)


@pytest.mark.parametrize("extra", ["abc", "+x=1", "~reserve", "hydra.run.dir=/tmp", "'unclosed"])
def test_extra_overrides_are_plain_key_value(extra):
    with pytest.raises(ScenarioError, match=r"^override: .* is invalid; allowed: key=value"):
        L.parse_extra(extra)


def test_model_params_are_conflict_model_keywords(afg):
    params = L.model_params(afg)
    kwargs = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    for k in kwargs:
        assert k in ("scenario", "seed") or k in PARAM_ALIASES
    m = sim.ConflictModel(**kwargs)
    assert m.conflict_scenario == afg
    for k, v in params.items():
        if isinstance(v, dict) and v["type"].startswith("Slider"):
            assert v["min"] <= v["value"] <= v["max"], k
        if isinstance(v, dict) and v["type"] == "Select":
            assert v["value"] in v["values"], k


def test_feed_and_summary_say_what_the_model_did():
    m = sim.ConflictModel("afghanistan_2021", seed=1).run(120)
    tab = feed_table(m)
    ev = m.events
    falls = ev[ev["event"] == "capital_fell"]
    assert len(falls) > 0
    last = falls.iloc[-1]
    row = tab[tab["event"] == "capital fell"].iloc[0]  # newest first
    assert row["place"] == f"**{last['name']}**" and row["how / how many"] == last["mode"]
    assert "district fell" not in set(tab["event"])
    assert "district fell" in set(feed_table(m, districts=True, rows=10_000)["event"])
    from sim.viz.panels import FEED_EVENTS

    early = feed_table(m, upto=60, rows=10_000)
    assert len(early) == int(((ev["day"] <= 60) & ev["event"].isin(FEED_EVENTS)).sum()) > 0
    assert "nan" not in set(early["place"])  # the countryside abandoned: a national event
    html = feed_html(tab)
    assert "<script" not in html and html.count("<tr>") == len(tab) + 1
    s = run_summary(m)
    first = falls.iloc[0]
    assert (
        f"first capital fell {m.conflict_scenario.date_of(int(first['day'])):%d %b %Y} ({first['name']}" in s
    )
    held = int((m._loc_ctrl[0, m.day][m.conflict_scenario.capital_indices()] != 2).sum())
    assert f"{held} of 34 capitals held" in s


def test_feed_html_escapes_names():
    import pandas as pd

    tab = pd.DataFrame(
        {"date": ["01 May"], "event": ["x"], "place": ["**<img src=x onerror=alert(1)>**"], "n": ["1"]}
    )
    out = feed_html(tab)
    assert "<img" not in out and "&lt;img" in out


def test_ensemble_pairs_seeds_and_caches_the_baseline(afg):
    from sim.viz import ensemble as E

    alt = sim.load_scenario("afghanistan_2021", ["reserve.airlift_per_day=0"])
    E._cache.clear()
    pair = E.run_pair(afg, alt, seed=3, replicates=6, parallel=1)
    assert not pair.same
    np.testing.assert_array_equal(pair.base.runs["seed"], np.arange(3, 9))
    np.testing.assert_array_equal(pair.alt.runs["seed"], np.arange(3, 9))
    lone = sim.run(alt, seed=5, replicates=1, record_locations=False).runs
    assert lone["capitals_fallen"].iloc[0] == pair.alt.runs["capitals_fallen"].iloc[2]
    again = E.run_pair(afg, alt, seed=3, replicates=6)
    assert again.base is pair.base and again.alt is pair.alt  # cached
    same = E.run_pair(afg, afg, seed=3, replicates=6)
    assert same.same and same.alt is same.base
    figs = E.figures(pair, "first_fall_day")
    assert set(figs) == {"fan", "fall_dates", "paired"}
    assert set(E.figures(same)) == {"fan", "fall_dates"}
    tab = E.outcome_table(pair.alt)
    s = pair.alt.summary
    assert tab["first_fall_day"].iloc[0] == s[s["replicate"] == 0]["fell_day"].min()
    with pytest.raises(ValueError, match="outcome must be one of"):
        E.figures(pair, "nonsense")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_an_ensemble_being_computed_is_not_computed_twice(afg, monkeypatch):
    import threading

    from sim.viz import ensemble as E

    calls = []
    real = E.run

    def counting(*a, **k):
        calls.append(k["replicates"])
        return real(*a, **k)

    monkeypatch.setattr(E, "run", counting)
    E._cache.clear()
    t = E.prefetch_baseline(afg, seed=11, replicates=4)
    results = []
    others = [threading.Thread(target=lambda: results.append(E.run_pair(afg, afg, 11, 4))) for _ in range(3)]
    for o in others:
        o.start()
    t.join()
    for o in others:
        o.join()
    assert calls == [4]
    assert all(r.base is results[0].base for r in results)
