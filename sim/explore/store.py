"""A design sweep opened for analysis: outcomes, indices, discovery, and their tables on disk.

    from sim.explore import open_explore

    ex = open_explore("outputs/explore/kabul")
    ex.points("hub_fell_day")                  # per design point: parameters, mean, var, n
    ex.sensitivity(["hub_fell_day", "lost_day:Kandahar"])   # Sobol / Morris / RBD-FAST, long format
    ex.variance(["hub_fell_day"])              # parameter effect vs replicate noise
    box = ex.prim("hub_fell_day>2021-08-31", min_prob=0.8)
    ex.cart("hub_fell_day>2021-08-31")
    ex.save()                                  # explore/*.parquet beside runs.parquet
    ex.sql("SELECT * FROM sensitivity WHERE index = 'ST' ORDER BY value DESC")

Tables written by :meth:`Explore.save` into ``<sweep>/explore/`` (each atomically), and the
DuckDB views of :meth:`Explore.sql` (besides ``runs``, ``events``, ``series``, ``failures`` of
:func:`sim.results.open_sweep`): ``design`` (one row per point), ``sensitivity`` (outcome, method,
index, param, param2, value, conf, conf_level), ``variance`` (one row per outcome),
``prim_trajectory``, ``prim_box`` and ``cart_boxes`` (one set per condition).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.explore.design import read_design
from sim.explore.discovery import PrimResult, cart, prim
from sim.explore.outcomes import Condition, Timeline, outcome_values, parse_condition
from sim.explore.sensitivity import indices, point_stats, variance_split
from sim.scenario.errors import ScenarioError

#: Outcomes analysed when neither the call nor the sweep names any.
DEFAULT_OUTCOMES = ("hub_fell_day", "capitals_fallen_by_report")
EXPLORE_DIR = "explore"
TABLES = ("sensitivity", "variance", "prim_trajectory", "prim_box", "cart_boxes")


@dataclass
class Discovery:
    """PRIM and CART boxes for one condition (see :mod:`sim.explore.discovery`)."""

    condition: str
    min_prob: float
    level: str
    prim: PrimResult
    cart: pd.DataFrame
    points: pd.DataFrame = field(repr=False)

    def summary(self) -> str:
        s = self.prim.stats
        if self.level == "point":
            head = (
                f"PRIM, {self.condition} with probability >= {self.min_prob:g} (of a point's replicates): "
                f"{s['n_interest']} of {s['n_points']} points of interest (base rate {s['base_rate']:.2f})"
            )
        else:
            head = (
                f"PRIM, {self.condition} (every run a case; a box's density is the condition's probability "
                f"in it): {s['n_interest']} of {s['n_points']} runs (base rate {s['base_rate']:.2f})"
            )
        lines = [
            head,
            f"  box {s['box']}: coverage {s['coverage']:.2f}, density {s['density']:.2f}, "
            f"mass {s['mass']:.2f}, {s['res_dim']} restricted, binomial p = {s['p_value']:.2g}; "
            f"P(condition) in the box "
            f"{s.get('p_in_box', float('nan')):.2f} vs {s.get('p_outside', float('nan')):.2f} outside",
        ]
        for r in self.prim.limits.itertuples():
            q = np.nanmin([r.qp_lo, r.qp_hi, np.inf])
            lines.append(
                f"  {r.param}: {_fmt(r.lo_text)} .. {_fmt(r.hi_text)} (of {_fmt(r.range_lo_text)} .. "
                f"{_fmt(r.range_hi_text)}), qp = {q:.2g}{'' if r.significant else ' (not significant)'}"
            )
        return "\n".join(lines)


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


class Explore:
    """A finished (or partly finished) design sweep: its design, runs and analyses.

    Use :func:`open_explore`. Outcome specs and conditions are described in
    :mod:`sim.explore.outcomes`.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        from sim.results import open_sweep

        self.path = Path(path)
        self.design, self.meta = read_design(self.path)
        self.sweep = open_sweep(self.path)
        self.timeline = self._timeline()
        self._values: dict[str, pd.Series] = {}
        self.tables: dict[str, pd.DataFrame] = {}
        for name in TABLES:  # what an earlier analysis saved
            p = self.path / EXPLORE_DIR / f"{name}.parquet"
            if p.is_file():
                self.tables[name] = pd.read_parquet(p)

    def __repr__(self) -> str:
        d = self.design
        return (
            f"Explore({str(self.path)!r}: {d.method} design, {d.n_points} points over {', '.join(d.names)}; "
            f"{self.sweep.runs['job'].nunique()} points done, {len(self.sweep.failures)} failed)"
        )

    # ---------------------------------------------------------------------------- outcomes
    def _timeline(self) -> Timeline:
        """Day 0 and horizon from the sweep's settings, else from its events (a model without a
        calendar, e.g. a test function, gets 1970-01-01 and horizon 0: dates then mean nothing)."""
        start, horizon = self.meta.get("timeline_start"), self.meta.get("horizon_days")
        ev = self.sweep.events
        if start is None and len(ev) and {"date", "day"} <= set(ev.columns):
            row = ev.iloc[0]
            start = (pd.Timestamp(row["date"]) - pd.Timedelta(days=int(row["day"]))).date().isoformat()
        if horizon is None:
            horizon = int(ev["day"].max()) if len(ev) and "day" in ev else 0
        return Timeline(dt.date.fromisoformat(str(start or "1970-01-01")), int(horizon))

    @property
    def outcomes(self) -> list[str]:
        """The sweep's default outcomes (from its settings), else :data:`DEFAULT_OUTCOMES`."""
        return list(self.meta.get("outcomes") or DEFAULT_OUTCOMES)

    @property
    def params(self) -> list[str]:
        return self.design.names

    def values(self, outcome: str) -> pd.Series:
        """The outcome of every run, indexed by ``(job, replicate)`` (day outcomes censored at H + 1)."""
        if outcome not in self._values:
            self._values[outcome] = outcome_values(self.sweep.runs, self.sweep.events, outcome, self.timeline)
        return self._values[outcome]

    def points(self, outcome: str | None = None) -> pd.DataFrame:
        """The design table (one row per point: ``job``, ``block``, parameter values) with the
        outcome's ``mean``, ``var`` and replicate count ``n`` (0 for a failed or missing point)."""
        table = self.design.table()
        table = table[[c for c in table.columns if not c.startswith("sample:")]]
        if outcome is None:
            return table
        st = point_stats(self.values(outcome), table["job"].to_numpy())
        return table.merge(st.reset_index(), on="job", how="left")

    def variance(self, outcomes: Sequence[str] | str | None = None) -> pd.DataFrame:
        """Parameter effect vs replicate noise, one row per outcome (see
        :func:`~sim.explore.sensitivity.variance_split`); ``constant`` marks an outcome that never varies."""
        rows = []
        for o in _list(outcomes, self.outcomes):
            st = self.points(o).set_index("job")[["mean", "var", "n"]]
            split = variance_split(st)
            rows.append({"outcome": o, **split, "constant": not split["var_total"] > 0})
        df = pd.DataFrame(rows)
        self._put("variance", df, "outcome", df["outcome"])
        return df

    # ---------------------------------------------------------------------------- sensitivity
    def sensitivity(
        self,
        outcomes: Sequence[str] | str | None = None,
        conf_level: float = 0.95,
        num_resamples: int = 1000,
        seed: int = 0,
    ) -> pd.DataFrame:
        """Indices of each outcome's point means: Sobol (S1, ST, S2), Morris (mu*, mu, sigma) or
        RBD-FAST (S1), as the design allows, with bootstrap intervals (``conf`` is the half-width).

        An outcome that does not vary at all (e.g. a count that is 34 in every run) has no indices:
        it is reported in :meth:`variance` as ``constant`` and skipped here.
        """
        frames = []
        outs = _list(outcomes, self.outcomes)
        var = self.variance(outs).set_index("outcome")
        for o in outs:
            if var.loc[o, "constant"] or not var.loc[o, "var_means"] > 0:
                continue
            y = self.points(o)["mean"].to_numpy(dtype=np.float64)
            frames.append(
                indices(self.design, y, o, conf_level=conf_level, num_resamples=num_resamples, seed=seed)
            )
        cols = ["outcome", "method", "index", "param", "param2", "value", "conf", "conf_level"]
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
        self._put("sensitivity", df, "outcome", pd.Series(outs))
        return df

    # ---------------------------------------------------------------------------- discovery
    def condition(self, text: str | None = None) -> Condition:
        text = text or self.meta.get("discover") or ""
        if not text:
            raise ScenarioError("discover", "condition", "", "a condition, e.g. hub_fell_day>2021-08-31")
        return parse_condition(text, self.timeline)

    def _discovery_data(self, condition: str | None, min_prob: float | None, level: str) -> tuple:
        cond = self.condition(condition)
        min_prob = float(self.meta.get("min_prob", 0.8) if min_prob is None else min_prob)
        hit = pd.Series(cond(self.values(cond.outcome)), index=self.values(cond.outcome).index)
        share = hit.groupby(level=0).mean()
        pts = self.points().merge(share.rename("p").reset_index(), on="job", how="inner")
        x = pts[self.params].copy()
        for p in self.design.params:  # dates peel as days after the range's start
            if p.kind == "date":
                x[p.path] = (pd.to_datetime(x[p.path]) - pd.Timestamp(p.lo)).dt.days.astype("float64")
        if level == "point":
            y = (pts["p"] >= min_prob).to_numpy()
        elif level == "run":
            h = hit.rename("y").reset_index()
            x = x.assign(job=pts["job"].to_numpy()).merge(h, on="job")
            y = x.pop("y").to_numpy(dtype=bool)
            x = x.drop(columns=["job", "replicate"])
        else:
            raise ScenarioError("discover", "level", level, "point or run")
        return cond, min_prob, pts, x, y

    def prim(
        self,
        condition: str | None = None,
        min_prob: float | None = None,
        level: str = "point",
        density: float = 0.8,
        **kw: Any,
    ) -> Discovery:
        """PRIM (and CART) boxes where ``condition`` is likely.

        Parameters
        ----------
        condition : str, optional
            ``OUTCOME OP VALUE`` (default: the sweep's ``discover`` setting).
        min_prob : float, optional
            ``level="point"``: a point is of interest when the condition holds in at least this share
            of its replicates (default: the sweep's ``min_prob``, else 0.8).
        level : {"point", "run"}, default "point"
            ``"run"`` treats every replicate as a case, so a box's density is the probability of the
            condition within it.
        density : float, default 0.8
            The chosen box is the first on the peeling trajectory with at least this density.
        **kw
            ``peel_alpha``, ``paste_alpha``, ``mass_min``, ``alpha`` (:func:`sim.explore.discovery.prim`).
        """
        cond, min_prob, pts, x, y = self._discovery_data(condition, min_prob, level)
        res = prim(x, y, density=density, **kw)
        in_box = np.ones(len(pts), dtype=bool)
        for r in res.limits.itertuples():
            xv = self._peel_space(pts, r.param)
            in_box &= (xv >= r.lo) & (xv <= r.hi)
        res.stats["p_in_box"] = float(pts.loc[in_box, "p"].mean()) if in_box.any() else float("nan")
        res.stats["p_outside"] = float(pts.loc[~in_box, "p"].mean()) if (~in_box).any() else float("nan")
        res.stats.update(condition=str(cond), min_prob=min_prob, level=level)
        for i, r in res.limits.iterrows():  # the declared range, not the sample's extremes
            spec = next(p for p in self.design.params if p.path == r["param"])
            res.limits.loc[i, ["range_lo", "range_hi"]] = self._declared(spec)
        self._natural_limits(res.limits)
        leaves = cart(x, y, mass_min=kw.get("mass_min", 0.05), fmt=self._formats())
        d = Discovery(str(cond), min_prob, level, res, leaves, pts)
        self._put_discovery(d)
        return d

    def cart(
        self,
        condition: str | None = None,
        min_prob: float | None = None,
        level: str = "point",
        max_depth: int = 3,
        mass_min: float = 0.05,
    ) -> pd.DataFrame:
        """CART leaves as boxes (:func:`sim.explore.discovery.cart`) for ``condition``."""
        _cond, _mp, _pts, x, y = self._discovery_data(condition, min_prob, level)
        return cart(x, y, max_depth=max_depth, mass_min=mass_min, fmt=self._formats())

    def _formats(self) -> dict[str, Any]:
        """Split values of date parameters written as dates (a split between two days: the earlier)."""
        out = {}
        for p in self.design.params:
            if p.kind == "date":
                start = pd.Timestamp(p.lo)
                out[p.path] = lambda v, s=start: (s + pd.Timedelta(days=np.floor(v))).date().isoformat()
        return out

    @staticmethod
    def _declared(spec: Any) -> tuple[float, float]:
        if spec.kind == "date":
            return 0.0, float((pd.Timestamp(spec.hi) - pd.Timestamp(spec.lo)).days)
        return float(spec.lo), float(spec.hi)

    def _peel_space(self, pts: pd.DataFrame, param: str) -> np.ndarray:
        spec = next(p for p in self.design.params if p.path == param)
        if spec.kind == "date":
            return (pd.to_datetime(pts[param]) - pd.Timestamp(spec.lo)).dt.days.to_numpy(dtype=float)
        return pts[param].to_numpy(dtype=float)

    def _natural_limits(self, limits: pd.DataFrame) -> None:
        """Add ``*_text`` columns with limits as the parameter is written (dates as dates)."""
        kinds = {p.path: p for p in self.design.params}
        for col in ("lo", "hi", "range_lo", "range_hi"):
            out = []
            for r in limits.itertuples():
                spec = kinds[r.param]
                v = getattr(r, col)
                if spec.kind == "date":
                    out.append((pd.Timestamp(spec.lo) + pd.Timedelta(days=round(v))).date().isoformat())
                elif spec.kind == "int":
                    out.append(str(round(v)))
                else:
                    out.append(float(v))
            limits[f"{col}_text"] = pd.Series(out, index=limits.index, dtype=object)

    # ---------------------------------------------------------------------------- tables
    def _put(self, name: str, df: pd.DataFrame, key: str, keys: pd.Series) -> None:
        old = self.tables.get(name)
        if old is not None and key in old:
            old = old[~old[key].isin(set(keys))]
            df = pd.concat([old, df], ignore_index=True) if len(old) else df
        self.tables[name] = df.reset_index(drop=True)

    def _put_discovery(self, d: Discovery) -> None:
        tag = {"condition": d.condition, "min_prob": d.min_prob, "level": d.level}
        traj = d.prim.trajectory.assign(**tag)
        lim = d.prim.limits.copy()
        for c in [c for c in lim.columns if c.endswith("_text")]:
            lim[c] = lim[c].astype(str)
        lim = lim.assign(**tag)
        leaves = d.cart.assign(**tag)
        for name, df in (("prim_trajectory", traj), ("prim_box", lim), ("cart_boxes", leaves)):
            self._put(name, df, "condition", pd.Series([d.condition]))

    def save(self) -> Path:
        """Write the analyses so far into ``<sweep>/explore/`` (Parquet, atomically)."""
        from sim.results import write_json, write_parquet

        out = self.path / EXPLORE_DIR
        for name, df in self.tables.items():
            write_parquet(df, out / f"{name}.parquet")
        write_json({"design_key": self.design.key(), "tables": sorted(self.tables)}, out / "index.json")
        return out

    def sql(self, query: str) -> pd.DataFrame:
        """SQL (DuckDB) over ``runs``, ``events``, ``series``, ``failures``, ``design`` and the
        analysis tables (:data:`TABLES`) computed or saved so far."""
        con = self.sweep.con
        con.register("design", self.points())
        for name, df in self.tables.items():
            con.register(name, df)
        return con.execute(query).df()


def _list(x: Sequence[str] | str | None, default: Sequence[str]) -> list[str]:
    if x is None:
        return list(default)
    return [x] if isinstance(x, str) else list(x)


def open_explore(path: str | os.PathLike) -> Explore:
    """Open a design sweep directory (``conflict-sim-explore`` or ``hydra/sweeper=explore``).

    Merges the job files first if the multirun did not finish (as :func:`sim.results.open_sweep`).

    Raises
    ------
    FileNotFoundError
        When the directory has no ``design.json`` or no finished job.
    """
    return Explore(path)
