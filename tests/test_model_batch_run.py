"""``mesa.batch_run`` sets scenario parameters through ConflictModel's keywords."""

from __future__ import annotations

import inspect

import mesa
import pandas as pd

from sim.model import ConflictModel


def test_batch_run_sweeps_scenario_parameters():
    params = {
        "scenario": "afghanistan_2021",
        "days": 30,
        "record_locations": False,
        "reserve_commandos": [0, 6000],
        "reserve.airlift_per_day": 300,
    }
    kwargs = {}
    if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa >= 3.5: seeds via rng
        kwargs["rng"] = [2]
    else:  # Mesa 3.3: the seed is a parameter like any other
        params["seed"] = [2]
    rows = pd.DataFrame(
        mesa.batch_run(
            ConflictModel,
            parameters=params,
            number_processes=1,
            data_collection_period=1,
            display_progress=False,
            **kwargs,
        )
    )
    assert set(rows["reserve_commandos"]) == {0, 6000}
    first = rows[rows["Step"] == rows["Step"].min()].set_index("reserve_commandos")
    assert first.loc[0, "reserve"] == 0
    assert first.loc[6000, "reserve"] == 6000
    last = rows.groupby("reserve_commandos")["Step"].max()
    assert set(last) <= {29, 30}  # stopped itself at days=30 (Mesa 3.3 reports steps 0..29)
