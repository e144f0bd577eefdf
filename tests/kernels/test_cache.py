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
