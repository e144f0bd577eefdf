"""The app's components rendered in this process (no browser): Mesa's SolaraViz, errors, the page."""

from __future__ import annotations

import pytest

# Mesa 3.3's SolaraViz trips solara's rules-of-hooks check when it is first imported
pytestmark = pytest.mark.filterwarnings("ignore:.*ComponentsView")


@pytest.fixture(autouse=True)
def _viz(viz_extra):
    """Skip without the viz extra (fail under CI)."""


def _render(element):
    import solara

    return solara.render(element, handle_error=False)


def test_solaraviz_model_params_reach_conflict_model():
    """Mesa's own SolaraViz: its sliders set ConflictModel's keywords, Reset rebuilds the model."""
    import ipyvuetify as v
    import solara
    from mesa.visualization import SolaraViz

    import sim
    from sim.viz.components import EventsComponent, MapComponent, SeriesComponent
    from sim.viz.levers import model_params

    scen = sim.load_scenario("afghanistan_2021")
    params = model_params(scen)
    model = solara.reactive(sim.ConflictModel(scen, seed=0))
    page = SolaraViz(model, components=[MapComponent, SeriesComponent, EventsComponent], model_params=params)
    _box, rc = _render(solara.AppLayout(children=[page]))  # the layout shows SolaraViz's sidebar
    label = params["reserve_commandos"]["label"]
    rc.find(v.Slider, label=label).widget.v_model = 9000
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert model.value.day == 1
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert model.value.day == 0
    cfg = model.value.conflict_scenario.config
    assert cfg.reserve.commandos == 9000
    assert model.value.command.reserve == 9000
    assert cfg.model.withdrawal.end == params["withdrawal_end"]["value"]
    assert model.value.seed == 0
    rc.close()


def test_one_line_errors_replace_a_traceback():
    import solara

    from sim.scenario import ScenarioError
    from sim.viz.components import OneLineErrors

    @solara.component
    def Broken():
        raise ScenarioError("override", "reserve.commandos", -1, "0.0 <= value <= 1000000.0")

    @solara.component
    def Page():
        with OneLineErrors():
            Broken()

    _box, rc = solara.render(Page(), handle_error=False)
    import ipyvuetify as v

    alert = rc.find(v.Alert).widget
    text = " ".join(str(c) for c in alert.children)
    assert text == "override: reserve.commandos = -1 is invalid; allowed: 0.0 <= value <= 1000000.0"
    rc.close()


def test_the_page_renders_inline():
    """``Page()`` as a notebook shows it: the sandbox builds its model and draws the map."""
    import time

    import ipyvuetify as v
    import ipywidgets as w

    from sim.viz.app import Page

    _box, rc = _render(Page())
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # the model is built in a thread, then the page redraws
        if len(rc.find(w.Image).widgets) >= 2 and rc.find(v.Btn, children=["Step"]).widgets:
            break
        time.sleep(0.2)
    assert len(rc.find(w.Image).widgets) >= 2  # the map and the series
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.close()
