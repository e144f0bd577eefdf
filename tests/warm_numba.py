"""Compile the model's kernels into numba's cache: the runs the test suite needs first.

Used by ``tests/conftest.py`` (in pytest-xdist's controller, before its workers start) and by
``.ci/run`` (``python tests/warm_numba.py``, for the second Python's stage while the first runs).
"""

from __future__ import annotations


def warm() -> None:
    """A 2021 run of 3 days, alone and as a batch of two without per-location series: the
    kernels' two specializations the tests use."""
    import sim

    sim.run("afghanistan_2021", seed=0, days=3)
    sim.run("afghanistan_2021", seed=0, days=3, replicates=2, record_locations=False)


if __name__ == "__main__":
    warm()
