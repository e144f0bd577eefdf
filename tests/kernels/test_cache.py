"""The numba cache under the user's cache directory is pruned safely (issue 15)."""

import os
import time

from sim.kernels import KEEP_CACHES, _prune_cache


def _cache(root, name, age_days, files=("k.nbi", "k.1.nbc")):
    d = root / name
    d.mkdir(parents=True)
    for f in files:
        (d / f).write_bytes(b"x")
    t = time.time() - age_days * 86400
    os.utime(d, (t, t))
    return d


def test_prune_keeps_newest_and_only_touches_its_own(tmp_path):
    root = tmp_path / "numba"
    current = _cache(root, "py311-" + "0" * 16, 0)
    old = [_cache(root, f"py311-{i:016x}", 2 + i) for i in range(1, 8)]  # ages 3 .. 9 days
    other_py = _cache(root, "py312-" + "f" * 16, 30)  # another Python's cache: not ours to judge
    foreign = _cache(root, "py311-" + "a" * 16, 40, files=("k.nbi", "notes.txt"))  # a user's file inside
    odd = _cache(root, "mine", 50)  # not the naming pattern
    removed = _prune_cache(root, current)
    kept = sorted(p.name for p in root.iterdir())
    # the current one plus the KEEP_CACHES - 1 next most recent of py311 remain, and every dir
    # the pattern does not own
    newest = [current, *old[: KEEP_CACHES - 1]]
    assert all(d.is_dir() for d in newest)
    assert not any(d.exists() for d in old[KEEP_CACHES - 1 :])
    assert sorted(removed) == sorted(old[KEEP_CACHES - 1 :])
    assert other_py.is_dir() and odd.is_dir() and (odd / "k.nbi").is_file()
    assert foreign.is_dir() and (foreign / "notes.txt").is_file() and not (foreign / "k.nbi").exists()
    assert len(kept) == KEEP_CACHES + 3


def test_prune_spares_recently_used(tmp_path):
    root = tmp_path / "numba"
    current = _cache(root, "py311-" + "0" * 16, 0)
    recent = [_cache(root, f"py311-{i:016x}", 0.1) for i in range(1, 9)]  # all used today
    assert _prune_cache(root, current) == []
    assert all(d.is_dir() for d in recent)


def test_a_run_compiles_each_kernel_once(tmp_path):
    """Compile time is dominated by signatures (issue 18): after a 2021 run in a fresh process
    with an empty numba cache (a cached caller loads none of its callees), no dispatcher of the
    package holds two compiled versions (a literal constant argument, e.g. -1, makes numba
    compile a second specialisation). Costs one cold compile."""
    import subprocess
    import sys

    code = (
        "import sys, sim\n"
        "from numba.core.registry import CPUDispatcher\n"
        "sim.run('afghanistan_2021', seed=0, days=12)\n"
        "seen = {}\n"
        "for name, mod in list(sys.modules.items()):\n"
        "    if name.startswith('sim'):\n"
        "        for k, v in vars(mod).items():\n"
        "            if isinstance(v, CPUDispatcher):\n"
        "                seen[f'{v.py_func.__module__}.{k}'] = len(v.signatures)\n"
        "assert len(seen) > 20, seen\n"
        "print(sorted(k for k, n in seen.items() if n > 1))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
