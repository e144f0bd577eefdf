"""Parameter specs from the typed config, and the designs sampled over them."""

import numpy as np
import pytest

from sim.explore import (
    ParamSpec,
    config_ranges,
    make_design,
    parse_param,
    parse_params,
    read_design,
    write_design,
)
from sim.scenario import ScenarioError, compose_config


@pytest.fixture(scope="module")
def ranges():
    return config_ranges(compose_config("afghanistan_2021"))


def test_ranges_and_units_come_from_the_schema(ranges):
    p = parse_param("model.combat.beta_ins", ranges)
    assert (p.lo, p.hi, p.unit, p.kind) == (0.0, 1.0, "1/day", "float")
    p = parse_param("model.combat.beta_ins:0.001:0.05:log", ranges)
    assert p.log and p.bounds == pytest.approx((-3.0, np.log10(0.05)))
    p = parse_param("reserve.delay_days:1:5", ranges)
    assert (p.kind, p.lo, p.hi, p.bounds) == ("int", 1, 5, (0.5, 5.5))
    p = parse_param("model.withdrawal.end:2021-08-31:2021-12-31", ranges)
    assert (p.kind, p.lo, p.bounds) == ("date", "2021-08-31", (-0.5, 122.5))


@pytest.mark.parametrize(
    ("spec", "allowed"),
    [
        ("model.combat.nosuch", "a config field with a range"),
        ("model.combat.beta_ins:0:2", "a range within the schema's 0.0 .. 1.0 (1/day)"),
        ("model.combat.beta_ins:0:0.5:log", "lo > 0 for a log-scale range"),
        ("model.combat.beta_ins:0.5:0.1", "finite lo < hi"),
        ("model.combat.beta_ins:a:b", "numbers lo and hi"),
        ("model.combat.beta_ins:0.1:0.5:sqrt", "path, path:lo:hi or path:lo:hi:log"),
        ("model.command.policy", "a numeric field declared with a range"),
        ("model.withdrawal.end", "a date range path:YYYY-MM-DD:YYYY-MM-DD"),
        ("model.withdrawal.end:2021-09-01:2021-08-01", "lo < hi"),
        ("reserve.delay_days:2.2:2.8", "at least two integers"),
    ],
)
def test_bad_specs_are_one_line_errors(ranges, spec, allowed):
    with pytest.raises(ScenarioError) as e:
        parse_param(spec, ranges)
    msg = str(e.value)
    assert msg.startswith("params: ") and allowed in msg and "\n" not in msg


def test_each_parameter_once(ranges):
    with pytest.raises(ScenarioError, match="each parameter once"):
        parse_params(["reserve.commandos", "reserve.commandos:1:2"], ranges)
    with pytest.raises(ScenarioError, match="at least one parameter"):
        parse_params([], ranges)


def test_value_mapping_and_overrides():
    f = ParamSpec("a", 1.0, 100.0, log=True)
    assert f.value(np.array([0.0, 1.0, 2.0])) == pytest.approx([1.0, 10.0, 100.0])
    i = ParamSpec("b", 0, 3, kind="int")
    assert list(i.value(np.array([-0.5, 0.49, 0.51, 3.49]))) == [0, 0, 1, 3]
    d = ParamSpec("w", "2021-08-31", "2021-09-10", kind="date")
    assert d.override(3.0) == "w=2021-09-03" and d.format(10) == "2021-09-10"
    assert ParamSpec("x", 0.0, 1.0).override(0.1) == "x=0.1"


@pytest.mark.parametrize(
    ("method", "kw", "points", "block"),
    [
        ("sobol", {}, 8 * (2 * 3 + 2), 8),
        ("sobol", {"second_order": False}, 8 * 5, 5),
        ("morris", {}, 8 * 4, 4),
        ("lhs", {}, 8, 1),
    ],
)
def test_design_sizes_ranges_and_determinism(method, kw, points, block):
    specs = [
        ParamSpec("a", 0.0, 1.0),
        ParamSpec("b", 1.0, 100.0, log=True),
        ParamSpec("c", "2021-08-31", "2021-12-31", kind="date"),
    ]
    d = make_design(specs, method, n=8, seed=3, **kw)
    assert d.n_points == points and d.block_size == block
    v = d.values()
    assert (v[:, 0] >= 0).all() and (v[:, 0] <= 1).all()
    assert (v[:, 1] >= 1).all() and (v[:, 1] <= 100).all()
    assert set(np.unique(v[:, 2])) <= set(range(0, 123))
    again = make_design(specs, method, n=8, seed=3, **kw)
    assert np.array_equal(d.X, again.X) and d.key() == again.key()
    assert make_design(specs, method, n=8, seed=4, **kw).key() != d.key()
    tab = d.table()
    assert list(tab.columns[:5]) == ["job", "block", "a", "b", "c"]
    assert str(tab["c"].dtype).startswith("datetime64")


def test_lhs_is_a_latin_hypercube():
    d = make_design([ParamSpec("a", 0.0, 1.0), ParamSpec("b", 0.0, 1.0)], "lhs", n=20, seed=1)
    for j in range(2):
        cells = np.floor(d.X[:, j] * 20).astype(int)
        assert sorted(cells) == list(range(20))  # one point in each of the 20 strata


def test_bad_design_settings():
    two = [ParamSpec("a", 0.0, 1.0), ParamSpec("b", 0.0, 1.0)]
    with pytest.raises(ScenarioError, match="a power of two"):
        make_design(two, "sobol", n=12)
    with pytest.raises(ScenarioError, match="one of sobol, morris, lhs"):
        make_design(two, "grid", n=8)
    with pytest.raises(ScenarioError, match="at least two parameters"):
        make_design(two[:1], "sobol", n=8)
    with pytest.raises(ScenarioError, match="even number of grid levels"):
        make_design(two, "morris", n=8, levels=3)


def test_design_files_round_trip(tmp_path):
    d = make_design([ParamSpec("a", 0.0, 1.0), ParamSpec("n", 0, 9, kind="int")], "morris", n=4, seed=2)
    write_design(d, tmp_path, {"replicates": 5})
    back, meta = read_design(tmp_path)
    assert back.key() == d.key() and np.array_equal(back.X, d.X) and meta["replicates"] == 5
    assert not list(tmp_path.glob(".*"))  # atomic writes leave no temporary file
    with pytest.raises(FileNotFoundError, match="not a conflict-sim-explore design sweep"):
        read_design(tmp_path / "nothing")
