"""The design -> jobs -> analysis path end to end, with the Ishigami function as the model."""

import json

import numpy as np
import pandas as pd
import pytest
from explore_util import ISHIGAMI, run_ishigami
from SALib.analyze import sobol as salib_sobol

from sim.explore import open_explore, read_design


def _f(v: np.ndarray) -> np.ndarray:
    x1, x2, x3 = v.T
    return np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)


def test_sobol_design_runs_every_point_as_a_job(ishigami_sobol):
    out, p = ishigami_sobol
    design, meta = read_design(out)
    assert design.n_points == 32 * (2 * 3 + 2) and meta["replicates"] == 3
    assert "merged 256 of 256 jobs (768 runs)" in p.stdout
    ex = open_explore(out)
    runs = ex.sweep.runs
    assert sorted(runs["job"].unique()) == list(range(256))
    # common random numbers: replicate r has the same seed at every point
    assert (runs.groupby("replicate")["seed"].nunique() == 1).all()
    # each job ran its own point: y - noise(seed) is the Ishigami function of the design's values
    pts = ex.points()
    m = runs[["job", "replicate", "y"]].merge(pts, on="job")
    f = _f(m[["x1", "x2", "x3"]].to_numpy())
    resid = (m["y"] - f).to_numpy()
    by_rep = pd.Series(resid).groupby(m["replicate"].to_numpy())
    assert (by_rep.std() < 1e-9).all()  # the same noise draw at every point
    assert by_rep.mean().abs().max() > 0.01  # and there is noise


def test_ishigami_indices_through_the_pipeline_match_salib_and_the_analytic_values(ishigami_sobol):
    out, _ = ishigami_sobol
    ex = open_explore(out)
    s = ex.sensitivity("y", num_resamples=500).set_index(["index", "param", "param2"])
    # 1. exactly what SALib gives on the same design evaluated in process (noise-free: under common
    #    random numbers the replicate noise is the same constant at every point and cancels)
    design = ex.design
    ref = salib_sobol.analyze(
        design.problem, _f(design.values()), calc_second_order=True, seed=0, num_resamples=50
    )
    for j, x in enumerate(("x1", "x2", "x3")):
        assert s.loc[("S1", x, ""), "value"] == pytest.approx(ref["S1"][j], abs=1e-9)
        assert s.loc[("ST", x, ""), "value"] == pytest.approx(ref["ST"][j], abs=1e-9)
    assert s.loc[("S2", "x1", "x3"), "value"] == pytest.approx(ref["S2"][0, 2], abs=1e-9)
    # 2. the analytic indices lie within the reported bootstrap intervals (widened by half, as
    #    bootstrap intervals of Sobol estimators under-cover at N = 32)
    for j, x in enumerate(("x1", "x2", "x3")):
        for k in ("S1", "ST"):
            v, c = s.loc[(k, x, ""), ["value", "conf"]]
            assert abs(v - ISHIGAMI[k][j]) <= 1.5 * c + 0.02, (k, x, v, c, ISHIGAMI[k][j])
    v, c = s.loc[("S2", "x1", "x3"), ["value", "conf"]]
    assert abs(v - ISHIGAMI["S13"]) <= 1.5 * c + 0.02
    # the ordering an analyst reads off is right: x3 acts only through its interaction with x1
    assert s.loc[("ST", "x3", ""), "value"] > s.loc[("S1", "x3", ""), "value"] + 0.1
    ex.save()
    assert ex.sql("SELECT count(*) AS n FROM sensitivity WHERE \"index\" = 'S2'").n[0] == 3


def test_variance_split_separates_noise_from_the_parameters(ishigami_sobol):
    out, _ = ishigami_sobol
    ex = open_explore(out)
    v = ex.variance("y").iloc[0]
    # the app's noise: 2 z_r with z_r drawn from replicate r's seed, the same at every point
    z = np.array([np.random.default_rng([s]).standard_normal() for s in (0, 1, 2)])
    f = _f(ex.design.values())
    assert v["var_within"] == pytest.approx(4.0 * z.var(ddof=1), rel=1e-9)
    assert v["var_param"] == pytest.approx(f.var(ddof=1), rel=0.02)
    assert v["noise_share"] == pytest.approx(v["var_within"] / v["var_total"])
    assert v["var_means"] == pytest.approx(f.var(ddof=1), rel=1e-9)  # the noise cancels in the means
    assert v["noise_in_means"] < 0.02


def test_without_common_random_numbers_noise_stays_in_the_point_means(tmp_path):
    out = tmp_path / "lhs"
    run_ishigami(
        "hydra.sweeper.design=lhs",
        "hydra.sweeper.n=24",
        "hydra.sweeper.params=[x1,x2,x3]",
        "replicates=4",
        "noise=3.0",
        "crn=false",
        f"hydra.sweep.dir={out}",
    )
    v = open_explore(out).variance("y").iloc[0]
    # independent noise per point: Var(point means) = Var(f) + 9 / 4
    expected = (9.0 / 4.0) / v["var_means"]
    assert v["noise_in_means"] == pytest.approx(expected, abs=0.12)
    assert v["noise_in_means"] > 0.05


def test_failing_points_keep_every_other_row_and_resume_skips_finished_points(tmp_path):
    out = tmp_path / "fail"
    args = [
        "hydra.sweeper.design=sobol",
        "hydra.sweeper.n=4",
        "hydra.sweeper.params=[x1,x2,x3]",
        "replicates=2",
        "fail_above=1.8",
        f"hydra.sweep.dir={out}",
    ]
    p = run_ishigami(*args)
    design, _ = read_design(out)
    x1 = design.values()[:, 0]
    bad = set(np.flatnonzero(x1 > 1.8))
    assert 0 < len(bad) < design.n_points
    ex = open_explore(out)
    assert set(ex.sweep.failures["job"]) == bad
    assert set(ex.sweep.runs["job"]) == set(range(design.n_points)) - bad
    assert len(ex.sweep.runs) == 2 * (design.n_points - len(bad))
    assert "planted failure" in ex.sweep.failures["error"].iloc[0]
    # the analysis drops the Saltelli blocks that lost a point and uses the rest
    pts = ex.points("y")
    assert (pts.loc[pts["job"].isin(bad), "n"] == 0).all()
    blocks_left = pts.groupby("block")["n"].min().gt(0).sum()
    assert 0 < blocks_left < 4
    s = ex.sensitivity("y", num_resamples=50)
    assert s["value"].notna().all() and len(s) == 9
    # resume: the same sweep again skips every finished point, re-runs (and re-records) the failed
    done_before = json.loads((out / "0" / "done.json").read_text()) if 0 not in bad else None
    p2 = run_ishigami(*args)
    assert p2.stdout.count("already complete, skipped") == design.n_points - len(bad)
    assert p2.stderr.count("planted failure") == len(bad)
    again = open_explore(out)
    pd.testing.assert_frame_equal(
        again.sweep.runs.sort_values(["job", "replicate"]).reset_index(drop=True),
        ex.sweep.runs.sort_values(["job", "replicate"]).reset_index(drop=True),
    )
    if done_before is not None:
        assert json.loads((out / "0" / "done.json").read_text()) == done_before
    assert p.returncode == 0


def test_a_different_design_into_the_same_directory_is_refused(tmp_path):
    out = tmp_path / "d"
    run_ishigami(
        "hydra.sweeper.design=lhs",
        "hydra.sweeper.n=4",
        "hydra.sweeper.params=[x1,x2]",
        f"hydra.sweep.dir={out}",
    )
    p = run_ishigami(
        "hydra.sweeper.design=lhs",
        "hydra.sweeper.n=5",
        "hydra.sweeper.params=[x1,x2]",
        f"hydra.sweep.dir={out}",
        check=False,
    )
    assert p.returncode == 2
    err = p.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in p.stderr
    assert "hydra.sweep.dir: design" in err and "the same design to resume it" in err


def test_sweep_values_and_bad_params_get_one_line_errors(tmp_path):
    p = run_ishigami("hydra.sweeper.params=[x1,x9]", f"hydra.sweep.dir={tmp_path}/a", check=False)
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0
    assert "params: param = 'x9' is invalid; allowed: a config field with a range" in p.stderr
    p = run_ishigami("hydra.sweeper.params=[x1:-5:1,x2]", f"hydra.sweep.dir={tmp_path}/b", check=False)
    assert p.returncode == 2 and "a range within the schema's" in p.stderr
    p = run_ishigami(
        "hydra.sweeper.params=[x1,x2]", "noise=1,2", f"hydra.sweep.dir={tmp_path}/c", check=False
    )
    assert p.returncode == 2 and "override: noise = '1,2' is invalid; allowed: a single value" in p.stderr
    p = run_ishigami(
        "hydra.sweeper.params=[x1,x2]", "hydra.sweeper.n=12", f"hydra.sweep.dir={tmp_path}/d", check=False
    )
    assert p.returncode == 2 and "a power of two for a Sobol design" in p.stderr
    p = run_ishigami("hydra.sweeper.params=[x1,x2]", "x1=0.5", f"hydra.sweep.dir={tmp_path}/e", check=False)
    assert p.returncode == 2 and "no fixed value for a parameter the design varies" in p.stderr


def test_design_points_run_through_submitit_like_any_sweep(tmp_path):
    """The launcher is whatever the config says: here submitit's local executor (SLURM's twin)."""
    out = tmp_path / "submitit"
    p = run_ishigami(
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=10",
        "hydra.sweeper.design=lhs",
        "hydra.sweeper.n=3",
        "hydra.sweeper.params=[x1,x2]",
        "replicates=2",
        f"hydra.sweep.dir={out}",
    )
    assert "merged 3 of 3 jobs (6 runs)" in p.stdout
    ex = open_explore(out)
    m = ex.sweep.runs[["job", "y"]].merge(ex.points(), on="job")
    f = _f(np.column_stack([m["x1"], m["x2"], np.zeros(len(m))]))
    assert np.allclose(m["y"], f)  # noise 0: each job computed its own point
