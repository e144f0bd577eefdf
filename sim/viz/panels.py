"""What the app's panels say, as plain data (no solara): the event feed and the run summary."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

#: Events shown in the feed (the rest, e.g. prisoners freed, stay in ``model.events``).
FEED_EVENTS = (
    "capital_fell",
    "retreated_to_airport",
    "retaken",
    "reinforcement_requested",
    "reinforcement_sent",
    "reinforcement_arrived",
    "militia_switched",
    "leader_returned",
    "countryside_abandoned",
)


def feed_table(model: Any, upto: int | None = None, districts: bool = False, rows: int = 40) -> pd.DataFrame:
    """The event feed: newest first, falls with their mode, reinforcements, militias.

    Parameters
    ----------
    model : ConflictModel
    upto : int, optional
        Last day included (default: the model's day).
    districts : bool, default False
        Include district falls.
    rows : int, default 40
    """
    ev = model.events
    keep = list(FEED_EVENTS) + (["district_fell"] if districts else [])
    ev = ev[ev["event"].isin(keep)]
    if upto is not None:
        ev = ev[ev["day"] <= upto]
    ev = ev.iloc[::-1].head(rows)
    what = ev["event"].str.replace("_", " ")
    names = ev["name"].fillna("").astype(str).replace("nan", "")  # national events have no place
    detail = np.where(
        ev["mode"].notna(),
        ev["mode"].astype(str),
        np.where(ev["value"].notna(), ev["value"].map(lambda v: f"{v:,.0f}" if pd.notna(v) else ""), ""),
    )
    return pd.DataFrame(
        {
            "date": pd.to_datetime(ev["date"]).dt.strftime("%d %b").to_numpy(),
            "event": what.to_numpy(),
            "place": np.where(ev["is_capital"], "**" + names + "**", names),
            "how / how many": detail,
        }
    )


def feed_html(tab: pd.DataFrame) -> str:
    """The feed as an HTML table; every cell is escaped (names come from data files)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in tab.columns)
    rows = []
    for r in tab.itertuples(index=False):
        cells = []
        for c in r:
            text = str(c)
            bold = text.startswith("**") and text.endswith("**")
            text = html.escape(text.strip("*") if bold else text)
            cells.append(f"<td><b>{text}</b></td>" if bold else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="feed"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def run_summary(model: Any, upto: int | None = None) -> str:
    """One line on the run so far: the first capital to fall, capitals held, the national capital."""
    d = model.day if upto is None else upto
    scen = model.conflict_scenario
    ev = model.events
    falls = ev[(ev["event"] == "capital_fell") & (ev["day"] <= d)]
    caps = scen.capital_indices()
    hub = int(caps[np.argmax(scen.locations["value"][caps])])
    hub_name = str(scen.locations["name"][hub])
    held = int((model._loc_ctrl[0, d][caps] != 2).sum())
    if len(falls):
        f = falls.iloc[0]
        first = f"first capital fell {scen.date_of(int(f['day'])):%d %b %Y} ({f['name']}, {f['mode']})"
    else:
        first = "no capital has fallen"
    hub_fall = falls[falls["location_id"] == scen.locations["location_id"][hub]]
    hub_txt = (
        f"{hub_name} fell {scen.date_of(int(hub_fall.iloc[0]['day'])):%d %b}"
        if len(hub_fall)
        else f"{hub_name} holds"
    )
    when = f"Seed {model.seed}, to {scen.date_of(d):%d %b %Y}"
    return f"{when}: {first}; {held} of {len(caps)} capitals held; {hub_txt}."
