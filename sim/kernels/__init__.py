"""numba kernels, one module per daily phase (see :mod:`sim.kernels.step` for the order).

numba's on-disk cache (``cache=True``) is keyed by each function's own source file, so a
kernel that calls a changed function in another module would keep running stale machine code.
Unless ``NUMBA_CACHE_DIR`` is set, the cache therefore lives in a directory named after a hash
of all kernel sources (``~/.cache/conflict-sandbox/numba/<hash>``): any edit to any kernel
starts a fresh cache (old ones are a few MB each; delete ``~/.cache/conflict-sandbox`` freely).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba


def _configure_cache() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    here = Path(__file__).resolve().parent
    sources = [*sorted(here.glob("*.py")), here.parent / "world.py"]
    digest = hashlib.sha256()
    for p in sources:
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    root = base / "conflict-sandbox" / "numba"
    target = root / f"py{numba.config.PYVERSION[0]}{numba.config.PYVERSION[1]}-{digest.hexdigest()[:16]}"
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # read-only home: fall back to numba's default (__pycache__ beside the sources)
    numba.config.CACHE_DIR = str(target)


_configure_cache()
