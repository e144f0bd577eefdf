"""Time the toy step (``toy.py``) in idiomatic Mesa, agentpy and the project's numba style, side by side.

    python benchmarks/anchors/run.py                 # 10^4 and 10^5 units, 3 repeats (a few minutes)
    python benchmarks/anchors/run.py --quick         # 10^3 and 10^4 units, into benchmarks/.cache/

The versions (agentpy when installed: the ``anchors`` extra) start from the same world, run the
same days and must end with the same totals (garrisons and unit strength, 1e-9 relative) before
any time is reported. Per size: the seconds per day of each (min and median of ``--repeats`` runs
of ``--days`` days, the versions taking turns within each repeat; numba compiled beforehand, on a
small world), the ratios Mesa / numba and agentpy / numba of the minima, and the time of the
numba day's exponentials alone (``toy.exp_floor``), its floor with libm's ``exp``. Writes ``anchors.json``
and ``ANCHORS.md`` next to this file (or into ``benchmarks/.cache/`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import toy  # noqa: E402


def _time_numba(w0: dict, days: int) -> tuple[float, tuple[float, float]]:
    """Seconds per day of ``days`` numba toy days from a copy of ``w0``, and the final totals."""
    w = copy.deepcopy(w0)
    t0 = time.perf_counter()
    for d in range(days):
        toy.numba_day(w, 7, d)
    return (time.perf_counter() - t0) / days, toy.numba_totals(w)


def _time_exp_floor(n_units: int, days: int) -> float:
    """Seconds per day of the numba day's exponentials alone (``toy.exp_floor``)."""
    t0 = time.perf_counter()
    for d in range(days):
        toy.exp_floor(n_units, d)
    return (time.perf_counter() - t0) / days


def _time_mesa(w0: dict, days: int) -> tuple[float, tuple[float, float]]:
    """Seconds per day of ``days`` Mesa toy steps (model built outside the clock), and the totals."""
    m = toy.MesaToy(copy.deepcopy(w0), seed=7)
    t0 = time.perf_counter()
    for _d in range(days):
        m.step()
    return (time.perf_counter() - t0) / days, m.totals()


def _time_agentpy(w0: dict, days: int) -> tuple[float, tuple[float, float]]:
    """Seconds per day of ``days`` agentpy toy steps (model set up outside the clock), and the totals."""
    m = toy.AgentpyToy({"world": copy.deepcopy(w0), "seed": 7})
    m.sim_setup(steps=days)
    t0 = time.perf_counter()
    for _d in range(days):
        m.sim_step()
    return (time.perf_counter() - t0) / days, m.totals()


def _same(tot_a: tuple[float, float], tot_b: tuple[float, float]) -> bool:
    return all(abs(x - y) <= 1e-9 * max(abs(x), 1.0) for x, y in zip(tot_a, tot_b, strict=True))


def main(argv: list[str] | None = None) -> None:
    from sim.io import write_text

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, results into benchmarks/.cache/")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--days", type=int, default=2)
    a = ap.parse_args(argv)
    sizes = [1_000, 10_000] if a.quick else [10_000, 100_000]
    out_dir = HERE.parent / ".cache" if a.quick else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    toy.numba_day(toy.make_world(200, 500), 7, 0)  # compile (or load the cache) first
    toy.exp_floor(10, 0)
    rows = []
    for n_units in sizes:
        w0 = toy.make_world(max(n_units // 10, 100), n_units, seed=1)
        # the repeats interleaved, so every version sees the machine in the same states (the
        # machine is shared: two runs two days apart differed 2x in Mesa's time, 15 % in numba's)
        t_nb, t_ex, t_me, t_ap = [], [], [], []
        for _ in range(a.repeats):
            t, tot_nb = _time_numba(w0, a.days)
            t_nb.append(t)
            t_ex.append(_time_exp_floor(n_units, a.days))
            t, tot_me = _time_mesa(w0, a.days)
            t_me.append(t)
            if toy.ap is not None:
                t, tot_ap = _time_agentpy(w0, a.days)
                t_ap.append(t)
        if not _same(tot_nb, tot_me):
            raise SystemExit(f"anchors: totals differ at {n_units} units: numba {tot_nb}, mesa {tot_me}")
        row = {
            "units": n_units,
            "locations": len(w0["value"]),
            "days": a.days,
            "numba_s_per_day": t_nb,
            "mesa_s_per_day": t_me,
            "ratio_of_minima": min(t_me) / min(t_nb),
            "exp_floor_s_per_day": t_ex,
            "exp_share_of_numba": min(t_ex) / min(t_nb),
            "mesa_over_exp_floor": min(t_me) / min(t_ex),
            "totals": tot_nb,
        }
        if toy.ap is not None:
            if not _same(tot_nb, tot_ap):
                raise SystemExit(
                    f"anchors: totals differ at {n_units} units: numba {tot_nb}, agentpy {tot_ap}"
                )
            row["agentpy_s_per_day"] = t_ap
            row["agentpy_ratio_of_minima"] = min(t_ap) / min(t_nb)
        rows.append(row)
        print(
            f"anchors: {n_units} units: numba {min(t_nb) * 1e3:.2f} ms/day, mesa {min(t_me):.2f} s/day, "
            f"ratio {row['ratio_of_minima']:.0f}"
            + (f", agentpy {min(row['agentpy_s_per_day']):.2f} s/day" if "agentpy_s_per_day" in row else ""),
            flush=True,
        )
    import mesa
    import numba

    res = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "versions": {
            "mesa": mesa.__version__,
            "numba": numba.__version__,
            "agentpy": None if toy.ap is None else toy.ap.__version__,
        },
        "repeats": a.repeats,
        "rows": rows,
    }
    write_text(out_dir / "anchors.json", json.dumps(res, indent=1) + "\n")
    lines = [
        "# Anchors: one toy step in idiomatic Mesa, agentpy and the project's numba style",
        "",
        "Generated by `benchmarks/anchors/run.py` (never hand-edited). The toy day and its versions are",
        "described in `benchmarks/anchors/toy.py`; all end with the same totals (checked before timing).",
        f"Mesa {mesa.__version__}, agentpy {res['versions']['agentpy'] or 'not installed'}, numba "
        f"{numba.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {', '.join(f'{x:.2f}' for x in res['machine']['load'])}; "
        f"{a.repeats} repeats of {a.days} days, interleaved, one thread.",
        "",
        "| units | locations | numba per unit-day (min / median) | Mesa per unit-day (min / median) "
        "| agentpy per unit-day (min / median) | Mesa / numba (minima) | agentpy / numba (minima) "
        "| numba >= 100x Mesa | numba's libm exp alone (min) | Mesa / exp alone |",
        "|---:|---:|---|---|---|---:|---:|---|---:|---:|",
    ]

    def per(ts: list[float], n: int, fmt: str) -> str:
        return f"{min(ts) / n * 1e6:{fmt}} / {statistics.median(ts) / n * 1e6:{fmt}} us"

    for r in rows:
        n = r["units"]
        ap_t = r.get("agentpy_s_per_day")
        ap_ratio = f"{r['agentpy_ratio_of_minima']:,.0f}" if ap_t else "-"
        lines.append(
            f"| {n:,} | {r['locations']:,} | {per(r['numba_s_per_day'], n, '.3f')} "
            f"| {per(r['mesa_s_per_day'], n, '.1f')} | {per(ap_t, n, '.1f') if ap_t else '-'} "
            f"| {r['ratio_of_minima']:,.0f} | {ap_ratio} "
            f"| {'yes' if r['ratio_of_minima'] >= 100 else 'no'} "
            f"| {min(r['exp_floor_s_per_day']) / n * 1e6:.3f} us ({r['exp_share_of_numba']:.0%} of its day) "
            f"| {r['mesa_over_exp_floor']:,.0f} |"
        )
    lines += [
        "",
        "What the ratio is and is not: the same rules and the same random draws, each written the way its",
        "framework invites (Mesa: an agent object per unit and location, a network grid, `AgentSet.do`;",
        "agentpy: agent lists whose calls broadcast, an `ap.Network` of agent nodes; numba: arrays and",
        "compiled loops). It is not the ratio of this project's 2021 step to a Mesa model of it, whose",
        "rules are richer. mesa-frames is not measured: its release on PyPI for this Python",
        "(0.1.0a0) requires numpy < 2, which the project cannot install beside numba's numpy 2.",
        "",
        f"Why the numba day is where it is: each unit draws from a softmax over {toy.K} candidates, so",
        f"the day computes {toy.K} exponentials per unit, and `toy.exp_floor` times those alone (libm's",
        "`exp`, the same argument range, nothing else). That floor is most of the numba day, so with",
        "libm's `exp` this style cannot beat Mesa by more than the last column. Going past it would take",
        "vectorised approximate exponentials (SVML or a polynomial), whose last bits differ from the",
        "agent versions' `math.exp`, so equal draws would no longer be guaranteed; better memory access",
        "would not do it.",
        "",
        "How stable the ratio is: it moves with the state of the shared machine, mostly on the Mesa",
        "side (Python objects, memory-bound). The run committed with defb6fe (2 December 2026,",
        "sequential repeats) had Mesa at 14.2 us and numba at 0.202 us per unit-day at 10^5 units,",
        "70x; four runs on 3 December 2026 had Mesa at 26-32 us and numba at 0.23 us, 115-137x.",
        "Read the verdict at the 100x line as depending on the day.",
        "",
    ]
    write_text(out_dir / "ANCHORS.md", "\n".join(lines))
    print(f"anchors: wrote {out_dir / 'ANCHORS.md'}")


if __name__ == "__main__":
    main()
