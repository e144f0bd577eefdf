"""Figures of results (matplotlib): maps, timelines, sweep views, location series and exploration.

Every function returns a :class:`matplotlib.figure.Figure` (``animate_map`` returns the
animation), ready for ``fig.savefig(...)`` or display in Jupyter::

    import sim, sim.plot

    scen = sim.load_scenario("afghanistan_2021")
    r = sim.run(scen, seed=1)
    sim.plot.map_day(r, scen, "2021-08-07")
    sim.plot.capitals_fan(sim.run(scen, replicates=50, record_locations=False))

Maps and location series need the per-location ``series`` table (``record_locations=True``,
the default for small runs). Sweep views take the ``runs`` table of a sweep: one row per
replicate, a column per swept parameter (e.g. ``reserve.commandos``) and the outcomes. Exploration
figures (:mod:`sim.plot.explore`: sensitivity bars, PRIM trade-off and box, response surface) take
the tables of :func:`sim.explore.open_explore`.
"""

from sim.plot._common import CONTROL_COLORS
from sim.plot.explore import prim_box, prim_tradeoff, response_surface, sensitivity_bars
from sim.plot.maps import LocationArrays, animate_map, location_arrays, map_day, map_strip
from sim.plot.series import location_series
from sim.plot.sweeps import paired_capitals, paired_difference, sweep_heatmap, sweep_line
from sim.plot.timelines import capitals_fan, capitals_timeline, fall_dates

__all__ = [
    "CONTROL_COLORS",
    "LocationArrays",
    "animate_map",
    "capitals_fan",
    "capitals_timeline",
    "fall_dates",
    "location_arrays",
    "location_series",
    "map_day",
    "map_strip",
    "paired_capitals",
    "paired_difference",
    "prim_box",
    "prim_tradeoff",
    "response_surface",
    "sensitivity_bars",
    "sweep_heatmap",
    "sweep_line",
]
