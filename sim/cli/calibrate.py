"""``conflict-sim-calibrate``: Bayesian calibration of a scenario by ABC-SMC (pyabc).

    conflict-sim-calibrate scenario=afghanistan_2021 name=my_fit population=400 generations=12
    conflict-sim-calibrate scenario=afghanistan_2021 name=june cutoff=2021-06-30
    conflict-sim-calibrate ... dask=tcp://scheduler:8786      # candidates on a Dask cluster
    conflict-sim +fit=my_fit replicates=200                  # runs draw from the posterior

Keys are Hydra-style ``key=value``; every other ``key=value`` is a scenario override (its other
parameters stay fixed). Priors come from ``scenarios/priors/SCENARIO.yaml`` (each with its
reason) unless ``priors=FILE``. Running the same command again resumes the calibration
(``generations`` is the total). Writes into ``out`` (default ``outputs/calibration/NAME``) the
pyabc history ``abc.db``, ``posterior.parquet`` (equally weighted draws), ``population.parquet``,
``generations.csv`` (tolerance, acceptance rate and effective sample size per generation),
``trace.png`` and ``pairs.png``, and the fit ``outputs/fit/NAME.yaml`` that ``+fit=NAME`` loads
(see ``docs/calibration_howto.md``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sim.cli.args import parse_args
from sim.scenario import ScenarioError

KEYS = {
    "scenario": "scenario name (default afghanistan_2021)",
    "name": "name of the fit, a plain name: writes outputs/fit/NAME.yaml, load with +fit=NAME (default fit)",
    "observations": "observation CSV, or a name in scenarios/observations/ (default: the scenario's)",
    "priors": "priors YAML, or a name in scenarios/priors/ (default: the scenario's)",
    "cutoff": "use observations up to this date YYYY-MM-DD (default: all)",
    "population": "particles per generation, >= 1 (default 400)",
    "generations": "populations in all; a resumed run counts the stored ones (default 12)",
    "min_acceptance": "stop when a generation accepts less than this share, 0 < a <= 1 (default 0.005)",
    "seed": "the calibration is a function of this seed (default 0)",
    "workers": "local worker processes (default: the cores)",
    "dask": "address of a Dask scheduler to run candidates on (default: local processes)",
    "chunk": "candidates per task (default 16)",
    "draws": "posterior draws to export (default: population)",
    "out": "output directory; resumed when it holds this calibration (default outputs/calibration/NAME)",
}


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    from sim.inference.abc import calibrate, default_workers

    argv = list(sys.argv[1:] if argv is None else argv)
    own, overrides = parse_args(argv, KEYS, summary=__doc__.split("\n")[0])
    name = own.get("name", "fit")
    executor = None
    client = None
    try:
        if own.get("dask"):
            from distributed import Client

            client = Client(own["dask"])
            executor = client.get_executor()
        calibrate(
            own.get("scenario", "afghanistan_2021"),
            priors=own.get("priors"),
            observations=own.get("observations"),
            overrides=overrides,
            cutoff=own.get("cutoff"),
            population=int(own.get("population", 400)),
            generations=int(own.get("generations", 12)),
            min_acceptance=float(own.get("min_acceptance", 0.005)),
            seed=int(own.get("seed", 0)),
            out_dir=own.get("out") or str(Path("outputs/calibration") / name),
            name=name,
            executor=executor,
            workers=int(own.get("workers", default_workers())),
            chunk=int(own.get("chunk", 16)),
            draws=int(own["draws"]) if "draws" in own else None,
        )
    except (ScenarioError, ValueError, OSError) as e:
        print(f"conflict-sim-calibrate: error: {e}", file=sys.stderr)
        sys.exit(2)
    finally:
        if client is not None:
            client.close()


if __name__ == "__main__":
    main()
