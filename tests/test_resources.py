"""Requests that cannot fit in memory are refused up front in one line (issue 15)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim
import sim.resources as R
from sim import ScenarioError

REPO = Path(__file__).resolve().parents[1]
SMALL = ["synthetic.n_locations=30", "synthetic.n_units=40", "timeline.horizon_days=20"]


@pytest.fixture
def small_machine(monkeypatch):
    monkeypatch.setattr(R, "available_memory", lambda: 64 * 2**20)  # 64 MiB


@pytest.mark.parametrize("replicates", [10**6, 10**9, 2**40])
def test_huge_ensemble_refused(small_machine, replicates):
    scen = sim.load_scenario("synthetic", SMALL)
    with pytest.raises(ScenarioError) as e:
        sim.run(scen, replicates=replicates)
    msg = str(e.value)
    assert msg.startswith(f"memory: replicates = {replicates} is invalid; allowed: at most ")
    assert "MiB" in msg and "\n" not in msg
    n = int(msg.split("at most ")[1].split(" ")[0].replace(",", ""))
    sim.run(scen, replicates=min(n, 50), record_locations=False)  # what it says fits, runs


def test_series_that_cannot_fit_says_so(small_machine):
    scen = sim.load_scenario("synthetic", SMALL)
    with pytest.raises(ScenarioError, match="without per-location series"):
        sim.run(scen, replicates=20_000, record_locations=True)


@pytest.mark.parametrize(
    "size",
    [["synthetic.n_locations=5000000", "synthetic.n_units=50000000"], ["synthetic.n_locations=400000"]],
)
def test_huge_world_refused_before_it_is_built(small_machine, size):
    with pytest.raises(ScenarioError) as e:
        sim.load_scenario("synthetic", size)
    msg = str(e.value)
    assert msg.startswith("override: synthetic.n_locations = ") and "a world that fits in the" in msg
    assert "\n" not in msg


def test_command_line_refuses_in_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli.main",
            "scenario=synthetic",
            *SMALL,
            "replicates=1000000000000",
            f"hydra.run.dir={tmp_path}/r",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 2, p.stderr
    err = p.stderr.strip()
    assert err.startswith(
        "conflict-sim: error: memory: replicates = 1000000000000 is invalid; allowed: at most "
    )
    assert "\n" not in err and not (tmp_path / "r" / "results").exists()


def test_large_world_few_replicates_drops_series_with_a_note(tmp_path, monkeypatch):
    import sim.cli.main as M

    monkeypatch.setattr(M, "SERIES_CELL_LIMIT", 1000)  # as if the world were huge
    from sim.scenario import compose_config

    cfg = compose_config("synthetic", [*SMALL, "replicates=2"])
    res = M.run_job(cfg, tmp_path / "run")
    assert len(res.series) == 0 and len(res.runs) == 2
    assert (tmp_path / "run" / "results" / "runs.parquet").is_file()
