"""Counter-based random streams keyed by (seed, day, kind, entity).

A draw is a pure function of its key, so results never depend on thread count, the order in
which entities are visited, or the backend: the numba kernels and the plain-Python Mesa
reference call the same function with the same key. The mixer is SplitMix64 (Steele, Lea and
Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA), chained over the four
key words; the top 53 bits give a double in (0, 1).

``uniform`` and ``normal`` are numba-jitted; ``uniform_py`` and ``normal_py`` are the
plain-Python twins (integer arithmetic masked to 64 bits) that tests hold equal.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_TWO_M53 = 1.0 / 9007199254740992.0

G64 = np.uint64(_GOLDEN)
C1 = np.uint64(_C1)
C2 = np.uint64(_C2)
S30 = np.uint64(30)
S27 = np.uint64(27)
S31 = np.uint64(31)
S11 = np.uint64(11)


@njit(cache=True)
def _mix(z: np.uint64) -> np.uint64:
    z = z + G64
    z = (z ^ (z >> S30)) * C1
    z = (z ^ (z >> S27)) * C2
    return z ^ (z >> S31)


@njit(cache=True)
def uniform(seed: int, day: int, kind: int, entity: int) -> float:
    """Uniform draw in (0, 1) for the key (seed, day, kind, entity); all keys >= 0."""
    h = _mix(np.uint64(seed))
    h = _mix(h ^ np.uint64(day))
    h = _mix(h ^ np.uint64(kind))
    h = _mix(h ^ np.uint64(entity))
    return (float(h >> S11) + 0.5) * _TWO_M53


@njit(cache=True)
def normal(seed: int, day: int, kind: int, entity: int) -> float:
    """Standard normal draw by Box-Muller from two uniforms (entity*2 and entity*2+1)."""
    u1 = uniform(seed, day, kind, 2 * entity)
    u2 = uniform(seed, day, kind, 2 * entity + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def _mix_py(z: int) -> int:
    z = (z + _GOLDEN) & _M64
    z = ((z ^ (z >> 30)) * _C1) & _M64
    z = ((z ^ (z >> 27)) * _C2) & _M64
    return z ^ (z >> 31)


def uniform_py(seed: int, day: int, kind: int, entity: int) -> float:
    """Plain-Python twin of :func:`uniform` (same bits)."""
    h = _mix_py(int(seed) & _M64)
    h = _mix_py(h ^ int(day))
    h = _mix_py(h ^ int(kind))
    h = _mix_py(h ^ int(entity))
    return ((h >> 11) + 0.5) * _TWO_M53


def normal_py(seed: int, day: int, kind: int, entity: int) -> float:
    """Plain-Python twin of :func:`normal`."""
    u1 = uniform_py(seed, day, kind, 2 * entity)
    u2 = uniform_py(seed, day, kind, 2 * entity + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
