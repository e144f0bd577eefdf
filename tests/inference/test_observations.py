"""The observation format, the shipped 2021 table and the data rule."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.inference import check_data_rule, prepare_plan, read_observations
from sim.inference.observations import from_frame
from sim.scenario import ScenarioError

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "afghanistan" / "observed_before_2021-08-08.csv"
COPY = REPO / "scenarios/data/afghanistan_2021/raw/observed/project_observed_before_2021-08-08.csv"
# The same pattern as tests/scenario/test_load.py: any date after 7 August 2021.
LEAK = re.compile(r"2021-08-0[8-9]|2021-08-[1-3][0-9]|2021-09-|2021-1[0-2]-")


@pytest.fixture(scope="module")
def obs2021():
    return read_observations("afghanistan_2021")


def test_no_observation_after_the_article_in_the_shipped_files():
    files = [p for d in ("observations", "fit") for p in (REPO / "scenarios" / d).rglob("*") if p.is_file()]
    assert any(p.name == "afghanistan_2021.csv" for p in files)

    def text(p):  # a parquet table (the shipped posterior) is searched as its CSV text
        return pd.read_parquet(p).to_csv() if p.suffix == ".parquet" else p.read_text(encoding="utf-8")

    hits = [
        f"{p.name}:{n}"
        for p in files
        for n, line in enumerate(text(p).splitlines(), start=1)
        if LEAK.search(line)
    ]
    assert not hits, hits


def test_shipped_table_is_valid_and_within_the_rule(obs2021):
    t = obs2021.table
    assert str(obs2021.last_date) == "2021-08-07"
    check_data_rule("afghanistan_2021", obs2021)
    assert (t["source"].str.len() > 0).all()
    assert set(t["kind"]) == {"count", "fell", "not_fallen_by"}
    # the seed's two capitals, with the mode of their loss
    cap = t[(t["kind"] == "fell") & (t["quantity"] == "capital")]
    assert dict(zip(cap["location"], cap["mode"], strict=True)) == {
        "nimroz_zaranj": "without_fight",
        "jowzjan_sheberghan": "airport",
    }


def test_shipped_table_holds_the_facts_of_the_shared_file(obs2021):
    # the project's copy of the shared file (identical to it where the shared folder is present)
    if SHARED.is_file():
        assert COPY.read_bytes() == SHARED.read_bytes()
    facts = pd.read_csv(COPY)
    t = obs2021.table
    for f in facts.itertuples(index=False):
        same_day = t[t["date"].astype(str) == f.date]
        if f.quantity == "capital_fell":
            assert (same_day["note"].str.startswith(f.value)).any() and (same_day["kind"] == "fell").any(), f
        else:
            assert (same_day["value"] == float(f.value)).any(), f
            assert (same_day["of_total"] == 421).any(), f


def test_shipped_table_is_the_builder_s_output_and_lwj_controlled_counts_are_lower_bounds():
    import importlib.util

    path = REPO / "scenarios" / "observations" / "build_afghanistan_2021.py"
    spec = importlib.util.spec_from_file_location("build_observations_2021", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rows = mod.build()
    assert mod.render(rows) == (REPO / "scenarios" / "observations" / "afghanistan_2021.csv").read_text(
        encoding="utf-8"
    )
    # LWJ's "controlled" leaves its contested districts out, so a province's count is a lower
    # bound on the district centres the Taliban held (four statements of 7 July 2021)
    lwj = [r for r in rows if r["province"] and r["note"].startswith("LWJ:")]
    assert {r["province"] for r in lwj} == {"Badakhshan", "Badghis", "Kunduz", "Takhar"}
    assert {r["bound"] for r in lwj} == {"lower"}
    helmand = next(
        r for r in rows if r["province"] == "Helmand" and r["quantity"] == "districts_insurgent_held"
    )
    assert helmand["bound"] == "upper"  # "fallen or being fought over"


def test_2021_table_maps_district_counts_as_fractions(obs2021):
    scen = sim.load_scenario("afghanistan_2021")
    plan = prepare_plan(obs2021, scen)
    assert plan.cutoff_day == 98  # 7 August 2021
    k = next(
        k
        for k, lab in enumerate(plan.labels)
        if lab == "2021-06-30 districts_insurgent_held" and not plan.c_province[k]
    )
    assert plan.c_obs[k] == pytest.approx(158 / 421)
    fell = {
        str(scen.locations["location_id"][plan.e_loc[k]]) for k in range(plan.n_events) if plan.e_kind[k] == 0
    }
    assert {"nimroz_zaranj", "jowzjan_sheberghan"} <= fell
    assert "before the scenario start" in set(plan.skipped["reason"])
    # a district centre the initial conditions already hold cannot be observed falling
    assert "insurgent-held at the scenario start" in set(plan.skipped["reason"])


def test_data_rule_refuses_a_later_observation(obs2021):
    t = obs2021.table.copy()
    t.loc[len(t) - 1, "date"] = pd.Timestamp("2021-08-07").date().replace(day=9)
    late = from_frame(t.assign(date=t["date"].astype(str)), path="late.csv")
    with pytest.raises(ScenarioError, match="on or before 2021-08-07"):
        check_data_rule("afghanistan_2021", late)
    check_data_rule("synthetic", late)  # other scenarios have no such rule


@pytest.mark.parametrize(
    "row,field",
    [
        ({"date": "2000-13-01", "kind": "count", "quantity": "capitals_held", "value": 1}, "date"),
        ({"date": "2000-01-01", "kind": "rumour", "value": 1}, "kind"),
        ({"date": "2000-01-01", "kind": "count", "quantity": "vibes", "value": 1}, "quantity"),
        ({"date": "2000-01-01", "kind": "count", "quantity": "capitals_held", "value": -1}, "value"),
        (
            {"date": "2000-01-01", "kind": "count", "quantity": "capitals_held", "value": 5, "of_total": 3},
            "of_total",
        ),
        ({"date": "2000-01-01", "kind": "fell", "location": ""}, "location"),
        ({"date": "2000-01-01", "kind": "fell", "location": "X", "weight": -1}, "weight"),
    ],
)
def test_bad_rows_name_the_line_and_column(row, field):
    with pytest.raises(ScenarioError, match=f"line 2, column '{field}'"):
        from_frame(pd.DataFrame([{"source": "made up", **row}]), path="bad.csv")


def test_missing_source_is_an_error():
    with pytest.raises(ScenarioError, match="source"):
        from_frame(pd.DataFrame([{"date": "2000-01-01", "kind": "fell", "location": "X", "source": ""}]))
