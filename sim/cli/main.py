"""``conflict-sim``: run a scenario, an ensemble, or a Hydra sweep from the command line.

    conflict-sim                                   # the default scenario, one run
    conflict-sim scenario=afghanistan_2021 seed=7 replicates=200
    conflict-sim -m model.withdrawal.end=2021-08-31,2021-12-31 reserve.commandos=500,2000 replicates=100
    conflict-sim +sweep=withdrawal -m              # a named preset from scenarios/sweep/

The Hydra app is thin: :func:`run_job` does the work and is what tests call. Replicates run
inside a job through the batched kernel; Hydra jobs are the points of a sweep (run in parallel
processes by the joblib launcher). Each job writes its tables atomically into its Hydra output
directory (see :mod:`sim.results`); when a multirun ends, :class:`sim.results.MergeCallback`
merges them. Bad scenario input prints one line naming the file, field, value and what is
allowed, and exits with status 2 (in a multirun the job is recorded in ``failures.parquet``).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.engine import SERIES_CELL_LIMIT, run
from sim.io import check_creatable, ensure_dir
from sim.outputs import RunResult
from sim.results import (
    code_fingerprint,
    config_hash,
    job_status,
    parse_overrides,
    typed_swept,
    write_failure,
    write_job,
)
from sim.scenario import ScenarioError, compose_config, scenario_from_config, scenarios_dir
from sim.scenario.load import (
    DIR_RULE,
    check_group_overrides,
    data_fingerprint,
    fit_mismatches,
    register_fits,
    roots_of_hydra,
    scenario_root,
    search_roots,
)
from sim.scenario.schema import register_configs


def headline(res: RunResult) -> pd.DataFrame:
    """Per capital: share of replicates in which it fell, and the median fall date."""
    s = res.summary
    g = s.groupby(["location_id", "name"], observed=True)
    out = pd.DataFrame(
        {
            "fell_share": g["fell_day"].apply(lambda x: x.notna().mean()),
            "median_fell_date": g["fell_date"].apply(
                lambda x: x.dropna().median() if x.notna().any() else pd.NaT
            ),
        }
    ).reset_index()
    out["median_fell_date"] = pd.to_datetime(out["median_fell_date"]).dt.strftime("%Y-%m-%d")
    return out.sort_values(["median_fell_date", "name"], na_position="last").reset_index(drop=True)


def _progress(total: int, label: str):  # -> callable or None
    if not sys.stderr.isatty() or total < 64:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="rep", leave=False)
    state = {"n": 0}

    def update(done: int) -> None:
        bar.update(done - state["n"])
        state["n"] = done
        if done >= total:
            bar.close()

    return update


def run_job(
    cfg: DictConfig,
    out_dir: Path,
    overrides: list[str] | None = None,
    job_num: int = 0,
    multirun: bool = False,
) -> RunResult | None:
    """Run one job: build the scenario, run its replicates, write results into ``out_dir``.

    In a multirun the job's tables go to ``out_dir`` as ``runs/events/series.parquet`` with the
    swept parameters (typed as the schema types them), seed, config hash and data fingerprint on
    every row, and a finished job whose files are intact is skipped when the same sweep is run
    again (resume). Returns None when skipped.
    """
    overrides = list(overrides or [])
    chash = config_hash(cfg)
    root = (
        scenario_root(cfg, roots_of_hydra(HydraConfig.instance().cfg)) if HydraConfig.initialized() else None
    )
    data_fp = data_fingerprint(cfg, root)
    code_fp = code_fingerprint()
    if multirun:
        status = job_status(out_dir, chash, data_fp, code_fp)
        if status == "done":
            print(f"job {job_num}: already complete, skipped ({out_dir})")
            return None
        if status.startswith("damaged"):
            print(f"job {job_num}: {status.split(': ', 1)[1]} does not match done.json; running it again")
        if status == "other code":
            print(f"job {job_num}: run by another version of the model's code; running it again")
    scen = scenario_from_config(cfg, overrides, root=root)
    for msg in fit_mismatches(scen):
        print(f"conflict-sim: warning: {msg}", file=sys.stderr)
    swept = typed_swept(cfg, overrides)
    R = int(cfg.replicates)
    T = int(scen.horizon_days)
    record = R <= 10 and R * (T + 1) * scen.n_locations <= SERIES_CELL_LIMIT
    if R <= 10 and not record:
        print(
            f"note: per-location series not recorded ({R} x {T + 1} days x {scen.n_locations:,} locations "
            f"> {SERIES_CELL_LIMIT:,} cells); the other tables are complete"
        )
    if not multirun:
        ensure_dir(out_dir, "hydra.run.dir")
    t0 = time.perf_counter()
    res = run(
        scen,
        seed=int(cfg.seed),
        replicates=R,
        backend=str(cfg.backend),
        record_locations=record,
        chunk=max(16, R // 10),
        progress=_progress(R, f"job {job_num}"),
    )
    dt = time.perf_counter() - t0
    if multirun:
        write_job(res, out_dir, swept, chash, job_num, data_fp, code_fp)
        print(
            f"job {job_num} ({' '.join(overrides) or 'defaults'}): {R} replicates in "
            f"{dt:.1f} s ({R / dt:.0f}/s)"
        )
    else:
        res.to_parquet(out_dir / "results")
    return res


register_configs()


@hydra.main(version_base="1.3", config_path=str(scenarios_dir()), config_name="config")
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    overrides = list(hc.overrides.task)
    job_num = int(hc.job.num) if multirun else 0
    try:
        res = run_job(cfg, out, overrides, job_num, multirun)
    except ScenarioError as e:
        if multirun:
            write_failure(out, parse_overrides(overrides), job_num, e)
            print(f"job {job_num}: error: {e}", file=sys.stderr)
            return
        print(f"conflict-sim: error: {e}", file=sys.stderr)
        _discard_run_dir(out)
        sys.exit(2)
    except Exception as e:
        if multirun:  # record it; the other jobs' results are kept and merged
            write_failure(out, parse_overrides(overrides), job_num, e)
            print(f"job {job_num}: failed: {type(e).__name__}: {e}", file=sys.stderr)
            return
        if isinstance(e, OSError | MemoryError):
            print(f"conflict-sim: error: {type(e).__name__}: {e}", file=sys.stderr)
            sys.exit(1)
        raise
    if multirun or res is None:
        return
    runs = res.runs
    print(
        f"{res.scenario_name}: {len(runs)} replicate(s), seed {int(cfg.seed)}; "
        f"capitals fallen by the horizon: median {np.median(runs.capitals_fallen):.0f} "
        f"(10-90%: {np.percentile(runs.capitals_fallen, 10):.0f}-"
        f"{np.percentile(runs.capitals_fallen, 90):.0f})"
    )
    with pd.option_context("display.max_rows", 60, "display.width", 120):
        print(headline(res).to_string(index=False))
    print(f"results: {out / 'results'}")


#: What Hydra writes into a run directory before the job starts.
_HYDRA_FILES = (".hydra/config.yaml", ".hydra/hydra.yaml", ".hydra/overrides.yaml")


def _discard_run_dir(out: Path) -> None:
    """Remove what Hydra wrote for a single run that was refused before it wrote anything (its
    ``.hydra`` files and an empty ``main.log``), and the directory if that leaves it empty, so a
    bad override leaves no empty run behind. Nothing else is touched: a directory holding other
    files (``hydra.run.dir`` pointed somewhere in use) keeps them, and a log with content stays."""
    try:
        for name in _HYDRA_FILES:
            (out / name).unlink(missing_ok=True)
        log = out / "main.log"
        if log.is_file() and log.stat().st_size == 0:
            log.unlink()
        for d in (out / ".hydra", out):
            if d.is_dir() and not any(d.iterdir()):
                d.rmdir()
    except OSError:
        pass  # best effort: the error the user acts on is printed already


#: Hydra flags that only print something (no run): handed to Hydra as they are.
_INFO_FLAGS = ("--hydra-help", "--version", "--cfg", "-c", "--info", "-i", "--shell-completion", "-sc")


def hydra_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split a command line into Hydra's flags (with their values) and the overrides.

    Hydra's parser stops reading overrides at the first flag, so ``+sweep=reserve -m
    hydra.sweep.dir=x`` failed; flags may stand anywhere here, and Hydra gets them first.
    """
    from hydra._internal.utils import get_args_parser

    actions = get_args_parser()._option_string_actions
    flags: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        opt = a.split("=", 1)[0]
        if a.startswith("-") and opt in actions:
            flags.append(a)
            act = actions[opt]
            takes = act.nargs is None and act.const is None and not isinstance(act.default, bool)
            optional = act.nargs == "?"
            if "=" not in a and i < len(argv):
                if takes or (optional and act.choices and argv[i] in act.choices):
                    flags.append(argv[i])
                    i += 1
        else:
            words.append(a)
    return flags, words


def _flag_value(flags: list[str], *names: str) -> str | None:
    for k, f in enumerate(flags):
        for n in names:
            if f == n and k + 1 < len(flags):
                return flags[k + 1]
            if f.startswith(n + "="):
                return f.split("=", 1)[1]
    return None


def check_overrides(argv: list[str]) -> None:
    """Check a command line before Hydra composes it; raise ScenarioError in one line.

    Composes the plain overrides once (a bad key, a value of the wrong type or out of range, a
    missing config-group option get the one-line error), checks every config-group option named
    (sweep values included) and the files they select (no ``hydra.*`` or ``_target_``), refuses
    ``--config-path`` (use ``--config-dir``), refuses a sweep value (``a,b``, ``range(...)``)
    without ``-m``, and checks that the run or sweep directory can be written. Hydra's parser
    tells a sweep from a list value (``key=[a,b]``), which is composed and checked like any other
    value; sweep values of parameters are checked per job.
    """
    flags, words = hydra_argv(argv)
    if any(f.split("=", 1)[0] in _INFO_FLAGS for f in flags):
        return
    if _flag_value(flags, "--config-path", "-cp") is not None:
        raise ScenarioError(
            "command line", "--config-path", _flag_value(flags, "--config-path", "-cp"), DIR_RULE
        )
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    parsed = {}
    for w in words:
        try:
            parsed[w] = OverridesParser.create().parse_overrides([w])[0]
        except OverrideParseException:
            raise ScenarioError(
                "override",
                w.split("=", 1)[0],
                w.split("=", 1)[-1],
                "Hydra override syntax: quote a value with special characters, e.g. "
                "'hydra.run.dir=\"my dir/it\\'s\"' (see hydra.cc override grammar)",
            ) from None
    check_group_overrides(words, roots=search_roots(words))
    multirun = any(f in ("-m", "--multirun") for f in flags)
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    given = [w.split("=", 1)[1] for w in words if w.split("=", 1)[0] == key]
    target = given[-1] if given else "outputs"
    if "${" in target:
        target = target.split("${", 1)[0] or "."
    check_creatable(target, key)
    if not multirun and given and (Path(target) / "results").exists():
        raise ScenarioError(
            "override",
            key,
            given[-1],
            "a new run directory (this one holds an earlier run's results/; nothing was changed)",
        )
    sweeps = [a for a in words if parsed[a].is_sweep_override()]
    if sweeps and not multirun:
        a = sweeps[0]
        raise ScenarioError(
            "override",
            a.split("=", 1)[0],
            a.split("=", 1)[1],
            "one value; add -m (--multirun) to sweep, write a list as key=[a,b], "
            "or quote a string with commas as key='a,b'",
        )
    # Hydra's parser tells a sweep (a,b / range(...) / choice(...)) from a list value ([a,b]),
    # which is checked here like any other value rather than left to Hydra's multi-line error.
    plain = [
        a
        for a in words
        if "=" in a and not a.lstrip("+~").startswith("hydra") and not parsed[a].is_sweep_override()
    ]
    plain += [a for a in words if a.startswith("hydra.searchpath=")]
    names = [a.split("=", 1)[1] for a in plain if a.split("=", 1)[0] == "scenario"]
    rest = [a for a in plain if a.split("=", 1)[0] != "scenario"]
    compose_config(*(names[-1:] or ["afghanistan_2021"]), overrides=rest)


def print_help() -> None:
    """``conflict-sim --help``: usage, config groups, run settings, every parameter."""
    from sim.cli.args import schema_help
    from sim.scenario.load import available_scenarios, config_groups

    root = scenarios_dir()
    groups = []
    for g in config_groups():
        opts = sorted(p.stem for p in (root / g).glob("*.yaml"))
        if g == "fit":
            opts += sorted(p.stem for p in Path("outputs/fit").glob("*.yaml"))
        prefix = "" if g == "scenario" else "+"
        groups.append(f"  {prefix}{g}=NAME".ljust(18) + (", ".join(opts) or "(none yet)"))
    print(
        "\n".join(
            [
                "conflict-sim: run a scenario, an ensemble of replicates, or a Hydra sweep (multirun).",
                "",
                "usage: conflict-sim [-m] [key=value ...]      (flags may stand anywhere)",
                "  conflict-sim scenario=afghanistan_2021 seed=7 replicates=200",
                "  conflict-sim -m reserve.commandos=500,4000 replicates=100     # one job per value",
                "  conflict-sim +sweep=reserve -m hydra.sweep.dir=outputs/reserve  # again to resume",
                "",
                f"config groups (in {root}):",
                *groups,
                "",
                "run settings:",
                "  seed=0            seed of replicate 0; replicate r uses seed + r (0 .. 2^63 - replicates)",
                "  replicates=1      replicates of the scenario in this run or job (>= 1; memory-checked)",
                "  backend=numba     numba | python (the plain-Python reference)",
                f"  scenario={', '.join(available_scenarios())}",
                "",
                *schema_help(),
                "",
                "outputs: hydra.run.dir=DIR (one run), hydra.sweep.dir=DIR (-m); default under outputs/",
                "your own scenarios: --config-dir DIR (or CONFLICT_SIM_SCENARIOS=DIR), a copy of scenarios/",
                "Hydra: -m/--multirun, --cfg job (print the config), --info, --hydra-help,",
                "  hydra/launcher=basic|joblib|submitit_slurm, hydra.launcher.n_jobs=N",
                'tab completion (bash): eval "$(conflict-sim -sc install=bash)"',
            ]
        )
    )


def main() -> None:
    """Console entry point: check the command line, then hand over to the Hydra app."""
    argv = sys.argv[1:]
    flags, words = hydra_argv(argv)
    if any(f in ("-h", "--help") for f in flags):
        print_help()
        sys.exit(0)
    try:
        cdir = _flag_value(flags, "--config-dir", "-cd")
        if cdir is not None:
            d = Path(cdir).expanduser().resolve()
            if not (d / "config.yaml").is_file():
                raise ScenarioError("command line", "--config-dir", cdir, DIR_RULE)
            os.environ["CONFLICT_SIM_SCENARIOS"] = str(d)
            k = next(i for i, f in enumerate(flags) if f.split("=", 1)[0] in ("--config-dir", "-cd"))
            flags[k : k + (1 if "=" in flags[k] else 2)] = ["--config-dir", str(d)]
        register_fits()
        check_overrides(argv)
    except ScenarioError as e:
        print(f"conflict-sim: error: {e}", file=sys.stderr)
        sys.exit(2)
    sys.argv = [sys.argv[0], *flags, *words]
    _app()


if __name__ == "__main__":
    main()
