"""The Mesa model: one step is one day.

:class:`ConflictModel` builds the world arrays from a :class:`~sim.scenario.Scenario`, places
thin agent views on a ``mesa.discrete_space.Network`` built from the road graph, and steps
either the numba kernels (``backend="numba"``) or the agents' own plain-Python rules
(``backend="python"``, the readable reference). Both consume the same counter-based random
streams keyed by (seed, day, kind, entity), so they give the same trajectories.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from sim.agents import (
    Garrison,
    GovernmentCommand,
    InsurgentUnit,
    Location,
    Militia,
    Province,
)
from sim.kernels import codes as C
from sim.kernels.step import N_SIDE, record_nb, step_day_nb
from sim.scenario import Scenario, scenario_with_params
from sim.scenario.params import fresh_seed
from sim.world import State, build_static, initial_state, param_table, params_view


class ConflictModel(mesa.Model):
    """Agent-based model of an insurgent offensive against a government and its militias.

    Parameters
    ----------
    scenario : Scenario or str
        A loaded scenario, or the name of one (loaded with default overrides).
    backend : {"numba", "python"}, default "numba"
        ``numba`` steps the array kernels; ``python`` steps the agents' reference rules.
    days : int, optional
        Days the model can run (default: the scenario's horizon).
    record_locations : bool, default True
        Keep the per-location daily series (control, strengths, morale).
    draw : mapping of str to number, or "point", optional
        Parameter values replacing the scenario's, keyed by config path (``"model.morale.b0"``).
        Default: the draw of the scenario's posterior that an ensemble replicate with this seed
        takes (so replicate r of ``sim.run`` equals this model with its seed); ``"point"``: the
        scenario's own values.
    seed : int, default 0
        Seed of the counter-based random streams (replicate r of an ensemble uses seed r).
        ``None`` (what ``mesa.batch_run`` passes without ``rng``) draws a fresh seed from the
        operating system, kept in :attr:`seed` so the run can be repeated.
    **kwargs
        Scenario parameters, validated as command-line overrides are (a bad one raises the
        one-line :class:`~sim.scenario.ScenarioError` that ``conflict-sim`` prints): dotted paths
        (``**{"reserve.commandos": 500}``) or flat aliases (``reserve_commandos=500``,
        ``withdrawal_end="2021-12-31"``; :data:`sim.scenario.PARAM_ALIASES`). So
        ``mesa.batch_run(ConflictModel, parameters={"reserve_commandos": [500, 4000]})`` and
        SolaraViz ``model_params`` work.

    Attributes
    ----------
    conflict_scenario : Scenario
        The scenario (``model.scenario`` is None: see :attr:`scenario`).
    state : State
        The hot state arrays with a replicate axis of length 1 (agents are views onto row 0).
    locations, garrisons_by_row, militias_by_row : list
        Agents indexed by location row.
    command : GovernmentCommand
    grid : mesa.discrete_space.Network
        Built from the road graph; ``Location`` agents sit in their cell.
    """

    def __init__(
        self,
        scenario: Scenario | str = "afghanistan_2021",
        backend: str = "numba",
        days: int | None = None,
        record_locations: bool = True,
        draw: Mapping[str, Any] | str | None = None,
        seed: int | None = 0,
        **kwargs: Any,  # named so: Mesa 3.3's SolaraViz accepts any model_params only then
    ) -> None:
        seed = fresh_seed() if seed is None else seed
        super().__init__(rng=int(seed))
        scenario = scenario_with_params(scenario, kwargs)  # validated as CLI overrides are
        if backend not in ("numba", "python"):
            raise ValueError(f"backend must be 'numba' or 'python', not {backend!r}")
        if int(seed) < 0:
            raise ValueError(f"seed must be >= 0, not {seed}")
        self.conflict_scenario = scenario  # not `scenario`: Mesa 3.5 reserves it
        self.backend = backend
        self.seed = int(seed)
        self.days = int(days if days is not None else scenario.horizon_days)
        if self.days > scenario.horizon_days:
            raise ValueError(
                f"days={self.days} is beyond the scenario horizon ({scenario.horizon_days} days)"
            )
        self.static = build_static(scenario)
        if draw is None:  # as replicate `seed` of an ensemble: the posterior draw of its seed
            from sim.inference.posterior import replicate_params

            draws = replicate_params(scenario, np.array([self.seed]))
            draw = draws[0] if draws else None
        elif draw == "point":
            draw = None
        ptab = param_table(scenario, 1, None if draw is None else [dict(draw)])
        self.param_record = ptab[0]  # what the kernels read
        self.params = params_view(self.param_record)  # plain Python scalars for the reference
        self.state: State = initial_state(scenario, 1, ptab=ptab)
        self.day = 0
        n, T = scenario.n_locations, self.days
        self._side = np.zeros((1, T + 1, N_SIDE))
        self._acc = np.zeros((1, T + 1, C.N_ACC))
        shape = (1, T + 1, n) if record_locations else (0, 0, 0)
        self._loc_ctrl = np.zeros(shape, np.int8)
        self._loc_gov = np.zeros(shape)
        self._loc_morale = np.zeros(shape)
        self._loc_ins = np.zeros(shape)
        self.tgt_count = self.state.tgt_count[0]  # view: the python backend writes the state

        self._build_agents()
        self._record()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "capitals_held": lambda m: m.capitals_held,
                "locations_held": lambda m: int((m.state.ctrl[0] != C.INSURGENT).sum()),
                "gov_present": lambda m: float(m._side[0, m.day, 0]),
                "ins_present": lambda m: float(m._side[0, m.day, 1]),
                "reserve": lambda m: m.command.reserve,
            }
        )
        self.datacollector.collect(self)

    @property
    def scenario(self) -> None:
        """None: the conflict scenario is :attr:`conflict_scenario`. Mesa >= 3.5 keeps its own
        experiment object here, and SolaraViz's Reset would then replace the ``scenario``
        keyword with one; with None it passes the model's keywords on as they are."""
        return None

    @scenario.setter
    def scenario(self, value: Any) -> None:  # Mesa >= 3.5's Model.__init__ sets it
        self._mesa_scenario = value

    # ---------------------------------------------------------------- construction
    def _build_agents(self) -> None:
        scen, S = self.conflict_scenario, self.static
        g = nx.Graph()
        g.add_nodes_from(range(scen.n_locations))
        g.add_edges_from(zip(scen.roads["src"].tolist(), scen.roads["dst"].tolist(), strict=True))
        kwargs: dict[str, Any] = {"random": self.random}
        if "layout" in inspect.signature(Network.__init__).parameters:
            kwargs["layout"] = None  # Mesa >= 3.4 computes a spring layout by default: slow
        self.grid = Network(g, **kwargs)
        self.locations = [Location(self, i, self.grid[i]) for i in range(scen.n_locations)]
        kinds = np.full(scen.n_locations, "none", dtype=object)
        kinds[scen.garrisons["location"]] = scen.garrisons["type"]
        self.garrisons_by_row = [
            Garrison(self, i, self.grid[i], str(kinds[i])) for i in range(scen.n_locations)
        ]
        self.militias_by_row: list[Militia | None] = [None] * scen.n_locations
        for row, pat, pi in zip(
            scen.militias["location"].tolist(),
            scen.militias["patron"].tolist(),
            scen.militias["patron_index"].tolist(),
            strict=True,
        ):
            self.militias_by_row[row] = Militia(self, row, self.grid[row], pat, pi)
        self.units = [
            InsurgentUnit(self, u, str(uid)) for u, uid in enumerate(scen.insurgents["unit_id"].tolist())
        ]
        self.provinces = [
            Province(self, k, str(p), int(c))
            for k, (p, c) in enumerate(
                zip(scen.provinces["province"], scen.provinces["capital"], strict=True)
            )
        ]
        self.command = GovernmentCommand(self)
        self.neighbours = [
            [self.locations[int(j)] for j in S.indices[S.indptr[i] : S.indptr[i + 1]]]
            for i in range(scen.n_locations)
        ]

    # ---------------------------------------------------------------- stepping
    def step(self) -> None:
        """Advance one day with the chosen backend, then record and collect."""
        if self.day >= self.days:
            self.running = False
            return
        t = self.day
        if self.backend == "numba":
            step_day_nb(self.state, self.static, self.param_record, self.seed, 0, t)
        else:
            self._step_python(t)
        self.day = t + 1
        self._record()
        self.datacollector.collect(self)
        if self.day >= self.days:
            self.running = False

    def run(self, days: int | None = None) -> ConflictModel:
        """Step ``days`` days (default: to the end); returns self for chaining."""
        end = self.days if days is None else min(self.days, self.day + int(days))
        while self.day < end:
            self.step()
        return self

    def _step_python(self, t: int) -> None:
        """The reference day: agents' own rules, phase by phase (order of kernels.step)."""
        cmd = self.command
        cmd.apply_events(t)
        # movement: yesterday's targets give the concentration counts
        self.tgt_count[:] = 0.0
        for u in self.units:
            if u.strength > 0.0 and u.target >= 0:
                self.tgt_count[u.target] += 1.0
        if t >= self.static.offensive_day:
            cmd.plan_campaign(t)
            for u in self.units:
                u.move(t)
        for loc in self.locations:
            loc.muster()
        for u in self.units:
            u.report_presence()
        for loc in self.locations:
            loc.fight(t)
        for loc in self.locations:
            loc.take_pool_losses()
        for u in self.units:
            u.take_losses()
        cmd.trace_supply_lines()
        for loc in self.locations:  # threat before any garrison's morale changes
            th = loc.insurgents_present
            for nb in self.neighbours[loc.row]:
                th += 0.5 * nb.insurgents_present
            loc.threat = th
        for loc in self.locations:
            loc.news = loc.news * self.params.news_decay
            loc.broke = 0
            self.garrisons_by_row[loc.row].update_morale(t)
        for mil in self.militias_by_row:
            if mil is not None:
                mil.update_loyalty(t)
        cmd.negotiate_handovers(t)
        for u in self.units:
            u.update_morale()
        cmd.news_national = cmd.news_national * self.params.news_decay
        for loc in self.locations:
            loc.update_control(t)
        cmd.count_revenue_lost()
        cmd.collapse(t)
        cmd.command(t)
        for loc in self.locations:
            loc.recruit()
        for u in self.units:
            u.absorb_and_rearm()
        for loc in self.locations:
            loc.equipment = 0.0

    # ---------------------------------------------------------------- bookkeeping
    def account(self, column: int, amount: float) -> None:
        self.state.acc[0, column] += amount

    def log(self, day: int, kind: int, loc: int, value: float) -> None:
        st = self.state
        n = int(st.log_n[0])
        if n < st.log_day.shape[1]:
            st.log_day[0, n] = day
            st.log_kind[0, n] = kind
            st.log_loc[0, n] = loc
            st.log_val[0, n] = value
            st.log_n[0] = n + 1
        else:
            st.log_lost[0] += 1

    def _record(self) -> None:
        record_nb(
            self.state,
            self.static,
            0,
            self.day,
            self._side,
            self._acc,
            self._loc_ctrl,
            self._loc_gov,
            self._loc_morale,
            self._loc_ins,
        )

    # ---------------------------------------------------------------- outputs
    @property
    def capitals_held(self) -> int:
        caps = self.static.is_capital
        return int((self.state.ctrl[0][caps] != C.INSURGENT).sum())

    def result(self) -> Any:
        """The run so far as a :class:`sim.outputs.RunResult` (tables, Parquet)."""
        from sim.outputs import RunResult

        k = self.day + 1  # copies: tables are built lazily, the model may step on
        return RunResult.from_arrays(
            self.conflict_scenario,
            np.array([self.seed]),
            State(*(a.copy() for a in self.state)),
            self._side[:, :k].copy(),
            self._acc[:, :k].copy(),
            self._loc_ctrl[:, :k].copy(),
            self._loc_gov[:, :k].copy(),
            self._loc_morale[:, :k].copy(),
            self._loc_ins[:, :k].copy(),
            backend=self.backend,
        )

    @property
    def events(self) -> pd.DataFrame:
        """Typed event log so far."""
        return self.result().events

    @property
    def summary(self) -> pd.DataFrame:
        """Capital falls so far (one row per capital)."""
        return self.result().summary

    @property
    def series(self) -> pd.DataFrame:
        """Daily per-location series so far."""
        return self.result().series

    @property
    def sides(self) -> pd.DataFrame:
        """Daily per-side series and accounting so far."""
        return self.result().sides
