"""Sampling designs over the varied parameters: Sobol (Saltelli), Morris and Latin hypercube.

A :class:`Design` holds the points in the sampling space (what SALib samples and analyses) and
the parameter values each point sets. Point ``i`` of a design is job ``i`` of its sweep; every
job runs the same replicate seeds ``seed .. seed + R - 1`` (common random numbers), so two points
differ only in their parameters.

Designs (``n`` is the design's own size parameter; the number of points follows from it):

``sobol``
    Saltelli's extension of the Sobol' sequence, ``SALib.sample.sobol.sample`` (scrambled,
    seeded): ``n (2D + 2)`` points with second-order indices, ``n (D + 2)`` without
    (Saltelli 2002; Saltelli et al. 2010). ``n`` must be a power of two. Rows come in blocks of
    ``2D + 2`` (or ``D + 2``) that share one base sample; the analysis drops a whole block when one
    of its points failed, which keeps the estimator valid with ``n`` one smaller.
``morris``
    ``n`` one-at-a-time trajectories of ``D + 1`` points on a ``levels``-level grid
    (``SALib.sample.morris.sample``; Morris 1991, Campolongo et al. 2007): ``n (D + 1)`` points.
``lhs``
    ``n`` points of a scrambled Latin hypercube (``scipy.stats.qmc.LatinHypercube``, seeded;
    McKay et al. 1979), for scenario discovery, response surfaces and RBD-FAST first-order indices.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.explore.params import ParamSpec
from sim.scenario.errors import ScenarioError

METHODS = ("sobol", "morris", "lhs")
DESIGN_JSON = "design.json"
DESIGN_PARQUET = "design.parquet"


@dataclass
class Design:
    """The points of a design and what each one sets.

    Attributes
    ----------
    method : {"sobol", "morris", "lhs"}
    n : int
        Base sample size (Sobol), trajectories (Morris) or points (LHS).
    params : list of ParamSpec
    X : ndarray, shape (n_points, D)
        Points in the sampling space (log10 for log ranges, days after lo for dates).
    seed : int
        Seed of the sampler (not of the replicates).
    second_order : bool
        Sobol only: the design supports second-order indices.
    levels : int
        Morris only: grid levels.
    """

    method: str
    n: int
    params: list[ParamSpec]
    X: np.ndarray
    seed: int = 0
    second_order: bool = True
    levels: int = 4
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [p.path for p in self.params]

    @property
    def n_points(self) -> int:
        return int(self.X.shape[0])

    @property
    def block_size(self) -> int:
        """Rows that belong together in the analysis (a Saltelli block, a Morris trajectory)."""
        D = len(self.params)
        if self.method == "sobol":
            return 2 * D + 2 if self.second_order else D + 2
        if self.method == "morris":
            return D + 1
        return 1

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem dict over the sampling space."""
        return {
            "num_vars": len(self.params),
            "names": self.names,
            "bounds": [list(p.bounds) for p in self.params],
        }

    def values(self) -> np.ndarray:
        """Parameter values of every point, shape (n_points, D) (dates as days after lo)."""
        return np.column_stack([p.value(self.X[:, j]) for j, p in enumerate(self.params)])

    def overrides(self, i: int) -> list[str]:
        """Hydra overrides of point ``i``."""
        v = self.values()[i]
        return [p.override(v[j]) for j, p in enumerate(self.params)]

    def all_overrides(self) -> list[list[str]]:
        v = self.values()
        return [[p.override(row[j]) for j, p in enumerate(self.params)] for row in v]

    def key(self) -> str:
        """Fingerprint of what defines the design (method, sizes, seed, parameters)."""
        spec = {
            "method": self.method,
            "n": self.n,
            "seed": self.seed,
            "second_order": self.second_order if self.method == "sobol" else None,
            "levels": self.levels if self.method == "morris" else None,
            "params": [p.to_dict() for p in self.params],
        }
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]

    def table(self) -> pd.DataFrame:
        """One row per point: ``job``, ``block``, each parameter's value (dates as dates) and its
        sampling-space coordinate ``sample:<path>``."""
        v = self.values()
        df = pd.DataFrame(
            {"job": np.arange(self.n_points), "block": np.arange(self.n_points) // self.block_size}
        )
        for j, p in enumerate(self.params):
            df[p.path] = p.natural(v[:, j])
        for j, p in enumerate(self.params):
            df[f"sample:{p.path}"] = self.X[:, j]
        return df

    def meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n": self.n,
            "n_points": self.n_points,
            "seed": self.seed,
            "second_order": self.second_order,
            "levels": self.levels,
            "block_size": self.block_size,
            "key": self.key(),
            "params": [p.to_dict() for p in self.params],
            "problem": self.problem,
            **self.extra,
        }


def make_design(
    params: Sequence[ParamSpec],
    method: str = "sobol",
    n: int = 64,
    seed: int = 0,
    second_order: bool = True,
    levels: int = 4,
) -> Design:
    """Sample a design over ``params``.

    Parameters
    ----------
    params : sequence of ParamSpec
        From :func:`sim.explore.params.parse_params`.
    method : {"sobol", "morris", "lhs"}, default "sobol"
    n : int, default 64
        Sobol: base sample size N (a power of two; ``N (2D + 2)`` points with ``second_order``);
        Morris: trajectories (``n (D + 1)`` points); LHS: points.
    seed : int, default 0
        Seed of the sampler (scrambling, trajectories): the same arguments give the same points.
    second_order : bool, default True
        Sobol: add the cross-sampled rows that second-order indices need.
    levels : int, default 4
        Morris grid levels (even; 4 is the usual choice).

    Raises
    ------
    ScenarioError
        For an unknown method, ``n`` not allowed for the method, or bad ``levels``.

    Examples
    --------
    >>> from sim.explore.params import ParamSpec
    >>> d = make_design([ParamSpec("a", 0.0, 1.0), ParamSpec("b", 1.0, 100.0, log=True)], "sobol", n=8)
    >>> d.n_points, d.block_size
    (48, 6)
    """
    params = list(params)
    D = len(params)
    if method not in METHODS:
        raise ScenarioError("design", "design", method, f"one of {', '.join(METHODS)}")
    if not isinstance(n, int | np.integer) or n < 2:
        raise ScenarioError("design", "n", n, "an integer >= 2")
    n = int(n)
    problem = {"num_vars": D, "names": [p.path for p in params], "bounds": [list(p.bounds) for p in params]}
    if method == "sobol":
        if n & (n - 1):
            raise ScenarioError(
                "design",
                "n",
                n,
                "a power of two for a Sobol design (e.g. 64, 128, 256): the base sample size",
            )
        if D < 2:
            raise ScenarioError("design", "params", D, "at least two parameters for Sobol indices")
        from SALib.sample import sobol as sobol_sample

        X = sobol_sample.sample(problem, n, calc_second_order=second_order, scramble=True, seed=int(seed))
    elif method == "morris":
        if levels < 2 or levels % 2:
            raise ScenarioError("design", "levels", levels, "an even number of grid levels >= 2 (usually 4)")
        from SALib.sample import morris as morris_sample

        X = morris_sample.sample(problem, n, num_levels=int(levels), seed=int(seed))
    else:
        from scipy.stats import qmc

        lo = np.array([b[0] for b in problem["bounds"]])
        hi = np.array([b[1] for b in problem["bounds"]])
        U = qmc.LatinHypercube(d=D, rng=np.random.default_rng(int(seed))).random(n)
        X = qmc.scale(U, lo, hi)
    return Design(
        method, n, params, np.asarray(X, dtype=np.float64), int(seed), bool(second_order), int(levels)
    )


# ------------------------------------------------------------------------------ files
def write_design(design: Design, sweep_dir: str | Path, extra: dict[str, Any] | None = None) -> None:
    """Write ``design.json`` (what defines it, the SALib problem) and ``design.parquet`` (the points)
    into a sweep directory, each atomically."""
    from sim.results import write_json, write_parquet

    sweep_dir = Path(sweep_dir)
    meta = design.meta() | (extra or {})
    write_parquet(design.table(), sweep_dir / DESIGN_PARQUET)
    write_json(meta, sweep_dir / DESIGN_JSON)


def read_design(sweep_dir: str | Path) -> tuple[Design, dict[str, Any]]:
    """Read a sweep's design back: ``(design, meta)`` with meta the whole ``design.json``.

    Raises
    ------
    FileNotFoundError
        When the directory holds no ``design.json`` (not a design sweep).
    """
    sweep_dir = Path(sweep_dir)
    p = sweep_dir / DESIGN_JSON
    if not p.is_file():
        raise FileNotFoundError(f"{sweep_dir}: no {DESIGN_JSON} (not a conflict-sim-explore design sweep)")
    meta = json.loads(p.read_text())
    params = [ParamSpec(**d) for d in meta["params"]]
    table = pd.read_parquet(sweep_dir / DESIGN_PARQUET)
    X = table[[f"sample:{q.path}" for q in params]].to_numpy(dtype=np.float64)
    d = Design(
        meta["method"],
        int(meta["n"]),
        params,
        X,
        int(meta["seed"]),
        bool(meta["second_order"]),
        int(meta["levels"]),
    )
    return d, meta
