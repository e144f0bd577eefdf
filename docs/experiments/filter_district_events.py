"""District losses in the particle filter: weighed, or only imposed (the default), on synthetic truths.

The measurement of docs/calibration.md, "District losses: weighed or only imposed": twelve truths
of the test world of ``tests/inference/test_assimilate.py`` (its three, and nine more drawn from
the prior's range), every eighth district post's loss observed with the border crossings' error,
a forecast from day 25 by each filter and by the unconditioned ensemble, scored by the mean CRPS
of the capital falls (days) against what the truth did to its horizon.

    python docs/experiments/filter_district_events.py 256     # particles (128, 256, 512 in the docs)
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.evaluation.scoring import score_forecast
from sim.inference.forecast import make_forecast
from sim.inference.synthetic import observations_from_run

# the test world, its cut-off, its three truths and its prior, from the test itself
_ROOT = Path(__file__).resolve().parents[2]
_TEST = runpy.run_path(str(_ROOT / "tests" / "inference" / "test_assimilate.py"))
WORLD: list[str] = _TEST["WORLD"]
CUT: int = _TEST["CUT"]
prior = _TEST["_prior"]
TRUTHS: list[dict[str, float]] = [
    *_TEST["TRUTHS"],
    {"model.morale.b0": 0.0, "model.combat.beta_ins": 0.015},
    {"model.morale.b0": 1.5, "model.combat.beta_ins": 0.05},
    {"model.morale.b0": 0.4, "model.combat.beta_ins": 0.025},
]
_rng = np.random.default_rng(7)
TRUTHS += [
    {
        "model.morale.b0": float(_rng.uniform(-0.5, 1.8)),
        "model.combat.beta_ins": float(np.exp(_rng.uniform(np.log(0.008), np.log(0.06)))),
    }
    for _ in range(6)
]


def main(particles: int) -> pd.DataFrame:
    """One row per truth: the mean CRPS (days) of each forecast."""
    scen = sim.load_scenario("synthetic", WORLD)
    loc = scen.locations
    posts = [str(i) for i, c in zip(loc["location_id"], loc["is_capital"], strict=True) if not c][::8]
    rows = []
    for k, values in enumerate(TRUTHS):
        kw = dict(values=values, seed=20_000 + k, provinces=True, modes=True, district_events=posts)
        past = observations_from_run(scen, count_days=range(5, CUT + 1, 5), until_day=CUT, **kw)
        h = scen.horizon_days
        whole = observations_from_run(scen, count_days=range(5, h + 1, 5), until_day=h, **kw)
        row: dict[str, float] = {"truth": k, "posts_lost": int((past.table["quantity"] == "district").sum())}
        for name, on, weigh in (
            ("weighed", True, True),
            ("imposed", True, False),
            ("unconditioned", False, True),
        ):
            fc = make_forecast(
                scen.name,
                overrides=WORLD,
                seed=100,
                replicates=particles,
                cutoff=scen.date_of(CUT),
                observations=past,
                assimilate=on,
                params=prior(particles, seed=k),
                log=None,
                weigh_district_events=weigh,
            )
            row[name] = score_forecast(fc, whole, plot=False, distances={}).summary["crps_days_mean"]
        rows.append(row)
        print(row, flush=True)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    df = main(int(sys.argv[1]) if len(sys.argv) > 1 else 256)
    print(df.to_string(index=False))
    print(df[["weighed", "imposed", "unconditioned"]].mean().round(2).to_string())
    print("truths where imposing only is better:", int((df["imposed"] < df["weighed"]).sum()), "of", len(df))
