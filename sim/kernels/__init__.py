"""numba kernels, one module per daily phase (see :mod:`sim.kernels.step` for the order).

numba's on-disk cache (``cache=True``) is keyed by each function's own source file, so a
kernel that calls a changed function in another module would keep running stale machine code.
Unless ``NUMBA_CACHE_DIR`` is set, the cache therefore lives in a directory named after a hash
of all kernel sources (``~/.cache/conflict-sandbox/numba/<hash>``): any edit to any kernel
starts a fresh cache. Old ones (about 5 MB each) are pruned: the four most recently used per
Python version are kept, and only numba's own files in directories of this naming pattern that
have not been used for a day are removed (delete ``~/.cache/conflict-sandbox`` freely).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
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
        os.utime(target)  # "newest" means last used
    except OSError:
        return  # read-only home: fall back to numba's default (__pycache__ beside the sources)
    numba.config.CACHE_DIR = str(target)
    _prune_cache(root, target)


#: Kernel-version cache directories kept per Python version (the most recently used ones).
KEEP_CACHES = 4
_CACHE_DIR_RE = re.compile(r"py\d+-[0-9a-f]{16}")


def _prune_cache(
    root: Path, current: Path, keep: int = KEEP_CACHES, min_age_s: float = 86400.0
) -> list[Path]:
    """Remove old kernel-version caches under ``root`` (issue 15; each is ~5 MB).

    Only directories named like the ones made above (``py311-<16 hex>``), of the same Python
    version as ``current``, beyond the ``keep`` most recently used and unused for ``min_age_s``;
    inside them only numba's own cache files (``*.nbi``, ``*.nbc``) are deleted, and a directory
    is removed only when that leaves it empty. Errors are ignored (another process may prune too).
    """
    removed: list[Path] = []
    prefix = current.name.split("-")[0] + "-"
    try:
        dirs = [
            d
            for d in root.iterdir()
            if d.is_dir()
            and not d.is_symlink()
            and _CACHE_DIR_RE.fullmatch(d.name)
            and d.name.startswith(prefix)
        ]
        dirs.sort(key=lambda d: d.stat().st_mtime, reverse=True)
        now = time.time()
        for d in dirs[keep:]:
            if d == current or now - d.stat().st_mtime < min_age_s:
                continue
            for f in d.iterdir():
                if f.is_file() and not f.is_symlink() and f.suffix in (".nbi", ".nbc"):
                    f.unlink(missing_ok=True)
            d.rmdir()  # fails (and is kept) if anything else is in it
            removed.append(d)
    except OSError:
        pass
    return removed


_configure_cache()
