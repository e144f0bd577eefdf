"""The scenario cache (sim.scenario.cache): a hit is the scenario a fresh load builds, any
changed input misses, a broken file is rebuilt, ``off`` writes nothing, and a warm process
loads neither pandas nor Hydra."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.scenario import cache
from sim.scenario.load import compose_config, scenario_from_config


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("CONFLICT_SIM_CACHE", str(d))
    return d


def _fresh(name="afghanistan_2021", overrides=()):
    return scenario_from_config(compose_config(name, list(overrides)), list(overrides))


def _same(a, b) -> None:
    """Every field equal, the fingerprint recomputed on both."""
    a.__dict__.pop("fingerprint", None)
    b.__dict__.pop("fingerprint", None)
    assert a.fingerprint == b.fingerprint
    for t in ("provinces", "locations", "roads", "garrisons", "militias", "insurgents", "pools"):
        ta, tb = getattr(a, t), getattr(b, t)
        assert list(ta) == list(tb)
        for k in ta:
            assert ta[k].dtype == tb[k].dtype, (t, k)
            assert np.array_equal(ta[k], tb[k]), (t, k)
    for f in ("name", "description", "scenario_file", "start", "horizon_days", "patrons", "events"):
        assert getattr(a, f) == getattr(b, f), f
    assert dict(a.sources) == dict(b.sources) and a.pinned == b.pinned
    assert (a.posterior_file, a.posterior_sha256) == (b.posterior_file, b.posterior_sha256)
    assert np.array_equal(a.schedules, b.schedules) and not b.schedules.flags.writeable
    assert a.campaign.keys() == b.campaign.keys()
    for k, v in a.campaign.items():
        w = b.campaign[k]
        assert type(v) is type(w) and (np.array_equal(v, w) if isinstance(v, np.ndarray) else v == w)
    assert a.config == b.config and b.config._get_flag("readonly")


@pytest.mark.parametrize("overrides", [[], ["+fit=afghanistan_2021_pull_back", "reserve.commandos=900"]])
def test_a_hit_is_the_scenario_a_fresh_load_builds(cache_dir, overrides):
    first = sim.load_scenario("afghanistan_2021", overrides)
    files = sorted(cache_dir.glob("scenario-*.npz"))
    assert len(files) == 1
    hit = sim.load_scenario("afghanistan_2021", overrides)
    assert hit is not first and sorted(cache_dir.glob("scenario-*.npz")) == files
    _same(_fresh("afghanistan_2021", overrides), hit)
    _same(first, hit)
    a = sim.run(first, seed=3, replicates=2, parallel=False).summary
    b = sim.run(hit, seed=3, replicates=2, parallel=False).summary
    assert a.equals(b)


def test_a_changed_input_misses(cache_dir, scen):
    before = sim.load_scenario("afghanistan_2021")
    assert sim.load_scenario("afghanistan_2021").fingerprint == before.fingerprint  # a hit
    g = scen.lines("garrisons")[1].split(",")
    scen.replace_in_csv("garrisons", ",".join(g[:3]), ",".join([*g[:2], str(int(float(g[2])) + 7)]))
    after = sim.load_scenario("afghanistan_2021")
    assert after.fingerprint != before.fingerprint
    _same(_fresh(), after)
    assert len(list(cache_dir.glob("scenario-*.npz"))) == 2
    # an override is part of the key too
    assert sim.load_scenario("afghanistan_2021", ["reserve.commandos=901"]).config.reserve.commandos == 901


def test_a_posterior_outside_the_scenarios_folder_is_checked_on_every_hit(cache_dir, tmp_path):
    src = Path(sim.load_scenario("afghanistan_2021").posterior_file)
    mine = tmp_path / "mine.parquet"
    mine.write_bytes(src.read_bytes())
    ov = [f"posterior.samples={mine}"]
    a = sim.load_scenario("afghanistan_2021", ov)
    import pandas as pd

    pd.read_parquet(src).head(50).to_parquet(mine, index=False)
    b = sim.load_scenario("afghanistan_2021", ov)
    assert b.posterior_sha256 != a.posterior_sha256
    _same(_fresh("afghanistan_2021", ov), b)


def test_a_broken_file_is_rebuilt_a_blocked_folder_is_skipped_and_off_writes_nothing(cache_dir, monkeypatch):
    good = sim.load_scenario("afghanistan_2021")
    (f,) = cache_dir.glob("scenario-*.npz")
    f.write_bytes(b"not a cache file")
    again = sim.load_scenario("afghanistan_2021")
    _same(good, again)
    assert f.stat().st_size > 1000  # rewritten, atomically, by the load that missed
    blocked = cache_dir.parent / "a_file"
    blocked.write_text("x")
    monkeypatch.setenv("CONFLICT_SIM_CACHE", str(blocked))  # cannot be a folder: loads uncached
    _same(good, sim.load_scenario("afghanistan_2021"))
    assert blocked.read_text() == "x"
    off = cache_dir.parent / "off"
    monkeypatch.setenv("CONFLICT_SIM_CACHE", "off")
    assert cache.cache_dir() is None
    sim.load_scenario("afghanistan_2021")
    assert not off.exists()


def test_only_the_most_recently_used_files_are_kept(cache_dir, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 2)
    cache_dir.mkdir(parents=True)
    foreign = [cache_dir / "notes.txt", cache_dir / "scenario-mine.npz", cache_dir / "other.npz"]
    for p in foreign:
        p.write_text("not the cache's")
    for n in (900, 901, 902):
        sim.load_scenario("afghanistan_2021", [f"reserve.commandos={n}"])
    mine = [p for p in cache_dir.glob("scenario-*.npz") if p not in foreign]
    assert len(mine) == 2
    assert all(p.read_text() == "not the cache's" for p in foreign)
    # the kept ones are the last two: loading 902 again is a hit (no new file, none removed)
    sim.load_scenario("afghanistan_2021", ["reserve.commandos=902"])
    assert sorted(cache_dir.glob("scenario-*.npz")) == sorted([*mine, foreign[1]])


def test_a_warm_process_loads_neither_pandas_nor_hydra(cache_dir):
    code = (
        "import sys, sim; r = sim.run('afghanistan_2021', seed=0); "
        "print(sorted(m for m in ('pandas', 'hydra', 'pyarrow', 'matplotlib') if m in sys.modules))"
    )
    env = {**os.environ, "CONFLICT_SIM_CACHE": str(cache_dir)}
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert "hydra" in runs[0].stdout  # the first composes and stores
    assert runs[1].stdout.strip() == "[]", runs[1].stdout + runs[1].stderr
    assert {p.name.split("-")[0] for p in cache_dir.iterdir()} == {"scenario", "posterior", "graph"}


def test_candidate_tables_are_cached_under_the_graph(cache_dir):
    """The truncated Dijkstra of a road graph is read back on a warm start (issue 18: the plain
    twin replaced a 1.4 s compile of a cold start; the cache keeps it off a warm one): a hit
    equals the computed table, and another graph, K or radius computes anew."""
    from sim.scenario.cache import candidates
    from sim.world import candidate_table, road_csr

    rng = np.random.default_rng(5)
    src, dst = rng.integers(0, 40, 100), rng.integers(0, 40, 100)
    keep = src != dst
    graph = road_csr(40, src[keep], dst[keep], rng.choice([0.5, 1.0], keep.sum()))
    calls = []

    def compute(*args):
        calls.append(args[3:])
        return candidate_table(*args)

    first = candidates(graph, 6, 2.0, compute)
    again = candidates(graph, 6, 2.0, compute)
    assert len(calls) == 1
    for a, b, c in zip(first, again, candidate_table(*graph, 6, 2.0), strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    candidates(graph, 6, 1.5, compute)
    candidates(graph, 5, 2.0, compute)
    candidates((graph[0], graph[1], graph[2] * 1.5), 6, 2.0, compute)
    assert calls == [(6, 2.0), (6, 1.5), (5, 2.0), (6, 2.0)]
    assert len(list(cache_dir.glob("graph-*.npz"))) == 4
