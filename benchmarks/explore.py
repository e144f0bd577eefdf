"""Benchmark of a design sweep end to end: ``python benchmarks/explore.py [--quick] [--repeats N]``.

A 1,024-point Sobol design (3 parameters, base sample N = 128, second order: N(2D + 2) = 1,024
points) x 20 replicates of the 2021 scenario (20,480 runs of 150 days) through
``conflict-sim -m hydra/sweeper=explore`` with the joblib launcher on two workers, then
``conflict-sim-explore analyze=DIR`` (Sobol indices with 1,000 bootstrap resamples for three
outcomes, variance split, PRIM and CART, figures). Beside it, in the same run, the same number of
runs as one plain ensemble (``sim.run``, replicates in one process on all cores; timed on 2,048
replicates and scaled by 10), so the ratio is the cost of running the runs as 1,024 Hydra jobs.

Writes ``benchmarks/explore.json`` and ``benchmarks/EXPLORE.md`` (``--quick``: 64 points x 4
replicates, into ``benchmarks/.cache/``). The machine's load average is recorded before and after
each measurement: the machine may be shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PARAMS = (
    "[forces.present_fraction:0.3:0.9,model.combat.beta_ins:0.01:0.06,"
    "model.withdrawal.end:2021-07-15:2022-06-30]"
)
OUTCOMES = "[hub_fell_day,capitals_fallen_by:2021-08-15,lost_day:Kandahar]"


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _timed(cmd: list[str], log: Path) -> dict:
    before = _load()
    t0 = time.perf_counter()
    with open(log, "w") as f:
        p = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    if p.returncode:
        raise SystemExit(f"{cmd[0]} exited {p.returncode}; see {log}")
    return {"wall_s": round(wall, 2), "load_before": before, "load_after": _load()}


def sweep_once(n: int, replicates: int, work: Path) -> dict:
    out = work / "sweep"
    shutil.rmtree(out, ignore_errors=True)
    sweep = _timed(
        [
            _bin("conflict-sim"),
            "-m",
            "hydra/sweeper=explore",
            "hydra.sweeper.design=sobol",
            f"hydra.sweeper.n={n}",
            f"hydra.sweeper.params={PARAMS}",
            f"replicates={replicates}",
            "hydra.launcher.n_jobs=2",
            f"hydra.sweep.dir={out}",
        ],
        work / "sweep.log",
    )
    analyze = _timed(
        [
            _bin("conflict-sim-explore"),
            f"analyze={out}",
            f"outcomes={OUTCOMES}",
            "discover=hub_fell_day>2021-08-31",
        ],
        work / "analyze.log",
    )
    runs = 0
    import pandas as pd

    r = pd.read_parquet(out / "runs.parquet", columns=["job"])
    runs, points = len(r), r["job"].nunique()
    return {
        "points": int(points),
        "runs": int(runs),
        "sweep": sweep,
        "analyze": analyze,
        "total_s": round(sweep["wall_s"] + analyze["wall_s"], 2),
        "analysis_tail": (work / "analyze.log").read_text().splitlines()[-25:],
    }


def ensemble_once(replicates: int) -> dict:
    code = (
        "import time, sim; s = sim.load_scenario('afghanistan_2021'); "
        "sim.run(s, seed=0, replicates=8, record_locations=False); t = time.perf_counter(); "
        f"sim.run(s, seed=0, replicates={replicates}, record_locations=False); "
        "print(time.perf_counter() - t)"
    )
    before = _load()
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return {
        "wall_s": round(float(p.stdout.strip().splitlines()[-1]), 2),
        "load_before": before,
        "load_after": _load(),
    }


def main() -> None:
    from sim.io import write_text

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="64 points x 4 replicates")
    ap.add_argument("--repeats", type=int, default=1, help="full sweeps to time (min and median reported)")
    args = ap.parse_args()
    n, reps = (8, 4) if args.quick else (128, 20)
    dest = HERE / ".cache" if args.quick else HERE
    dest.mkdir(exist_ok=True)
    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "design": f"sobol N={n}, 3 parameters, second order",
        "replicates": reps,
        "sweeps": [],
    }
    with tempfile.TemporaryDirectory(prefix="explore-bench-") as tmp:
        work = Path(tmp)
        for i in range(args.repeats):
            res = sweep_once(n, reps, work)
            print(
                f"sweep {i + 1}: {res['points']} points, {res['runs']} runs: "
                f"jobs+merge {res['sweep']['wall_s']} s, "
                f"analysis {res['analyze']['wall_s']} s (load {res['sweep']['load_before']} -> "
                f"{res['analyze']['load_after']})",
                flush=True,
            )
            results["sweeps"].append(res)
        base_reps = max(results["sweeps"][0]["runs"] // 10, 64)
        ens = ensemble_once(base_reps)
        ens["scaled_s"] = round(ens["wall_s"] * results["sweeps"][0]["runs"] / base_reps, 2)
        ens["replicates"] = base_reps
        results["ensemble"] = ens
    totals = [s["total_s"] for s in results["sweeps"]]
    results["total_min_s"], results["total_median_s"] = min(totals), statistics.median(totals)
    jobs = [s["sweep"]["wall_s"] for s in results["sweeps"]]
    results["ratio_jobs_to_ensemble"] = round(min(jobs) / ens["scaled_s"], 2)
    write_text(dest / "explore.json", json.dumps(results, indent=2))
    write_text(dest / "EXPLORE.md", report(results))
    print(report(results))


def report(r: dict) -> str:
    s0 = r["sweeps"][0]
    e = r["ensemble"]
    rows = "\n".join(
        f"| {i + 1} | {s['points']} | {s['runs']} | {s['sweep']['wall_s']:.0f} | "
        f"{s['analyze']['wall_s']:.0f} | "
        f"{s['total_s']:.0f} | {s['sweep']['load_before']} -> {s['analyze']['load_after']} |"
        for i, s in enumerate(r["sweeps"])
    )
    return f"""# Design sweep benchmark (`benchmarks/explore.py`)

Run {r["date"]} on {r["cpus"]} CPUs. {r["design"]}: {s0["points"]} points x {r["replicates"]} replicates
of the 2021 scenario (150 days), `conflict-sim -m hydra/sweeper=explore` with the joblib launcher on
two workers, then `conflict-sim-explore analyze=DIR` (Sobol with 1,000 bootstrap resamples for three
outcomes, variance split, PRIM, CART, figures).

| sweep | points | runs | jobs + merge (s) | analysis (s) | end to end (s) | load before -> after |
|---|---|---|---|---|---|---|
{rows}

End to end: min {r["total_min_s"]:.0f} s, median {r["total_median_s"]:.0f} s over {len(r["sweeps"])} sweep(s).

Same number of runs as one plain ensemble (`sim.run`, all cores, one process): {e["wall_s"]:.1f} s for
{e["replicates"]} replicates, scaled to {s0["runs"]}: {e["scaled_s"]:.0f} s (load {e["load_before"]} ->
{e["load_after"]}). Jobs + merge / plain ensemble = **{r["ratio_jobs_to_ensemble"]}x**: the price of one
Hydra job per point (config composition, process dispatch, three Parquet files and a done marker
per point, the merge) for resumable, per-point-reproducible, failure-tolerant sweeps.
"""


if __name__ == "__main__":
    main()
