"""Benchmarks of the app (``sim.viz``): a day's step plus redraw, and the ensemble panel.

    python benchmarks/viz.py            # writes benchmarks/viz_results.json and benchmarks/VIZ.md
    python benchmarks/viz.py --quick    # fewer repeats, results printed only

Targets (issue 16): a day's step plus redraw under 0.2 s; a 200-replicate ensemble panel under
5 s on two cores. Each figure is the min and median of repeats, side by side in one run:

* **day**: ``ConflictModel.step()`` plus everything the sandbox redraws after a step: the map
  (:class:`sim.plot.live.LiveMap`, PNG), the series (:class:`sim.plot.live.LiveSeries`, PNG), the
  event feed and the run summary (:mod:`sim.viz.panels`). Over days 1..150 of the 2021
  scenario. Beside it, the same step with the whole map drawn again by ``sim.plot.map_day``
  (what a notebook loop or a naive app does), for the ratio.
* **ensemble panel**: :func:`sim.viz.ensemble.run_pair` (baseline and what-if, 200 replicates
  each, common seeds, both threads) plus :func:`sim.viz.ensemble.figures` rendered to PNG; cold
  (both ensembles run) and warm (the baseline cached, as after the first press of the button).

The browser's share (sending a ~100 KB PNG over loopback and painting it) is not included; the
browser tests (tests/viz) exercise it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _stats(ts: list[float]) -> dict:
    a = np.asarray(ts)
    return {"n": len(a), "min_s": float(a.min()), "median_s": float(np.median(a)), "max_s": float(a.max())}


def bench_day(repeats: int) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import sim
    import sim.plot as P
    from sim.plot.live import LiveMap, LiveSeries, model_day
    from sim.viz.panels import feed_html, feed_table, run_summary

    scen = sim.load_scenario("afghanistan_2021")
    t0 = time.perf_counter()
    live_map, live_series = LiveMap(scen), LiveSeries(scen)
    setup = time.perf_counter() - t0
    fast: list[float] = []
    step_only: list[float] = []
    for rep in range(repeats):
        m = sim.ConflictModel(scen, seed=rep)
        while m.day < m.days:
            t = time.perf_counter()
            m.step()
            t1 = time.perf_counter()
            live_map.png(*model_day(m))
            live_series.png(m._loc_ctrl[0, : m.day + 1])
            feed_html(feed_table(m))
            run_summary(m)
            fast.append(time.perf_counter() - t)
            step_only.append(t1 - t)
    # the whole map again each day (map_day from the model's result), on a sample of days
    slow: list[float] = []
    m = sim.ConflictModel(scen, seed=0)
    for d in range(1, 151):
        t = time.perf_counter()
        m.step()
        if d % 15 == 0:
            fig = P.map_day(m.result(), scen, d)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=90)
            plt.close(fig)
            slow.append(time.perf_counter() - t)
    return {
        "live_setup_s": setup,
        "step_and_redraw": _stats(fast),
        "step_only": _stats(step_only),
        "step_and_map_day": _stats(slow),
    }


def bench_ensemble(repeats: int, replicates: int) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import sim
    from sim.viz import ensemble as E

    base = sim.load_scenario("afghanistan_2021")
    alt = sim.load_scenario("afghanistan_2021", ["reserve.commandos=12000"])
    sim.run(base, seed=0, replicates=2, record_locations=False)  # compile / load the kernel cache

    def panel() -> dict:
        t, c = time.perf_counter(), time.process_time()
        pair = E.run_pair(base, alt, seed=0, replicates=replicates, parallel=2)
        t_run, c_run = time.perf_counter() - t, time.process_time() - c
        for fig in E.figures(pair).values():
            fig.savefig(io.BytesIO(), format="png")
            plt.close(fig)
        c_all = time.process_time() - c
        # CPU seconds do not grow when other processes compete for the cores; on an idle
        # two-core machine the ensembles (two threads) take about half their CPU time in wall
        # time and the figures (one thread) all of theirs
        return {
            "total": time.perf_counter() - t,
            "run": t_run,
            "cpu_run": c_run,
            "cpu_figures": c_all - c_run,
            "idle_estimate": c_run / 2 + (c_all - c_run),
        }

    cold, warm = [], []
    for _ in range(repeats):
        E._cache.clear()
        cold.append(panel())
        E._cache.pop((alt.fingerprint, 0, replicates), None)  # keep the baseline only
        warm.append(panel())
    return {
        "replicates": replicates,
        "threads": 2,
        "cold_total": _stats([c["total"] for c in cold]),
        "cold_run": _stats([c["run"] for c in cold]),
        "warm_total": _stats([w["total"] for w in warm]),
        "warm_run": _stats([w["run"] for w in warm]),
        "cold_cpu_run": _stats([c["cpu_run"] for c in cold]),
        "cold_cpu_figures": _stats([c["cpu_figures"] for c in cold]),
        "cold_idle_estimate": _stats([c["idle_estimate"] for c in cold]),
        "warm_idle_estimate": _stats([w["idle_estimate"] for w in warm]),
    }


def report(res: dict) -> str:
    d, e = res["day"], res["ensemble"]

    def ms(s: dict) -> str:
        return f"{1e3 * s['min_s']:.1f} ms / {1e3 * s['median_s']:.1f} ms"

    def sec(s: dict) -> str:
        return f"{s['min_s']:.2f} s / {s['median_s']:.2f} s"

    ok_day = d["step_and_redraw"]["median_s"] < 0.2
    ok_ens = e["warm_total"]["median_s"] < 5 and e["cold_total"]["median_s"] < 5
    ratio = d["step_and_map_day"]["median_s"] / d["step_and_redraw"]["median_s"]
    lines = [
        "# App benchmarks (sim.viz)",
        "",
        "Generated by `benchmarks/viz.py`; do not edit by hand. Raw numbers: `benchmarks/viz_results.json`.",
        "",
        f"* date: {res['date']}; git {res['git']}",
        f"* machine: {res['machine']}; load average at the start {res['load']} on {os.cpu_count()} cores "
        "(the machine is shared: figures above 1 per core mean other work competed)",
        f"* versions: {res['versions']}",
        "",
        "| what | min / median | target | status |",
        "|---|---:|---|---|",
        f"| a day's step plus redraw (map, series, feed, summary), {d['step_and_redraw']['n']} days "
        f"| {ms(d['step_and_redraw'])} | < 0.2 s | **{'met' if ok_day else 'not met'}** |",
        f"| the step alone | {ms(d['step_only'])} | | |",
        f"| step plus the whole map drawn again (`map_day` + PNG), {d['step_and_map_day']['n']} days "
        f"| {ms(d['step_and_map_day'])} | | {ratio:.0f}x the live redraw |",
        f"| ensemble panel, {e['replicates']} + {e['replicates']} replicates on {e['threads']} threads, "
        f"cold (both run) | {sec(e['cold_total'])} | < 5 s | **{'met' if ok_ens else 'not met'}** |",
        f"| of which the two ensembles | {sec(e['cold_run'])} | | |",
        f"| ensemble panel, warm (baseline cached) | {sec(e['warm_total'])} | < 5 s | |",
        f"| of which the what-if ensemble | {sec(e['warm_run'])} | | |",
        f"| CPU time, cold: the two ensembles / the figures | {sec(e['cold_cpu_run'])} / "
        f"{sec(e['cold_cpu_figures'])} | | |",
        f"| estimate on an idle two-core machine, cold / warm (ensemble CPU / 2 + figure CPU) "
        f"| {sec(e['cold_idle_estimate'])} / {sec(e['warm_idle_estimate'])} | < 5 s | "
        f"**{'met' if e['cold_idle_estimate']['median_s'] < 5 else 'not met'}** (estimate) |",
        "",
        "In the app the baseline is computed in the background as soon as the panel appears, so the",
        "first press of *Run ensemble* is usually the warm case.",
        "",
        f"Live figures set up once per scenario in {d['live_setup_s']:.2f} s (borders, roads, labels).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    from sim.io import write_text

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats; print only")
    ap.add_argument("--replicates", type=int, default=200)
    a = ap.parse_args()
    import subprocess

    import matplotlib
    import mesa
    import numba

    res = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
        ).stdout.strip(),
        "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}",
        "load": [round(x, 2) for x in os.getloadavg()],
        "versions": f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"mesa {mesa.__version__}, matplotlib {matplotlib.__version__}",
    }
    res["day"] = bench_day(1 if a.quick else 3)
    res["ensemble"] = bench_ensemble(1 if a.quick else 3, a.replicates)
    text = report(res)
    print(text)
    if not a.quick:
        write_text(HERE / "viz_results.json", json.dumps(res, indent=2) + "\n")
        write_text(HERE / "VIZ.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
