"""Build ``afghanistan_2021.csv``: what was observed between 1 May and 7 August 2021.

Reads the sourced evidence in ``scenarios/data/afghanistan_2021/raw/observed/`` (every source
published on or before 7 August 2021) and the scenario's locations, and writes one fact per row
in the project's observation format (``sim.inference.observations``). Deterministic, stdlib only:

    python3 scenarios/observations/build_afghanistan_2021.py

What goes in, and with which weight and observation error (``sd``):

* national counts of Taliban-held district centres from AAN (1 May, 30 June, 24 July; 14 July
  "just over half" as a lower bound), sd 0.03 of the total; LWJ, US and dpa counts of the same
  quantity are kept with weight 0 (other definitions of "held", and not independent of AAN);
* province statements of 2021 reporting (LWJ, provincial officials), sd 0.10, 0.15 where the
  report is approximate, with ``upper`` where it counts "fallen or contested" and ``lower`` where
  it is LWJ's count of "controlled" districts (LWJ keeps contested districts apart, and a
  contested district's centre may be held by either side, so the centres the Taliban held were at
  least that many);
* AAN's four provinces with every centre in government hands on 14 July (0 lost since 1 May);
* the per-province counts compiled from dated falls (30 June, 14 July, 24 July) as **lower
  bounds** of centres lost since 1 May, sd 0.10, weight 0.5 (about 60 % complete);
* border crossings seized before the cut-off, as district centres lost on that date, sd 5 days,
  weight 0.5 (a crossing post can fall before or after the district centre);
* the seed article: Zaranj lost on 6 August without a fight, Sheberghan on 7 August with the
  garrison withdrawing to the airport (sd 1 day); every provincial capital held on 5 August, and
  every other one on 7 August (the seed names these two as the first two), each with sd 3 days.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
RAW = HERE.parent / "data" / "afghanistan_2021" / "raw" / "observed"
LOCATIONS = HERE.parent / "data" / "afghanistan_2021" / "locations.csv"
OUT = HERE / "afghanistan_2021.csv"
SEED = "seed article (AFP, 8 August 2021; project seed file 000_55d5bbca680cbe59.txt)"
#: Dates at which "no provincial capital lost yet" is dated again (twice a month from mid-May).
INTERIM_DATES = ("2021-05-15", "2021-05-31", "2021-06-15", "2021-06-30", "2021-07-15", "2021-07-31")
COLUMNS = (
    "date",
    "kind",
    "quantity",
    "location",
    "province",
    "value",
    "of_total",
    "bound",
    "measure",
    "mode",
    "sd",
    "weight",
    "source",
    "note",
)

# national counts: (date, value, of_total, bound, weight, count_type in districts_by_province.csv)
NATIONAL_AAN = {"2021-05-01": "", "2021-06-30": "", "2021-07-14": "lower", "2021-07-24": ""}
NATIONAL_RECORD = ("controlled_LWJ", "district_centre_held_US_estimate", "controlled_dpa_survey")
# province statements used, keyed by (date, province): (bound, sd)
PROVINCE_STATEMENTS = {
    ("2021-06-15", "Sar-e Pul"): ("", 0.10),
    ("2021-06-30", "Ghazni"): ("", 0.10),
    ("2021-07-07", "Badakhshan"): ("", 0.10),
    ("2021-07-07", "Takhar"): ("", 0.10),
    ("2021-07-07", "Badghis"): ("", 0.10),
    ("2021-07-07", "Kunduz"): ("", 0.15),
    ("2021-07-08", "Helmand"): ("upper", 0.10),
    ("2021-07-09", "Herat"): ("", 0.15),
}
# LWJ's counts of contested districts (another notion than the model's contested state)
LWJ_CONTESTED = (
    ("2021-04-15", 194, "Long War Journal district map, mid-April 2021"),
    ("2021-07-27", 110, "Long War Journal, 27 July 2021"),
)
# AAN, 14 July: only these provinces still had every district centre in government hands
ALL_HELD_14_JULY = ("Kabul", "Panjshir", "Kunar", "Daykundi")
AAN_MENACE = (
    "Kate Clark and the AAN team, 'Menace, Negotiation, Attack: The Taleban take more District Centres "
    "across Afghanistan', Afghanistan Analysts Network, July 2021 (map of 14 July 2021)"
)


def read(name: str) -> list[dict[str, str]]:
    with open(RAW / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def row(**kw: object) -> dict[str, str]:
    return {c: "" if kw.get(c) is None else str(kw.get(c, "")) for c in COLUMNS}


def first_source(src: str) -> str:
    return src.split(" | ")[0].strip()


def build() -> list[dict[str, str]]:
    locs = read_locations()
    capitals = [(lid, name) for lid, (name, kind, _prov) in locs.items() if kind == "capital"]
    by_prov = read("districts_by_province.csv")
    out: list[dict[str, str]] = []
    for r in by_prov:
        if r["province"] != "ALL":
            continue
        if r["count_type"] == "district_centre_held_AAN" and r["date"] in NATIONAL_AAN:
            bound = NATIONAL_AAN[r["date"]]
            out.append(
                row(
                    date=r["date"],
                    kind="count",
                    quantity="districts_insurgent_held",
                    value=r["taliban_held"],
                    of_total=r["district_centres_in_source"],
                    bound=bound,
                    sd=0.03,
                    weight=1,
                    source=first_source(r["source"]),
                    note="AAN 'Taleban held'" + (" (just over half: a lower bound)" if bound else ""),
                )
            )
        elif (
            r["count_type"] in NATIONAL_RECORD
            and r["date"].count("-") == 2
            and r["district_centres_in_source"]
        ):
            out.append(
                row(
                    date=r["date"],
                    kind="count",
                    quantity="districts_insurgent_held",
                    value=r["taliban_held"],
                    of_total=r["district_centres_in_source"],
                    weight=0,
                    source=first_source(r["source"]),
                    note=f"{r['count_type']}: another definition of held, kept for the record",
                )
            )
    for date, value, src in LWJ_CONTESTED:
        out.append(
            row(
                date=date,
                kind="count",
                quantity="locations_contested",
                value=value,
                of_total=421,
                weight=0,
                source=src,
                note="LWJ 'contested' (fighting or no firm control) is not the model's contested state "
                "(a fight in progress or an airport holdout): kept for the record",
            )
        )
    for r in by_prov:
        key = (r["date"], r["province"])
        if key in PROVINCE_STATEMENTS and r["taliban_held"] and r["district_centres_in_source"]:
            if any(o["date"] == r["date"] and o["province"] == r["province"] for o in out):
                continue  # one statement per province and date (the first listed)
            bound, sd = PROVINCE_STATEMENTS[key]
            if r["count_type"] == "controlled_LWJ" and not bound:
                bound = "lower"  # LWJ's "controlled" leaves out its contested districts
            out.append(
                row(
                    date=r["date"],
                    kind="count",
                    quantity="districts_insurgent_held",
                    province=r["province"],
                    value=r["taliban_held"],
                    of_total=r["district_centres_in_source"],
                    bound=bound,
                    sd=sd,
                    weight=1,
                    source=first_source(r["source"]),
                    note=r["note"][:160],
                )
            )
        elif r["count_type"] == "compiled_falls_since_1_May_lower_bound" and int(r["taliban_held"] or 0) > 0:
            out.append(
                row(
                    date=r["date"],
                    kind="count",
                    quantity="districts_lost_since_start",
                    province=r["province"],
                    value=r["taliban_held"],
                    of_total=r["district_centres_in_source"],
                    bound="lower",
                    sd=0.10,
                    weight=0.5,
                    source="compiled from dated falls in scenarios/data/afghanistan_2021/raw/observed/"
                    "district_falls.csv (each row cites its own sources, all published by 7 August 2021)",
                    note="lower bound: the compiled reports cover about 60 % of AAN's national totals",
                )
            )
    for p in ALL_HELD_14_JULY:
        out.append(
            row(
                date="2021-07-14",
                kind="count",
                quantity="districts_lost_since_start",
                province=p,
                value=0,
                sd=0.10,
                weight=1,
                source=AAN_MENACE,
                note="every district centre of the province still in government hands",
            )
        )
    for r in read("border_crossings.csv"):
        lid, date = r["nearest_location_id"], r["seized_by_taliban_date"]
        if not lid or not date or locs.get(lid, ("", "", ""))[1] != "district":
            continue
        out.append(
            row(
                date=date,
                kind="fell",
                quantity="border crossing",
                location=lid,
                sd=5,
                weight=0.5,
                source=first_source(r["source"]),
                note=f"{r['crossing']} seized (the district centre at the crossing, +- 5 days)",
            )
        )
    # "no capital lost before Zaranj" is a fact about each capital: each row weighs 1, and a
    # capital lost a day early is a third of an sd off (sd 3 days: reports date a fall to the day,
    # the model's days are coarser)
    w_each = 1
    # the same fact is also dated as it stood on earlier dates, public on each (every report of
    # the offensive before 6 August counted districts, no capital): a fit or filter cut off before
    # 5 August then still knows the capitals were held; the likelihood uses the latest row of a
    # location within the cut-off, so these add nothing to a fit that reaches 5 August
    dated = [("2021-08-05", "no provincial capital was lost before Zaranj on 6 August")] + [
        (d, "no provincial capital had been lost by this date (the first was Zaranj on 6 August)")
        for d in INTERIM_DATES
    ]
    for lid, name in sorted(capitals):
        for date, fact in dated:
            out.append(
                row(
                    date=date,
                    kind="not_fallen_by",
                    quantity="capital",
                    location=lid,
                    sd=3,
                    weight=w_each,
                    source=SEED,
                    note=f"{name}: {fact}",
                )
            )
    out.append(
        row(
            date="2021-08-06",
            kind="fell",
            quantity="capital",
            location="nimroz_zaranj",
            measure="lost",
            mode="without_fight",
            weight=1,
            source=SEED,
            note="Zaranj fell without a fight on Friday 6 August, the first provincial capital",
        )
    )
    out.append(
        row(
            date="2021-08-07",
            kind="fell",
            quantity="capital",
            location="jowzjan_sheberghan",
            measure="lost",
            mode="airport",
            weight=1,
            source=SEED,
            note="Sheberghan fell on Saturday 7 August after resistance; the forces withdrew to the airport",
        )
    )
    for lid, name in sorted(capitals):
        if lid in ("nimroz_zaranj", "jowzjan_sheberghan"):
            continue
        out.append(
            row(
                date="2021-08-07",
                kind="not_fallen_by",
                quantity="capital after the first two",
                location=lid,
                sd=3,
                weight=w_each,
                source=SEED,
                note=f"{name}: Zaranj and Sheberghan were the first two capitals lost",
            )
        )
    out.sort(key=lambda r: (r["date"], r["kind"], r["province"], r["location"], r["quantity"]))
    return out


def read_locations() -> dict[str, tuple[str, str, str]]:
    with open(LOCATIONS, encoding="utf-8", newline="") as f:
        return {r["location_id"]: (r["name"], r["kind"], r["province"]) for r in csv.DictReader(f)}


def render(rows: list[dict[str, str]]) -> str:
    """The rows as the CSV text of ``afghanistan_2021.csv``."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main() -> None:
    rows = build()
    late = [r for r in rows if r["date"] > "2021-08-07"]
    assert not late, late  # the data rule
    tmp = OUT.with_suffix(".csv.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(render(rows))
    tmp.replace(OUT)
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"wrote {OUT.name}: {len(rows)} rows {kinds}, {rows[0]['date']} .. {rows[-1]['date']}")


if __name__ == "__main__":
    main()
