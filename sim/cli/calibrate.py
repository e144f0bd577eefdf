"""``conflict-sim-calibrate``: Bayesian calibration of a scenario by ABC-SMC (pyabc).

    conflict-sim-calibrate scenario=afghanistan_2021 population=400 generations=12 workers=2 \\
        out=outputs/fits/my_fit
    conflict-sim-calibrate scenario=afghanistan_2021 cutoff=2021-06-30 out=outputs/fits/june
    conflict-sim-calibrate ... dask=tcp://scheduler:8786      # candidates on a Dask cluster

Keys are Hydra-style ``key=value``; every other ``key=value`` is a scenario override (its other
parameters stay fixed). Priors come from ``scenarios/priors/SCENARIO.yaml`` (each with its
reason) unless ``priors=FILE``. Running the same command again with the same ``out=`` resumes
the calibration (``generations`` is the total). Writes the pyabc history ``abc.db``,
``posterior.parquet`` (equally weighted draws), ``population.parquet``, ``generations.csv``
(tolerance, acceptance rate and effective sample size per generation), ``fit.yaml`` (a Hydra
fit), ``trace.png`` and ``pairs.png``. Use the draws with
``conflict-sim posterior.samples=OUT/posterior.parquet`` (see ``docs/calibration_howto.md``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sim.cli.args import parse_args
from sim.scenario import ScenarioError

KEYS = {
    "scenario": "scenario name (default afghanistan_2021)",
    "observations": "observation CSV, or a name in scenarios/observations/ (default: the scenario's)",
    "priors": "priors YAML, or a name in scenarios/priors/ (default: the scenario's)",
    "cutoff": "use observations up to this date (default: all)",
    "population": "particles per generation (default 400)",
    "generations": "populations in all; a resumed run counts the stored ones (default 12)",
    "min_acceptance": "stop when a generation accepts less than this share (default 0.005)",
    "seed": "the calibration is a function of this seed (default 0)",
    "workers": "local worker processes (default: the cores)",
    "dask": "address of a Dask scheduler to run candidates on (default: local processes)",
    "chunk": "candidates per task (default 16)",
    "draws": "posterior draws to export (default: population)",
    "out": "output directory; resumed when it holds this calibration (default outputs/fits/calibration)",
}


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    from sim.inference.abc import calibrate, default_workers

    argv = list(sys.argv[1:] if argv is None else argv)
    own, overrides = parse_args(argv, KEYS)
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
            population=_int(own, "population", 400),
            generations=_int(own, "generations", 12),
            min_acceptance=float(own.get("min_acceptance", 0.005)),
            seed=_int(own, "seed", 0),
            out_dir=own.get("out", "outputs/fits/calibration"),
            executor=executor,
            workers=_int(own, "workers", default_workers()),
            chunk=_int(own, "chunk", 16),
            draws=_int(own, "draws", 0) or None,
        )
    except (ScenarioError, ValueError, OSError) as e:
        print(f"conflict-sim-calibrate: error: {e}", file=sys.stderr)
        sys.exit(2)
    finally:
        if client is not None:
            client.close()


def _int(own: dict[str, str], key: str, default: int) -> int:
    v = own.get(key)
    if v is None:
        return default
    try:
        return int(v)
    except ValueError:
        raise ScenarioError("command line", key, v, "an integer") from None


if __name__ == "__main__":
    main()
