"""Issue 15 through the command line: stale and concurrent sweeps, damaged job files, edited
tables, exit status, hostile directory names, unwritable outputs, YAML that reaches Hydra."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.results import LOCK, SweepLock, merge_sweep, open_sweep
from sim.scenario import scenarios_dir

REPO = Path(__file__).resolve().parents[2]
SYN = ["scenario=synthetic", "synthetic.n_locations=30", "synthetic.n_units=40", "timeline.horizon_days=20"]


def cli(*args, cwd, env=None, check=None, module="sim.cli.main"):
    e = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    p = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=600
    )
    if check is not None and p.returncode != check:
        raise AssertionError(f"exit {p.returncode} (wanted {check})\n{p.stdout}\n{p.stderr}")
    return p


def sweep(out, *values, cwd, reps=2, launcher="hydra/launcher=basic", check=0, env=None):
    return cli(
        "-m",
        *SYN,
        *values,
        f"replicates={reps}",
        f"hydra.sweep.dir={out}",
        launcher,
        cwd=cwd,
        check=check,
        env=env,
    )


def one_line(p, status=2):
    assert p.returncode == status, p.stderr
    err = p.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


# ------------------------------------------------------------------ stale and concurrent sweeps
def test_other_sweep_into_same_dir_is_refused_and_nothing_merged(tmp_path):
    out = tmp_path / "sw"
    sweep(out, "reserve.commandos=100,1000,2000,3000", cwd=tmp_path)
    assert len(open_sweep(out).runs) == 8
    for other in (["reserve.commandos=100,500"], ["reserve.commandos=100,1000,2000"], ["seed=5"]):
        p = sweep(out, *other, cwd=tmp_path, check=None)
        err = one_line(p)
        assert "a new directory, or this one only for the same sweep on the same data" in err
        assert "it holds another sweep" in err
    sw = open_sweep(out)
    assert len(sw.runs) == 8 and sorted(sw.runs["reserve.commandos"].unique()) == [100, 1000, 2000, 3000]


def test_same_sweep_resumes_in_any_word_order(tmp_path):
    out = tmp_path / "sw"
    sweep(out, "reserve.commandos=100,1000", cwd=tmp_path)
    p = cli(
        "-m",
        f"hydra.sweep.dir={out}",
        "replicates=2",
        "reserve.commandos=100,1000",
        *SYN[::-1],
        "hydra/launcher=basic",
        cwd=tmp_path,
        check=0,
    )
    assert p.stdout.count("already complete, skipped") == 2
    assert len(open_sweep(out).runs) == 4


def test_a_point_run_by_other_code_is_run_again_not_merged(tmp_path):
    # a job's marker records the code fingerprint of the sim package that ran it; a resumed sweep
    # runs the points of another version again rather than merging two versions of the model
    from sim.results import code_fingerprint

    out = tmp_path / "sw"
    sweep(out, "reserve.commandos=100,1000", cwd=tmp_path)
    done = out / "0" / "done.json"
    marker = json.loads(done.read_text())
    assert marker["code_fingerprint"] == code_fingerprint()
    marker["code_fingerprint"] = "code:0123456789abcdef"  # as an older version would have left it
    done.write_text(json.dumps(marker))
    assert merge_sweep(out)["code_versions"] == 2  # merged as it stands: two versions, said
    p = sweep(out, "reserve.commandos=100,1000", cwd=tmp_path)
    assert "job 0: run by another version of the model's code; running it again" in p.stdout
    assert p.stdout.count("already complete, skipped") == 1
    assert "versions of the model's code" not in p.stdout  # every merged point is this version's
    assert json.loads(done.read_text())["code_fingerprint"] == code_fingerprint()
    assert len(open_sweep(out).runs) == 4


def test_sweep_dir_in_use_is_refused(tmp_path):
    out = tmp_path / "sw"
    out.mkdir()
    (out / "sweep.json").write_text("{}")  # whatever is there: the lock is checked first
    lock = SweepLock(out)
    assert lock.acquire()
    try:
        err = one_line(sweep(out, "reserve.commandos=100", cwd=tmp_path, check=None))
        assert f"in use by pid {os.getpid()}" in err
    finally:
        lock.release()


def test_two_different_sweeps_started_at_once(tmp_path):
    out = tmp_path / "sw"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = []
    for vals in ("reserve.commandos=100,1000", "reserve.commandos=200,2000"):
        args = ["-m", *SYN, vals, "replicates=50", f"hydra.sweep.dir={out}", "hydra/launcher=basic"]
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "sim.cli.main", *args],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    loser = next(r for r in results if r[0] == 2)
    assert "in use by" in loser[2] or "it holds another sweep" in loser[2]
    winner = next(r for r in results if r[0] == 0)
    sw = open_sweep(out)
    assert len(sw.runs) == 100  # exactly the winner's 2 jobs x 50 replicates
    assert str(int(sw.runs["reserve.commandos"].min())) in winner[1]


def test_non_empty_foreign_dir_is_refused(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "runs.parquet").write_text("my own file")
    err = one_line(sweep(out, "reserve.commandos=100", cwd=tmp_path, check=None))
    assert "a new or empty directory (it holds runs.parquet and no sweep.json" in err
    assert (out / "runs.parquet").read_text() == "my own file"


# ------------------------------------------------------------------ damaged job files
@pytest.mark.parametrize("damage", ["truncate", "garbage", "marker", "missing"])
def test_damaged_job_file_is_run_again(tmp_path, damage):
    out = tmp_path / "sw"
    sweep(out, "reserve.commandos=100,1000", cwd=tmp_path)
    f = out / "1" / "runs.parquet"
    data = f.read_bytes()
    if damage == "truncate":
        f.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        f.write_bytes(b"")
    elif damage == "garbage":
        f.write_bytes(b"x" * len(data))
    elif damage == "marker":
        (out / "1" / "done.json").write_text('{"config_hash": "trunc')
    else:
        f.unlink()
    p = sweep(out, "reserve.commandos=100,1000", cwd=tmp_path)
    assert p.stdout.count("already complete, skipped") == 1
    if damage != "marker":
        assert "job 1: runs.parquet does not match done.json; running it again" in p.stdout
    sw = open_sweep(out)
    assert len(sw.runs) == 4 and sorted(sw.runs.job.unique()) == [0, 1]


def test_damaged_file_without_rerun_fails_the_merge(tmp_path):
    from sim.results import merge_sweep

    out = tmp_path / "sw"
    sweep(out, "reserve.commandos=100,1000,2000", cwd=tmp_path)
    f = out / "2" / "events.parquet"
    f.write_bytes(f.read_bytes()[:100])
    counts = merge_sweep(out)
    assert counts == {
        "jobs": 3,
        "done": 2,
        "failed": 0,
        "missing": 0,
        "damaged": 1,
        "rows": 4,
        "code_versions": 1,
    }
    assert len(open_sweep(out).runs) == 4


# ------------------------------------------------------------------ edited tables
def test_edited_tables_refuse_resume(tmp_path):
    scen = tmp_path / "scen"
    shutil.copytree(scenarios_dir(), scen)
    env = {"CONFLICT_SIM_SCENARIOS": str(scen)}
    out = tmp_path / "sw"
    args = [
        "-m",
        "reserve.commandos=500,4000",
        "timeline.horizon_days=110",
        "replicates=2",
        f"hydra.sweep.dir={out}",
        "hydra/launcher=basic",
    ]
    cli(*args, cwd=tmp_path, env=env, check=0)
    g = scen / "data" / "afghanistan_2021" / "garrisons.csv"
    lines = g.read_text().splitlines()
    cells = lines[1].split(",")
    cells[2] = str(float(cells[2]) + 1000)  # personnel_nominal of the first garrison
    g.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    err = one_line(cli(*args, cwd=tmp_path, env=env))
    assert "it holds the same points run on other data (the scenario tables have changed since)" in err
    assert len(open_sweep(out).runs) == 4


def test_user_scenario_dir_tables_are_used(tmp_path):
    """--config-dir, CONFLICT_SIM_SCENARIOS and hydra.searchpath read a scenario's YAML and its
    tables from the same folder."""
    scen = tmp_path / "scen"
    shutil.copytree(scenarios_dir(), scen)
    loc = scen / "data" / "afghanistan_2021" / "garrisons.csv"
    df = pd.read_csv(loc)
    df["personnel_nominal"] = 0.0  # no government: every capital falls early
    df.to_csv(loc, index=False)
    overlay = tmp_path / "overlay"  # only a new scenario and its tables, beside the project's
    (overlay / "scenario").mkdir(parents=True)
    shutil.copytree(scen / "data" / "afghanistan_2021", overlay / "data" / "mine")
    text = (scenarios_dir() / "scenario" / "afghanistan_2021.yaml").read_text()
    text = re.sub(r"^name: .*$", "name: mine", text, count=1, flags=re.M)
    text = re.sub(r"^  dir: .*$", "  dir: data/mine", text, count=1, flags=re.M)
    (overlay / "scenario" / "mine.yaml").write_text(text)
    outs = {}
    # 40 days; the two August events lie past that horizon, so they are switched off
    short = ["timeline.horizon_days=40", "events.2.enabled=false", "events.3.enabled=false"]
    for how, extra, env in (
        ("package", [], None),
        ("env", [], {"CONFLICT_SIM_SCENARIOS": str(scen)}),
        ("config-dir", ["--config-dir", str(scen)], None),
        ("searchpath", ["scenario=mine", f"hydra.searchpath=[file://{overlay}]"], None),
    ):
        d = tmp_path / how
        cli(*extra, *short, f"hydra.run.dir={d}", cwd=tmp_path, env=env, check=0)
        outs[how] = pd.read_parquet(d / "results" / "runs.parquet")["capitals_fallen"].iloc[0]
    assert outs["env"] == outs["config-dir"] == outs["searchpath"] > outs["package"]
    err = one_line(cli("--config-dir", str(tmp_path), cwd=tmp_path))
    assert "--config-dir" in err and "config.yaml" in err
    err = one_line(cli("--config-path", str(scen), cwd=tmp_path))
    assert "--config-path" in err


# ------------------------------------------------------------------ exit status of a multirun
def test_multirun_with_failed_jobs_exits_nonzero(tmp_path):
    out = tmp_path / "sw"
    p = sweep(out, "model.combat.noise=0.2,7", cwd=tmp_path, check=1)
    assert "conflict-sim: error: 1 failed of 2 job(s)" in p.stderr
    assert len(open_sweep(out).runs) == 2
    p = sweep(tmp_path / "all", "model.combat.noise=8,7", cwd=tmp_path, check=1)
    assert "2 failed of 2 job(s)" in p.stderr


# ------------------------------------------------------------------ hostile names, SQL
@pytest.fixture(scope="module")
def plain_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plain")
    sweep(tmp / "sw", "reserve.commandos=100,1000", cwd=tmp)
    return tmp / "sw"


@pytest.mark.parametrize(
    "name",
    ["it's", "x'); DROP TABLE runs; --", "star*", "br[ack]et", "sp ace", 'quo"te', "ünï"],
    ids=["apostrophe", "injection", "star", "brackets", "space", "dquote", "unicode"],
)
def test_hostile_sweep_dir_names(tmp_path, plain_sweep, name):
    out = tmp_path / name / "sw"
    shutil.copytree(plain_sweep, out)  # a sweep directory whose path has the hostile name in it
    (out / "runs.parquet").unlink()  # merged again under the hostile name
    sw = open_sweep(out)
    assert sw.sql("SELECT count(*) AS n FROM runs").n[0] == 4
    assert sw.sql("SELECT count(*) AS n FROM series").n[0] == len(sw.series) > 0
    q = sw.sql('SELECT "reserve.commandos" AS c, count(*) AS n FROM runs GROUP BY 1 ORDER BY 1')
    assert q.c.tolist() == [100.0, 1000.0]
    assert sw.sql("SELECT count(*) AS n FROM runs WHERE job = ?", [1]).n[0] == 2


def test_unparsable_override_is_one_line(tmp_path):
    err = one_line(cli("-m", *SYN, f"hydra.sweep.dir={tmp_path}/it's", cwd=tmp_path))
    assert "override: hydra.sweep.dir = " in err and "quote" in err


@pytest.mark.parametrize("multirun", [False, True], ids=["run", "multirun"])
def test_list_for_a_string_field_is_one_line(tmp_path, multirun):
    """A list value ([a,b]) is a value, not a sweep: checked before Hydra, in one line."""
    flags = ["-m", f"hydra.sweep.dir={tmp_path}/sw"] if multirun else [f"hydra.run.dir={tmp_path}/r"]
    err = one_line(cli(*flags, *SYN, "description=[1,2]", cwd=tmp_path))
    assert "override: description = '[1,2]' is invalid" in err and "Cannot convert 'list'" in err
    assert not (tmp_path / "sw").exists() and not (tmp_path / "r").exists()


@pytest.mark.parametrize("value", ["1,2", "range(1,3)"])
def test_sweep_without_multirun_is_one_line(tmp_path, value):
    err = one_line(cli(f"hydra.run.dir={tmp_path}/r", *SYN, f"seed={value}", cwd=tmp_path))
    assert f"override: seed = '{value}' is invalid; allowed: one value; add -m" in err


def test_sweep_values_are_typed_and_sort_as_numbers(tmp_path):
    out = tmp_path / "sw"
    sweep(
        out,
        "reserve.commandos=12000,4000",
        "model.withdrawal.end=2021-02-01,2021-01-20",
        cwd=tmp_path,
        reps=1,
    )
    sw = open_sweep(out)
    assert sw.sql('SELECT DISTINCT "reserve.commandos" AS c FROM runs ORDER BY 1').c.tolist() == [4000, 12000]
    ends = sw.sql('SELECT DISTINCT "model.withdrawal.end" AS e FROM runs ORDER BY 1').e
    assert [str(e)[:10] for e in ends] == ["2021-01-20", "2021-02-01"]
    assert pd.api.types.is_datetime64_any_dtype(sw.runs["model.withdrawal.end"])


# ------------------------------------------------------------------ unwritable outputs, run dirs
def test_unwritable_output_dir(tmp_path, monkeypatch):
    """As root every directory is writable, so the permission check is exercised through os.access."""
    from sim.cli.main import check_overrides
    from sim.paths import PathError

    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if str(p) == str(ro) else real(p, m))
    for args, key in (
        ([f"hydra.run.dir={ro}/x"], "hydra.run.dir"),
        (["-m", f"hydra.sweep.dir={ro}"], "hydra.sweep.dir"),
    ):
        with pytest.raises(PathError) as e:
            check_overrides([*SYN, *args])
        assert str(e.value).startswith(f"{key}: path = ") and "\n" not in str(e.value)


def test_output_dir_that_is_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    for key, flag in (("hydra.run.dir", []), ("hydra.sweep.dir", ["-m"])):
        err = one_line(cli(*flag, *SYN, f"{key}={tmp_path}/afile/sub", cwd=tmp_path))
        assert f"{key}: path = " in err and "is a directory, not a file" in err
    assert (tmp_path / "afile").read_text() == "x"


def test_two_runs_started_together_keep_both(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "sim.cli.main", *SYN, f"seed={s}"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in (1, 2)
    ]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    dirs = sorted((tmp_path / "outputs" / "runs").iterdir())
    assert len(dirs) == 2
    seeds = sorted(int(pd.read_parquet(d / "results" / "runs.parquet").seed.iloc[0]) for d in dirs)
    assert seeds == [1, 2]


# ------------------------------------------------------------------ files that reach Hydra
@pytest.mark.parametrize(
    "group,text,key",
    [
        (
            "scenario",
            "hydra:\n  callbacks:\n    x:\n      _target_: builtins.print\n",
            "hydra.callbacks.x._target_",
        ),
        ("scenario", "hydra:\n  run:\n    dir: /tmp/elsewhere\n", "hydra.run.dir"),
        ("sweep", "hydra:\n  callbacks:\n    x:\n      _target_: os.system\n", "hydra.callbacks.x._target_"),
        ("sweep", "hydra:\n  job:\n    env_set:\n      X: '1'\n", "hydra.job.env_set.X"),
        ("fit", "model:\n  combat:\n    _target_: os.system\n", "model.combat._target_"),
        ("fit", "hydra:\n  verbose: true\n", "hydra.verbose"),
        # an explore preset may pick the explore sweeper and set its settings, nothing else
        ("explore", "hydra:\n  sweeper:\n    n: 4\n  job:\n    chdir: true\n", "hydra.job.chdir"),
        ("explore", "defaults:\n  - override /hydra/launcher: joblib\n", "defaults"),
    ],
)
def test_yaml_reaching_hydra_is_refused(tmp_path, group, text, key):
    scen = tmp_path / "scen"
    shutil.copytree(scenarios_dir(), scen)
    name = "evil"
    base = (
        (scen / "scenario" / "synthetic.yaml").read_text() if group == "scenario" else "# @package _global_\n"
    )
    (scen / group / f"{name}.yaml").write_text(base + text)
    sel = {
        "scenario": f"scenario={name}",
        "sweep": f"+sweep={name}",
        "fit": f"+fit={name}",
        "explore": f"+explore={name}",
    }[group]
    marker = tmp_path / "hydra_ran"
    err = one_line(
        cli(
            sel,
            "scenario=synthetic" if group != "scenario" else sel,
            f"hydra.run.dir={marker}",
            cwd=tmp_path,
            env={"CONFLICT_SIM_SCENARIOS": str(scen)},
        )
    )
    assert f"scenarios/{group}/{name}.yaml: {key} = " in err
    assert "no hydra.* key (a sweep file may set hydra.sweeper.params" in err and "and no _target_" in err
    assert not marker.exists()


@pytest.mark.parametrize("value", ["../scenario/synthetic", "/etc/passwd", "a/../../b", "..", "x$y", "a\\b"])
@pytest.mark.parametrize("group", ["scenario", "+sweep", "+fit"])
def test_group_option_paths_refused(group, value):
    from sim.cli.main import check_overrides
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError) as e:
        check_overrides([f"{group}={value}"])
    msg = str(e.value)
    assert f"override: {group.lstrip('+')} = " in msg and "allowed: a plain name" in msg and "\n" not in msg


def test_group_option_path_refused_by_the_command(tmp_path):
    err = one_line(cli("+fit=../../etc/x", cwd=tmp_path))
    assert "override: fit = '../../etc/x' is invalid; allowed: a plain name" in err


def test_fit_name_in_outputs_and_scenarios_is_refused(tmp_path):
    """A calibration's fit under outputs/fit/ with the name of a shipped fit: Hydra would merge
    the two (one as a schema, with a deprecation warning); selecting it is refused in one line
    naming both files, and a calibration to that name is refused before it runs."""
    fit = tmp_path / "outputs" / "fit"
    fit.mkdir(parents=True)
    text = "# @package _global_\nmodel:\n  morale:\n    b0: 1.0\n"
    (fit / "afghanistan_2021_pull_back.yaml").write_text(text)
    err = one_line(cli("+fit=afghanistan_2021_pull_back", "replicates=1", cwd=tmp_path))
    assert "outputs/fit/afghanistan_2021_pull_back.yaml: fit = 'afghanistan_2021_pull_back'" in err
    assert "scenarios/fit/afghanistan_2021_pull_back.yaml: rename or move one of the two" in err
    code = "from sim.inference.abc import calibrate as c\nc('synthetic', name='afghanistan_2021_posterior')"
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=99)
    assert p.returncode != 0 and "calibrate: name = 'afghanistan_2021_posterior' is invalid" in p.stderr
    assert not (fit / "afghanistan_2021_posterior.yaml").exists()


# ------------------------------------------------------------------ README's flag position
def test_flags_may_stand_anywhere(tmp_path):
    p = cli(
        *SYN[:1],
        "-m",
        *SYN[1:],
        "reserve.commandos=100,200",
        "replicates=1",
        "hydra/launcher=basic",
        f"hydra.sweep.dir={tmp_path / 'sw'}",
        cwd=tmp_path,
        check=0,
    )
    assert "merged 2 of 2 jobs (2 runs)" in p.stdout


def test_lock_file_does_not_block_a_finished_sweep(tmp_path):
    out = tmp_path / "sw"
    sweep(out, "reserve.commandos=100", cwd=tmp_path)
    assert (out / LOCK).exists()
    (out / "runs.parquet").unlink()
    assert len(open_sweep(out).runs) == 2  # merged again: nobody holds the lock
    manifest = json.loads((out / "sweep.json").read_text())
    assert len(manifest["jobs"]) == 1 and time.time() > 0


def test_run_dir_of_an_earlier_run_is_refused(tmp_path):
    d = tmp_path / "run"
    cli(*SYN, "seed=1", f"hydra.run.dir={d}", cwd=tmp_path, check=0)
    before = (d / "results" / "runs.parquet").read_bytes(), (d / ".hydra" / "config.yaml").read_text()
    err = one_line(cli(*SYN, "seed=2", f"hydra.run.dir={d}", cwd=tmp_path))
    assert "holds an earlier run's results/; nothing was changed" in err
    assert (
        (d / "results" / "runs.parquet").read_bytes(),
        (d / ".hydra" / "config.yaml").read_text(),
    ) == before
