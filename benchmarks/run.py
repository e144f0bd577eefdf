"""Benchmarks of the step kernel and the whole run: ``python benchmarks/run.py [--quick]``.

Writes ``benchmarks/results.json`` and the generated ``benchmarks/RESULTS.md``. Every
measurement runs in a fresh worker process (``--worker NAME``), so peak memory is per
measurement and the numba cache directory is under control: the full run first times a cold
start with an empty ``NUMBA_CACHE_DIR`` (which compiles everything), then a warm start from
that cache, and every later worker uses the same, now warm, cache. ``--quick`` (a smoke run
of under a minute once the cache in ``benchmarks/.cache`` is warm) uses small sizes, skips
the cold start and extrapolates the large ensemble.

Definitions (also in RESULTS.md):

* unit-update: one day of one entity of the state arrays, an entity being an insurgent unit
  or a location; throughput = (units + locations) x days / seconds of stepping.
* bytes per unit-update: every per-unit and per-location state array read and written once a
  day and every static array read once a day (a streaming lower bound), over units + locations.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache" / "numba"
SPACING_KM = 20.0  # keeps the lattice of a 10^5-location world inside +-90 degrees latitude
LOC_PER_UNIT = 0.1  # one location per ten insurgent units


# ================================================================================ helpers
def _rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _synthetic(units: int) -> Any:
    import sim

    n_loc = max(int(units * LOC_PER_UNIT), 20)
    return sim.load_scenario(
        "synthetic",
        [
            f"synthetic.n_locations={n_loc}",
            f"synthetic.n_units={units}",
            "synthetic.capital_every=20",
            f"synthetic.spacing_km={SPACING_KM}",
        ],
    )


def _kernel_inputs(scen: Any, replicates: int, days: int) -> tuple:
    import numpy as np

    from sim.kernels import codes as C
    from sim.kernels.step import N_SIDE
    from sim.world import build_params, build_static, initial_state

    S = build_static(scen)
    P = build_params(scen)
    st = initial_state(scen, replicates)
    R = replicates
    out = (
        np.zeros((R, days + 1, N_SIDE)),
        np.zeros((R, days + 1, C.N_ACC)),
        np.zeros((0, 0, 0), np.int8),
        np.zeros((0, 0, 0)),
        np.zeros((0, 0, 0)),
        np.zeros((0, 0, 0)),
    )
    return st, S, P, out


def _time_kernel(
    scen: Any, replicates: int, days: int, parallel: bool, repeat: int = 1, seed: int = 0
) -> float:
    """Best-of-``repeat`` seconds of ``run_batch`` over days [0, days), fresh state each time."""
    import numpy as np

    from sim.kernels.step import run_batch_nb, run_batch_serial_nb

    kernel = run_batch_nb if parallel else run_batch_serial_nb
    seeds = np.arange(seed, seed + replicates, dtype=np.int64)
    best = float("inf")
    for _ in range(repeat):
        st, S, P, out = _kernel_inputs(scen, replicates, days)
        t0 = time.perf_counter()
        kernel(st, S, P, seeds, 0, days, *out)
        best = min(best, time.perf_counter() - t0)
    return best


def _bytes_per_entity(scen: Any) -> dict[str, float]:
    """Streaming estimate of bytes touched per unit-update (see module docstring)."""
    import numpy as np

    st, S, _P, _out = _kernel_inputs(scen, 1, 1)
    U, N = scen.insurgents.n_rows, scen.n_locations
    state_b = 0
    for name, a in zip(st._fields, st, strict=True):
        if not isinstance(a, np.ndarray) or name.startswith("log_"):
            continue
        if a.ndim >= 2 and a.shape[-1] in (U, N):
            state_b += a.nbytes
    static_b = sum(
        a.nbytes
        for name, a in zip(S._fields, S, strict=True)
        if isinstance(a, np.ndarray) and not name.startswith("ev_") and name != "support"
    )
    per = (2 * state_b + static_b) / (U + N)
    return {"state_bytes": state_b, "static_bytes": static_b, "bytes_per_unit_update": per}


def _emit(obj: dict) -> None:
    print("RESULT " + json.dumps(obj), flush=True)


# ================================================================================ workers
def w_warmup(p: dict) -> dict:
    """Import and run once (compiles whatever the cache lacks)."""
    t0 = time.perf_counter()
    import sim

    t1 = time.perf_counter()
    sim.run("afghanistan_2021", seed=0, days=5)
    scen = _synthetic(1000)
    _time_kernel(scen, 1, 2, parallel=False)
    _time_kernel(scen, 2, 2, parallel=True)
    return {"import_s": t1 - t0, "first_runs_s": time.perf_counter() - t1}


def w_bandwidth(p: dict) -> dict:
    """Memory bandwidth from a large numpy copy: (read + write bytes) / seconds, best of n."""
    import numpy as np

    n = int(p["mib"]) * 2**20 // 8
    src = np.ones(n)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    best = float("inf")
    for _ in range(int(p["repeat"])):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return {"mib": int(p["mib"]), "copy_s": best, "gb_per_s": 2 * src.nbytes / best / 1e9}


def w_throughput(p: dict) -> dict:
    """One world size: numba stepping (1 thread), peak memory, then the Python reference."""
    import numba

    import sim

    numba.set_num_threads(1)
    rss0 = _rss_mib()
    units = int(p["units"])
    t0 = time.perf_counter()
    scen = _synthetic(units)
    load_s = time.perf_counter() - t0
    N = scen.n_locations
    ent = units + N
    res: dict[str, Any] = {"units": units, "locations": N, "entities": ent, "load_s": load_s}
    res.update(_bytes_per_entity(scen))
    nb_days = int(p["nb_days"])
    t = _time_kernel(scen, 1, nb_days, parallel=False, repeat=int(p.get("repeat", 1)))
    res.update(nb_days=nb_days, nb_s=t, nb_rate=ent * nb_days / t)
    res["peak_rss_mib"] = _rss_mib()
    res["rss_after_import_mib"] = rss0
    st, S, _P, _out = _kernel_inputs(scen, 1, 1)
    res["array_mib"] = (
        sum(a.nbytes for a in st if hasattr(a, "nbytes")) + sum(a.nbytes for a in S if hasattr(a, "nbytes"))
    ) / 2**20
    py_days = int(p["py_days"])
    if py_days > 0:
        # side by side: numba on exactly the days the reference steps
        tn = _time_kernel(scen, 1, py_days, parallel=False, repeat=int(p.get("repeat", 1)))
        t0 = time.perf_counter()
        m = sim.ConflictModel(scen, backend="python", seed=0, record_locations=False)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(py_days):
            m.step()
        tp = time.perf_counter() - t0
        res.update(
            py_days=py_days,
            py_s=tp,
            py_build_s=build_s,
            py_rate=ent * py_days / tp,
            nb_same_days_s=tn,
            nb_same_days_rate=ent * py_days / tn,
            ratio=(ent * py_days / tn) / (ent * py_days / tp),
        )
    return res


def w_threads(p: dict) -> dict:
    """The batched ensemble path: replicates x threads on one scenario (kernel only)."""
    import numba

    import sim

    scen = sim.load_scenario(p["scenario"], p.get("overrides", []))
    days = int(p.get("days") or scen.horizon_days)
    ent = scen.insurgents.n_rows + scen.n_locations
    rows = []
    for k in p["threads"]:
        numba.set_num_threads(int(k))
        for R in p["replicates"]:
            t = _time_kernel(scen, int(R), days, parallel=True, repeat=int(p.get("repeat", 1)))
            rows.append(
                {
                    "path": "prange kernel",
                    "threads": int(k),
                    "replicates": int(R),
                    "days": days,
                    "s": t,
                    "runs_per_s": R / t,
                    "rate": ent * R * days / t,
                }
            )
        for R in p["replicates"]:
            sim.run(
                scen, seed=0, replicates=int(R), days=days, parallel=int(k), record_locations=False
            )  # warm
            t0 = time.perf_counter()
            res = sim.run(scen, seed=0, replicates=int(R), days=days, parallel=int(k), record_locations=False)
            assert len(res.runs) == int(R)
            t = time.perf_counter() - t0
            rows.append(
                {
                    "path": "sim.run threads",
                    "threads": int(k),
                    "replicates": int(R),
                    "days": days,
                    "s": t,
                    "runs_per_s": R / t,
                    "rate": ent * R * days / t,
                }
            )
    return {
        "scenario": p["scenario"],
        "entities": ent,
        "rows": rows,
        "max_threads": numba.config.NUMBA_NUM_THREADS,
    }


def w_scenario(p: dict) -> dict:
    """The 2021 scenario end to end with sim.run (after compilation), and the kernel alone."""
    import numba

    import sim

    numba.set_num_threads(int(p["threads"]))
    scen = sim.load_scenario("afghanistan_2021")
    days = scen.horizon_days
    sim.run(scen, seed=0)  # warm-up
    one = []
    for _ in range(int(p["repeat"])):
        t0 = time.perf_counter()
        sim.run(scen, seed=0)
        one.append(time.perf_counter() - t0)
    kern1 = _time_kernel(scen, 1, days, parallel=False, repeat=int(p["repeat"]))
    R = int(p["replicates"])
    t0 = time.perf_counter()
    sim.run(scen, seed=0, replicates=R)
    ens = time.perf_counter() - t0
    kernR = _time_kernel(scen, R, days, parallel=True) if p.get("kernel_ensemble") else None
    return {
        "days": days,
        "one_run_s": min(one),
        "one_run_kernel_s": kern1,
        "replicates": R,
        "ensemble_s": ens,
        "ensemble_kernel_s": kernR,
        "threads": int(p["threads"]),
    }


WORKERS = {
    "warmup": w_warmup,
    "bandwidth": w_bandwidth,
    "throughput": w_throughput,
    "threads": w_threads,
    "scenario": w_scenario,
}


# ================================================================================ driver
def _env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def _worker(name: str, params: dict, cache: Path, timeout: float = 900) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--params", json.dumps(params)]
    t0 = time.perf_counter()
    p = subprocess.run(
        cmd, cwd=ROOT, env=_env(cache), capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.perf_counter() - t0
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr or p.stdout)[-2000:]
        raise RuntimeError(f"worker {name} {params} failed (rc={p.returncode}):\n{tail}")
    out = json.loads(lines[-1][len("RESULT ") :])
    out["worker_wall_s"] = wall
    print(f"  {name} {json.dumps(params)}: {wall:.1f} s", flush=True)
    return out


def _startup(cache: Path) -> dict:
    """``import sim; sim.run('afghanistan_2021', seed=0)`` in a fresh interpreter."""
    code = (
        "import time; t0 = time.perf_counter(); import sim; t1 = time.perf_counter(); "
        "sim.run('afghanistan_2021', seed=0); t2 = time.perf_counter(); "
        "print('RESULT', t1 - t0, t2 - t1)"
    )
    t0 = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(cache),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    wall = time.perf_counter() - t0
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT")]
    if p.returncode != 0 or not line:
        raise RuntimeError(f"start-up run failed:\n{p.stderr[-2000:]}")
    _, imp, first = line[-1].split()
    return {"wall_s": wall, "import_s": float(imp), "first_run_s": float(first)}


def _sweep(cache: Path) -> dict:
    """``python -m sim.cli.main -m seed=0,1,2,3 replicates=10`` end to end, merge included."""
    jobs, reps = 4, 10
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "sim.cli.main",
            "-m",
            "seed=0,1,2,3",
            f"replicates={reps}",
            f"hydra.sweep.dir={tmp}/sweep",
        ]
        t0 = time.perf_counter()
        p = subprocess.run(
            cmd, cwd=tmp, env=_env(cache), capture_output=True, text=True, timeout=900, check=False
        )
        wall = time.perf_counter() - t0
        root = Path(tmp) / "sweep"
        top = sorted(x.name for x in root.iterdir()) if root.is_dir() else []
        job_dirs = [x for x in top if x.isdigit()]
        merged = [x for x in top if not x.isdigit() and x not in (".hydra", "multirun.yaml")]
        merge_msg = [ln for ln in p.stdout.splitlines() if ln.lower().startswith("merged")]
    ok = p.returncode == 0
    return {
        "command": " ".join(["python", *cmd[1:-1], "hydra.sweep.dir=TMP"]),
        "ok": ok,
        "rc": p.returncode,
        "wall_s": wall,
        "jobs": jobs,
        "replicates": reps,
        "runs_per_s": jobs * reps / wall if ok else None,
        "jobs_per_s": jobs / wall if ok else None,
        "job_dirs": len(job_dirs),
        "merged_outputs": merged,
        "merge_message": merge_msg[-1] if merge_msg else None,
        "merged": bool(merged or merge_msg),
        "stderr_tail": None if ok else p.stderr[-1500:],
    }


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
    vers = {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__}
    for mod in ("mesa", "pandas", "hydra"):
        try:
            vers[mod] = __import__(mod).__version__
        except Exception:  # pragma: no cover - optional
            vers[mod] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "sim"], cwd=ROOT, capture_output=True, text=True, check=False
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = None, None
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "mem_gib": mem,
        "versions": vers,
        "git_commit": commit,
        "sim_dirty": dirty,
        "numba_threading_layer_env": os.environ.get("NUMBA_THREADING_LAYER"),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def plan(quick: bool) -> dict:
    if quick:
        return {
            "sizes": [
                {"units": 1_000, "nb_days": 3, "py_days": 1, "repeat": 2},
                {"units": 10_000, "nb_days": 1, "py_days": 1, "repeat": 1},
            ],
            "bandwidth": {"mib": 256, "repeat": 3},
            "threads": {"scenario": "afghanistan_2021", "threads": [1, 2], "replicates": [1, 4], "days": 30},
            "scenario": {"threads": 2, "repeat": 2, "replicates": 10},
            "cold": False,
            "sweep": False,
        }
    return {
        "sizes": [
            {"units": 1_000, "nb_days": 10, "py_days": 3, "repeat": 2},
            {"units": 10_000, "nb_days": 3, "py_days": 2, "repeat": 1},
            {"units": 100_000, "nb_days": 2, "py_days": 1, "repeat": 1},
            {"units": 1_000_000, "nb_days": 1, "py_days": 0, "repeat": 1},
        ],
        "bandwidth": {"mib": 1024, "repeat": 5},
        "threads": {
            "scenario": "afghanistan_2021",
            "threads": [1, 2],
            "replicates": [1, 4, 16, 64],
            "days": None,
        },
        "scenario": {"threads": 2, "repeat": 3, "replicates": 1000},
        "cold": True,
        "sweep": True,
    }


def run_all(quick: bool, ensemble: int | None) -> dict:
    pl = plan(quick)
    if ensemble:
        pl["scenario"]["replicates"] = ensemble
    t_start = time.perf_counter()
    res: dict[str, Any] = {"quick": quick, "machine": machine(), "plan": pl}
    if pl["cold"]:
        cold_dir = Path(tempfile.mkdtemp(prefix="bench-numba-cache-"))
        print("start-up (cold cache: compiles everything)", flush=True)
        cold = _startup(cold_dir)
        warm = _startup(cold_dir)
        res["startup"] = {"cold": cold, "warm": warm, "cache": "fresh temporary NUMBA_CACHE_DIR"}
        cache = cold_dir
    else:
        cache = CACHE
        cache.mkdir(parents=True, exist_ok=True)
        res["warmup"] = _worker("warmup", {}, cache)
        res["startup"] = {"cold": None, "warm": _startup(cache), "cache": "benchmarks/.cache (warm)"}
    print("bandwidth", flush=True)
    res["bandwidth"] = _worker("bandwidth", pl["bandwidth"], cache)
    print("step-kernel throughput", flush=True)
    res["throughput"] = [_worker("throughput", s, cache) for s in pl["sizes"]]
    print("threads x replicates", flush=True)
    res["threads"] = _worker("threads", pl["threads"], cache)
    print("2021 scenario", flush=True)
    res["scenario"] = _worker("scenario", pl["scenario"], cache)
    if pl["sweep"]:
        print("sweep", flush=True)
        res["sweep"] = _sweep(cache)
    if pl["cold"]:
        shutil.rmtree(cache, ignore_errors=True)
    res["total_s"] = time.perf_counter() - t_start
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run (< 1 minute, warm cache)")
    ap.add_argument(
        "--ensemble",
        type=int,
        default=None,
        help="replicates of the timed 2021 ensemble (default 100, scaled to 1000)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results JSON (default benchmarks/results.json, or "
        "benchmarks/.cache/results-quick.json with --quick)",
    )
    ap.add_argument(
        "--report-only", action="store_true", help="regenerate RESULTS.md from an existing results JSON"
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        _emit(WORKERS[a.worker](json.loads(a.params)))
        return 0
    sys.path.insert(0, str(HERE))
    import report

    out = a.out or (CACHE.parent / "results-quick.json" if a.quick else HERE / "results.json")
    if a.report_only:
        res = json.loads(out.read_text())
    else:
        res = run_all(a.quick, a.ensemble)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=1) + "\n")
    md = report.render(res, HERE / "profile.json")
    md_path = HERE / "RESULTS.md" if not a.quick else CACHE.parent / "RESULTS-quick.md"
    md_path.write_text(md)
    print(f"wrote {out} and {md_path} ({res['total_s']:.0f} s)")
    print(report.targets_text(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
