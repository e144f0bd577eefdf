"""The pages of ``conflict-sim-app``: the sandbox (``/``) and Mesa's plain SolaraViz (``/solaraviz``).

Serve with ``conflict-sim-app`` (loopback only by default) or ``solara run sim.viz.app``; show
inline in Jupyter with ``from sim.viz.app import Page; Page()``.

The sandbox keeps one :class:`sim.ConflictModel` per browser session in a ``solara.Reactive``
that Mesa's own ``ModelController`` steps (Step, Play) and rebuilds (Reset). Moving a lever
re-loads the scenario with the new overrides (validated as ``conflict-sim`` validates them), then
rebuilds the model and runs it to the day shown, so the map answers at once; a bad value leaves
the run as it was and shows the command line's one-line message.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import force_update, update_counter

from sim.model import ConflictModel
from sim.scenario import ScenarioError, available_scenarios, load_scenario
from sim.viz import levers as L
from sim.viz.components import (
    EnsemblePanel,
    EventFeed,
    EventInput,
    EventsComponent,
    LeverInput,
    MapComponent,
    MapView,
    OneLineErrors,
    RunSummary,
    SeriesComponent,
    SeriesView,
    one_line,
)

DEFAULT_SCENARIO = "afghanistan_2021"

_CSS = """
.lever-doc { font-size: 11px; color: #666; line-height: 1.25; margin-bottom: 8px; }
.lever-label { font-size: 14px; margin-top: 4px; }
.lever .v-input__slot { margin-bottom: 0; }
.event-feed table.feed { width: 100%; border-collapse: collapse; font-size: 13px; }
.event-feed table.feed th { text-align: left; border-bottom: 1px solid #ccc; position: sticky; top: 0;
  background: white; }
.event-feed table.feed td { padding: 1px 6px 1px 0; border-bottom: 1px solid #eee; vertical-align: top; }
.event-feed table.feed td:first-child { white-space: nowrap; }
.levers-card .v-text-field, .levers-card .v-select { margin-top: 14px; }
.command-line { font-family: monospace; font-size: 11px; word-break: break-all; color: #333;
  display: block; }
.day-info { font-weight: bold; }
"""


@solara.component
def DayInfo(model: Any):
    """The model's day and date (updates with every step)."""
    update_counter.get()
    scen = model.conflict_scenario
    solara.Text(
        f"Day {model.day} of {model.days}: {scen.date_of(model.day):%d %b %Y}",
        classes=["day-info"],
    )


@solara.component
def Sandbox(scenario: str = DEFAULT_SCENARIO):
    """The what-if sandbox: levers, Mesa's controls, map, series, event feed and ensembles."""
    name, set_name = solara.use_state(scenario)
    seed_text, set_seed_text = solara.use_state("0")
    values, set_values = solara.use_state({})  # override key -> value, where it differs from the file
    extra, set_extra = solara.use_state("")
    error, set_error = solara.use_state(None)
    view_day, set_view_day = solara.use_state(None)  # None: follow the model's day
    model = solara.use_reactive(None)
    params = solara.use_reactive({})  # ConflictModel's keywords for Mesa's Reset
    play_interval = solara.use_reactive(150)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    latest = solara.use_ref(None)

    def load_base() -> Any:
        try:
            return load_scenario(name)
        except ScenarioError as e:
            return e

    base = solara.use_memo(load_base, [name])
    key = (name, seed_text, tuple(sorted(values.items())), extra)
    latest.current = key

    def rebuild() -> None:
        try:
            scen, seed = L.build(name, seed_text, values, extra)
            m = ConflictModel(scen, seed=seed)
            old = model.peek()
            m.run(min(old.day if old is not None else 0, m.days))
        except Exception as e:  # a bad value: keep the run, show the CLI's line
            if latest.current == key:
                set_error(one_line(e))
            return
        if latest.current != key:  # the settings moved on while this one was built
            return
        set_error(None)
        params.set({"scenario": scen, "seed": seed})
        model.set(m)

    solara.lab.use_task(rebuild, dependencies=[key], prefer_threaded=True)
    solara.Style(_CSS)
    solara.Title("conflict-sandbox")

    def set_lever(k: str, v: Any) -> None:
        if isinstance(base, ScenarioError):
            return
        set_values(L.changed(base, {**values, k: v}))

    def pick_scenario(v: str) -> None:
        set_values({})
        set_extra("")
        set_view_day(None)
        set_name(v)

    def run_to_end() -> None:
        if model.value is not None:
            model.value.run()
            force_update()

    with solara.Sidebar():
        with solara.Card("Run", classes=["run-card"]):
            if model.value is not None:
                DayInfo(model.value)
                ModelController(
                    model,
                    model_parameters=params,
                    play_interval=play_interval,
                    render_interval=render_interval,
                    use_threads=use_threads,
                )
                solara.SliderInt(
                    f"Play interval: {play_interval.value} ms/day",
                    value=play_interval,
                    min=10,
                    max=1000,
                    step=10,
                )
                solara.Button("Run to the end", on_click=run_to_end, text=True, classes=["run-to-end"])
            else:
                solara.Text("Building the model ...")
        with solara.Card("Levers", classes=["levers-card"]):
            solara.Select(
                "Scenario", values=available_scenarios(), value=name, on_value=pick_scenario, dense=True
            )
            solara.InputText(
                "Seed (an integer >= 0)",
                value=seed_text,
                on_value=set_seed_text,
                dense=True,
                classes=["lever-seed"],
            )
            if isinstance(base, ScenarioError):
                solara.Error(str(base))
            else:
                for lv in L.param_levers(base):
                    LeverInput(
                        lv, values.get(lv.key, lv.default), on_value=lambda v, k=lv.key: set_lever(k, v)
                    )
                events = L.event_levers(base)
                if events:
                    solara.Text("Scripted events", style={"font-weight": "bold", "margin-top": "8px"})
                for ev in events:
                    EventInput(
                        ev,
                        bool(values.get(ev.enabled_key, True)),
                        str(values.get(ev.date_key, ev.date)),
                        on_enabled=lambda v, k=ev.enabled_key: set_lever(k, bool(v)),
                        on_date=lambda v, k=ev.date_key: set_lever(k, str(v)),
                    )
            solara.InputText(
                "Extra overrides (key=value ..., as on the command line)",
                value=extra,
                on_value=set_extra,
                dense=True,
                classes=["lever-extra"],
            )
            if error:
                solara.Error(error, classes=["lever-error"])
            else:
                try:
                    cmd = L.command_line(name, seed_text, values, extra)
                except ScenarioError:
                    cmd = ""
                solara.Text(
                    "The same run from the command line:", style={"font-size": "12px", "display": "block"}
                )
                solara.Text(cmd, classes=["command-line"])
            solara.Button(
                "Back to the scenario's values",
                on_click=lambda: (set_values({}), set_extra("")),
                text=True,
                classes=["reset-levers"],
            )

    m = model.value
    if m is None:
        if error:
            solara.Error(error, classes=["lever-error"])
        solara.Text("Building the model ...", classes=["building"])
        return
    if error:
        solara.Error(f"Settings not applied (the run shown is the last valid one): {error}", dense=True)
    with solara.Columns([3, 2]):
        with solara.Card(classes=["map-card"], margin=0):
            RunSummary(m, view_day)
            MapView(m, view_day, set_view_day)
        with solara.Column():
            with solara.Card(margin=0):
                SeriesView(m, view_day)
            with solara.Card(margin=0):
                EventFeed(m, view_day)
    if not isinstance(base, ScenarioError):
        with solara.Card("Ensemble: the current settings against the baseline, seed by seed", margin=0):
            EnsemblePanel(base, m.conflict_scenario, m.seed)


@solara.component
def Page():
    """The sandbox with its own app layout (for Jupyter: ``Page()`` as a cell's last line)."""
    with solara.AppLayout(title="conflict-sandbox: what if?"), OneLineErrors():
        Sandbox()


@solara.component
def MesaPage():
    """Mesa's plain SolaraViz of ConflictModel: its parameters as Mesa ``model_params``."""
    model = solara.use_memo(lambda: ConflictModel(DEFAULT_SCENARIO, seed=0), [])
    return SolaraViz(
        model,
        components=[MapComponent, SeriesComponent, EventsComponent],
        model_params=L.model_params(model.conflict_scenario),
        name="ConflictModel in Mesa's SolaraViz",
    )


@solara.component
def SandboxRoute():
    with OneLineErrors():
        Sandbox()


@solara.component
def MesaRoute():
    with OneLineErrors():
        MesaPage()


routes = [
    solara.Route(path="/", component=SandboxRoute, label="What-if sandbox"),
    solara.Route(path="solaraviz", component=MesaRoute, label="Mesa SolaraViz"),
]
