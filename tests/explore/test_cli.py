"""``conflict-sim-explore`` on the conflict model (small synthetic worlds) and the 2021 preset."""

import numpy as np
import pandas as pd
import pytest
from explore_util import run_cli

import sim
from sim.explore import open_explore, read_design

SYN = ["scenario=synthetic", "synthetic.n_locations=40", "synthetic.n_units=60", "timeline.horizon_days=30"]


@pytest.fixture(scope="module")
def lhs_sweep(tmp_path_factory):
    """An LHS design whose withdrawal-end range starts before the synthetic withdrawal start
    (2021-01-15): those points fail scenario validation, the others run."""
    out = tmp_path_factory.mktemp("cli") / "lhs"
    p = run_cli(
        "sim.cli.explore",
        "design=lhs",
        "n=10",
        "params=[reserve.commandos:100:2000,model.withdrawal.end:2021-01-01:2021-03-31]",
        *SYN,
        "replicates=2",
        "seed=5",
        f"out={out}",
        "hydra/launcher=basic",
        "outcomes=[capitals_fallen,gov_casualties]",
        "discover=gov_casualties>100",
        "min_prob=0.5",
        check=False,
    )
    # the good points are analysed; the failed ones are recorded and the exit status says so
    assert p.returncode == 1, p.stderr[-3000:]
    assert "failed of 10 job(s)" in p.stderr and "run the same command again to retry them" in p.stderr
    return out, p


def test_design_sweep_keeps_good_rows_records_failures_and_analyses(lhs_sweep):
    out, p = lhs_sweep
    design, meta = read_design(out)
    assert design.n_points == 10 and meta["scenario"] == "synthetic" and meta["seed_replicates"] == 5
    ends = pd.to_datetime(design.table()["model.withdrawal.end"])
    bad = set(np.flatnonzero(ends < pd.Timestamp("2021-01-15")))
    assert 0 < len(bad) < 10
    ex = open_explore(out)
    assert set(ex.sweep.failures["job"]) == bad
    assert "a date on or after model.withdrawal.start" in ex.sweep.failures["error"].iloc[0]
    assert set(ex.sweep.runs["job"]) == set(range(10)) - bad
    assert len(ex.sweep.runs) == 2 * (10 - len(bad))
    assert set(ex.sweep.runs["seed"]) == {5, 6}  # the same replicate seeds at every point
    # the analysis ran after the sweep: printed, saved, drawn
    assert "lhs design, 10 points" in p.stdout and "rbd_fast" not in p.stderr
    assert "gov_casualties: mean" in p.stdout
    for name in ("sensitivity", "variance", "index"):
        assert list((out / "explore").glob(f"{name}.*")), name
    assert (out / "explore" / "surface.png").is_file()
    s = pd.read_parquet(out / "explore" / "sensitivity.parquet")
    assert set(s["method"]) == {"rbd_fast"} and set(s["param"]) == set(design.names)


def test_a_design_row_reproduces_from_its_job_directory(lhs_sweep):
    out, _ = lhs_sweep
    ex = open_explore(out)
    row = ex.sweep.runs.sort_values(["job", "replicate"]).iloc[-1]
    saved = (out / str(int(row.job)) / ".hydra" / "overrides.yaml").read_text()
    overrides = [ln[2:].strip() for ln in saved.splitlines() if ln.startswith("- ")]
    overrides = [o for o in overrides if not o.startswith(("seed=", "replicates=", "scenario="))]
    again = sim.run("synthetic", seed=int(row.seed), overrides=overrides).runs.iloc[0]
    for col in ("capitals_fallen", "districts_lost", "gov_casualties", "ins_casualties"):
        assert again[col] == row[col], col


def test_analyze_an_existing_sweep_and_errors(lhs_sweep, tmp_path):
    out, _ = lhs_sweep
    p = run_cli("sim.cli.explore", f"analyze={out}", "outcomes=[districts_lost]", "plots=false")
    assert "districts_lost" in p.stdout
    p = run_cli("sim.cli.explore", f"analyze={tmp_path}/none", check=False)
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0 and "Traceback" not in p.stderr
    p = run_cli("sim.cli.explore", f"analyze={out}", "outcomes=[lost_day:Atlantis]", check=False)
    assert p.returncode == 2 and "outcome: lost_day = 'Atlantis' is invalid" in p.stderr
    p = run_cli("sim.cli.explore", f"analyze={out}", "n=8", check=False)
    assert p.returncode == 2 and "analyze=DIR takes only analysis keys" in p.stderr


def test_bad_design_on_the_command_line_is_one_line(tmp_path):
    p = run_cli(
        "sim.cli.explore",
        "params=[model.combat.beta_ins:0:2,reserve.commandos]",
        *SYN,
        f"out={tmp_path}/a",
        check=False,
    )
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0
    assert (
        "params: model.combat.beta_ins = '0.0:2.0' is invalid; allowed: a range within the schema's"
        in p.stderr
    )
    p = run_cli(
        "sim.cli.explore",
        "params=[reserve.commandos]",
        "reserve.nosuch=1",
        *SYN,
        f"out={tmp_path}/b",
        check=False,
    )
    assert p.returncode == 2 and "reserve.nosuch" in p.stderr and "Traceback" not in p.stderr


def test_the_2021_preset_composes_into_a_valid_design():
    from hydra import compose, initialize_config_dir

    from sim.explore import config_ranges, make_design, parse_params
    from sim.scenario import scenarios_dir
    from sim.scenario.schema import register_configs

    register_configs()
    with initialize_config_dir(config_dir=str(scenarios_dir()), version_base="1.3"):
        cfg = compose("config", overrides=["+explore=afghanistan_2021"], return_hydra_config=True)
    s = cfg.hydra.sweeper
    assert s._target_.endswith("ExploreSweeper") and s.design == "sobol"
    specs = parse_params(list(s.params), config_ranges(cfg))
    d = make_design(specs, s.design, s.n, s.seed)
    assert d.n_points == s.n * (2 * len(specs) + 2)
    assert {p.kind for p in specs} == {"float", "date"}
    assert list(s.outcomes) and s.discover
