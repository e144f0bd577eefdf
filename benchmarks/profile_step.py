"""Profile of the day kernel: ``python benchmarks/profile_step.py [--units U] [--days D]``.

Writes ``benchmarks/profile.json`` (included in RESULTS.md by ``benchmarks/run.py``):

* time per phase kernel (each ``*_nb`` phase called from Python, one replicate);
* with ``perf`` on the PATH, the share of CPU samples in numba's reference counting
  (``NRT_incref`` / ``NRT_decref``, resolved by address from numba's runtime library);
* with ``--inline``, the inlining experiment of :mod:`inline_experiment` (same source, helpers
  compiled ``inline="always"``): its speed-up, that results are bit-identical, and its
  compile time. Slow (minutes of compilation), so it is not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def phases(units: int, days: int) -> tuple[dict, dict]:
    import run as bench

    from sim.kernels.combat import combat_nb, presence_nb
    from sim.kernels.command import command_nb
    from sim.kernels.control import update_control_nb
    from sim.kernels.events import apply_events_nb
    from sim.kernels.growth import growth_nb
    from sim.kernels.morale import (
        garrison_morale_nb,
        insurgent_morale_nb,
        isolation_nb,
        militia_loyalty_nb,
    )
    from sim.kernels.movement import move_units_nb

    scen = bench._synthetic(units)
    seed, r = 0, 0
    tt: dict[str, float] = collections.defaultdict(float)
    for t in [-1, *range(days)]:  # t = -1: day 0 on a throwaway state (compiles, untimed)
        if t <= 0:
            st, S, P, _out = bench._kernel_inputs(scen, 1, days)
            tt.clear()
        day = max(t, 0)
        calls = [
            ("events", apply_events_nb, (st, S, P, r, day)),
            ("movement", move_units_nb, (st, S, P, seed, r, day)),
            ("presence", presence_nb, (st, S, P, r)),
            ("combat", combat_nb, (st, S, P, seed, r, day)),
            ("isolation", isolation_nb, (st, S, r)),
            ("garrison morale", garrison_morale_nb, (st, S, P, seed, r, day)),
            ("militia loyalty", militia_loyalty_nb, (st, S, P, seed, r, day)),
            ("insurgent morale", insurgent_morale_nb, (st, S, P, r)),
            ("control", update_control_nb, (st, S, P, r, day)),
            ("command", command_nb, (st, S, P, r, day)),
            ("growth", growth_nb, (st, S, P, r)),
        ]
        for name, f, args in calls:
            t0 = time.perf_counter()
            f(*args)
            tt[name] += time.perf_counter() - t0
    return dict(tt), {"units": units, "locations": scen.n_locations}


PERF_CHILD = """
import sys, time, json
sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
import numpy as np
import run as bench
from numba.core.runtime import rtsys
from sim.kernels.step import run_batch_serial_nb
scen = bench._synthetic({units})
st, S, P, out = bench._kernel_inputs(scen, 1, {days})
run_batch_serial_nb(st, S, P, np.zeros(1, np.int64), 0, 1, *out)
st, S, P, out = bench._kernel_inputs(scen, 1, {days})
open({marker!r}, "w").write("go")
t0 = time.perf_counter()
run_batch_serial_nb(st, S, P, np.zeros(1, np.int64), 0, {days}, *out)
print("RESULT", json.dumps({{"step_s": time.perf_counter() - t0,
      "incref": rtsys.library.get_pointer_to_function("NRT_incref"),
      "decref": rtsys.library.get_pointer_to_function("NRT_decref")}}))
"""


def perf_profile(units: int, days: int) -> dict | None:
    """Share of samples in NRT_incref / NRT_decref while stepping (perf, if available)."""
    if shutil.which("perf") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        marker = Path(tmp) / "marker"
        code = PERF_CHILD.format(here=str(HERE), root=str(ROOT), units=units, days=days, marker=str(marker))
        p = subprocess.run(
            ["perf", "record", "-F", "999", "-o", str(data), sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=False,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )
        line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT")]
        if p.returncode != 0 or not line:
            return {"error": p.stderr[-500:]}
        info = json.loads(line[-1].split(" ", 1)[1])
        rep = subprocess.run(
            ["perf", "report", "-i", str(data), "--no-children", "--sort", "dso,sym", "--stdio"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    jit = nrt = 0.0
    for ln in rep.splitlines():
        parts = ln.split()
        if len(parts) < 3 or not parts[0].endswith("%") or "[JIT]" not in ln:
            continue
        pct = float(parts[0].rstrip("%"))
        jit += pct
        addr = int(parts[-1], 16) if parts[-1].startswith("0x") else None
        if addr is not None and any(0 <= addr - info[k] < 16 for k in ("incref", "decref")):
            nrt += pct
    return {
        "jit_pct": jit,
        "nrt_pct": nrt,
        "nrt_share_of_jit": nrt / jit if jit else None,
        "step_s": info["step_s"],
    }


def inline_experiment(units: int, days: int) -> dict:
    import numpy as np
    import run as bench
    from inline_experiment import build_inlined

    from sim.kernels.step import run_batch_serial_nb

    _sd, rb = build_inlined()
    scen = bench._synthetic(units)
    seeds = np.zeros(1, np.int64)

    def go(kernel: object) -> tuple[float, object, object]:
        st, S, P, out = bench._kernel_inputs(scen, 1, days)
        t0 = time.perf_counter()
        kernel(st, S, P, seeds, 0, days, *out)
        return time.perf_counter() - t0, st, out

    t0 = time.perf_counter()
    go(rb)
    compile_s = time.perf_counter() - t0
    a, b = go(run_batch_serial_nb), go(rb)
    same = all(np.array_equal(x, y) for x, y in zip(a[1], b[1], strict=True)) and all(
        np.array_equal(x, y) for x, y in zip(a[2], b[2], strict=True)
    )
    return {
        "original_s": a[0],
        "inlined_s": b[0],
        "speedup": a[0] / b[0],
        "identical": bool(same),
        "compile_s": compile_s,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--inline", action="store_true", help="run the inlining experiment")
    a = ap.parse_args()
    import run as bench

    m = bench.machine()
    tt, size = phases(a.units, a.days)
    out = {"date": m["date"], "git_commit": m["git_commit"], "days": a.days, **size, "phases": tt}
    notes = []
    tot = sum(tt.values())
    mv = tt.get("movement", 0.0)
    notes.append(
        f"* Movement (targeting) takes {mv / tot:.0%} of the day: "
        f"{mv / a.days / a.units * 1e6:.1f} us per unit per day."
    )
    pp = perf_profile(a.units, a.days)
    out["perf"] = pp
    if pp and "error" not in pp and pp["nrt_share_of_jit"] is not None:
        notes.append(
            f"* `perf record` of the stepping: {pp['nrt_pct']:.1f}% of all samples "
            f"({pp['nrt_share_of_jit']:.0%} of the samples in jitted code) are in "
            "numba's `NRT_incref` / `NRT_decref` (reference counting of the arrays "
            "inside the `State`/`Static` tuples passed to helper calls); the rest of "
            "the jitted time cannot be attributed by perf (no symbols for JIT code)."
        )
    if a.inline:
        ie = inline_experiment(a.units, a.days)
        out["inline"] = ie
        notes.append(
            f"* Experiment (`benchmarks/inline_experiment.py`): the same source with "
            f'the `@njit` helpers compiled `inline="always"` runs '
            f"{ie['speedup']:.2f}x faster ({ie['original_s']:.2f} s -> "
            f"{ie['inlined_s']:.2f} s), results bit-identical: {ie['identical']}; "
            f"compiling it took {ie['compile_s']:.0f} s."
        )
    out["notes"] = notes
    (HERE / "profile.json").write_text(json.dumps(out, indent=1) + "\n")
    print("\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
