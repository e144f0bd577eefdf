"""``conflict-sim-calibrate``: fit chosen parameters of a scenario to an observation table.

    conflict-sim-calibrate scenario=afghanistan_2021 observations=afghanistan_2021 \\
        params=[model.combat.beta_ins:0.001:0.05:log,model.morale.b0] trials=40 replicates=16 \\
        name=aug07
    conflict-sim scenario=afghanistan_2021 +fit=aug07 replicates=200

Keys are Hydra-style ``key=value``; every other ``key=value`` is a scenario override (see
:mod:`sim.cli.args`). Running the same command again with the same ``out=`` continues
the study (``trials`` is the total budget). See ``docs/calibration_howto.md``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sim.cli.args import parse_args, split_list, usage
from sim.scenario import ScenarioError

KEYS = {
    "scenario": "scenario name (default afghanistan_2021)",
    "observations": "observation CSV, or a name in scenarios/observations/ (default: the scenario's)",
    "params": "[path, path:lo:hi, path:lo:hi:log, ...] parameters to fit (required)",
    "name": "name of the fit (a plain name): writes outputs/fit/NAME.yaml, load with +fit=NAME (default fit)",
    "trials": "total trials in the study (default 30)",
    "replicates": "replicates per candidate (default 8)",
    "seed": "seed of the sampler and of the replicates (default 0)",
    "out": "output dir: study.db, history.csv, convergence.png (default outputs/calibrate/NAME)",
    "fit_dir": "where NAME.yaml goes (default outputs/fit, where +fit=NAME finds it)",
    "cutoff": "use observations up to this date (default: the last in the table)",
    "startup": "random trials before TPE (default min(10, max(4, trials // 4)))",
}


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    from sim.inference.forecast import default_observations
    from sim.inference.search import calibrate

    argv = list(sys.argv[1:] if argv is None else argv)
    own, overrides = parse_args(argv, KEYS, summary=__doc__.split("\n")[0])
    scenario = own.get("scenario", "afghanistan_2021")
    params = split_list(own.get("params", ""))
    if not params:
        sys.exit(f"conflict-sim-calibrate: error: params=[...] is required\n\n{usage(KEYS)}")
    observations = own.get("observations") or default_observations(scenario)
    if observations is None:
        sys.exit(
            f"conflict-sim-calibrate: error: observations=FILE is required (no "
            f"scenarios/observations/{scenario}.csv)"
        )
    try:
        calibrate(
            scenario,
            observations,
            params,
            overrides=overrides,
            name=own.get("name", "fit"),
            trials=int(own.get("trials", 30)),
            replicates=int(own.get("replicates", 8)),
            seed=int(own.get("seed", 0)),
            out_dir=own.get("out"),
            fit_dir=own.get("fit_dir"),
            startup=int(own["startup"]) if "startup" in own else None,
            cutoff=own.get("cutoff"),
        )
    except ScenarioError as e:
        print(f"conflict-sim-calibrate: error: {e}", file=sys.stderr)
        sys.exit(2)
    except ValueError as e:
        print(f"conflict-sim-calibrate: error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
