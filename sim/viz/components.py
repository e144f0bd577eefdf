"""Solara components of the app: map, series, event feed, ensemble panel, levers.

The views take a :class:`sim.ConflictModel` and redraw whenever Mesa's SolaraViz steps it (they
read Mesa's ``update_counter``), so they work in the sandbox page and in a plain
``SolaraViz(model, components=[MapComponent, SeriesComponent, EventsComponent])``. Drawing is
:mod:`sim.plot.live`'s (static layers rendered once, each day blitted), so a day's step plus
redraw stays well under 0.2 s (``benchmarks/viz.py``).

No traceback reaches the page: a bad value shows :class:`~sim.scenario.ScenarioError`'s one line,
the line ``conflict-sim`` prints; anything else unexpected shows its type and message on one line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import solara
import solara.lab
from mesa.visualization.utils import update_counter

from sim.plot.live import LiveMap, LiveSeries, model_day
from sim.scenario import Scenario, ScenarioError
from sim.viz import ensemble as E
from sim.viz.levers import EventLever, Lever
from sim.viz.panels import feed_html, feed_table, run_summary


def one_line(e: BaseException) -> str:
    """An exception as the one line a user can act on (ScenarioError: the CLI's line)."""
    if isinstance(e, ScenarioError):
        return str(e)
    return f"{type(e).__name__}: {' '.join(str(e).split())}"


def _geometry_key(scen: Scenario) -> tuple:
    loc = scen.locations
    return (
        scen.name,
        scen.n_locations,
        scen.roads.n_rows,
        float(np.sum(loc["lon"])),
        float(np.sum(loc["lat"])),
    )


def shown_day(model: Any, view_day: int | None) -> int:
    """The day a view shows: ``view_day`` clipped to the days run, or the model's day."""
    return model.day if view_day is None else max(0, min(int(view_day), model.day))


@solara.component
def MapView(model: Any, view_day: int | None = None, on_view_day: Callable[[int | None], None] | None = None):
    """The map of the day shown, and a date slider over the days run so far."""
    update_counter.get()
    scen = model.conflict_scenario
    live = solara.use_memo(lambda: LiveMap(scen), [_geometry_key(scen)])
    d = shown_day(model, view_day)
    png = live.png(*model_day(model, d))
    with solara.Column(classes=["sandbox-map"], gap="4px"):
        solara.Image(png, width="100%")
        if on_view_day is not None:

            def pick(v: int) -> None:
                on_view_day(None if v >= model.day else int(v))

            with solara.Row(classes=["day-slider"], style={"align-items": "center"}):
                solara.SliderInt(
                    f"Day shown: {scen.date_of(d):%d %b %Y}",
                    value=d,
                    min=0,
                    max=max(model.day, 1),
                    on_value=pick,
                )
                solara.Button(
                    "Live",
                    on_click=lambda: on_view_day(None),
                    disabled=view_day is None,
                    text=True,
                    classes=["follow-live"],
                )


@solara.component
def SeriesView(model: Any, view_day: int | None = None):
    """Capitals held and locations by control, day by day."""
    update_counter.get()
    scen = model.conflict_scenario
    live = solara.use_memo(lambda: LiveSeries(scen), [_geometry_key(scen), scen.horizon_days])
    ctrl = model._loc_ctrl[0, : model.day + 1]
    solara.Image(live.png(ctrl, mark=shown_day(model, view_day)), width="100%")


@solara.component
def EventFeed(model: Any, view_day: int | None = None):
    """Recent events, newest first: capital falls and their mode, reinforcements, militias."""
    update_counter.get()
    districts, set_districts = solara.use_state(False)
    d = shown_day(model, view_day)
    tab = feed_table(model, d, districts)
    with solara.Column(classes=["event-feed"], gap="0px"):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(
                f"Events to {model.conflict_scenario.date_of(d):%d %b %Y}", style={"font-weight": "bold"}
            )
            solara.Checkbox(label="district falls", value=districts, on_value=set_districts)
        if len(tab) == 0:
            solara.Text("No events yet.", style={"color": "#666"})
        else:
            solara.HTML(
                tag="div",
                unsafe_innerHTML=feed_html(tab),
                style={"max-height": "380px", "overflow-y": "auto"},
            )


@solara.component
def RunSummary(model: Any, view_day: int | None = None):
    """The run in one line (first fall, capitals held, the national capital)."""
    update_counter.get()
    solara.Text(run_summary(model, shown_day(model, view_day)), classes=["run-summary"])


@solara.component
def OneLineErrors(children: list | None = None):
    """Show an exception raised while drawing the children as one line, not a traceback."""
    error, _clear = solara.use_exception()
    if error is not None:  # one element only: more would send reacton into a render loop
        solara.Error(one_line(error), classes=["page-error"])
        return
    solara.Column(children=children or [])


# ----------------------------------------------------------------------------- Mesa SolaraViz
def MapComponent(model: Any):
    """SolaraViz component: the map of the model's current day."""
    return MapView(model)


def SeriesComponent(model: Any):
    """SolaraViz component: capitals held and locations by control."""
    return SeriesView(model)


def EventsComponent(model: Any):
    """SolaraViz component: the event feed."""
    return EventFeed(model)


# ----------------------------------------------------------------------------- levers
def _fmt(v: float, unit: str) -> str:
    s = f"{v:,.0f}" if float(v).is_integer() else f"{v:+.2f}" if unit == "loyalty" else f"{v:g}"
    return f"{s} {unit}".strip()


@solara.component
def LeverInput(lever: Lever, value: Any, on_value: Callable[[Any], None]):
    """One parameter lever: its label, value and unit, and the allowed range from the schema."""
    css = "lever-" + lever.key.replace(".", "-").replace("_", "-")
    with solara.Column(classes=["lever", css], gap="0px"):
        if lever.kind in ("int", "float"):
            lo, hi, step = lever.slider or (lever.lo, lever.hi, 1)
            solara.Text(f"{lever.label}: {_fmt(value, lever.unit)}", classes=["lever-label"])
            if lever.kind == "int":
                solara.SliderInt(
                    "", value=int(value), min=int(lo), max=int(hi), step=int(step), on_value=on_value
                )
            else:
                solara.SliderFloat("", value=float(value), min=lo, max=hi, step=step, on_value=on_value)
        elif lever.kind == "choice":
            solara.Select(lever.label, values=list(lever.choices), value=value, on_value=on_value, dense=True)
        elif lever.kind == "date":
            solara.InputText(lever.label, value=str(value), on_value=on_value, dense=True)
        solara.Text(f"allowed: {lever.allowed}. {lever.doc}", classes=["lever-doc"])


@solara.component
def EventInput(ev: EventLever, enabled: bool, date: str, on_enabled: Callable, on_date: Callable):
    """One scripted event: on/off and its date."""
    with solara.Column(
        classes=["lever", f"event-{ev.index}", f"event-{ev.kind.replace('_', '-')}"], gap="0px"
    ):
        solara.Checkbox(label=ev.label, value=enabled, on_value=on_enabled)
        solara.InputText(f"date ({ev.kind.replace('_', ' ')})", value=date, on_value=on_date, dense=True,
                         disabled=not enabled)  # fmt: skip


# ----------------------------------------------------------------------------- ensemble
@solara.component
def EnsemblePanel(base: Scenario, current: Scenario, seed: int):
    """Run N replicates of the current settings and of the baseline on the same seeds."""
    n, set_n = solara.use_state(200)
    outcome, set_outcome = solara.use_state("first_fall_day")
    result, set_result = solara.use_state(None)  # (key, pngs, seconds, pair summary)
    error, set_error = solara.use_state(None)
    key = (base.fingerprint, current.fingerprint, int(seed), int(n), outcome)

    def compute(k: tuple, b: Scenario, c: Scenario, s0: int, reps: int, out: str) -> None:
        t0 = time.perf_counter()
        try:
            pair = E.run_pair(b, c, seed=s0, replicates=reps)
            pngs = {name: _png(f) for name, f in E.figures(pair, out).items()}
        except Exception as e:  # shown on one line; never a traceback on the page
            set_error(one_line(e))
            return
        set_error(None)
        set_result((k, pngs, time.perf_counter() - t0, pair.same))

    task = solara.lab.use_task(compute, dependencies=None, prefer_threaded=True)

    def prefetch() -> None:  # the default baseline is computed while the user looks at the page
        E.prefetch_baseline(base, int(seed), 200)

    solara.use_effect(prefetch, [base.fingerprint, int(seed)])
    with solara.Column(classes=["ensemble-panel"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            with solara.Column(style={"min-width": "260px"}, gap="0px"):
                solara.Text(f"Replicates: {n}", classes=["replicates-label"])
                solara.SliderInt("", value=n, min=20, max=1000, step=20, on_value=set_n)
            labels = {v: k for k, v in E.OUTCOMES.items()}
            solara.Select(
                "Paired outcome",
                values=list(labels),
                value=E.OUTCOMES[outcome],
                on_value=lambda v: set_outcome(labels[v]),
                dense=True,
            )
            solara.Button(
                "Run ensemble",
                on_click=lambda: task(key, base, current, int(seed), int(n), outcome),
                color="primary",
                disabled=task.pending,
                classes=["run-ensemble"],
            )
            if task.pending:
                solara.Text(f"running {n} + {n} replicates ...", classes=["ensemble-status"])
        solara.Text(
            f"Seeds {seed}..{seed + n - 1} for both: the baseline is the scenario as its file defines it "
            f"({base.name}); the what-if is the current settings. Outcome: {E.OUTCOMES[outcome]}.",
            style={"color": "#555", "font-size": "13px"},
        )
        if error:
            solara.Error(error, classes=["ensemble-error"])
        if result is not None:
            rkey, pngs, secs, same = result
            stale = " The settings have changed since: run it again." if rkey != key else ""
            note = " The settings equal the baseline." if same else ""
            solara.Text(f"Ran in {secs:.1f} s.{note}{stale}", classes=["ensemble-done"])
            with solara.Columns([1, 1]):
                solara.Image(pngs["fan"], width="100%")
                if "paired" in pngs:
                    solara.Image(pngs["paired"], width="100%")
                else:
                    solara.Text("Move a lever to compare a what-if with the baseline, seed by seed.")
            solara.Image(pngs["fall_dates"], width="75%")


def _png(fig: Any) -> bytes:
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
