"""Session-wide settings.

* The scenario cache (sim.scenario.cache) goes to a folder of this test session (of each
  pytest-xdist worker), removed at its end, so tests never read or write the user's
  ``~/.cache/conflict-sandbox``.
* Under pytest-xdist the numba kernels are compiled once before the workers start.
* Tests marked ``slow`` run first: under ``pytest -n 2`` (the README's test command) a
  several-minute test that started last would leave one core idle at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_MADE: list[str] = []


def pytest_configure(config) -> None:
    _MADE.append(tempfile.mkdtemp(prefix="conflict-sim-test-cache-"))
    os.environ["CONFLICT_SIM_CACHE"] = _MADE[-1]
    _warm_numba_cache(config)


def _warm_numba_cache(config) -> None:
    """Under pytest-xdist, compile the kernels once, in the controller before its workers start:
    the workers (and the subprocesses of the README, CLI and notebook tests) then load them from
    numba's cache instead of each compiling them at the same time on the same cores. A failure
    here is left to the tests that run the model to report."""
    if not getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        return
    try:
        from warm_numba import warm

        warm()
    except Exception:  # the tests themselves report it, with their context
        pass


def pytest_collection_modifyitems(config, items) -> None:
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: slow first


def pytest_unconfigure(config) -> None:
    for d in _MADE:  # only the folder this session made
        shutil.rmtree(d, ignore_errors=True)
