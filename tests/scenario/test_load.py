"""The 2021 scenario and the synthetic scenario load, are immutable and reproducible, and the
2021 inputs hold nothing dated after 7 August 2021 (the date of the seed article)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from omegaconf import OmegaConf

import sim
from sim.scenario import Scenario, compose_config, scenario_from_config

REPO = Path(__file__).resolve().parents[2]
DATA_2021 = REPO / "scenarios" / "data" / "afghanistan_2021"
YAML_2021 = REPO / "scenarios" / "scenario" / "afghanistan_2021.yaml"

LAST_INPUT_DATE = dt.date(2021, 8, 7)
LEAK = re.compile(r"2021-08-0[8-9]|2021-08-[1-3][0-9]|2021-09-")
# The only tolerated match: sources.csv cites the project file "observed_before_2021-08-08.csv",
# whose name states the cut-off (observations BEFORE 8 August), not a post-article date.
LEAK_EXEMPT = re.compile(r"observed_before_2021-08-08\.csv")
SMALL_SYNTH = ["synthetic.n_locations=50", "synthetic.n_units=30"]


@pytest.fixture(scope="module")
def afg() -> Scenario:
    return sim.load_scenario("afghanistan_2021")


@pytest.fixture(scope="module")
def synth() -> Scenario:
    return sim.load_scenario("synthetic", overrides=SMALL_SYNTH)


# ---------------------------------------------------------------------------------------------
# the 2021 scenario
# ---------------------------------------------------------------------------------------------
def test_2021_loads_with_expected_geography(afg):
    assert isinstance(afg, Scenario)
    assert afg.name == "afghanistan_2021"
    assert afg.provinces.n_rows == 34
    assert afg.n_locations == afg.locations.n_rows == 392
    assert int(afg.locations["is_capital"].sum()) == 34
    # every province's capital is a capital location of that province
    caps = afg.provinces["capital"]
    assert len(set(caps.tolist())) == 34
    assert afg.locations["is_capital"][caps].all()
    assert (afg.locations["province_index"][caps] == np.arange(34)).all()
    assert set(afg.capital_indices().tolist()) == set(caps.tolist())


def test_2021_timeline(afg):
    assert afg.start == dt.date(2021, 5, 1)
    assert afg.horizon_days >= 150
    assert afg.support.shape == (afg.horizon_days + 1,)
    assert afg.support[0] == 1.0
    assert ((afg.support >= 0) & (afg.support <= 1)).all()
    assert (np.diff(afg.support) <= 0).all()  # support only falls


def test_2021_tables_reference_valid_rows(afg):
    n = afg.n_locations
    for t, col in (
        (afg.roads, "src"),
        (afg.roads, "dst"),
        (afg.garrisons, "location"),
        (afg.militias, "location"),
        (afg.insurgents, "location"),
    ):
        assert t.n_rows > 0
        assert ((t[col] >= 0) & (t[col] < n)).all(), col
    assert set(afg.locations["source"][0].split(";")) <= set(afg.sources)


def test_str_mentions_counts(afg):
    s = str(afg)
    assert "afghanistan_2021" in s
    assert "34 provinces" in s
    assert "392 locations" in s
    assert "34 capitals" in s
    assert f"{afg.roads.n_rows} road links" in s
    assert f"{afg.garrisons.n_rows} garrisons" in s
    assert f"{afg.insurgents.n_rows} units" in s
    assert f"{len(afg.events)} scripted" in s
    assert "2021-05-01" in s
    assert "34 provinces, 392 locations" in repr(afg)


# ---------------------------------------------------------------------------------------------
# immutability
# ---------------------------------------------------------------------------------------------
def test_arrays_are_read_only(afg):
    for table in (
        afg.provinces,
        afg.locations,
        afg.roads,
        afg.garrisons,
        afg.militias,
        afg.insurgents,
        afg.pools,
    ):
        for name, arr in table.items():
            assert not arr.flags.writeable, name
            with pytest.raises(ValueError):
                arr[0] = arr[0]
    assert not afg.schedules.flags.writeable
    with pytest.raises(ValueError):
        afg.schedules[1, 0] = 0.5


def test_tables_cannot_be_changed(afg):
    with pytest.raises(TypeError):
        afg.locations["lat"] = np.zeros(afg.n_locations)  # type: ignore[index]
    with pytest.raises(TypeError):
        del afg.locations["lat"]  # type: ignore[attr-defined]


def test_config_is_read_only(afg):
    before = afg.fingerprint
    with pytest.raises(Exception, match=r"(?i)read-only|readonly"):
        afg.config.reserve.commandos = 1
    with pytest.raises(Exception, match=r"(?i)read-only|readonly"):
        afg.config.model.combat.noise = 0.0
    with pytest.raises(Exception, match=r"(?i)read-only|readonly"):
        afg.config.new_key = 1
    with pytest.raises(Exception, match=r"(?i)read-only|readonly"):
        afg.params.combat.noise = 0.0
    assert afg.config.reserve.commandos == 4000
    assert afg.fingerprint == before


def test_scenario_attributes_cannot_be_reassigned(afg):
    with pytest.raises(dataclasses.FrozenInstanceError):
        afg.horizon_days = 10  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        afg.locations = afg.roads  # type: ignore[misc]
    assert isinstance(afg.events, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        afg.events[0].day = 5  # type: ignore[misc]


def test_sources_are_read_only():
    s = sim.load_scenario("synthetic", overrides=SMALL_SYNTH)
    with pytest.raises(TypeError):
        s.sources["injected"] = "a made-up citation"  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# fingerprints and the Hydra path
# ---------------------------------------------------------------------------------------------
def test_loading_twice_gives_equal_fingerprints(afg):
    again = sim.load_scenario("afghanistan_2021")
    assert again.fingerprint == afg.fingerprint
    assert again == afg
    assert hash(again) == hash(afg)
    assert re.fullmatch(r"[0-9a-f]{64}", afg.fingerprint)


@pytest.mark.parametrize(
    "override",
    [
        "reserve.commandos=500",
        "model.combat.noise=0.1",
        "model.withdrawal.end=2021-09-11",
    ],
)
def test_override_changes_fingerprint(afg, override):
    other = sim.load_scenario("afghanistan_2021", overrides=[override])
    assert other.fingerprint != afg.fingerprint
    assert other != afg
    key = override.split("=")[0]
    assert OmegaConf.select(other.config, key) != OmegaConf.select(afg.config, key)


def test_override_is_applied(afg):
    other = sim.load_scenario(
        "afghanistan_2021", overrides=["reserve.commandos=500", "model.withdrawal.end=2021-09-11"]
    )
    assert other.config.reserve.commandos == 500
    assert other.config.model.withdrawal.end == "2021-09-11"
    assert afg.config.reserve.commandos == 4000
    # support falls more slowly with a later end
    assert (other.support >= afg.support - 1e-12).all()
    assert (other.support > afg.support).any()


def test_run_settings_do_not_change_the_world_fingerprint(afg):
    # documented: fingerprint hashes run_free_config (without seed, replicates, backend)
    other = sim.load_scenario("afghanistan_2021", overrides=["seed=7", "replicates=3", "backend=python"])
    assert other.fingerprint == afg.fingerprint
    assert other.config.seed == 7


def test_load_scenario_equals_the_hydra_path():
    overrides = ["reserve.commandos=500", "model.combat.noise=0.1", "model.command.policy=none"]
    via_api = sim.load_scenario("afghanistan_2021", overrides=overrides)
    cfg = compose_config("afghanistan_2021", overrides)
    via_hydra = scenario_from_config(cfg, overrides)
    via_hydra_no_overrides_arg = scenario_from_config(cfg)  # what a @hydra.main app would call
    assert via_api.fingerprint == via_hydra.fingerprint == via_hydra_no_overrides_arg.fingerprint
    assert via_api == via_hydra
    assert OmegaConf.to_container(via_api.config) == OmegaConf.to_container(via_hydra.config)
    assert via_api.config.reserve.commandos == 500


# ---------------------------------------------------------------------------------------------
# the synthetic scenario
# ---------------------------------------------------------------------------------------------
def test_synthetic_loads(synth):
    assert synth.name == "synthetic"
    assert synth.n_locations == 50
    assert synth.insurgents.n_rows == 30
    assert synth.locations["is_capital"].sum() == synth.provinces.n_rows >= 1
    assert synth.roads.n_rows > 0
    assert "50 locations" in str(synth)


def test_synthetic_is_reproducible(synth):
    again = sim.load_scenario("synthetic", overrides=SMALL_SYNTH)
    assert again.fingerprint == synth.fingerprint
    np.testing.assert_array_equal(again.locations["lat"], synth.locations["lat"])
    np.testing.assert_array_equal(again.insurgents["location"], synth.insurgents["location"])


def test_synthetic_world_seed_changes_the_world(synth):
    other = sim.load_scenario("synthetic", overrides=[*SMALL_SYNTH, "synthetic.world_seed=1"])
    assert other.fingerprint != synth.fingerprint
    assert not np.array_equal(other.locations["lat"], synth.locations["lat"])


# ---------------------------------------------------------------------------------------------
# no post-article leakage: nothing after 7 August 2021 is an input
# ---------------------------------------------------------------------------------------------
def test_no_event_after_the_article(afg):
    assert afg.events, "the 2021 scenario has scripted events"
    for e in afg.events:
        assert afg.date_of(e.day) <= LAST_INPUT_DATE, e
    for e in afg.config.events:
        assert dt.date.fromisoformat(e.date) <= LAST_INPUT_DATE, e


def _leaks(data_dir: Path) -> tuple[list[Path], list[str]]:
    """CSV/YAML files under ``data_dir`` and every post-article date string found in them."""
    files = sorted(
        p for p in data_dir.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".yaml", ".yml")
    )
    hits = []
    for p in files:
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            m = LEAK.search(LEAK_EXEMPT.sub("", line))
            if m:
                hits.append(f"{p.relative_to(data_dir)}:{n}: {m.group(0)}")
    return files, hits


def test_no_post_article_dates_in_data_files():
    files, hits = _leaks(DATA_2021)
    assert len(files) >= 8, files  # the eight tables at least
    assert not hits, hits


@pytest.mark.parametrize(
    "date", ["2021-08-08", "2021-08-09", "2021-08-15", "2021-08-31", "2021-09-01", "2021-09-30"]
)
def test_leak_scan_catches_a_planted_date(scen, date):
    scen.replace_in_csv("garrisons", "model_choice_garrison", f"model_choice_garrison {date}")
    _, hits = _leaks(scen.data)
    assert hits == [f"garrisons.csv:2: {LEAK.search(date).group(0)}"]


@pytest.mark.parametrize("date", ["2021-08-07", "2021-08-01", "2021-07-31", "2020-09-01"])
def test_leak_scan_ignores_dates_up_to_the_article(date):
    assert not LEAK.search(date)


# The withdrawal end (31 August) is the only later date allowed in the scenario YAML: it was
# announced on 8 July 2021 (provenance us_withdrawal_2021_07_08), i.e. known before the article.
ALLOWED_LATER_DATES = {"model.withdrawal.end"}


def _walk(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, node


def test_no_post_article_dates_in_scenario_yaml_values():
    doc = yaml.safe_load(YAML_2021.read_text(encoding="utf-8"))
    hits = []
    for path, value in _walk(doc):
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        if LEAK.search(text) and path not in ALLOWED_LATER_DATES:
            hits.append(f"{path} = {text!r}")
    assert not hits, hits
    assert doc["provenance"]["model.withdrawal.end"] == "us_withdrawal_2021_07_08"
