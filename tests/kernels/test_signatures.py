"""Compile time is dominated by signatures (issue 18): each kernel is compiled once per run.

Kept out of ``test_cache.py`` so the CI's second interpreter (which runs that file) does not pay
one more cold compile.
"""

import os


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
