"""Helpers for the explore tests: the analytic Ishigami indices, and running the Ishigami test app
and the conflict-sim CLIs in subprocesses (a module name of its own: ``conftest`` names clash
across test folders)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

A, B = 7.0, 0.1
_V = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
#: Analytic Sobol indices of the Ishigami function (a = 7, b = 0.1; Sobol' and Levitan 1999).
ISHIGAMI = {
    "var": _V,
    "S1": np.array([0.5 * (1 + B * np.pi**4 / 5) ** 2 / _V, A**2 / 8 / _V, 0.0]),
    "ST": np.array(
        [
            (0.5 * (1 + B * np.pi**4 / 5) ** 2 + 8 * B**2 * np.pi**8 / 225) / _V,
            A**2 / 8 / _V,
            8 * B**2 * np.pi**8 / 225 / _V,
        ]
    ),
    "S13": 8 * B**2 * np.pi**8 / 225 / _V,
}


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)])}


def run_ishigami(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``python ishigami_app.py -m hydra/sweeper=explore ARGS`` (basic launcher unless given)."""
    launcher = [] if any(a.startswith("hydra/launcher") for a in args) else ["hydra/launcher=basic"]
    p = subprocess.run(
        [sys.executable, str(HERE / "ishigami_app.py"), "-m", "hydra/sweeper=explore", *launcher, *args],
        cwd=HERE,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def run_cli(module: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``python -m MODULE ARGS`` from the repository root (``sim.cli.explore``, ``sim.cli.main``)."""
    p = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p
