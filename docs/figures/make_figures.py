"""Regenerate the README figures: ``python docs/figures/make_figures.py``."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import sim
import sim.plot

HERE = Path(__file__).resolve().parent


def main() -> None:
    scen = sim.load_scenario("afghanistan_2021")
    fig = sim.plot.map_day(sim.run(scen, seed=1), scen, "2021-08-07")
    fig.savefig(HERE / "map_2021-08-07.png", dpi=100)
    ens = sim.run(scen, seed=0, replicates=100, record_locations=False)
    fig = sim.plot.capitals_fan(ens, marks={"AFP report (last input)": "2021-08-08"})
    fig.savefig(HERE / "capitals_fan.png", dpi=100)


if __name__ == "__main__":
    main()
