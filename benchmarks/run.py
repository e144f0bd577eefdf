"""Benchmarks of the step kernel and whole runs, side by side with an older tree:
``python benchmarks/run.py [--quick] [--baseline PATH]``.

Writes ``benchmarks/results.json`` and the generated ``benchmarks/RESULTS.md`` (never edit it by
hand). Every measurement runs in a fresh worker process (``--worker NAME``) with the numba cache
under control. With ``--baseline PATH`` (a checkout of an older commit, e.g. ``git worktree add
/tmp/base 8043d70``) the same workers run that tree too (``PYTHONPATH=PATH``, its own numba
cache), interleaved with this one, so ratios compare like with like on a shared machine.

Definitions (also in RESULTS.md):

* unit-update: one day of one entity (an insurgent unit or a location); throughput =
  (units + locations) x days / seconds of stepping (``run_batch`` over days [t0, t0 + d) from a
  fresh state; loading, world building and compilation are not timed).
* streaming bound: the bytes of state each day's passes read and write, counted from the code
  (:data:`UNIT_PASSES`, :data:`LOCATION_PASSES`), at the copy bandwidth measured in the same run.
* latency bound: the random cache lines a day touches, counted from the code (the candidate rows
  scored, :func:`_latency_model`), at the random-gather rate measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
SPACING_KM = 20.0  # keeps the lattice of a 10^5-location world inside +-90 degrees latitude
LOC_PER_UNIT = 0.1  # one location per ten insurgent units
LINE = 64  # bytes per cache line

#: Bytes of each unit a day's passes read + write, counted from the kernels (sim/kernels): the
#: working copy holds 4 float64 and 4 int64 rows per unit (strength, quality, morale, eta;
#: location, next node, target, id).
UNIT_PASSES = {
    "target counts (s, target)": 16,
    "movement (8 rows read, 4 written)": 96,
    "order check (eta, location, next, id)": 32,
    "counting sort (key twice, 8 rows read and written)": 176,
    "id order within locations (ids)": 8,
    "presence (5 rows)": 40,
    "combat losses (4 rows read, 1 written)": 40,
    "insurgent morale (4 rows read, 1 written)": 40,
    "growth: absorb (4 rows read, 2 written)": 48,
    "record (strength)": 8,
}
#: Bytes of each location a day's passes read + write (17 float64 and 7 int8 rows, 11 static
#: attributes, the CSR graph with ~2.5 neighbours): roughly every row 3 times a day.
LOCATION_PASSES = {"12 phases over 17 float64 + 7 int8 rows, static rows, neighbours": 3 * (17 * 8 + 7) + 120}


# ================================================================================ helpers
def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _synthetic(units: int, n_loc: int | None = None) -> Any:
    import sim

    n_loc = n_loc or max(int(units * LOC_PER_UNIT), 20)
    return sim.load_scenario(
        "synthetic",
        [
            f"synthetic.n_locations={n_loc}",
            f"synthetic.n_units={units}",
            "synthetic.capital_every=20",
            f"synthetic.spacing_km={SPACING_KM}",
        ],
    )


def _batch_fn() -> Any:
    """The batch entry point of the tree on the path (``run_batch_serial_nb`` before issue 18)."""
    from sim.kernels import step

    return getattr(step, "run_batch_serial_nb", None) or step.run_batch


def _outputs(R: int, days: int) -> tuple:
    import numpy as np

    from sim.kernels import codes as C
    from sim.kernels.step import N_SIDE

    z = np.zeros((0, 0, 0))
    return (
        np.zeros((R, days + 1, N_SIDE)),
        np.zeros((R, days + 1, C.N_ACC)),
        np.zeros((0, 0, 0), np.int8),
        z,
        z,
        z,
    )


def _time_days(scen: Any, S: Any, R: int, t0: int, days: int, repeat: int) -> list[float]:
    """Seconds of ``run_batch`` over days [t0, t0 + days) for R replicates, each repeat from a
    fresh state stepped (untimed) to day t0."""
    import numpy as np

    from sim.world import initial_state, param_table

    fn = _batch_fn()
    ptab = param_table(scen, R)
    seeds = np.arange(R, dtype=np.int64)
    out = []
    for _ in range(repeat):
        st = initial_state(scen, R, ptab=ptab)
        if t0 > 0:
            fn(st, S, ptab, seeds, 0, t0, *_outputs(R, t0))
        outs = _outputs(R, t0 + days)
        a = time.perf_counter()
        fn(st, S, ptab, seeds, t0, t0 + days, *outs)
        out.append(time.perf_counter() - a)
    return out


def _stats(xs: list[float]) -> dict:
    return {"min": min(xs), "median": statistics.median(xs), "n": len(xs), "all": xs}


def _emit(obj: dict) -> None:
    print("RESULT " + json.dumps(obj), flush=True)


# ================================================================================ workers
def w_bandwidth(p: dict) -> dict:
    """Streaming bandwidth (numpy copy, read + write bytes) and the random-gather rate (np.take
    of random 8-byte elements of a large array: one random cache line each), one thread."""
    import numpy as np

    n = int(p["mib"]) * 2**20 // 8
    src = np.ones(n)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    copy = []
    for _ in range(int(p["repeat"])):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        copy.append(time.perf_counter() - t0)
    m = 4_000_000
    idx = np.random.default_rng(0).integers(0, n, m)
    out = np.empty(m)
    np.take(src, idx, out=out)
    gather = []
    for _ in range(int(p["repeat"])):
        t0 = time.perf_counter()
        np.take(src, idx, out=out)
        gather.append(time.perf_counter() - t0)
    return {
        "mib": int(p["mib"]),
        "copy_gb_s": 2 * src.nbytes / min(copy) / 1e9,
        "copy_gb_s_median": 2 * src.nbytes / statistics.median(copy) / 1e9,
        "gather_lines_s": m / min(gather),
        "gather_lines_s_median": m / statistics.median(gather),
    }


def _day_profile(scen: Any, S: Any, days: int) -> list[dict]:
    """Per day (untimed): units that score targets, the distinct locations they score from, and
    units on the road, read off the state before each day (the kernels' own rules)."""
    import numpy as np

    from sim.kernels import codes as C
    from sim.world import initial_state, param_table

    fn = _batch_fn()
    ptab = param_table(scen, 1)
    P = ptab[0]
    st = initial_state(scen, 1, ptab=ptab)
    rows = []
    for t in range(days):
        s, eta, loc, nxt, um = st.s[0], st.ueta[0], st.uloc[0], st.unext[0], st.um[0]
        here = np.where(eta <= 1.0, np.where(eta > 0, nxt, loc), -1)
        alive = (s > 0) & (here >= 0)
        ctrl = st.ctrl[0]
        defended = (ctrl != C.INSURGENT) & (
            (st.gov[0] > 0) | ((st.mstate[0] == C.MIL_ACTIVE) & (st.mil[0] > 0))
        )
        scoring = alive & ~defended[np.maximum(here, 0)] & (um >= P.i_min_attack)
        if t < S.offensive_day:
            scoring[:] = False
        rows.append(
            {
                "day": t,
                "scoring_units": int(scoring.sum()),
                "scoring_locations": len(np.unique(here[scoring])),
                "on_road": int(((s > 0) & (eta > 0)).sum()),
            }
        )
        fn(st, S, ptab, np.zeros(1, np.int64), t, t + 1, *_outputs(1, t + 1))
    return rows


def _latency_model(profile: list[dict], units: int, n_loc: int, K: int, sorted_units: bool) -> float:
    """Random cache lines per unit-day, counted from the code: scoring a candidate row reads the
    row itself (cand, cand_days: 2 K x 8 bytes) and, per candidate, one line of each of 8
    per-location arrays (held, defence, threat, target count, value, capital, isolated, theatre).
    Before issue 18 every scoring unit did this for its own location, in scenario order (random);
    with units in (location, id) order it is done once per location scored (the unit's own part
    then reads the row from cache), in location order."""
    per_row = 2 * K * 8 / LINE + 8 * K
    days = len(profile)
    if sorted_units:
        rows = sum(d["scoring_locations"] for d in profile) / days
    else:
        rows = sum(d["scoring_units"] for d in profile) / days
    return rows * per_row / (units + n_loc)


def _stream_model(units: int, n_loc: int) -> float:
    return (sum(UNIT_PASSES.values()) * units + sum(LOCATION_PASSES.values()) * n_loc) / (units + n_loc)


def w_throughput(p: dict) -> dict:
    """One world size: the first ``days`` days and (optionally) the whole horizon, repeated."""
    import numba

    from sim.world import build_static

    numba.set_num_threads(1)
    units = int(p["units"])
    t0 = time.perf_counter()
    scen = _synthetic(units, p.get("locations"))
    S = build_static(scen)
    load_s = time.perf_counter() - t0
    N = scen.n_locations
    ent = units + N
    res: dict[str, Any] = {"units": units, "locations": N, "entities": ent, "load_s": load_s}
    _time_days(scen, S, 1, 0, 1, 1)  # compile / load the kernels, untimed
    first = _time_days(scen, S, 1, 0, int(p["days"]), int(p["repeat"]))
    res["first"] = {"days": int(p["days"]), **_stats(first), "rate": ent * int(p["days"]) / min(first)}
    res["first"]["rate_median"] = ent * int(p["days"]) / statistics.median(first)
    if p.get("horizon"):
        T = scen.horizon_days
        hz = _time_days(scen, S, 1, 0, T, int(p.get("horizon_repeat", p["repeat"])))
        res["horizon"] = {
            "days": T,
            **_stats(hz),
            "rate": ent * T / min(hz),
            "rate_median": ent * T / statistics.median(hz),
        }
    if p.get("profile"):
        prof = _day_profile(scen, S, int(p["days"]))
        K = int(S.cand.shape[1])
        res["day_profile"] = prof
        res["model"] = {
            "K": K,
            "stream_bytes_per_update": _stream_model(units, N),
            "random_lines_per_update_sorted": _latency_model(prof, units, N, K, True),
            "random_lines_per_update_unsorted": _latency_model(prof, units, N, K, False),
        }
    res["peak_rss_mib"] = _rss_mib()
    return res


def w_pyref(p: dict) -> dict:
    """numba against the Python reference (Mesa agents' own rules) on the same days."""
    import sim
    from sim.world import build_static

    scen = _synthetic(int(p["units"]))
    S = build_static(scen)
    ent = scen.insurgents.n_rows + scen.n_locations
    days = int(p["days"])
    _time_days(scen, S, 1, 0, 1, 1)
    tn = _time_days(scen, S, 1, 0, days, 3)
    m = sim.ConflictModel(scen, backend="python", seed=0, record_locations=False, draw="point")
    a = time.perf_counter()
    for _ in range(days):
        m.step()
    tp = time.perf_counter() - a
    return {
        "units": int(p["units"]),
        "entities": ent,
        "days": days,
        "numba_s": min(tn),
        "python_s": tp,
        "ratio": tp / min(tn),
    }


def w_scenario(p: dict) -> dict:
    """The 2021 scenario end to end with ``sim.run`` (after compilation): one replicate, and an
    ensemble on ``threads`` threads."""
    import numba

    import sim

    numba.set_num_threads(int(p["threads"]))
    scen = sim.load_scenario("afghanistan_2021")
    sim.run(scen, seed=0)
    sim.run(scen, seed=0, replicates=4, record_locations=False)
    one = []
    for _ in range(int(p["repeat_one"])):
        a = time.perf_counter()
        sim.run(scen, seed=0)
        one.append(time.perf_counter() - a)
    R = int(p["replicates"])
    ens = []
    for _ in range(int(p["repeat"])):
        a = time.perf_counter()
        sim.run(scen, seed=0, replicates=R, record_locations=False)
        ens.append(time.perf_counter() - a)
    return {
        "days": scen.horizon_days,
        "one": _stats(one),
        "replicates": R,
        "ensemble": _stats(ens),
        "threads": int(p["threads"]),
    }


def w_scaling(p: dict) -> dict:
    """Kernel seconds against units, locations, replicates and days (one thread)."""
    import numba

    import sim
    from sim.world import build_static

    numba.set_num_threads(1)
    out: dict[str, list] = {"units": [], "locations": [], "replicates": [], "days": []}
    d = int(p["days"])
    for U in p["units"]:
        scen = _synthetic(int(U))
        S = build_static(scen)
        _time_days(scen, S, 1, 0, 1, 1)
        out["units"].append([int(U), min(_time_days(scen, S, 1, 0, d, 3))])
    U0 = int(p["units_fixed"])
    for N in p["locations"]:
        scen = _synthetic(U0, int(N))
        S = build_static(scen)
        out["locations"].append([int(N), min(_time_days(scen, S, 1, 0, d, 3))])
    afg = sim.load_scenario("afghanistan_2021")
    S = build_static(afg)
    for R in p["replicates"]:
        out["replicates"].append([int(R), min(_time_days(afg, S, int(R), 0, afg.horizon_days, 3))])
    scen = _synthetic(U0)
    S = build_static(scen)
    for D in p["day_counts"]:
        out["days"].append([int(D), min(_time_days(scen, S, 1, 0, int(D), 3))])
    return out


WORKERS = {
    "bandwidth": w_bandwidth,
    "throughput": w_throughput,
    "pyref": w_pyref,
    "scenario": w_scenario,
    "scaling": w_scaling,
}


# ================================================================================ driver
def _env(tree: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = str(cache)
    # the scenario cache (sim.scenario.cache) beside it: "cold" starts with both empty
    env["CONFLICT_SIM_CACHE"] = str(cache / "scenarios")
    env["PYTHONPATH"] = str(tree)  # the tree under test first (.venv holds an editable install)
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's BLAS threads would spin beside the kernel
    return env


def _worker(name: str, params: dict, tree: Path, cache: Path, timeout: float = 1800) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--params", json.dumps(params)]
    t0 = time.perf_counter()
    p = subprocess.run(
        cmd, cwd=tree, env=_env(tree, cache), capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.perf_counter() - t0
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr or p.stdout)[-2500:]
        raise RuntimeError(f"worker {name} {params} on {tree} failed (rc={p.returncode}):\n{tail}")
    out = json.loads(lines[-1][len("RESULT ") :])
    out["worker_wall_s"] = wall
    print(f"  {tree.name or tree}: {name} {json.dumps(params)}: {wall:.1f} s", flush=True)
    return out


STARTUP = (
    "import time, resource; t0 = time.perf_counter(); import sim; t1 = time.perf_counter(); "
    "sim.run('afghanistan_2021', seed=0); t2 = time.perf_counter(); "
    "print('RESULT', t1 - t0, t2 - t1, time.process_time())"
)


def _startup(tree: Path, cache: Path) -> dict:
    """``import sim; sim.run('afghanistan_2021', seed=0)`` in a fresh interpreter: wall time of
    the process, import and first run, and the CPU seconds of the process (children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-c", STARTUP],
        cwd=tree,
        env=_env(tree, cache),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT")]
    if p.returncode != 0 or not line:
        raise RuntimeError(f"start-up run failed:\n{p.stderr[-2000:]}")
    _, imp, first, _cpu_self = line[-1].split()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "import_s": float(imp), "first_run_s": float(first), "cpu_s": cpu}


def machine() -> dict:
    import numba
    import numpy as np

    cpu = platform.processor()
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for ln in Path("/proc/meminfo").read_text().splitlines():
            if ln.startswith("MemTotal"):
                mem = round(int(ln.split()[1]) / 2**20, 1)
    except OSError:
        pass

    def commit(tree: Path) -> str | None:
        r = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True, text=True, check=False
        )
        return r.stdout.strip() or None

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gib": mem,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numba": numba.__version__,
        },
        "git_commit": commit(ROOT),
    }


def plan(quick: bool) -> dict:
    if quick:
        return {
            "sizes": [{"units": 1_000, "days": 10, "repeat": 3, "horizon": True, "profile": True}],
            "bandwidth": {"mib": 256, "repeat": 3},
            "scenario": {"threads": 2, "repeat_one": 5, "repeat": 2, "replicates": 20},
            "pyref": {"units": 1_000, "days": 2},
            "scaling": None,
            "cold_repeat": 0,
            "warm_repeat": 2,
        }
    return {
        "sizes": [
            {"units": 1_000, "days": 10, "repeat": 5, "horizon": True, "profile": True},
            {"units": 10_000, "days": 10, "repeat": 5, "horizon": True, "profile": True},
            {"units": 100_000, "days": 10, "repeat": 3, "horizon": True, "profile": True},
            {"units": 1_000_000, "days": 10, "repeat": 3, "horizon": False, "profile": True},
        ],
        "bandwidth": {"mib": 1024, "repeat": 5},
        "scenario": {"threads": 2, "repeat_one": 20, "repeat": 3, "replicates": 1000},
        "pyref": {"units": 10_000, "days": 2},
        "scaling": {
            "days": 10,
            "units": [3_000, 30_000, 300_000],
            "units_fixed": 100_000,
            "locations": [2_500, 10_000, 40_000],
            "replicates": [1, 10, 100],
            "day_counts": [10, 30, 60],
        },
        "cold_repeat": 3,
        "warm_repeat": 5,
    }


def run_all(quick: bool, baseline: Path | None) -> dict:
    pl = plan(quick)
    trees = {"new": ROOT}
    if baseline is not None:
        trees["old"] = baseline.resolve()
    t_start = time.perf_counter()
    res: dict[str, Any] = {"quick": quick, "machine": machine(), "plan": pl, "loadavg_start": os.getloadavg()}
    if baseline is not None:
        r = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=baseline, capture_output=True, text=True, check=False
        )
        res["baseline"] = {"path": str(baseline), "commit": r.stdout.strip() or baseline.name}
    caches = {k: Path(tempfile.mkdtemp(prefix=f"bench-numba-{k}-")) for k in trees}
    res["startup"] = {}
    for k, tree in trees.items():
        print(f"start-up ({k})", flush=True)
        cold = []
        for rep in range(pl["cold_repeat"]):  # each from an empty cache; the last one stays
            if rep:
                shutil.rmtree(caches[k], ignore_errors=True)
                caches[k] = Path(tempfile.mkdtemp(prefix=f"bench-numba-{k}-"))
            cold.append(_startup(tree, caches[k]))
        if not cold:
            _startup(tree, caches[k])
        warm = [_startup(tree, caches[k]) for _ in range(pl["warm_repeat"])]
        res["startup"][k] = {"cold": cold, "warm": warm}
    print("bandwidth and gather rate", flush=True)
    res["bandwidth"] = _worker("bandwidth", pl["bandwidth"], ROOT, caches["new"])
    print("step-kernel throughput", flush=True)
    res["throughput"] = {k: [] for k in trees}
    for size in pl["sizes"]:
        for k, tree in trees.items():
            params = dict(size)
            if k == "old":
                params["profile"] = False
                params["horizon"] = size["horizon"] and size["units"] < 1_000_000
            res["throughput"][k].append(_worker("throughput", params, tree, caches[k]))
    print("2021 scenario", flush=True)
    res["scenario"] = {k: _worker("scenario", pl["scenario"], tree, caches[k]) for k, tree in trees.items()}
    res["bandwidth_after"] = _worker("bandwidth", pl["bandwidth"], ROOT, caches["new"])
    print("Python reference", flush=True)
    res["pyref"] = _worker("pyref", pl["pyref"], ROOT, caches["new"])
    if pl["scaling"]:
        print("scaling", flush=True)
        res["scaling"] = _worker("scaling", pl["scaling"], ROOT, caches["new"])
    for c in caches.values():
        shutil.rmtree(c, ignore_errors=True)
    res["loadavg_end"] = os.getloadavg()
    res["total_s"] = time.perf_counter() - t_start
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run (small sizes, no cold start)")
    ap.add_argument(
        "--baseline", type=Path, default=None, help="a checkout of an older commit to time side by side"
    )
    ap.add_argument("--out", type=Path, default=None, help="results JSON (default benchmarks/results.json)")
    ap.add_argument("--report-only", action="store_true", help="regenerate RESULTS.md from the results JSON")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        sys.path.insert(0, os.getcwd())
        _emit(WORKERS[a.worker](json.loads(a.params)))
        return 0
    # Imported here, not above: a worker may run in an older checkout whose ``sim`` has no ``sim.io``.
    from sim.io import write_text

    sys.path.insert(0, str(HERE))
    import report

    out = a.out or (CACHE / "results-quick.json" if a.quick else HERE / "results.json")
    if a.report_only:
        res = json.loads(out.read_text())
    else:
        res = run_all(a.quick, a.baseline)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text(out, json.dumps(res, indent=1) + "\n")
    md = report.render(res)
    md_path = CACHE / "RESULTS-quick.md" if a.quick else HERE / "RESULTS.md"
    md_path.parent.mkdir(parents=True, exist_ok=True)
    write_text(md_path, md)
    if a.report_only:
        print(f"rendered {md_path} from {out} (the run took {res['total_s']:.0f} s)")
    else:
        print(f"wrote {out} and {md_path} ({res['total_s']:.0f} s)")
    print(report.targets_text(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
