"""The sandbox in the browser: a Mesa SolaraViz app for what-if questions.

``conflict-sim-app`` (or ``solara run sim.viz.app``) serves the page; in Jupyter, ``from
sim.viz.app import Page; Page()`` shows it inline. Two routes:

* ``/``: the sandbox. The article's levers (withdrawal end, the commando reserve and airlift,
  the allocation policy, militia loyalty, every scripted event on or off and in time, any other
  parameter as an extra override; plus seed and scenario), Mesa's Step / Play / Reset, the map
  (control and force present, borders, roads, capitals) with a date slider, capitals held and
  district control, the event feed, and an ensemble panel that runs N replicates of the current
  settings against the baseline with common random numbers.
* ``/solaraviz``: the plain Mesa page, ``SolaraViz(ConflictModel(...), components=...,
  model_params=...)``, as a Mesa user would write it.

Modules: :mod:`sim.viz.levers` (the levers, from the schema; no solara),
:mod:`sim.viz.ensemble` (the ensemble panel's numbers and figures; no solara),
:mod:`sim.viz.components` (solara components), :mod:`sim.viz.app` (the pages),
:mod:`sim.viz.cli` (``conflict-sim-app``). Figures are drawn by :mod:`sim.plot`, so a notebook
shows the same ones. The app needs the ``viz`` extra: ``pip install -e ".[viz]"``.
"""

import warnings

# Mesa 3.3's SolaraViz trips solara's rules-of-hooks check on import (a hook after an early
# return in ComponentsView, fixed in Mesa 3.5); the check's warning is noise for our users.
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return")
