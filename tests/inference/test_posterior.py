"""Posterior draws of the shipped 2021 fit (sim.inference.posterior): which replicate takes which
draw, the point estimate, and a user's override winning over the draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.inference.posterior import draw_index, read_samples, replicate_params

REPO = Path(__file__).resolve().parents[2]


def _posterior(scen):
    return read_samples(scen.posterior_file, scen.posterior_sha256)


def test_replicates_take_the_draw_of_their_seed():
    scen = sim.load_scenario("afghanistan_2021")
    post = _posterior(scen)
    assert len(post) == 400 and "model.morale.b0" in post
    seeds = np.arange(10, 20)
    rows = replicate_params(scen, seeds)
    assert rows is not None and len(rows) == 10
    for s, row in zip(seeds, rows, strict=True):
        assert row == post.iloc[draw_index(int(s), len(post))].to_dict()
    # draws differ between seeds (parameter uncertainty), and a lone run takes its seed's draw
    assert len({r["model.morale.b0"] for r in rows}) > 1
    lone = replicate_params(scen, np.array([13]))
    assert lone == [rows[3]]


def test_point_estimate_on_request():
    scen = sim.load_scenario("afghanistan_2021", ["posterior.draw=point"])
    assert replicate_params(scen, np.arange(5)) is None


def test_an_override_wins_over_the_draws():
    scen = sim.load_scenario("afghanistan_2021", ["model.morale.b0=3.5", "reserve.commandos=9000"])
    assert "model.morale.b0" in scen.pinned
    rows = replicate_params(scen, np.arange(6))
    assert rows is not None
    assert all("model.morale.b0" not in r for r in rows)  # kept as set
    assert len({r["model.combat.beta_ins"] for r in rows}) > 1  # the others still drawn
    # the pin survives a second round of overrides on the loaded scenario
    from sim.scenario.params import scenario_with_params

    again = scenario_with_params(scen, overrides=["reserve.commandos=100"])
    assert {"model.morale.b0", "reserve.commandos"} <= again.pinned
    assert all("model.morale.b0" not in r for r in replicate_params(again, np.arange(3)))


def test_a_fit_used_on_other_data_says_so(tmp_path):
    """A fit records the tables and observations it was calibrated on; used with others it warns
    in one line (the draws are then a sensitivity run, not the data's fit)."""
    import hashlib
    import importlib
    import warnings

    from sim.scenario import FitDataWarning
    from sim.scenario.load import fit_mismatches

    with warnings.catch_warnings():
        warnings.simplefilter("error", FitDataWarning)
        scen = sim.load_scenario("afghanistan_2021")  # the shipped fit, on the shipped data: silent
    obs = REPO / "scenarios" / "observations" / "afghanistan_2021.csv"
    assert fit_mismatches(scen, hashlib.sha256(obs.read_bytes()).hexdigest()) == []
    other = fit_mismatches(scen, "f" * 64)
    assert (
        len(other) == 1 and "calibrated against observations" in other[0] and "ffffffffffffffff" in other[0]
    )
    # the variant fits were made on the print's populations: loading one warns, naming both
    with pytest.warns(FitDataWarning, match=r"calibrated on the data tables tables:ab9ce27bffb58238") as rec:
        pb = sim.load_scenario("afghanistan_2021", ["+fit=afghanistan_2021_pull_back"])
    assert scen.data_fingerprint in str(rec[0].message) and "\n" not in str(rec[0].message)
    assert pb.data_fingerprint == scen.data_fingerprint
    # the commands print it as one line
    importlib.import_module("sim.cli.args")  # installs the commands' warning format

    line = warnings.formatwarning(rec[0].message, FitDataWarning, "x.py", 1)
    assert line.count("\n") == 1 and ": warning: the posterior afghanistan_2021_pull_back" in line
    assert "UserWarning" in warnings.formatwarning("x", UserWarning, "x.py", 1)  # others as before
