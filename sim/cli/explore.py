"""``conflict-sim-explore``: run a sampling design over a scenario, then analyse it.

    conflict-sim-explore design=sobol n=64 replicates=20 out=outputs/explore/kabul \\
        params=[forces.present_fraction:0.3:0.9,model.combat.beta_ins:0.01:0.06,reserve.commandos:500:12000]
    conflict-sim-explore +explore=afghanistan_2021 hydra.launcher.n_jobs=2   # a preset
    conflict-sim-explore analyze=outputs/explore/kabul outcomes=[hub_fell_day,lost_day:Kandahar] \\
        'discover=hub_fell_day>2021-08-31' min_prob=0.8

Running a design is ``conflict-sim -m hydra/sweeper=explore`` with the design keys below turned into
``hydra.sweeper.*`` settings: the points are jobs of the configured launcher, written, merged and
resumed like any ``conflict-sim -m`` sweep (run the same command into the same ``out=`` to
resume). Every other ``key=value`` is a scenario or Hydra override (``seed`` is the seed of the
replicates, the same at every point). When the sweep ends, or with ``analyze=DIR``, the outcomes'
indices, variance split and PRIM/CART boxes are printed, saved under ``DIR/explore/`` and drawn
into ``DIR/explore/*.png``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.args import parse_args, split_list
from sim.scenario import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

    from sim.explore import Discovery, Explore

KEYS = {
    "design": "sobol | morris | lhs (default sobol, or the preset's)",
    "n": "Sobol base sample (power of 2; n(2D+2) points), Morris trajectories, LHS points",
    "params": "[path, path:lo:hi, path:lo:hi:log, date_path:YYYY-MM-DD:YYYY-MM-DD, ...]",
    "design_seed": "seed of the sampler (default 0); the replicates use seed=",
    "second_order": "Sobol: sample for second-order indices (default true)",
    "levels": "Morris grid levels (default 4)",
    "out": "sweep directory (default outputs/explore/<time>); the same one resumes",
    "outcomes": "[outcome, ...] to analyse: [hub_fell_day,capitals_fallen_by:2021-08-15,lost_day:Kandahar]",
    "discover": "condition for PRIM/CART, e.g. hub_fell_day>2021-08-31",
    "min_prob": "a point is of interest when the condition holds in >= this share of replicates (0.8)",
    "density": "PRIM: choose the first box on the trajectory with at least this density (0.8)",
    "level": "discovery over points (default) or single runs",
    "analyze": "DIR: analyse an existing design sweep instead of running one (true/false after a run)",
    "plots": "draw the figures (default true)",
}
_SWEEPER = {
    "design": "design",
    "n": "n",
    "design_seed": "seed",
    "second_order": "second_order",
    "levels": "levels",
}
_ANALYSIS = ("outcomes", "discover", "min_prob", "density", "level", "plots")
PROG = "conflict-sim-explore"


def _quoted_list(items: list[str]) -> str:
    return "[" + ",".join("'" + i.replace("'", "") + "'" for i in items) + "]"


def sweep_argv(own: dict[str, str], overrides: list[str], out: str) -> list[str]:
    """The ``conflict-sim`` command line that runs the design (``-m`` and ``hydra.sweeper.*``)."""
    argv = ["-m"]
    preset = any(o.lstrip("+").startswith("explore=") for o in overrides)
    if not preset:
        argv.append("hydra/sweeper=explore")
    for key, target in _SWEEPER.items():
        if key in own:
            argv.append(f"hydra.sweeper.{target}={own[key]}")
    if "params" in own:
        argv.append(f"hydra.sweeper.params={_quoted_list(split_list(own['params']))}")
    if "outcomes" in own:
        argv.append(f"hydra.sweeper.outcomes={_quoted_list(split_list(own['outcomes']))}")
    if "discover" in own:
        argv.append(f"hydra.sweeper.discover='{own['discover']}'")
    if "min_prob" in own:
        argv.append(f"hydra.sweeper.min_prob={own['min_prob']}")
    if not any(o.startswith("hydra.sweep.dir=") for o in overrides):
        argv.append(f"hydra.sweep.dir={out}")
    return argv + overrides


def analyze(
    path: str | Path,
    outcomes: Sequence[str] | None = None,
    discover: str | None = None,
    min_prob: float | None = None,
    density: float = 0.8,
    level: str = "point",
    plots: bool = True,
    out: Callable[[str], None] = print,
) -> None:
    """Analyse a design sweep: print and save indices, variance split and boxes; draw figures."""
    import numpy as np
    import pandas as pd

    from sim.explore import open_explore

    ex = open_explore(path)
    out(repr(ex))
    outs = list(outcomes) if outcomes else ex.outcomes
    var = ex.variance(outs)
    for r in var.itertuples():
        if r.constant:
            out(f"{r.outcome}: the same in every run ({r.mean:g}); nothing to analyse, pick another outcome")
        else:
            out(
                f"{r.outcome}: mean {r.mean:.4g}, sd {np.sqrt(r.var_total):.3g}; replicate noise is "
                f"{r.noise_share:.0%} of a run's variance and {r.noise_in_means:.0%} of the point means' "
                f"(R = {r.replicates:g})"
            )
    sens = ex.sensitivity(outs)
    if len(sens):
        first = sens[sens["param2"] == ""].copy()
        first["cell"] = [
            f"{v:.2f} ± {c:.2f}" if np.isfinite(c) else f"{v:.3g}"
            for v, c in zip(first.value, first.conf, strict=True)
        ]
        table = first.pivot_table(index=["outcome", "param"], columns="index", values="cell", aggfunc="first")
        with pd.option_context("display.width", 160, "display.max_rows", 200, "display.max_colwidth", 40):
            out(f"{ex.design.method} indices of the point means (± half-width of the 95% interval):")
            out(table.to_string())
    disc = None
    cond = discover or ex.meta.get("discover")
    if cond:
        try:
            disc = ex.prim(cond, min_prob=min_prob, level=level, density=density)
            out(disc.summary())
            top = disc.cart[disc.cart["density"] >= density].head(3)
            for r in top.itertuples():
                out(
                    f"  CART leaf: {r.rule} (coverage {r.coverage:.2f}, density {r.density:.2f}, "
                    f"mass {r.mass:.2f})"
                )
        except ValueError as e:
            out(f"discovery: {e}")
    saved = ex.save()
    if plots:
        _figures(ex, outs, sens, disc, saved)
    out(f"tables and figures: {saved}")


def _figures(ex: Explore, outs: list[str], sens: pd.DataFrame, disc: Discovery | None, where: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from sim.plot import explore as pe
    from sim.results import save_figure

    for o in outs:
        s = sens[sens["outcome"] == o]
        if len(s):
            save_figure(pe.sensitivity_bars(s), where / f"indices_{_safe(o)}.png")
    if disc is not None:
        save_figure(pe.prim_tradeoff(disc.prim.trajectory), where / "prim_tradeoff.png")
        if len(disc.prim.limits):
            save_figure(pe.prim_box(disc.prim.limits, disc.prim.stats), where / "prim_box.png")
    if len(ex.params) >= 2 and len(outs):
        s = sens[(sens["outcome"] == outs[0]) & sens["index"].isin(["ST", "mu_star", "S1"])]
        ranked = list(s.sort_values("value", ascending=False)["param"].drop_duplicates()) or ex.params
        x, y = (ranked + [p for p in ex.params if p not in ranked])[:2]
        save_figure(pe.response_surface(ex.points(outs[0]), x, y, outs[0]), where / "surface.png")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        own, overrides = parse_args(argv, KEYS)
    except SystemExit as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    try:
        opts = {
            "outcomes": split_list(own["outcomes"]) if "outcomes" in own else None,
            "discover": own.get("discover"),
            "min_prob": float(own["min_prob"]) if "min_prob" in own else None,
            "density": float(own.get("density", 0.8)),
            "level": own.get("level", "point"),
            "plots": own.get("plots", "true").lower() in ("1", "true", "yes"),
        }
    except ValueError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        sys.exit(2)
    target = own.get("analyze", "true")
    if target.lower() not in ("true", "false", "1", "0", "yes", "no"):
        if overrides or any(k in own for k in (*_SWEEPER, "params", "out")):
            print(
                f"{PROG}: error: analyze=DIR takes only analysis keys ({', '.join(_ANALYSIS)})",
                file=sys.stderr,
            )
            sys.exit(2)
        _run_analysis(target, opts)
        return
    out = own.get("out") or f"outputs/explore/{dt.datetime.now():%Y-%m-%d_%H-%M-%S}"
    out = next((o.split("=", 1)[1] for o in overrides if o.startswith("hydra.sweep.dir=")), out)
    from sim.cli import main as sim_main

    code = 0
    saved = sys.argv
    sys.argv = ["conflict-sim", *sweep_argv(own, overrides, out)]
    try:
        sim_main.main()
    except SystemExit as e:  # an error before the jobs ran, or a non-zero status after them
        code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv = saved
    if target.lower() in ("true", "1", "yes") and (Path(out) / "runs.parquet").is_file():
        _run_analysis(out, opts)
    if code:
        sys.exit(code)


def _run_analysis(path: str, opts: dict) -> None:
    try:
        analyze(path, **opts)
    except (ScenarioError, FileNotFoundError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
