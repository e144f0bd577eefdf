"""The five commands: one key=value style, --help from the schema, one-line errors (issue 15)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario.schema import Config, iter_params

REPO = Path(__file__).resolve().parents[2]
SYN = ["scenario=synthetic", "synthetic.n_locations=30", "synthetic.n_units=40", "timeline.horizon_days=20"]
COMMANDS = {
    "conflict-sim": "sim.cli.main",
    "conflict-sim-report": "sim.cli.report",
    "conflict-sim-calibrate": "sim.cli.calibrate",
    "conflict-sim-forecast": "sim.cli.forecast",
    "conflict-sim-score": "sim.cli.score",
    "conflict-sim-validate": "sim.cli.validate",
}


def run(cmd, *args, cwd, check=None):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    code = (
        f"import sys; sys.argv[0] = {cmd!r}; import runpy; "
        f"runpy.run_module({COMMANDS[cmd]!r}, run_name='__main__')"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    if check is not None and p.returncode != check:
        raise AssertionError(f"exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def one_line(p, status=2):
    assert p.returncode == status, (p.stdout, p.stderr)
    err = p.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("cmd", list(COMMANDS))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(cmd, flag, tmp_path):
    p = run(cmd, flag, cwd=tmp_path, check=0)
    out = p.stdout
    assert f"usage: {cmd}" in out and "key=value" in out
    if cmd in ("conflict-sim", "conflict-sim-calibrate", "conflict-sim-forecast"):
        rows = iter_params(Config(name="x"))
        for path, _default, meta in rows:
            line = next((ln for ln in out.splitlines() if ln.strip().startswith(path + " ")), None)
            assert line is not None, path
            assert meta["unit"] in line and meta["doc"][:20] in line, line
        assert re.search(r"\n  model\.combat\.beta_ins +0\.03  \[0 \.\. 1\] +1/day: ", out)
        assert re.search(r"\n  reserve\.commandos +3000  \[0 \.\. 1,000,000\] +people: ", out)
        assert len(out.splitlines()) > len(rows)
    assert "hydra:" not in out.split("\n", 3)[0]  # not Hydra's YAML dump
    if cmd == "conflict-sim":
        assert "conflict-sim -sc install=bash" in out


@pytest.mark.parametrize(
    "cmd,args,phrase",
    [
        (
            "conflict-sim-forecast",
            ["replicates=abc"],
            "replicates = 'abc' is invalid; allowed: an integer >= 1",
        ),
        (
            "conflict-sim-forecast",
            ["replicates=0"],
            "replicates = '0' is invalid; allowed: an integer 1 <= value",
        ),
        ("conflict-sim-forecast", ["seed=-1"], "seed = '-1' is invalid; allowed: an integer 0 <= value"),
        ("conflict-sim-forecast", ["islands=0"], "islands = '0' is invalid; allowed: an integer 1 <= value"),
        ("conflict-sim-forecast", ["workers=two"], "workers = 'two' is invalid; allowed: an integer"),
        ("conflict-sim-forecast", ["weigh_provinces=maybe"], "weigh_provinces = 'maybe' is invalid"),
        (
            "conflict-sim-forecast",
            ["weigh_district_events=1x"],
            "weigh_district_events = '1x' is invalid; allowed: true or",
        ),
        ("conflict-sim-forecast", ["assimilate=nope"], "assimilate = 'nope' is invalid; allowed: true or"),
        ("conflict-sim-forecast", ["seed=99999999999999999999"], "seed = '99999999999999999999' is invalid"),
        (
            "conflict-sim-forecast",
            ["resample=nan"],
            "resample = 'nan' is invalid; allowed: a number 0 < value <= 1",
        ),
        (
            "conflict-sim-forecast",
            ["assimilate=maybe"],
            "assimilate = 'maybe' is invalid; allowed: true or false",
        ),
        (
            "conflict-sim-forecast",
            ["cutoff=yesterday"],
            "cutoff = 'yesterday' is invalid; allowed: an ISO date",
        ),
        (
            "conflict-sim-forecast",
            ["out=scenarios/fc"],
            "out = 'scenarios/fc' is invalid; allowed: a directory outside",
        ),
        (
            "conflict-sim-calibrate",
            ["name=../../evil"],
            "name = '../../evil' is invalid",
        ),
        ("conflict-sim-calibrate", ["name=/tmp/x"], "allowed: a plain name"),
        ("conflict-sim-calibrate", ["population=1e9x"], "population = '1e9x' is invalid"),
        ("conflict-sim-report", ["--bogus"], "unknown option '--bogus'"),
        ("conflict-sim-report", [], "sweep=DIR is required"),
        ("conflict-sim-score", ["forecast=x"], "observed=... is required"),
        (
            "conflict-sim-score",
            ["x", "y", "brier_dates=[2021-02-30]"],
            "brier_dates = '[2021-02-30]' is invalid",
        ),
        ("conflict-sim-score", ["x", "y", "plot=maybe"], "plot = 'maybe' is invalid; allowed: true or false"),
        (
            "conflict-sim-validate",
            ["ablation=maybe"],
            "ablation = 'maybe' is invalid; allowed: true or false",
        ),
    ],
)
def test_bad_keys_one_line(cmd, args, phrase, tmp_path):
    err = one_line(run(cmd, *args, cwd=REPO if "scenarios/fc" in " ".join(args) else tmp_path))
    assert err.startswith(f"{cmd}: error: ") and phrase in err


def test_calibrate_unwritable_out_refused_before_trials(tmp_path):
    (tmp_path / "afile").write_text("x")
    err = one_line(run("conflict-sim-calibrate", *SYN, "observations=x.csv", cwd=tmp_path))
    assert "observations" in err or "priors" in err
    p = run(
        "conflict-sim-calibrate",
        "scenario=afghanistan_2021",
        "population=2",
        "generations=1",
        f"out={tmp_path}/afile/sub",
        cwd=tmp_path,
    )
    err = one_line(p)
    assert "calibrate out: path = " in err and "generation" not in p.stdout


# ------------------------------------------------------------------ report on odd directories
def _sweep(tmp_path):
    out = tmp_path / "sw"
    run(
        "conflict-sim",
        "-m",
        *SYN,
        "reserve.commandos=12000,4000,500",
        "replicates=2",
        "hydra/launcher=basic",
        f"hydra.sweep.dir={out}",
        cwd=tmp_path,
        check=0,
    )
    return out


def test_report_numeric_order_and_both_styles(tmp_path):
    out = _sweep(tmp_path)
    a = run("conflict-sim-report", f"sweep={out}", cwd=tmp_path, check=0).stdout
    b = run("conflict-sim-report", str(out), cwd=tmp_path, check=0).stdout
    assert a == b
    lines = [ln.split()[0] for ln in a.splitlines()[1:4]]
    assert lines == ["500", "4000", "12000"]  # numeric order; whole counts without ".0"
    assert (out / "capitals_fallen.png").stat().st_size > 1000 and (out / "capitals_held.png").is_file()


@pytest.mark.parametrize("damage", ["truncate-merged", "garbage-merged", "truncate-job", "no-manifest"])
def test_report_on_damaged_sweep(tmp_path, damage):
    out = _sweep(tmp_path)
    if damage == "truncate-merged":
        f = out / "runs.parquet"
        f.write_bytes(f.read_bytes()[:200])
    elif damage == "garbage-merged":
        (out / "events.parquet").write_bytes(b"garbage")
    elif damage == "truncate-job":
        (out / "runs.parquet").unlink()
        f = out / "1" / "runs.parquet"
        f.write_bytes(f.read_bytes()[:200])
    else:
        (out / "sweep.json").unlink()
    p = run("conflict-sim-report", f"sweep={out}", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    rows = [ln for ln in p.stdout.splitlines()[1:] if ln.strip() and ln.split()[0][0].isdigit()]
    assert len(rows) == (2 if damage == "truncate-job" else 3), p.stdout


@pytest.mark.parametrize("kind", ["single-run", "results-dir", "empty", "missing", "a-file", "foreign"])
def test_report_on_what_is_not_a_sweep(tmp_path, kind):
    target = tmp_path / "t"
    if kind in ("single-run", "results-dir"):
        run("conflict-sim", *SYN, f"hydra.run.dir={target}", cwd=tmp_path, check=0)
        if kind == "results-dir":
            target = target / "results"
    elif kind == "empty":
        target.mkdir()
    elif kind == "a-file":
        target.write_text("x")
    elif kind == "foreign":
        target.mkdir()
        (target / "notes.txt").write_text("x")
    err = one_line(run("conflict-sim-report", f"sweep={target}", cwd=tmp_path))
    assert err.startswith("conflict-sim-report: error: conflict-sim sweep: path = ")
    if kind in ("single-run", "results-dir"):
        assert "this is a single run: read it with sim.read_parquet(" in err


# ------------------------------------------------------------------ forecast and score folders
def test_forecast_and_score_never_overwrite_a_users_folder(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    err = one_line(
        run(
            "conflict-sim-forecast",
            *SYN,
            "cutoff=2021-01-10",
            "replicates=4",
            "assimilate=false",
            f"out={mine}",
            cwd=tmp_path,
        )
    )
    assert "forecast out: path = " in err and "nothing was changed" in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    fc = tmp_path / "fc"
    for _ in range(2):  # an earlier forecast is replaced
        run(
            "conflict-sim-forecast",
            *SYN,
            "cutoff=2021-01-10",
            "replicates=4",
            "assimilate=false",
            f"out={fc}",
            cwd=tmp_path,
            check=0,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fc", "mine"]
    obs = tmp_path / "obs.csv"
    obs.write_text(
        "date,kind,quantity,location,value,of_total,weight,source,note\n"
        "2021-01-15,count,capitals_held,,8,,,test,\n"
    )
    # plot=false: score_plot fails on a table without fall events (sim/evaluation, reported to the lead)
    p = run(
        "conflict-sim-score", f"forecast={fc}", f"observed={obs}", f"out={mine}", "plot=false", cwd=tmp_path
    )
    assert "score out: path = " in one_line(p)
    run("conflict-sim-score", f"forecast={fc}", f"observed={obs}", "plot=false", cwd=tmp_path, check=0)
    run("conflict-sim-score", str(fc), str(obs), "--no-plot", cwd=tmp_path, check=0)  # old spelling
    for d in ("2020-12-31", "2021-03-01"):  # before the start, after the horizon
        err = one_line(
            run("conflict-sim-score", str(fc), str(obs), f"brier_dates=[{d}]", "plot=false", cwd=tmp_path)
        )
        assert f"score: brier_dates = '{d}' is invalid; allowed: dates within the forecast 2021-01-01" in err
    assert (fc / "score" / "scores.yaml").is_file()


def test_refused_single_run_leaves_no_empty_run_dir(tmp_path):
    """A bad override of a single run is refused in one line, and the run directory Hydra made
    for it (its .hydra files and an empty main.log) is removed; a file already in a directory the
    run was pointed at is kept."""
    err = one_line(run("conflict-sim", "reserve.commandos=-5", cwd=tmp_path))
    assert "reserve.commandos = -5.0 is invalid" in err
    runs = tmp_path / "outputs" / "runs"
    assert not runs.exists() or not any(runs.iterdir()), list(runs.rglob("*"))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    one_line(run("conflict-sim", "reserve.commandos=-5", f"hydra.run.dir={mine}", cwd=tmp_path))
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert (mine / "notes.txt").read_text() == "keep me"
