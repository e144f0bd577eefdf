"""Real (small) sweeps through the conflict-sim Hydra app, read back from the merged Parquet."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.results import open_sweep

REPO = Path(__file__).resolve().parents[2]
SYN = ["scenario=synthetic", "synthetic.n_locations=40", "synthetic.n_units=60", "timeline.horizon_days=30"]


def cli(*args, cwd=None, check=True):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run(
        [sys.executable, "-m", "sim.cli.main", *args],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


@pytest.mark.parametrize(
    "launcher",
    [
        ["hydra/launcher=basic"],
        ["hydra.launcher.n_jobs=2"],  # the default launcher is joblib
        ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"],
    ],
    ids=["basic", "joblib2", "submitit_local"],
)
def test_small_sweep_merges(tmp_path, launcher):
    out = tmp_path / "sweep"
    p = cli(
        "-m",
        *SYN,
        "seed=0,10",
        "reserve.commandos=100,1000",
        "replicates=3",
        f"hydra.sweep.dir={out}",
        *launcher,
    )
    assert "merged 4 of 4 jobs (12 runs)" in p.stdout
    sw = open_sweep(out)
    assert len(sw.runs) == 12 and sw.runs.job.nunique() == 4
    assert set(sw.runs["reserve.commandos"]) == {100.0, 1000.0}  # typed as the schema types them
    assert sw.runs.config_hash.nunique() == 4
    assert len(sw.failures) == 0
    assert sw.series.job.nunique() == 4
    n = sw.sql('SELECT count(*) AS n FROM runs WHERE "reserve.commandos" = 1000').n[0]
    assert n == 6
    assert not list(out.rglob(".*.parquet.*"))  # no temporary files left


def test_bad_point_loses_no_good_rows_and_resume_skips(tmp_path):
    out = tmp_path / "sweep"
    args = [
        "-m",
        *SYN,
        "model.combat.noise=0.2,7,0.4",
        "replicates=2",
        f"hydra.sweep.dir={out}",
        "hydra/launcher=basic",
    ]
    p = cli(*args, check=False)
    assert p.returncode == 1  # a multirun with a failed job exits non-zero, merged tables written
    assert "merged 2 of 3 jobs" in p.stdout
    sw = open_sweep(out)
    assert len(sw.runs) == 4
    assert len(sw.failures) == 1
    f = sw.failures.iloc[0]
    assert f["model.combat.noise"] == "7" and "0.0 <= value <= 3.0" in f.error
    # again into the same directory: completed jobs are skipped, the bad one fails again
    p2 = cli(*args, check=False)
    assert p2.returncode == 1
    assert p2.stdout.count("already complete, skipped") == 2
    assert len(open_sweep(out).runs) == 4


def test_unknown_override_and_wrong_type_exit_nonzero(tmp_path):
    p = cli("-m", *SYN, "model.combat.nosuch=1,2", f"hydra.sweep.dir={tmp_path}", check=False)
    assert p.returncode != 0 and "Key 'nosuch' not in 'CombatParams'" in p.stderr
    p = cli("reserve.commandos=abc", f"hydra.run.dir={tmp_path}/r", check=False)
    assert p.returncode != 0 and "reserve.commandos" in p.stderr
    # checked before Hydra composes: one line, status 2, what is allowed
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0
    assert "allowed: a value of the right type: a float" in p.stderr
    p = cli("model.combat.noise=7", f"hydra.run.dir={tmp_path}/r2", check=False)
    assert p.returncode == 2
    assert "override: model.combat.noise = 7.0 is invalid" in p.stderr
    assert "Traceback" not in p.stderr


def test_row_from_parallel_sweep_reproduces(tmp_path):
    out = tmp_path / "sweep"
    cli(
        "-m",
        "seed=3",
        "reserve.commandos=500,4000",
        "replicates=4",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={out}",
    )
    sw = open_sweep(out)
    row = sw.runs[(sw.runs["reserve.commandos"] == 4000)].iloc[2]
    job_dir = out / str(int(row.job))
    saved = (job_dir / ".hydra" / "overrides.yaml").read_text()
    overrides = [ln[2:].strip() for ln in saved.splitlines() if ln.startswith("- ")]
    overrides = [o for o in overrides if not o.startswith(("seed=", "replicates="))]
    again = sim.run("afghanistan_2021", seed=int(row.seed), overrides=overrides)
    r = again.runs.iloc[0]
    for col in (
        "capitals_fallen",
        "districts_lost",
        "gov_casualties",
        "ins_casualties",
        "ins_recruits",
        "gov_reinforcements",
    ):
        assert r[col] == row[col], col
    assert pd.isna(r.hub_fell_day) == pd.isna(row.hub_fell_day)


def test_named_presets_compose():
    from hydra import compose, initialize_config_dir

    from sim.scenario import scenarios_dir
    from sim.scenario.schema import register_configs

    register_configs()
    with initialize_config_dir(config_dir=str(scenarios_dir()), version_base="1.3"):
        for name in ("demo", "withdrawal", "reserve", "militia"):
            cfg = compose("config", overrides=[f"+sweep={name}"], return_hydra_config=True)
            assert cfg.hydra.sweeper.params, name
            sim.scenario.scenario_from_config(cfg)
