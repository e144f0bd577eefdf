"""Scenario parameters as keywords: aliases, formatting, and validation identical to the CLI's."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import sim
from sim.model import ConflictModel
from sim.scenario import PARAM_ALIASES, ScenarioError, params_to_overrides, scenario_with_params
from sim.scenario.params import _leaf_paths


def test_aliases_name_every_parameter_once():
    paths = set(_leaf_paths())
    assert set(PARAM_ALIASES.values()) <= paths
    for alias, path in PARAM_ALIASES.items():
        assert alias.isidentifier(), alias
        assert alias in (path.replace(".", "_"), path.removeprefix("model.").replace(".", "_"))
    for lever in (
        "reserve_commandos",
        "reserve_airlift_per_day",
        "withdrawal_end",
        "command_policy",
        "forces_militia_loyalty_shift",
        "model_withdrawal_end",
        "combat_noise",
    ):
        assert lever in PARAM_ALIASES
    assert not {"seed", "replicates", "backend", "name", "data_dir"} & set(PARAM_ALIASES)


def test_values_become_hydra_overrides():
    ovr = params_to_overrides(
        {
            "reserve_commandos": np.int64(500),
            "forces.militia_loyalty_shift": 0.25,
            "events.1.enabled": False,
            "withdrawal_end": dt.date(2021, 12, 31),
            "command_policy": "none",
            "description": "what if (500)",
        }
    )
    assert ovr == [
        "reserve.commandos=500",
        "forces.militia_loyalty_shift=0.25",
        "events.1.enabled=false",
        "model.withdrawal.end=2021-12-31",
        "model.command.policy=none",
        "description='what if (500)'",
    ]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"seed": 3}, "seed = 3 is invalid; allowed: a scenario parameter"),
        ({"replicates": 3}, "replicates = 3 is invalid"),
        ({"reserve_commandos": float("nan")}, "reserve_commandos = nan is invalid; allowed: a finite number"),
        ({"description": "${oc.env:HOME}"}, "no ${...} interpolation"),
        ({"+reserve.commandos": 1}, "a dotted parameter name"),
        ({"hydra.run.dir": "/tmp"}, "a dotted parameter name"),
        ({"reserve_commandos": 1, "reserve.commandos": 2}, "each parameter once"),
        ({"reserve_commandos": [1, 2]}, "a single number, bool, string or date"),
    ],
)
def test_bad_keywords_are_one_line_errors(params, needle):
    with pytest.raises(ScenarioError) as e:
        params_to_overrides(params)
    assert needle in str(e.value)
    assert "\n" not in str(e.value)
    assert str(e.value).startswith("override: ")


@pytest.mark.parametrize(
    ("params", "override"),
    [
        ({"reserve_commandos": -5}, "reserve.commandos=-5"),
        ({"reserve_comandos": 5}, "reserve_comandos=5"),
        ({"withdrawal_end": "2021-02-30"}, "model.withdrawal.end=2021-02-30"),
        ({"command_policy": "magic"}, "model.command.policy=magic"),
        ({"events.1.enabled": "maybe"}, "events.1.enabled=maybe"),
        ({"model.combat.noise": 7.0}, "model.combat.noise=7.0"),
    ],
)
def test_model_keywords_fail_exactly_as_the_cli_does(params, override):
    """The message of a bad keyword is the message of the same override on the command line."""
    with pytest.raises(ScenarioError) as cli:
        sim.load_scenario("afghanistan_2021", [override])
    with pytest.raises(ScenarioError) as kw:
        ConflictModel("afghanistan_2021", **params)
    assert str(kw.value) == str(cli.value)
    assert "\n" not in str(kw.value)


def test_keywords_equal_overrides():
    by_kw = ConflictModel(
        seed=3, reserve_commandos=500, withdrawal_end="2021-12-31", **{"events.1.enabled": False}
    )
    by_cli = ConflictModel(
        sim.load_scenario(
            "afghanistan_2021",
            ["reserve.commandos=500", "model.withdrawal.end=2021-12-31", "events.1.enabled=false"],
        ),
        seed=3,
    )
    assert by_kw.conflict_scenario == by_cli.conflict_scenario  # same fingerprint
    assert by_kw.conflict_scenario != sim.load_scenario("afghanistan_2021")
    assert [e.kind for e in by_kw.conflict_scenario.events].count("abandon_countryside") == 0


def test_params_on_a_loaded_scenario_keep_its_own_overrides():
    base = sim.load_scenario("afghanistan_2021", ["reserve.airlift_per_day=100"])
    s = scenario_with_params(base, {"reserve_commandos": 700})
    assert s.config.reserve.airlift_per_day == 100
    assert s.config.reserve.commandos == 700
    assert s == sim.load_scenario(
        "afghanistan_2021", ["reserve.airlift_per_day=100", "reserve.commandos=700"]
    )
    assert scenario_with_params(base, {}) is base
    with pytest.raises(ScenarioError, match=r"^override: reserve.delay_days = 99 is invalid"):
        scenario_with_params(base, {"reserve.delay_days": 99})


def test_a_switched_off_event_is_gone_and_a_bad_one_still_checked():
    s = sim.load_scenario("afghanistan_2021", ["events.3.enabled=false"])
    assert "reinforcement_request" not in [e.kind for e in s.events]
    with pytest.raises(ScenarioError, match=r"^override: events\[1\].date = '2030-01-01' is invalid"):
        sim.load_scenario("afghanistan_2021", ["events.1.date=2030-01-01"])


def test_seed_none_draws_a_recorded_seed():
    a = ConflictModel(
        "synthetic", seed=None, days=5, **{"synthetic.n_locations": 40, "synthetic.n_units": 40}
    )
    assert isinstance(a.seed, int) and a.seed >= 0
    a.run()
    b = ConflictModel(a.conflict_scenario, seed=a.seed, days=5).run()
    np.testing.assert_array_equal(a._side, b._side)


def test_scenarios_compose_from_many_threads_at_once():
    """Hydra keeps one GlobalHydra per process; the app validates levers from callback threads,
    and two at once used to fail with 'GlobalHydra is already initialized' instead of composing
    (or naming the bad value). Six threads, five compositions each, half of them a bad value."""
    import threading

    from sim.scenario.load import compose_config

    errors: list[str] = []

    def go() -> None:
        for k in range(5):
            try:
                compose_config("afghanistan_2021", ["reserve.commandos=-1"] if k % 2 else [])
            except sim.ScenarioError as e:
                if "reserve.commandos" not in str(e):
                    errors.append(str(e))
            except Exception as e:  # any other failure is the bug
                errors.append(repr(e))

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
