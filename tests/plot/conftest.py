"""Fixtures for the plot tests: small runs of the 2021 scenario, rendered with Agg."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import sim

REPLICATES = 12


@pytest.fixture(scope="session")
def scen():
    return sim.load_scenario("afghanistan_2021")


@pytest.fixture(scope="session")
def one(scen):
    """One full-horizon run with per-location series."""
    return sim.run(scen, seed=1, record_locations=True)


@pytest.fixture(scope="session")
def ens(scen):
    return sim.run(scen, seed=0, replicates=REPLICATES, record_locations=False)


@pytest.fixture(scope="session")
def alt():
    s = sim.load_scenario("afghanistan_2021", overrides=["reserve.commandos=8000"])
    return sim.run(s, seed=0, replicates=REPLICATES, record_locations=False)


@pytest.fixture(scope="session")
def sweep_runs():
    """A runs table shaped like a sweep's: string parameter values, NA outcomes."""
    rng = np.random.default_rng(0)
    rows = []
    for c in ("0", "500", "2000", "8000"):
        for w in ("2021-08-31", "2021-10-31", "2021-12-31"):
            for seed in range(6):
                held = w == "2021-12-31" and seed % 2 == 0
                rows.append(
                    {
                        "reserve.commandos": c,
                        "model.withdrawal.end": w,
                        "seed": seed,
                        "replicate": seed,
                        "capitals_fallen": int(rng.integers(20, 35)) - int(c) // 1000,
                        "hub_fell_day": pd.NA if held else 105 + int(c) // 500 + seed,
                    }
                )
    df = pd.DataFrame(rows)
    df["hub_fell_day"] = df["hub_fell_day"].astype("Int64")
    return df


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def save():
    """``save(fig, tmp_path, name)``: render to PNG and check it is a real, non-blank image."""
    return _save


@pytest.fixture
def n_rep():
    return REPLICATES


def _save(fig, tmp_path, name):
    from PIL import Image

    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    with Image.open(path) as im:
        assert im.format == "PNG"
        w, h = im.size
        assert w > 200 and h > 150
        colors = im.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colors is None or len(colors) > 20  # not a blank canvas
    return path
