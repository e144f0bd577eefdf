"""Fixtures of the explore tests."""

import pytest
from explore_util import run_ishigami


@pytest.fixture(scope="session")
def ishigami_sobol(tmp_path_factory):
    """A Sobol design (N = 32, second order: 256 points) of the Ishigami function through the
    explore sweeper, the Hydra launcher, write_job and the merge; 3 replicates with additive
    noise of sd 2 drawn from the replicate's seed (common random numbers)."""
    out = tmp_path_factory.mktemp("ishigami") / "sobol"
    p = run_ishigami(
        "hydra.sweeper.design=sobol",
        "hydra.sweeper.n=32",
        "hydra.sweeper.params=[x1,x2,x3]",
        "replicates=3",
        "noise=2.0",
        f"hydra.sweep.dir={out}",
    )
    return out, p
