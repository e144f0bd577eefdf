"""Bad scenario input gives one ScenarioError with a one-line message naming where, what, the bad
value and what is allowed -- never a bare pandas / OmegaConf / YAML traceback.

Cases that edit files work on a private copy of ``scenarios/`` (fixture ``scen`` in conftest.py,
redirected with ``CONFLICT_SIM_SCENARIOS``); override cases read the real ``scenarios/``.

Tests marked ``xfail(strict=True)`` describe how the loader SHOULD behave and currently does not;
the reason says what it does today. When the loader is fixed they XPASS and fail the run, so the
marker must then be removed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

import pytest

import sim
from sim import ScenarioError

YAML = "scenarios/scenario/afghanistan_2021.yaml"
DATA = "scenarios/data/afghanistan_2021"
_NO_VALUE = object()


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def load_error(overrides: Sequence[str] = (), name: str = "afghanistan_2021") -> ScenarioError:
    with pytest.raises(ScenarioError) as ei:
        sim.load_scenario(name, overrides=list(overrides))
    return ei.value


def check(
    e: BaseException, where: str, field: str, value: Any = _NO_VALUE, *allowed: str, exact_value: bool = True
) -> str:
    """Assert ``e`` is a ScenarioError whose attributes and one-line message name everything."""
    assert type(e) is ScenarioError, f"{type(e).__name__}: {e}"
    assert isinstance(e, ValueError)
    msg = str(e)
    assert "\n" not in msg, f"message is not one line: {msg!r}"
    assert e.where == where, msg
    assert e.field == field, msg
    assert msg.startswith(f"{where}: {field} = "), msg
    assert f" is invalid; allowed: {e.allowed}" in msg and msg.endswith(e.allowed), msg
    if value is not _NO_VALUE:
        assert e.value == value, msg
        if exact_value:
            shown = value if isinstance(value, str) and value.startswith("<") else repr(value)
            assert f" = {shown} is invalid" in msg, msg
        else:
            assert str(value) in msg, msg
    for phrase in allowed:
        assert phrase in e.allowed, msg
        assert phrase in msg, msg
    return msg


def set_cell(scen, table: str, key: str, column: str, value: str) -> int:
    """Set ``column`` of the row whose first column is ``key``; return its file line (header=1)."""
    line = scen.file_line_of(table, f"{key},")  # from the raw text
    path = scen.csv(table)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    col = rows[0].index(column)
    for i, row in enumerate(rows):
        if i and row[0] == key:
            row[col] = value
            break
    else:
        raise AssertionError(f"test setup: no row {key!r} in {table}.csv")
    assert i + 1 == line, "test setup: multi-line CSV fields"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return line


def drop_column(scen, table: str, column: str) -> None:
    path = scen.csv(table)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    col = rows[0].index(column)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([r[:col] + r[col + 1 :] for r in rows])
    path.write_text(buf.getvalue(), encoding="utf-8")


def add_event(scen, block: str) -> None:
    """Append an event (YAML list item, indented by 2) to the events of the 2021 YAML copy."""
    scen.replace_in_yaml("\nprovenance:", f"\n{block.rstrip()}\n\nprovenance:")


# ---------------------------------------------------------------------------------------------
# overrides (cases 1-4, 10, 24, 25 and friends)
# ---------------------------------------------------------------------------------------------
def test_unknown_override_key():  # case 1
    e = load_error(["model.combat.nosuch=1"])
    check(e, "override", "model.combat.nosuch", "1", "known key", "model.combat.nosuch")


@pytest.mark.parametrize(
    "override, key, value",
    [
        ("reserve.commandos=abc", "reserve.commandos", "abc"),  # case 2
        ("model.movement.candidates=2.5", "model.movement.candidates", "2.5"),  # int field
        ("reserve.commandos=null", "reserve.commandos", "null"),
    ],
)
def test_wrong_type_override(override, key, value):
    e = load_error([override])
    check(e, "override", key, value, "right type")


@pytest.mark.parametrize(
    "override, expected_type",
    [
        ("reserve.commandos=abc", "float"),
        ("model.movement.candidates=2.5", "int"),
    ],
)
def test_wrong_type_override_names_expected_type(override, expected_type):
    e = load_error([override])
    assert expected_type in e.allowed.lower(), str(e)


def test_unknown_override_key_blames_the_right_override():
    e = load_error(["model.combat.noise=0.1", "model.combat.noise_x=1"])
    check(e, "override", "model.combat.noise_x", "1", "known key")


@pytest.mark.parametrize(
    "override, key, value, allowed",
    [
        ("model.combat.noise=7", "model.combat.noise", 7.0, "0.0 <= value <= 3.0"),  # case 3
        ("timeline.horizon_days=0", "timeline.horizon_days", 0, "1 <= value <= 3650"),
        ("forces.present_fraction=0.01", "forces.present_fraction", 0.01, "0.05 <= value <= 1.0"),
        ("reserve.commandos=-5", "reserve.commandos", -5.0, "0.0 <= value <= 1000000.0"),  # case 22
    ],
)
def test_out_of_range_parameter_override(override, key, value, allowed):
    e = load_error([override])
    check(e, "override", key, value, allowed)


def test_out_of_range_message_carries_unit_and_meaning():
    e = load_error(["model.combat.noise=7"])
    check(e, "override", "model.combat.noise", 7.0, "log-sd", "lognormal")


@pytest.mark.parametrize(
    "override, key, value",
    [
        ("model.withdrawal.end=2021-13-45", "model.withdrawal.end", "2021-13-45"),  # case 4
        ("timeline.start=2021/05/01", "timeline.start", "2021/05/01"),
        ("model.withdrawal.start=yesterday", "model.withdrawal.start", "yesterday"),
    ],
)
def test_bad_date_format_override(override, key, value):
    e = load_error([override])
    check(e, "override", key, value, "ISO date YYYY-MM-DD")


def test_withdrawal_end_before_start_override():  # case 5
    e = load_error(["model.withdrawal.end=2021-04-01"])
    check(
        e,
        "override",
        "model.withdrawal.end",
        "2021-04-01",
        "on or after model.withdrawal.start",
        "2021-05-01",
    )


def test_short_horizon_pushes_events_out():  # case 6 (override)
    e = load_error(["timeline.horizon_days=50"])
    check(e, YAML, "events[2].date", "2021-08-04", "within the horizon", "2021-05-01 .. 2021-06-19")


def test_unknown_policy_override():  # case 10
    e = load_error(["model.command.policy=random"])
    check(e, "override", "model.command.policy", "random", "one of first_come, by_value, none")


def test_backend_cuda():  # case 24
    e = load_error(["backend=cuda"])
    check(e, "override", "backend", "cuda", "'numba' or 'python'")


def test_replicates_zero():  # case 25
    e = load_error(["replicates=0"])
    check(e, "override", "replicates", 0, "an integer >= 1")


def test_negative_seed():
    e = load_error(["seed=-1"])
    check(e, "override", "seed", -1, "an integer 0 <= seed <=")


def test_unknown_scenario_name():  # case 21
    e = load_error(name="afghanistan_2022")
    check(e, "scenarios/scenario/", "scenario", "afghanistan_2022", "one of afghanistan_2021, synthetic")


def test_missing_data_dir_override():
    e = load_error(["data.dir=data/nowhere"])
    check(e, "override", "data.dir", "data/nowhere", "an existing directory")


def test_unknown_data_kind_override():
    e = load_error(["data.kind=database"])
    check(e, "override", "data.kind", "database", "'tables' or 'synthetic'")


def test_event_override_is_attributed_to_the_override():
    e = load_error(["events.3.location=atlantis"])
    assert e.where == "override", str(e)
    assert "events" in e.field and "3" in e.field and "location" in e.field, str(e)
    assert e.value == "atlantis"


# ---------------------------------------------------------------------------------------------
# the scenario YAML (cases 5-9, 20)
# ---------------------------------------------------------------------------------------------
def test_withdrawal_end_before_start_in_yaml(scen):  # case 5 (file)
    scen.replace_in_yaml('end: "2021-08-31"', 'end: "2021-04-30"')
    check(
        load_error(),
        YAML,
        "model.withdrawal.end",
        "2021-04-30",
        "on or after model.withdrawal.start (2021-05-01)",
    )


def test_out_of_range_parameter_in_yaml(scen):
    # the shipped value is the posterior median, which moves with each recalibration
    value = re.search(r"present_fraction: ([0-9.]+)", scen.yaml.read_text(encoding="utf-8")).group(1)
    scen.replace_in_yaml(f"present_fraction: {value}", "present_fraction: 1.4")
    check(load_error(), YAML, "forces.present_fraction", 1.4, "0.05 <= value <= 1.0", "fraction")


@pytest.mark.parametrize(
    "old, new, field, value",
    [
        ('date: "2021-08-07"', 'date: "2021-12-07"', "events[3].date", "2021-12-07"),  # after end
        ('date: "2021-05-10"', 'date: "2021-04-10"', "events[1].date", "2021-04-10"),  # before start
    ],
)
def test_event_date_outside_horizon_in_yaml(scen, old, new, field, value):  # case 6 (file)
    scen.replace_in_yaml(old, new)
    check(load_error(), YAML, field, value, "within the horizon 2021-05-01 .. 2021-09-27")


def test_event_bad_date_format_in_yaml(scen):
    scen.replace_in_yaml('date: "2021-05-10"', 'date: "2021-05-32"')
    check(load_error(), YAML, "events[1].date", "2021-05-32", "ISO date YYYY-MM-DD")


def test_unknown_event_kind(scen):  # case 7
    scen.replace_in_yaml("kind: offensive", "kind: invasion")
    check(
        load_error(),
        YAML,
        "events[0].kind",
        "invasion",
        "one of abandon_countryside, leader_return, reinforcement_request, policy, offensive",
    )


def test_event_unknown_location(scen):  # case 8
    scen.replace_in_yaml("location: jowzjan_sheberghan", "location: atlantis")
    check(load_error(), YAML, "events[3].location", "atlantis", f"a location_id of {DATA}/locations.csv")


def test_leader_return_unknown_patron(scen):  # case 9
    scen.replace_in_yaml("patron: dostum", "patron: napoleon")
    check(
        load_error(),
        YAML,
        "events[2].patron",
        "napoleon",
        "a militia patron",
        "atta, dostum, ismail_khan, uprising",
    )


def test_policy_event_with_unknown_policy(scen):
    add_event(scen, '  - date: "2021-06-01"\n    kind: policy\n    note: random')
    check(load_error(), YAML, "events[4].note", "random", "one of first_come, by_value, none")


def test_event_unknown_source(scen):
    scen.replace_in_yaml(
        "source: seed_afp_2021_08_08\n    note: at the", "source: nosuch_report\n    note: at the"
    )
    check(load_error(), YAML, "events[1].source", "nosuch_report", f"a source_id of {DATA}/sources.csv")


def test_provenance_unknown_parameter_path(scen):  # case 20a
    scen.replace_in_yaml(
        "  reserve.commandos: commando_reporting_2017", "  reserve.commandoz: commando_reporting_2017"
    )
    check(
        load_error(),
        YAML,
        "provenance.reserve.commandoz",
        "reserve.commandoz",
        "a dotted path of a scenario field",
    )


def test_provenance_unknown_source(scen):  # case 20b
    scen.replace_in_yaml("  reserve.commandos: commando_reporting_2017", "  reserve.commandos: nosuch_source")
    check(
        load_error(),
        YAML,
        "provenance.reserve.commandos",
        "nosuch_source",
        f"a source_id of {DATA}/sources.csv",
    )


def test_provenance_unknown_source_in_a_list(scen):
    scen.replace_in_yaml(
        "  forces.present_fraction: sigar_2016_ghost_soldiers;sigar_qr_2021",
        "  forces.present_fraction: sigar_2016_ghost_soldiers;sigar_qr_2099",
    )
    check(
        load_error(),
        YAML,
        "provenance.forces.present_fraction",
        "sigar_qr_2099",
        f"a source_id of {DATA}/sources.csv",
    )


def test_wrong_type_in_yaml(scen):
    scen.replace_in_yaml("commandos: 4000", "commandos: many")
    e = load_error()
    check(e, YAML, "reserve.commandos", "many")


def test_unknown_key_in_yaml(scen):
    scen.replace_in_yaml("commandos: 4000", "commandos: 4000\n  nosuch: 1")
    e = load_error()
    assert e.where == YAML, str(e)
    assert e.field == "reserve.nosuch", str(e)


def test_malformed_yaml(scen):
    scen.replace_in_yaml("reserve:", "reserve: [")
    e = load_error()
    assert e.where == YAML, str(e)
    assert "\n" not in str(e)


# ---------------------------------------------------------------------------------------------
# CSV tables (cases 11-19, 22, 23, 26, 27)
# ---------------------------------------------------------------------------------------------
def test_missing_csv_file(scen):  # case 11
    scen.csv("militias").unlink()
    check(
        load_error(),
        f"{DATA}/militias.csv",
        "file",
        "militias.csv",
        "a CSV file with columns location_id, patron, personnel, loyalty, source",
    )


def test_csv_missing_column(scen):  # case 12
    drop_column(scen, "locations", "ruggedness")
    check(load_error(), f"{DATA}/locations.csv", "columns", "ruggedness", "(missing ruggedness)")


@pytest.mark.parametrize(
    "table, key, column, bad",
    [  # case 13
        ("garrisons", "badakhshan_argo", "personnel_nominal", "lots"),
        ("garrisons", "badakhshan_argo", "supply_days", ""),
        ("locations", "kabul_kabul", "lat", "34.5N"),
        ("insurgents", "tb_150", "strength", "nan"),
        ("insurgents", "tb_200", "morale", "inf"),  # last row of the file
    ],
)
def test_csv_non_numeric_value_reports_file_line(scen, table, key, column, bad):
    line = set_cell(scen, table, key, column, bad)
    assert line == scen.file_line_of(table, f"{key},")
    check(load_error(), f"{DATA}/{table}.csv", f"line {line}, column {column!r}", bad, "a finite number")


def test_csv_non_numeric_line_number_is_the_file_line(scen):
    # header is line 1, so the 3rd data row is line 4
    line = set_cell(scen, "garrisons", "badakhshan_argo", "personnel_nominal", "lots")
    assert scen.lines("garrisons")[line - 1].startswith("badakhshan_argo,police,lots,")
    assert line == 4
    e = load_error()
    assert e.field == "line 4, column 'personnel_nominal'"


@pytest.mark.parametrize(
    "table, key, column, bad, allowed",
    [  # cases 14, 22
        ("locations", "badakhshan_argo", "ruggedness", 1.5, "0 <= value <= 1"),
        ("locations", "badakhshan_argo", "lat", 95.0, "-90 <= value <= 90"),
        ("locations", "kabul_kabul", "lon", -181.0, "-180 <= value <= 180"),
        ("garrisons", "badakhshan_argo", "personnel_nominal", -230.0, "0 <= value <= 1000000.0"),
        ("militias", "jowzjan_aqcha", "personnel", -300.0, "0 <= value <= 1000000.0"),
        ("roads", "nimroz_kang", "travel_days", 0.0, "0.001 <= value <= 100"),
    ],
)
def test_csv_value_out_of_range(scen, table, key, column, bad, allowed):
    line = set_cell(scen, table, key, column, str(bad))
    check(
        load_error(),
        f"{DATA}/{table}.csv",
        f"line {line}, column {column!r}",
        bad,
        allowed,
        exact_value=False,
    )


@pytest.mark.parametrize(
    "table, key, column, bad",
    [
        ("locations", "badakhshan_argo", "ruggedness", 1.5),
        ("locations", "badakhshan_argo", "lat", 95.0),
        ("garrisons", "badakhshan_argo", "personnel_nominal", -230.0),
    ],
)
def test_csv_out_of_range_value_shown_as_plain_number(scen, table, key, column, bad):
    line = set_cell(scen, table, key, column, str(bad))
    msg = check(load_error(), f"{DATA}/{table}.csv", f"line {line}, column {column!r}", bad)
    assert "np." not in msg


def test_csv_bad_boolean(scen):
    line = set_cell(scen, "locations", "badakhshan_argo", "has_airport", "yes")
    check(load_error(), f"{DATA}/locations.csv", f"line {line}, column 'has_airport'", "yes", "0 or 1")


def test_duplicate_location_id(scen):  # case 15
    # rename the 3rd row (line 4) to the id of the 4th row (line 5): the repeat is reported
    set_cell(scen, "locations", "badakhshan_argo", "location_id", "badakhshan_baharak")
    check(
        load_error(),
        f"{DATA}/locations.csv",
        "line 5, column 'location_id'",
        "badakhshan_baharak",
        "unique identifier",
    )


def test_duplicate_insurgent_unit_id(scen):
    set_cell(scen, "insurgents", "tb_002", "unit_id", "tb_001")
    check(load_error(), f"{DATA}/insurgents.csv", "line 3, column 'unit_id'", "tb_001", "unique identifier")


def test_road_to_unknown_location(scen):  # case 16
    scen.replace_in_csv(
        "roads", "badakhshan_arghanj_khwa,badakhshan_kohistan,", "badakhshan_arghanj_khwa,atlantis,"
    )
    check(
        load_error(),
        f"{DATA}/roads.csv",
        "line 3, column 'to_id'",
        "atlantis",
        f"a location_id of {DATA}/locations.csv",
    )


def test_road_from_unknown_location(scen):
    line = scen.file_line_of("roads", "nimroz_kang,nimroz_zaranj,")
    scen.replace_in_csv("roads", "nimroz_kang,nimroz_zaranj,", "nimroz_kangg,nimroz_zaranj,")
    check(
        load_error(),
        f"{DATA}/roads.csv",
        f"line {line}, column 'from_id'",
        "nimroz_kangg",
        f"a location_id of {DATA}/locations.csv",
    )


def test_road_self_loop(scen):
    scen.replace_in_csv(
        "roads",
        "badakhshan_arghanj_khwa,badakhshan_kohistan,",
        "badakhshan_arghanj_khwa,badakhshan_arghanj_khwa,",
    )
    check(
        load_error(),
        f"{DATA}/roads.csv",
        "line 3, column 'to_id'",
        "badakhshan_arghanj_khwa",
        "a location other than from_id",
    )


def test_unreachable_capital(scen):  # case 17
    lines = scen.lines("roads")
    kept = [ln for ln in lines if "nimroz_zaranj" not in ln]
    assert len(lines) - len(kept) >= 1
    scen.write_lines("roads", kept)
    check(
        load_error(),
        f"{DATA}/roads.csv",
        "road graph",
        "nimroz_zaranj",
        "every capital reachable by road from 'kabul_kabul'",
    )


def test_garrison_at_unknown_location(scen):  # case 18
    line = set_cell(scen, "garrisons", "badakhshan_argo", "location_id", "atlantis")
    check(
        load_error(),
        f"{DATA}/garrisons.csv",
        f"line {line}, column 'location_id'",
        "atlantis",
        f"a location_id of {DATA}/locations.csv",
    )


def test_militia_at_unknown_location(scen):
    line = set_cell(scen, "militias", "jowzjan_aqcha", "location_id", "atlantis")
    check(
        load_error(),
        f"{DATA}/militias.csv",
        f"line {line}, column 'location_id'",
        "atlantis",
        f"a location_id of {DATA}/locations.csv",
    )


def test_location_in_unknown_province(scen):
    line = set_cell(scen, "locations", "badakhshan_argo", "province", "Narnia")
    check(
        load_error(),
        f"{DATA}/locations.csv",
        f"line {line}, column 'province'",
        "Narnia",
        f"a province of {DATA}/provinces.csv",
    )


def test_province_capital_unknown(scen):
    line = set_cell(scen, "provinces", "Badakhshan", "capital_location_id", "atlantis")
    check(
        load_error(),
        f"{DATA}/provinces.csv",
        f"line {line}, column 'capital_location_id'",
        "atlantis",
        f"a location_id of {DATA}/locations.csv",
    )


def test_capital_not_named_in_provinces(scen):
    line = set_cell(scen, "locations", "badakhshan_argo", "kind", "capital")
    check(
        load_error(),
        f"{DATA}/locations.csv",
        f"line {line}, column 'kind'",
        "capital",
        "named as capital in provinces.csv",
    )


@pytest.mark.parametrize(
    "source, bad",
    [  # case 19
        ("nosuch_source", "nosuch_source"),
        ("sigar_qr_2021;nosuch_source", "nosuch_source"),
    ],
)
def test_unknown_source_id_in_csv_row(scen, source, bad):
    line = set_cell(scen, "garrisons", "badakhshan_argo", "source", source)
    check(
        load_error(),
        f"{DATA}/garrisons.csv",
        f"line {line}, column 'source'",
        bad,
        "a source_id of sources.csv",
    )


def test_empty_source_in_csv_row(scen):
    line = set_cell(scen, "garrisons", "badakhshan_argo", "source", "")
    check(
        load_error(),
        f"{DATA}/garrisons.csv",
        f"line {line}, column 'source'",
        "",
        "one or more source_id of sources.csv",
        exact_value=False,
    )


def test_empty_source_shown_as_plain_string(scen):
    line = set_cell(scen, "garrisons", "badakhshan_argo", "source", "")
    check(load_error(), f"{DATA}/garrisons.csv", f"line {line}, column 'source'", "")


@pytest.mark.parametrize(
    "table, key, column, bad, allowed",
    [  # case 23 and other enums
        (
            "locations",
            "badakhshan_arghanj_khwa",
            "initial_control",
            "taliban",
            "one of government, contested, insurgent",
        ),
        ("locations", "badakhshan_argo", "kind", "village", "one of capital, district, city"),
        ("garrisons", "badakhshan_argo", "type", "navy", "one of army, police, commando, mixed"),
        ("roads", "nimroz_kang", "road_class", "motorway", "one of highway, secondary, local"),
    ],
)
def test_csv_enum_value_not_allowed(scen, table, key, column, bad, allowed):
    line = set_cell(scen, table, key, column, bad)
    check(load_error(), f"{DATA}/{table}.csv", f"line {line}, column {column!r}", bad, allowed)


def test_csv_unterminated_quote(scen):  # case 26
    lines = scen.lines("roads")
    lines[5] = lines[5].replace(",local,", ',"local,', 1)
    scen.write_lines("roads", lines)
    check(load_error(), f"{DATA}/roads.csv", "file", "roads.csv", "well-formed UTF-8 CSV")


def test_csv_binary_garbage(scen):  # case 26
    p = scen.csv("roads")
    raw = p.read_bytes()
    p.write_bytes(raw[:2000] + b"\xff\xfe\x00\x81\xc3garbage\x00\n" + raw[2000:])
    check(load_error(), f"{DATA}/roads.csv", "file", "roads.csv", "well-formed UTF-8 CSV")


def test_csv_row_with_too_many_fields(scen):  # case 26
    lines = scen.lines("roads")
    lines[5] = lines[5].rstrip("\n") + ",extra,extra\n"
    scen.write_lines("roads", lines)
    msg = check(load_error(), f"{DATA}/roads.csv", "file", "roads.csv", "well-formed UTF-8 CSV")
    assert "line 6" in msg


def test_csv_empty_file(scen):
    scen.csv("roads").write_text("")
    check(load_error(), f"{DATA}/roads.csv", "file", "roads.csv", "well-formed UTF-8 CSV")


@pytest.mark.parametrize(
    "table, key",
    [  # case 27
        ("garrisons", "badakhshan_argo"),
        ("militias", "jowzjan_aqcha"),
    ],
)
def test_duplicate_rows_for_a_location(scen, table, key):
    lines = scen.lines(table)
    n = scen.file_line_of(table, f"{key},")
    lines.insert(n, lines[n - 1])  # the copy becomes line n + 1
    scen.write_lines(table, lines)
    check(
        load_error(),
        f"{DATA}/{table}.csv",
        f"line {n + 1}, column 'location_id'",
        key,
        "at most one row per location",
    )


# ---------------------------------------------------------------------------------------------
# every error is catchable as ValueError and renders in one line (what a CLI prints)
# ---------------------------------------------------------------------------------------------
def test_error_is_a_value_error_with_one_line_message():
    with pytest.raises(
        ValueError,
        match=r"^override: model\.combat\.noise = 7\.0 is invalid; "
        r"allowed: 0\.0 <= value <= 3\.0 ",
    ):
        sim.load_scenario("afghanistan_2021", overrides=["model.combat.noise=7"])


@pytest.mark.parametrize(
    "override, allowed",
    [
        ("model.morale.b0=abc", "a float, -10.0 <= value <= 10.0 (logit)"),
        ("model.movement.nosuch=1", "not in MovementParams, whose keys are w_value, w_distance,"),
        ("model.movement.besiege_isolated=maybe", "a bool (true or false)"),
        ("model.movement.besiege_isolated=2", "a bool (true or false)"),
        ("+sweep=nosuch", "one of demo, militia, reserve, withdrawal (in scenarios/sweep/)"),
        (
            "+fit=nosuch",
            "one of afghanistan_2021_abandonment, afghanistan_2021_district_news, "
            "afghanistan_2021_economy_of_force, afghanistan_2021_posterior, "
            "afghanistan_2021_pull_back (in scenarios/fit/)",
        ),
    ],
)
def test_override_error_says_what_is_allowed(override, allowed):
    e = load_error([override])
    assert allowed in e.allowed, str(e)
    assert "full_key" not in str(e)  # the library's multi-part text is replaced, not appended


# ---------------------------------------------------------------------------------------------
# issue 15: non-finite numbers, dates outside the scenario, seeds, paths reached from a file
# ---------------------------------------------------------------------------------------------
NONFINITE = ["nan", "NaN", "inf", "-inf", "+inf", "Infinity"]


@pytest.mark.parametrize("value", NONFINITE)
@pytest.mark.parametrize(
    "path",
    ["model.combat.beta_ins", "reserve.commandos", "model.morale.b0", "forces.militia_loyalty_shift"],
)
def test_nonfinite_override_refused(path, value):
    e = load_error([f"{path}={value}"])
    msg = check(e, "override", path)
    assert "allowed: a finite number" in msg and not _isfinite(e.value)


def _isfinite(v) -> bool:
    import math

    return isinstance(v, float) and math.isfinite(v)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nonfinite_in_yaml_refused(scen, value):
    shipped = re.search(r"  pool_scale: ([0-9.]+)", scen.yaml.read_text(encoding="utf-8")).group(1)
    scen.replace_in_yaml(f"  pool_scale: {shipped}", f"  pool_scale: {value}")
    e = load_error()
    check(e, YAML, "forces.pool_scale", _NO_VALUE, "a finite number")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_nonfinite_event_value_refused(value):
    e = load_error([f"events.0.value={value}"])
    assert "events[0].value" in str(e) or "events.0.value" in str(e)
    assert "a finite number" in e.allowed and "\n" not in str(e)


@pytest.mark.parametrize(
    "key,value",
    [
        ("report.by_date", "2021-04-30"),  # a day before the start
        ("report.by_date", "2020-01-01"),
        ("report.by_date", "2021-09-29"),  # a day after the horizon
        ("report.by_date", "2031-01-01"),
    ],
)
def test_dates_outside_the_scenario_refused(key, value):
    e = load_error([f"{key}={value}"])
    check(e, "override", key, value, "a date within the scenario 2021-05-01 .. 2021-09-28")


def test_report_date_on_the_edges_accepted():
    for d in ("2021-05-01", "2021-09-28"):
        assert sim.load_scenario("afghanistan_2021", [f"report.by_date={d}"]).name == "afghanistan_2021"


@pytest.mark.parametrize(
    "overrides",
    [
        ["seed=9223372036854775808"],
        ["seed=99999999999999999999"],
        ["seed=9223372036854775807", "replicates=2"],
    ],
)
def test_seed_outside_int64_refused(overrides):
    e = load_error(overrides)
    check(e, "override", "seed", _NO_VALUE, "seed + replicates - 1 must fit in a signed 64-bit integer")


@pytest.mark.parametrize(
    "value", ["../../..", "/etc", "data/../../x", "../scenarios/data/afghanistan_2021", "/"]
)
def test_data_dir_outside_refused(value):
    from sim.paths import PathError

    with pytest.raises(PathError) as ei:
        sim.load_scenario("afghanistan_2021", [f"data.dir={value}"])
    msg = str(ei.value)
    assert msg.startswith(f"override: data.dir = {value!r} is invalid; allowed: a relative path inside")
    assert "\n" not in msg


def test_data_dir_symlink_escape_refused(scen, tmp_path):
    from sim.paths import PathError

    (scen.root / "data" / "elsewhere").symlink_to(scen.data)  # inside: fine
    assert sim.load_scenario("afghanistan_2021", ["data.dir=data/elsewhere"]).n_locations > 0
    outside = tmp_path / "outside"
    import shutil

    shutil.copytree(scen.data, outside)
    (scen.root / "data" / "escape").symlink_to(outside)
    with pytest.raises(PathError, match="link leading out of it"):
        sim.load_scenario("afghanistan_2021", ["data.dir=data/escape"])


def test_run_with_scenario_and_overrides_refused():
    scen = sim.load_scenario("synthetic", ["synthetic.n_locations=20", "synthetic.n_units=10"])
    with pytest.raises(ValueError, match="overrides apply to a scenario name only"):
        sim.run(scen, overrides=["reserve.commandos=5"])
