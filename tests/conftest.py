"""Session-wide settings: the scenario cache (sim.scenario.cache) goes to a folder of this test
session, removed at its end, so tests never read or write the user's
``~/.cache/conflict-sandbox``."""

from __future__ import annotations

import os
import shutil
import tempfile

_MADE: list[str] = []


def pytest_configure(config) -> None:
    _MADE.append(tempfile.mkdtemp(prefix="conflict-sim-test-cache-"))
    os.environ["CONFLICT_SIM_CACHE"] = _MADE[-1]


def pytest_unconfigure(config) -> None:
    for d in _MADE:  # only the folder this session made
        shutil.rmtree(d, ignore_errors=True)
