#!/usr/bin/env python3
"""Build the data tables of the ``afghanistan_2021`` scenario.

Python 3.11, standard library only.  Deterministic: no randomness, no network.

Input : raw/districts.csv  (verbatim copy, see raw/README.md)
Output: sources.csv, provinces.csv, locations.csv, roads.csv, garrisons.csv,
        militias.csv, insurgents.csv, insurgent_pools.csv   (in this folder)

Scenario start: about 1 May 2021.  Nothing here encodes anything that happened
after 7 August 2021.  Every modelling rule is documented in README.md; the
``model_choice_*`` source ids point there.

Run:  python3 scenarios/data/afghanistan_2021/build_data.py

Variant (README.md, "Initial control: the SIGAR 2017 variant"): within each province, rank the
districts the October 2017 Resolute Support assessment did not count as government-controlled
or -influenced first (raw/sigar_2017/), and write the tables to another folder under scenarios/:

      python3 scenarios/data/afghanistan_2021/build_data.py --within-province sigar2017 \
          --out scenarios/data/afghanistan_2021_sigar2017
"""

from __future__ import annotations

import argparse
import csv
import heapq
import math
import os
import re
import statistics
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw" / "districts.csv"
SIGAR_2017 = HERE / "raw" / "sigar_2017"
WITHIN_PROVINCE = ("score", "sigar2017")  # how contested and held centres are picked in a province
# the tables written, in sim.scenario.load's order (this script is standalone: it imports no sim)
TABLES = (
    "sources",
    "provinces",
    "locations",
    "roads",
    "garrisons",
    "militias",
    "insurgents",
    "insurgent_pools",
)
SIGAR_SOURCE = (
    "sigar_rs_2017_10",
    "SIGAR, Addendum to the January 2018 Quarterly Report to the United States Congress (February "
    "2018), Table 2: Resolute Support's district stability assessment as of 15 October 2017, as "
    "transcribed in the public replication data of Tai, Nair, Mehra and Blumenstock (GitHub "
    "Global-Policy-Lab/afghanistan-civil-conflict-and-labor-flows, commit 0bf0c75c, "
    "covariates.rds column notGovt: contested, insurgent influence or control = 1; Apache-2.0). "
    "Used only by the sigar2017 variant; raw/sigar_2017/README.md",
)

# --------------------------------------------------------------------------
# Global targets (documented in README.md)
# --------------------------------------------------------------------------
DISTRICTS_OFFICIAL = 421  # AAN / LWJ denominator
AAN_HELD_2021_05_01 = 33  # AAN: district centres held on 1 May 2021
LWJ_CONTROLLED_2021_04 = 77  # LWJ mid-April 2021
LWJ_CONTESTED_2021_04 = 194  # LWJ mid-April 2021
TALIBAN_FULL_TIME = 60_000  # analyst estimate (UN range 58k-100k)
TALIBAN_PART_TIME_MAX = 90_000  # analyst estimate, upper bound
PART_TIME_ACTIVE_SHARE = 1 / 3  # modelling choice
UNIT_SIZE_NOMINAL = 300  # fighters per unit (units 200..400)
UNIT_MIN, UNIT_MAX = 200, 400
UNITS_PER_PROVINCE_MIN = 2  # floor of full-time units per contested province
# The UN Monitoring Team's report transmitted on 28 April 2021 (un_mt_s_2021_486): besides their
# inroads in the south and east, the Taliban had moved forces into the north and controlled more of
# its road network than at any time since 2001. Locations in the northern provinces get this extra
# weight when full-time units are apportioned (a modelling choice: the report gives no number).
NORTH_UNIT_WEIGHT = 2.0
NORTH = {"Badakhshan", "Baghlan", "Balkh", "Faryab", "Jowzjan", "Kunduz", "Samangan", "Sar-e Pul", "Takhar"}

# highway / secondary / local road rules
# Detour factors (road km per great-circle km).  The highway factor is calibrated
# in build() so that the Ring Road loop, chained through the district points it
# passes, sums to the published ~2,200 km; secondary = highway x 1.4/1.3; local 1.4.
RING_ROAD_KM = 2200.0
DETOUR = {"highway": 1.3, "secondary": 1.4, "local": 1.4}  # highway/secondary overwritten
SPEED = {"highway": 300.0, "secondary": 150.0, "local": 60.0}  # km/day
MIN_TRAVEL_DAYS = 0.05
K_NEAREST = 3

# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------
SOURCES: list[tuple[str, str]] = [
    (
        "barialay_districts",
        "barialay, 'afghanistan-province-district-village' (GitHub repository), file "
        "resources/data/provinces-and-districts.json, commit 8b7c6253221e644e8598ee2ac1edb83794b51813; "
        "district names and points, cleaned by the project (shared/data/afghanistan/clean_districts.py, "
        "392 points); copied verbatim to raw/districts.csv",
    ),
    (
        "noaa_isd_khwahan",
        "NOAA National Centers for Environmental Information, Integrated Surface Database (ISD) station "
        "history, station 409010 KHWAHAN, lat 37.9 lon 70.2 (as printed in GitHub ropensci/GSODR "
        "data-raw/fetch_isd-history.md, 2020-06-12 run); used for the Khwahan district point",
    ),
    (
        "seed_afp_2021_08_08",
        "AFP wire report, 8 August 2021, on the fall of Zaranj (Nimroz) and Sheberghan (Jowzjan) to the "
        "Taliban: government forces withdrew to Sheberghan airport; Sheberghan is Abdul Rashid Dostum's "
        "home and he ran one of the largest militias in the north; a request for at least 500 commandos; "
        "uprising forces mentioned; the Zaranj jail was opened (project seed file 000_55d5bbca680cbe59.txt)",
    ),
    (
        "sigar_qr_2021",
        "Special Inspector General for Afghanistan Reconstruction (SIGAR), Quarterly Report to the United "
        "States Congress, early 2021 (30 April 2021 edition): ANDSF assigned (nominal) strength 300,699. "
        "https://www.sigar.mil/quarterlyreports/",
    ),
    (
        "sigar_2016_ghost_soldiers",
        "SIGAR inquiry letter to the US Secretary of Defense on ANDSF personnel numbers ('ghost' soldiers), "
        "October 2016: reported ANDSF strength 319,595 (2016) against an Afghan official's estimate of about "
        "120,000 actually present (as reported by AP; see e.g. Fast Company, 7 Oct 2016, "
        "https://www.fastcompany.com/4021453/the-pentagon-has-no-idea-how-many-ghost-soldiers-its-funding-in-afghanistan)",
    ),
    (
        "commando_reporting_2017",
        "Reporting on Afghan special operations forces: about 17,000 special forces in early 2017 with a "
        "plan to double them (Reuters, 29 Mar 2017; Stars and Stripes, 25 Oct 2017, "
        "https://www.stripes.com/news/hundreds-of-new-commandos-join-afghan-military-in-us-backed-security-push-1.494409); "
        "Afghan 2020 Roadmap growth of the ANASOC commando force from about 11,700 to about 23,300 "
        "(NSOCC-A / DVIDS, May 2018, 'Commando Force Grows by 4,000 in 9 Months')",
    ),
    (
        "un_mt_s_2021_486",
        "United Nations Security Council, Twelfth report of the Analytical Support and Sanctions Monitoring "
        "Team (resolution 2557 (2021)), S/2021/486, transmitted by the Team on 28 April 2021 and issued 1 June "
        "2021: Taliban fighting strength estimated at 58,000-100,000; besides their inroads in the south and "
        "east, the Taliban had moved forces into the north, where they controlled more of the road network "
        "than at any time since 2001",
    ),
    (
        "analyst_schroden_2021",
        "Jonathan Schroden (CNA), 'Afghanistan's Security Forces Versus the Taliban: A Net Assessment', "
        "CTC Sentinel 14(1), January 2021, and his 2021 interviews (e.g. Task & Purpose, "
        "https://taskandpurpose.com/news/afghanistan-united-states-soviet-withdrawal/): about 60,000 "
        "full-time Taliban fighters (+-20%), plus one expert's estimate (A. Giustozzi) of up to 90,000 "
        "part-time local militia fighters",
    ),
    (
        "us_withdrawal_2021_04_14",
        "The White House, Remarks by President Biden on the Way Forward in Afghanistan, 14 April 2021: "
        "withdrawal of US forces to begin 1 May 2021 and be completed by 11 September 2021 "
        "(NATO announced the same timeline for Resolute Support the same day)",
    ),
    (
        "us_withdrawal_2021_07_08",
        "The White House, Remarks by President Biden on the Drawdown of U.S. Forces in Afghanistan, "
        "8 July 2021: US military mission to end on 31 August 2021",
    ),
    (
        "aan_fallen_districts_2021",
        "Afghanistan Analysts Network, 'A Detailed Map of Fallen Districts', 24 July 2021 update: 33 of 421 "
        "district centres held by the Taliban on 1 May 2021 (only this 1 May figure is used). "
        "https://www.afghanistan-analysts.org/en/resources/others/a-detailed-map-of-fallen-districts-24-july-2021-update/",
    ),
    (
        "lwj_jowzjan_2017_06",
        "FDD's Long War Journal, 'Taliban overruns district in Afghan north', June 2017: the Taliban take the "
        "Darzab district centre in Jowzjan. https://www.longwarjournal.org/archives/2017/06/"
        "taliban-overruns-district-in-afghan-north.php",
    ),
    (
        "lwj_jowzjan_2019_07",
        "FDD's Long War Journal, 'Taliban overrun district in Afghan north', July 2019: the Taliban take the "
        "Qush Tepa district centre and control 3 of Jowzjan's 11 districts and contest 5 more. "
        "https://longwarjournal.org/archives/2019/07/taliban-overrun-district-in-afghan-north.php",
    ),
    (
        "lwj_map_2021_04",
        "FDD's Long War Journal (Bill Roggio et al.), 'Mapping Taliban Control in Afghanistan', mid-April 2021 "
        "state: 77 districts Taliban-controlled, 194 contested (of 421 as recorded in the project's "
        "observed_before_2021-08-08.csv). https://www.longwarjournal.org/mapping-taliban-control-in-afghanistan",
    ),
    (
        "nsia_pop_1400",
        "National Statistics and Information Authority (NSIA), 'Estimated Population of Afghanistan 1400' "
        "(solar year 1400, March 2021 - March 2022; released 20 April 2021; national total 33.6 million), "
        "province totals as printed, rounded to thousands, in Pajhwok Afghan News' report of the release "
        "(collected for the project in shared data notes, April 2021 release). Capital urban figures are "
        "approximations of NSIA's urban estimates",
    ),
    (
        "model_choice_population_unverified",
        "Province population not usable in the NSIA 1400 print (Kapisa missing, Baghlan given as 'over a "
        "million', Badakhshan misprinted as 1.72 million): the project's earlier recalled NSIA 1399 value "
        "is kept. Unverified. See README.md, Population",
    ),
    (
        "ocha_regions",
        "UN OCHA Afghanistan, regional grouping of the 34 provinces into eight regions (north, north-east, "
        "west, south, south-east, east, central, central highlands), as used in OCHA's humanitarian "
        "bulletins before 2021",
    ),
    (
        "model_choice_revenue_share",
        "Share of customs revenue through a border crossing: rough classes by the crossings' known traffic "
        "(four main ports 0.15 each, six secondary 0.05, three minor 0.01); no per-crossing breakdown "
        "published before May 2021 was found. Unverified. See README.md, Border crossings",
    ),
    (
        "province_profiles_ethnicity",
        "Public province profiles giving approximate ethnic composition (Naval Postgraduate School, Program "
        "for Culture and Conflict Studies, provincial overviews; UNHCR/MRRD district and province profiles); "
        "used only for the approximate Pashtun share per province in the affinity rule",
    ),
    (
        "ana_corps_laydown",
        "US Department of Defense, 'Enhancing Security and Stability in Afghanistan' (semi-annual report to "
        "Congress, 2019-2020 editions): ANA corps and division headquarters - 201st Corps and 111th Capital "
        "Division (Kabul), 203rd (Gardez), 205th (Kandahar), 207th (Herat), 209th (Mazar-i-Sharif), 215th "
        "(Helmand, Camp Shorabak near Lashkar Gah), 217th (Kunduz)",
    ),
    (
        "ring_road_highway1",
        "Highway 1 / the Afghan Ring Road (about 2,200 km: Kabul - Ghazni - Kandahar - Delaram - Herat - "
        "Maymana - Sheberghan - Mazar-i-Sharif - Pul-e Khumri - Salang - Kabul); description as in "
        "Wikipedia, 'Highway 1 (Afghanistan)'. Edge lengths are great-circle x 1.3, not published figures",
    ),
    (
        "road_network_routes",
        "Descriptions of the main Afghan national highways and spurs (Wikipedia 'Transport in Afghanistan', "
        "'Route 606 (Afghanistan)' Delaram-Zaranj, 'Salang Pass', 'Kabul-Jalalabad Road', 'Khost-Gardez "
        "Highway'; Asian Development Bank road sector descriptions): used for which towns each route passes. "
        "Edge lengths are great-circle x detour factor (1.3 highway, 1.4 secondary), not published figures",
    ),
    (
        "airports_afg",
        "Airfields in Afghanistan usable by the Afghan Air Force in 2021 (Wikipedia, 'List of airports in "
        "Afghanistan', ICAO-coded airports and military airfields: OAKB Kabul, OAKN Kandahar, OAHR Herat, "
        "OAMS Mazar-i-Sharif, OAUZ Kunduz, OABT Bost/Lashkar Gah, OAJL Jalalabad, OAKS Khost/Chapman, OAFZ "
        "Fayzabad, OAFR Farah, OAMN Maymana, OAQN Qala-e Naw, OACC Chaghcharan, OABN Bamyan, OATN Tarinkot, "
        "OAZJ Zaranj, OANL Nili, OAGZ Gardez, OASH Sharana, OASD Shindand, OAIX Bagram, OASG Sheberghan)",
    ),
    (
        "model_choice_names",
        "Modelling choice: location ids and English names. Rule in README.md (section 'Names').",
    ),
    (
        "model_choice_population",
        "Modelling choice: capital urban populations and split of the rest of each province over its district points. Rule in README.md (section 'Population').",
    ),
    (
        "model_choice_ruggedness",
        "Modelling choice: terrain ruggedness in [0,1] from province physiography classes with documented district overrides. Rule in README.md (section 'Ruggedness').",
    ),
    (
        "model_choice_affinity",
        "Modelling choice: insurgent affinity in [0,1] from Pashtun share and the mid-April 2021 LWJ province picture, with district overrides. Rule in README.md (section 'Affinity').",
    ),
    (
        "model_choice_initial_control",
        "Modelling choice: initial control on about 1 May 2021 from a deterministic score scaled to the AAN and LWJ counts. Rule in README.md (section 'Initial control').",
    ),
    (
        "model_choice_value",
        "Modelling choice: strategic value in [0,1] for insurgent targeting. Rule in README.md (section 'Value').",
    ),
    (
        "model_choice_airports",
        "Modelling choice: which locations are marked as having an airfield. Rule in README.md (section 'Airports and prisons').",
    ),
    (
        "model_choice_prisons",
        "Modelling choice: every provincial capital has a provincial prison; Pul-e-Charkhi (Kabul) and the Parwan detention facility (Bagram). README.md (section 'Airports and prisons').",
    ),
    (
        "model_choice_road_distance",
        "Modelling choice: road distances = great-circle x detour factor (highway 1.3, secondary 1.4, local 1.4); local links to the 3 nearest neighbours. Rule in README.md (section 'Roads').",
    ),
    (
        "model_choice_travel_time",
        "Modelling choice: travel days = distance / speed; highway 300, secondary 150, local 60/(1+max ruggedness) km/day; minimum 0.05 day. README.md (section 'Roads').",
    ),
    (
        "model_choice_garrison",
        "Modelling choice: ANDSF nominal garrison sizes, type, quality, morale and supply days per location. Rule in README.md (section 'Garrisons').",
    ),
    (
        "model_choice_militia",
        "Modelling choice: pro-government militia placement, size and loyalty (approximate). README.md (section 'Militias').",
    ),
    (
        "model_choice_insurgent_units",
        "Modelling choice: placement and sizes of Taliban units. Rule in README.md (section 'Insurgent units').",
    ),
    (
        "model_choice_insurgent_pools",
        "Modelling choice: part-time fighter pools (one third of the analyst's upper bound). Rule in README.md (section 'Insurgent pools').",
    ),
    (
        "geoboundaries_afg_adm1",
        "geoBoundaries gbOpen AFG ADM1, simplified (wmgeolab/geoBoundaries, file releaseData/gbOpen/AFG/ADM1/geoBoundaries-AFG-ADM1_simplified.geojson, commit 0ff91a88d2f2), Public Domain (source: Wikimedia, 'Provinces of Afghanistan', boundary year 2007); province borders drawn on maps (scenarios/geo/afghanistan_2021.geojson, copied verbatim), not a model input",
    ),
]
SOURCE_IDS = {s for s, _ in SOURCES}

# --------------------------------------------------------------------------
# Province tables
# --------------------------------------------------------------------------
# Province population: NSIA, 'Estimated Population of Afghanistan 1400' (solar year 1400 =
# March 2021 - March 2022; released on 20 April 2021), province totals as printed by Pajhwok,
# rounded to thousands (nsia_pop_1400). Three provinces are not usable in that print: Kapisa
# (missing), Baghlan (given only as "over a million") and Badakhshan (printed as 1.72 million,
# against about 1.0-1.1 million in NSIA's neighbouring editions; a misprint). For these three the
# project's earlier recalled NSIA 1399 values are kept and flagged unverified
# (model_choice_population_unverified).
PROVINCE_POP = {
    "Badakhshan": 1_089_000,  # unverified (misprint in the 1400 print)
    "Badghis": 559_000,
    "Baghlan": 1_049_000,  # unverified (">1 million" in the 1400 print)
    "Balkh": 1_543_000,
    "Bamyan": 504_000,
    "Daykundi": 524_000,
    "Farah": 573_000,
    "Faryab": 1_129_000,
    "Ghazni": 1_380_000,
    "Ghor": 777_000,
    "Helmand": 1_472_000,
    "Herat": 2_187_000,
    "Jowzjan": 613_000,
    "Kabul": 5_300_000,
    "Kandahar": 1_431_000,
    "Kapisa": 504_000,  # unverified (missing from the 1400 print)
    "Khost": 647_000,
    "Kunar": 508_000,
    "Kunduz": 1_160_000,
    "Laghman": 502_000,
    "Logar": 442_000,
    "Nangarhar": 1_753_000,
    "Nimroz": 166_000,
    "Nuristan": 166_000,
    "Paktia": 622_000,
    "Paktika": 789_000,
    "Panjshir": 172_000,
    "Parwan": 751_000,
    "Samangan": 438_000,
    "Sar-e Pul": 632_000,
    "Takhar": 1_113_000,
    "Uruzgan": 443_000,
    "Wardak": 671_000,
    "Zabul": 391_000,
}
POP_UNVERIFIED = {"Badakhshan", "Baghlan", "Kapisa"}
# Where the 1400 print is wrong or short: those three, Nimroz (printed 166,000, Nuristan's figure,
# against 180,200 two years earlier in NSIA's own yearbook) and Kabul (printed "5.3 million").
# ``--population corrected`` takes NSIA's exact 1400 figure where one is quoted with its citation
# (raw/population/nsia_1400_exact.csv) and otherwise, for Kapisa, NSIA's 1398 yearbook figure
# times the median 1400/1398 ratio of the other provinces (raw/population/README.md).
POP_PRINT_WRONG = ("Badakhshan", "Baghlan", "Kabul", "Kapisa", "Nimroz")
POPULATIONS = ("print", "corrected")
POP_SOURCES = [
    (
        "nsia_pop_1400_exact",
        "NSIA, 'Estimated Population of Afghanistan 2021-22' (April 2021): the exact province totals of "
        "Badakhshan 1,072,785, Baghlan 1,033,760, Kabul 5,385,526 and Nimroz 186,963, as quoted with that "
        "citation in Wikipedia and Wikidata (raw/population/nsia_1400_exact.csv), rounded to thousands. "
        "Used only by the corrected populations (build_data.py --population corrected)",
    ),
    (
        "nsia_yearbook_2019",
        "NSIA, Afghanistan Statistical Yearbook 2019, first version (May 2020), settled population by province "
        "in 1398 (2019-20), as copied in GitHub ktjkim/ISO_3166_2_POPULATION_DATA (subdivision_populations.py, "
        "commit 1d93bdc2): Kapisa 479,875, scaled by the median 1400/1398 ratio of the 29 provinces the 1400 "
        "print gives (raw/population/). Used only by the corrected populations",
    ),
]


def _pop_source(prov: str, corrected: bool) -> str:
    """Source id of a province total (the print's, flagged, or the correction's)."""
    if corrected and prov in POP_PRINT_WRONG:
        return "nsia_yearbook_2019" if prov == "Kapisa" else "nsia_pop_1400_exact"
    return "model_choice_population_unverified" if prov in POP_UNVERIFIED else "nsia_pop_1400"


def corrected_populations() -> dict[str, int]:
    """PROVINCE_POP with the rows the 1400 print got wrong replaced (POP_PRINT_WRONG): NSIA's exact
    1400 figure where quoted, else the 1398 yearbook figure x the median 1400/1398 ratio of the
    provinces the print gives correctly; rounded to thousands like the print."""
    raw = HERE / "raw" / "population"
    with (raw / "nsia_1400_exact.csv").open(encoding="utf-8") as f:
        exact = {r["province"]: int(r["population"]) for r in csv.DictReader(f)}
    with (raw / "nsia_1398_yearbook2019.csv").open(encoding="utf-8") as f:
        y1398 = {r["province"]: int(r["population"]) for r in csv.DictReader(f)}
    growth = statistics.median(PROVINCE_POP[p] / y1398[p] for p in PROVINCE_POP if p not in POP_PRINT_WRONG)
    out = dict(PROVINCE_POP)
    for p in POP_PRINT_WRONG:
        out[p] = int(round(exact[p] if p in exact else y1398[p] * growth, -3))
    return out


# Regions (theatres of the campaign): UN OCHA's eight regions of Afghanistan (ocha_regions).
REGIONS = {
    "north": ("Balkh", "Faryab", "Jowzjan", "Samangan", "Sar-e Pul"),
    "northeast": ("Badakhshan", "Baghlan", "Kunduz", "Takhar"),
    "west": ("Badghis", "Farah", "Ghor", "Herat"),
    "south": ("Helmand", "Kandahar", "Nimroz", "Uruzgan", "Zabul"),
    "southeast": ("Ghazni", "Khost", "Paktia", "Paktika"),
    "east": ("Kunar", "Laghman", "Nangarhar", "Nuristan"),
    "central": ("Kabul", "Kapisa", "Logar", "Panjshir", "Parwan", "Wardak"),
    "central_highlands": ("Bamyan", "Daykundi"),
}
REGION_OF = {p: r for r, ps in REGIONS.items() for p in ps}
assert sorted(REGION_OF) == sorted(PROVINCE_POP)

# Official border crossings and their share of customs revenue (model_choice_revenue_share): no
# per-crossing breakdown published before May 2021 was found, so the shares are rough classes by
# the crossings' known traffic - the four main ports 0.15 each, six secondary ports 0.05 each,
# three minor ones 0.01 each (0.93 in all; the rest is collected inland, e.g. at Kabul airport).
# Unverified; they only weigh crossings against each other (the weights of the revenue mechanism
# are calibrated). Keys: (province, dataset district name) of the district centre at the crossing.
BORDER_CROSSINGS = {
    ("Nangarhar", "Muhmand Dara"): 0.15,  # Torkham (Pakistan)
    ("Kandahar", "Spin Boldak"): 0.15,  # Wesh-Chaman (Pakistan)
    ("Herat", "Kohsan"): 0.15,  # Islam Qala (Iran)
    ("Balkh", "Kaldar"): 0.15,  # Hairatan (Uzbekistan)
    ("Herat", "Kushk"): 0.05,  # Torghundi (Turkmenistan)
    ("Kunduz", "Imam Sahib"): 0.05,  # Sher Khan Bandar (Tajikistan)
    ("Faryab", "Andkhoy"): 0.05,  # Aqina (Turkmenistan)
    ("Nimroz", "Zaranj"): 0.05,  # Milak / Silk Bridge (Iran)
    ("Farah", "Farah"): 0.05,  # Abu Nasr Farahi (Iran), through the provincial capital's district
    ("Khost", "Gurbuz"): 0.05,  # Ghulam Khan (Pakistan)
    ("Paktia", "Dand Wa Patan"): 0.01,  # Dand-e-Patan (Pakistan)
    ("Takhar", "Dashti Qala"): 0.01,  # Ai Khanum (Tajikistan)
    ("Badakhshan", "Ishkashim"): 0.01,  # Ishkashim bridge (Tajikistan)
}

# Capital: common English name and urban population (approx. NSIA urban figures), capped in
# build() so that at most 80 % of a province lives in its capital (Kabul and Zaranj are capped).
CAPITALS = {
    # province: (dataset name, English name, urban population)
    "Badakhshan": ("Fayzabad", "Fayzabad", 65_000),
    "Badghis": ("Qala-I-Naw", "Qala-e Naw", 64_000),
    "Baghlan": ("Puli Khumri", "Pul-e Khumri", 237_000),
    "Balkh": ("Mazar-e-Sharif", "Mazar-i-Sharif", 500_000),
    "Bamyan": ("Bamyan", "Bamyan", 75_000),
    "Daykundi": ("Nili", "Nili", 12_000),
    "Farah": ("Farah", "Farah", 60_000),
    "Faryab": ("Maymana", "Maymana", 150_000),
    "Ghazni": ("Ghazni City", "Ghazni", 190_000),
    "Ghor": ("Chaghcharan", "Chaghcharan", 35_000),
    "Helmand": ("Lashkargah", "Lashkar Gah", 200_000),
    "Herat": ("Herat", "Herat", 574_000),
    "Jowzjan": ("Shibirghan", "Sheberghan", 180_000),
    "Kabul": ("Kabul", "Kabul", 4_434_000),
    "Kandahar": ("Kandahar City", "Kandahar", 640_000),
    "Kapisa": ("Mahmud Raqi", "Mahmud-i-Raqi", 15_000),
    "Khost": ("Khost (Matoon)", "Khost", 130_000),
    "Kunar": ("Asadabad", "Asadabad", 35_000),
    "Kunduz": ("Kunduz", "Kunduz", 374_000),
    "Laghman": ("Mihtarlam", "Mehtar Lam", 40_000),
    "Logar": ("Pul-i-Alam", "Pul-e Alam", 27_000),
    "Nangarhar": ("Jalalabad", "Jalalabad", 263_000),
    "Nimroz": ("Zaranj", "Zaranj", 149_000),
    "Nuristan": ("Paroon", "Parun", 8_000),
    "Paktia": ("Gardez", "Gardez", 75_000),
    "Paktika": ("Sharan", "Sharana", 25_000),
    "Panjshir": ("Bazarak", "Bazarak", 15_000),
    "Parwan": ("Charikar", "Charikar", 120_000),
    "Samangan": ("Aybak", "Aybak", 55_000),
    "Sar-e Pul": ("Sar-e Pul", "Sar-e Pul", 70_000),
    "Takhar": ("Taluqan", "Taloqan", 260_000),
    "Uruzgan": ("Tarin Kowt", "Tarinkot", 50_000),
    "Wardak": ("Maydan Shahr", "Maidan Shahr", 35_000),
    "Zabul": ("Qalat", "Qalat", 36_000),
}

# Ruggedness base by province physiography class (model_choice_ruggedness).
RUG_BASE = {
    "Nimroz": 0.05,
    "Helmand": 0.15,
    "Kandahar": 0.20,
    "Farah": 0.25,
    "Jowzjan": 0.15,
    "Balkh": 0.20,
    "Kunduz": 0.10,
    "Herat": 0.30,
    "Faryab": 0.35,
    "Badghis": 0.50,
    "Zabul": 0.45,
    "Paktika": 0.50,
    "Ghazni": 0.50,
    "Logar": 0.50,
    "Khost": 0.50,
    "Kabul": 0.40,
    "Samangan": 0.55,
    "Sar-e Pul": 0.55,
    "Takhar": 0.50,
    "Baghlan": 0.60,
    "Laghman": 0.60,
    "Nangarhar": 0.50,
    "Kapisa": 0.60,
    "Parwan": 0.65,
    "Wardak": 0.65,
    "Paktia": 0.65,
    "Uruzgan": 0.65,
    "Kunar": 0.85,
    "Ghor": 0.85,
    "Daykundi": 0.85,
    "Bamyan": 0.85,
    "Panjshir": 0.90,
    "Badakhshan": 0.90,
    "Nuristan": 0.95,
}
# District overrides: known terrain contrasts inside a province.
RUG_OVERRIDE = {
    ("Helmand", "Baghran"): 0.55,
    ("Helmand", "Kajaki"): 0.50,
    ("Helmand", "Musa Qala"): 0.45,
    ("Helmand", "Nawzad"): 0.40,
    ("Helmand", "Washir"): 0.30,
    ("Kandahar", "Khakrez"): 0.50,
    ("Kandahar", "Ghorak"): 0.55,
    ("Kandahar", "Shah Wali Kot"): 0.50,
    ("Kandahar", "Naish"): 0.60,
    ("Kandahar", "Miyan Nasheen"): 0.50,
    ("Kandahar", "Reg"): 0.05,
    ("Kandahar", "Shorabak"): 0.10,
    ("Herat", "Chisht e Sharif"): 0.65,
    ("Herat", "Obe"): 0.60,
    ("Herat", "Farsi"): 0.65,
    ("Farah", "Pur Chaman"): 0.60,
    ("Farah", "Gulistan"): 0.55,
    ("Farah", "Shib Koh"): 0.35,
    ("Faryab", "Kohistan"): 0.70,
    ("Faryab", "Gurziwan"): 0.70,
    ("Faryab", "Bilchiragh"): 0.65,
    ("Faryab", "Pashtun Kot"): 0.50,
    ("Balkh", "Kishindih"): 0.60,
    ("Balkh", "Zari"): 0.65,
    ("Balkh", "Sholgara"): 0.55,
    ("Balkh", "Chimtal"): 0.45,
    ("Balkh", "Marmul"): 0.55,
    ("Jowzjan", "Darzab"): 0.60,
    ("Sar-e Pul", "Kohistanat"): 0.80,
    ("Sar-e Pul", "Balkhab"): 0.80,
    ("Sar-e Pul", "Sozma Qala"): 0.55,
    ("Takhar", "Warsaj"): 0.85,
    ("Takhar", "Farkhar"): 0.80,
    ("Takhar", "Chal"): 0.65,
    ("Takhar", "Kalafgan"): 0.60,
    ("Takhar", "Dashti Qala"): 0.20,
    ("Takhar", "Khwaja Ghar"): 0.20,
    ("Takhar", "Darqad"): 0.20,
    ("Takhar", "Yangi Qala"): 0.30,
    ("Baghlan", "Andarab"): 0.85,
    ("Baghlan", "Dih Salah"): 0.85,
    ("Baghlan", "Khost wa Feren"): 0.85,
    ("Baghlan", "Farang wa Ghar"): 0.85,
    ("Baghlan", "Puli Hisar"): 0.85,
    ("Baghlan", "Tala Wa Barfak"): 0.80,
    ("Baghlan", "Baghlan"): 0.25,
    ("Baghlan", "Baghlani Jadid"): 0.25,
    ("Nangarhar", "Achin"): 0.80,
    ("Nangarhar", "Dur Baba"): 0.80,
    ("Nangarhar", "Pachir Wa Agam"): 0.80,
    ("Nangarhar", "Khogyani"): 0.70,
    ("Nangarhar", "Sherzad"): 0.75,
    ("Nangarhar", "Hisarak"): 0.80,
    ("Nangarhar", "Nazyan"): 0.75,
    ("Nangarhar", "Dara-e-Noor"): 0.75,
    ("Kabul", "Surobi"): 0.65,
    ("Kabul", "Khaki Jabbar"): 0.65,
    ("Kabul", "Paghman"): 0.55,
    ("Ghazni", "Nawur"): 0.75,
    ("Ghazni", "Malistan"): 0.75,
    ("Ghazni", "Jaghuri"): 0.70,
    ("Ghazni", "Ajristan"): 0.75,
    ("Ghazni", "Waghaz"): 0.40,
    ("Ghazni", "Andar"): 0.35,
    ("Zabul", "Daychopan"): 0.70,
    ("Zabul", "Atghar"): 0.60,
    ("Zabul", "Naw Bahar"): 0.60,
    ("Paktika", "Barmal"): 0.70,
    ("Paktika", "Ziruk"): 0.70,
    ("Paktika", "Gomal"): 0.65,
    ("Paktika", "Nika"): 0.65,
    ("Paktika", "Dila"): 0.35,
    ("Wardak", "Markazi Bihsud"): 0.85,
    ("Wardak", "Hisa-I-Awali Bihsud"): 0.85,
    ("Wardak", "Jalrez"): 0.75,
    ("Bamyan", "Kahmard"): 0.75,
    ("Daykundi", "Gizab"): 0.70,
    ("Kunar", "Bar Kunar"): 0.80,
}

# Approximate Pashtun share of the province population (province_profiles_ethnicity)
PASHTUN = {
    "Badakhshan": 0.05,
    "Badghis": 0.35,
    "Baghlan": 0.25,
    "Balkh": 0.15,
    "Bamyan": 0.02,
    "Daykundi": 0.10,
    "Farah": 0.75,
    "Faryab": 0.15,
    "Ghazni": 0.50,
    "Ghor": 0.05,
    "Helmand": 0.90,
    "Herat": 0.25,
    "Jowzjan": 0.15,
    "Kabul": 0.30,
    "Kandahar": 0.95,
    "Kapisa": 0.35,
    "Khost": 0.98,
    "Kunar": 0.90,
    "Kunduz": 0.35,
    "Laghman": 0.60,
    "Logar": 0.60,
    "Nangarhar": 0.90,
    "Nimroz": 0.30,
    "Nuristan": 0.05,
    "Paktia": 0.95,
    "Paktika": 0.95,
    "Panjshir": 0.00,
    "Parwan": 0.10,
    "Samangan": 0.10,
    "Sar-e Pul": 0.15,
    "Takhar": 0.10,
    "Uruzgan": 0.80,
    "Wardak": 0.55,
    "Zabul": 0.98,
}
# Province-level Taliban pressure in the mid-April 2021 LWJ picture:
# 1 = most districts Taliban-controlled or contested, 0.5 = about half, 0 = few.
LWJ_LEVEL = {
    "Badakhshan": 0.5,
    "Badghis": 1.0,
    "Baghlan": 1.0,
    "Balkh": 0.5,
    "Bamyan": 0.0,
    "Daykundi": 0.5,
    "Farah": 1.0,
    "Faryab": 1.0,
    "Ghazni": 1.0,
    "Ghor": 0.5,
    "Helmand": 1.0,
    "Herat": 0.5,
    "Jowzjan": 1.0,
    "Kabul": 0.0,
    "Kandahar": 1.0,
    "Kapisa": 0.5,
    "Khost": 0.5,
    "Kunar": 0.5,
    "Kunduz": 1.0,
    "Laghman": 1.0,
    "Logar": 1.0,
    "Nangarhar": 0.5,
    "Nimroz": 0.5,
    "Nuristan": 1.0,
    "Paktia": 0.5,
    "Paktika": 1.0,
    "Panjshir": 0.0,
    "Parwan": 0.0,
    "Samangan": 0.5,
    "Sar-e Pul": 1.0,
    "Takhar": 0.5,
    "Uruzgan": 1.0,
    "Wardak": 1.0,
    "Zabul": 1.0,
}
# District overrides of affinity (known ethnic pockets and long-standing strongholds).
AFF_OVERRIDE = {
    # Hazara-majority districts in mixed provinces
    ("Ghazni", "Jaghuri"): 0.10,
    ("Ghazni", "Malistan"): 0.10,
    ("Ghazni", "Nawur"): 0.15,
    ("Ghazni", "Jeghatoo"): 0.35,
    ("Wardak", "Markazi Bihsud"): 0.10,
    ("Wardak", "Hisa-I-Awali Bihsud"): 0.12,
    ("Wardak", "Day Mirdad"): 0.35,
    ("Uruzgan", "Khas Uruzgan"): 0.50,
    ("Daykundi", "Gizab"): 0.65,
    ("Daykundi", "Kajran"): 0.55,
    ("Balkh", "Sholgara"): 0.35,
    # Tajik-majority mountain districts of Baghlan and the Salang approaches
    ("Baghlan", "Andarab"): 0.25,
    ("Baghlan", "Dih Salah"): 0.25,
    ("Baghlan", "Puli Hisar"): 0.30,
    ("Baghlan", "Khinjan"): 0.30,
    ("Baghlan", "Farang wa Ghar"): 0.40,
    ("Baghlan", "Tala Wa Barfak"): 0.35,
    ("Baghlan", "Khost wa Feren"): 0.45,
    ("Ghor", "Pasaband"): 0.50,
    ("Ghor", "Taywara"): 0.45,
    ("Ghor", "Shahrak"): 0.40,
    ("Samangan", "Dara-I-Sufi Payan"): 0.45,
    # Pashtun pockets and long-standing Taliban areas in the north and west
    ("Kunduz", "Chahar Dara"): 0.80,
    ("Kunduz", "Archi"): 0.75,
    ("Kunduz", "Imam Sahib"): 0.60,
    ("Kunduz", "Qalay-I-Zal"): 0.60,
    ("Kunduz", "Ali Abad"): 0.60,
    ("Baghlan", "Baghlani Jadid"): 0.75,
    ("Baghlan", "Dahana i Ghuri"): 0.75,
    ("Baghlan", "Burka"): 0.60,
    ("Badghis", "Ghormach"): 0.85,
    ("Badghis", "Murghab"): 0.75,
    ("Badghis", "Ab Kamari"): 0.55,
    ("Faryab", "Pashtun Kot"): 0.60,
    ("Faryab", "Qaysar"): 0.65,
    ("Faryab", "Almar"): 0.55,
    ("Faryab", "Kohistan"): 0.50,
    ("Faryab", "Gurziwan"): 0.50,
    ("Balkh", "Chimtal"): 0.60,
    ("Balkh", "Chahar Bolak"): 0.55,
    ("Balkh", "Zari"): 0.50,
    ("Jowzjan", "Darzab"): 0.65,
    ("Jowzjan", "Qush Tepa"): 0.65,
    ("Sar-e Pul", "Sayyad"): 0.60,
    ("Sar-e Pul", "Kohistanat"): 0.55,
    ("Herat", "Shindand"): 0.60,
    ("Herat", "Pashtun Zarghun"): 0.55,
    ("Herat", "Adraskan"): 0.55,
    ("Herat", "Farsi"): 0.50,
    ("Herat", "Gulran"): 0.45,
    ("Badakhshan", "Wurduj"): 0.65,
    ("Badakhshan", "Yamgan"): 0.65,
    ("Badakhshan", "Jurm"): 0.55,
    ("Badakhshan", "Kuran Wa Munjan"): 0.45,
    ("Badakhshan", "Tagab"): 0.50,
    ("Takhar", "Darqad"): 0.45,
    ("Takhar", "Khwaja Ghar"): 0.40,
    ("Takhar", "Dashti Qala"): 0.40,
    ("Kapisa", "Tagab"): 0.75,
    ("Kapisa", "Alasay"): 0.65,
    ("Parwan", "Shinwari"): 0.35,
    ("Parwan", "Sayed Khel"): 0.30,
    ("Kabul", "Surobi"): 0.60,
    ("Kabul", "Mussahi Bagrami"): 0.55,
    ("Kabul", "Chahar Asyab"): 0.50,
    ("Kabul", "Khaki Jabbar"): 0.50,
    ("Nimroz", "Khash Rod"): 0.75,
    ("Nimroz", "Chahar Burjak"): 0.55,
}

# District centres forced to `insurgent` at start: long-held by the Taliban and
# shown as Taliban-controlled on the mid-April 2021 LWJ map.
FORCED_INSURGENT = [
    ("Helmand", "Baghran"),
    ("Helmand", "Dishu"),
    ("Helmand", "Musa Qala"),
    # Jowzjan: taken in June 2017 and July 2019 (lwj_jowzjan_2017_06, lwj_jowzjan_2019_07)
    ("Jowzjan", "Darzab"),
    ("Jowzjan", "Qush Tepa"),
]

# Ring Road (Highway 1) as the chain of district points it passes (Kabul back to Kabul).
# District centres on it are never insurgent-held at start.
RING_POINTS = [
    ("Kabul", "Kabul"),
    ("Wardak", "Maydan Shahr"),
    ("Wardak", "Saydabad"),
    ("Ghazni", "Ghazni City"),
    ("Ghazni", "Qarabagh"),
    ("Ghazni", "Muqur"),
    ("Zabul", "Shah Joy"),
    ("Zabul", "Qalat"),
    ("Zabul", "Tarnak Wa Jaldak"),
    ("Kandahar", "Kandahar City"),
    ("Kandahar", "Zharai"),
    ("Kandahar", "Maywand"),
    ("Helmand", "Gerishk"),
    ("Helmand", "Washir"),
    ("Farah", "Bakwa"),
    ("Farah", "Bala Buluk"),
    ("Herat", "Shindand"),
    ("Herat", "Adraskan"),
    ("Herat", "Herat"),
    ("Herat", "Karukh"),
    ("Badghis", "Qala-I-Naw"),
    ("Badghis", "Muqur"),
    ("Badghis", "Murghab"),
    ("Badghis", "Ghormach"),
    ("Faryab", "Qaysar"),
    ("Faryab", "Almar"),
    ("Faryab", "Maymana"),
    ("Faryab", "Dawlat Abad"),
    ("Faryab", "Andkhoy"),
    ("Jowzjan", "Shibirghan"),
    ("Jowzjan", "Aqcha"),
    ("Balkh", "Balkh"),
    ("Balkh", "Mazar-e-Sharif"),
    ("Balkh", "Khulmi"),
    ("Samangan", "Aybak"),
    ("Baghlan", "Puli Khumri"),
    ("Baghlan", "Dushi"),
    ("Baghlan", "Khinjan"),
    ("Parwan", "Salang"),
    ("Parwan", "Jabal Saraj"),
    ("Parwan", "Charikar"),
    ("Kabul", "Qaarabagh"),
    ("Kabul", "Kabul"),
]

# Spread rule: at most this many insurgent-held district centres per province at start.
# (the cap is max(1, min(4, floor(0.35 x number of non-capital district points))))
MAX_HELD_PER_PROVINCE = 4
MAX_HELD_SHARE = 0.35

# English names for selected non-capital district points (dataset spelling -> common spelling)
DISTRICT_NAME_FIX = {
    ("Helmand", "Gerishk"): "Nahr-e Saraj (Gereshk)",
    ("Helmand", "Nawa-I-Barakzayi"): "Nawa-e Barakzai",
    ("Kabul", "Qaarabagh"): "Qarabagh",
    ("Kabul", "Mussahi Bagrami"): "Musayi",
    ("Herat", "Chisht e Sharif"): "Chisht-e Sharif",
    ("Nangarhar", "Muhmand Dara"): "Mohmand Dara (Torkham)",
    ("Herat", "Kohsan"): "Kohsan (Islam Qala)",
    ("Balkh", "Kaldar"): "Kaldar (Hairatan)",
    ("Kandahar", "Zharai"): "Zhari",
    ("Kandahar", "Panjwaye"): "Panjwayi",
}

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def slug(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = s.lower().replace("(", " ").replace(")", " ")
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return s


def haversine(lat1, lon1, lat2, lon2) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def clamp(x, lo=0.0, hi=1.0):
    return max(lo, min(hi, x))


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Integer apportionment of `total` proportional to weights (deterministic)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    base = [math.floor(x) for x in raw]
    rest = total - sum(base)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return base


def write_csv(out: Path, name: str, header: list[str], rows: list[dict]):
    """Write one table whole or not at all (a temporary file renamed over it)."""
    path = out / name
    tmp = path.with_name(f".{name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in header})
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------


def sigar_2017_flags() -> dict[str, int]:
    """1 for a location whose district the 15 October 2017 assessment did not count as government
    controlled or influenced (contested, or insurgent influence or control), else 0; a location
    without a match in the crosswalk counts 0. Reads raw/sigar_2017/ (README.md there)."""
    with (SIGAR_2017 / "districts_2017-10-15.csv").open(encoding="utf-8") as f:
        flag = {r["esoc_distid"]: int(r["not_govt"]) for r in csv.DictReader(f)}
    with (SIGAR_2017 / "crosswalk.csv").open(encoding="utf-8") as f:
        return {r["location_id"]: flag.get(r["esoc_distid"], 0) for r in csv.DictReader(f)}


def build(out: Path = HERE, within: str = "score", population: str = "corrected"):
    """Build every table into ``out``; ``within`` ("score" or "sigar2017") picks the contested and
    held centres inside a province (README.md, "Initial control"); ``population`` ("print" or
    "corrected") the province totals (README.md, "Population")."""
    flags = sigar_2017_flags() if within == "sigar2017" else {}
    corrected = population == "corrected"
    prov_pop = corrected_populations() if corrected else PROVINCE_POP
    with RAW.open(encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    assert len(raw) == 392, len(raw)

    # ---------------- locations: ids, names
    locs: list[dict] = []
    ids = set()
    for r in raw:
        prov, dist = r["province"], r["district"].strip()
        is_cap = r["is_capital"] == "1"
        if is_cap:
            assert CAPITALS[prov][0] == dist, (prov, dist)
            name = CAPITALS[prov][1]
        else:
            name = DISTRICT_NAME_FIX.get((prov, dist), dist)
        # id: <province>_<district>, district part from the English name of capitals
        dpart = name if is_cap else dist
        dpart = dpart.split("(")[0] if dist.startswith("Khost (") else dpart
        if (prov, dist) == ("Kabul", "Mussahi Bagrami"):
            dpart = "Musayi"
        if (prov, dist) == ("Kabul", "Qaarabagh"):
            dpart = "Qarabagh"
        if (prov, dist) == ("Helmand", "Gerishk"):
            dpart = "Nahr-e Saraj"
        lid = f"{slug(prov)}_{slug(dpart)}"
        assert lid not in ids, lid
        ids.add(lid)
        locs.append(
            dict(
                location_id=lid,
                name=name,
                name_in_dataset=dist,
                province=prov,
                kind="capital" if is_cap else "district",
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                raw_source=r["source"],
            )
        )
    by_key = {(l["province"], l["name_in_dataset"]): l for l in locs}
    for table in (
        RUG_OVERRIDE,
        AFF_OVERRIDE,
        dict.fromkeys(FORCED_INSURGENT),
        dict.fromkeys(RING_POINTS),
        DISTRICT_NAME_FIX,
    ):
        missing = [k for k in table if k not in by_key]
        assert not missing, f"override keys not in raw/districts.csv: {missing}"
    by_id = {l["location_id"]: l for l in locs}
    cap_of = {l["province"]: l for l in locs if l["kind"] == "capital"}
    assert len(cap_of) == 34

    def L(prov, dist):
        return by_key[(prov, dist)]["location_id"]

    # ---------------- ruggedness
    for l in locs:
        base = RUG_BASE[l["province"]]
        key = (l["province"], l["name_in_dataset"])
        if key in RUG_OVERRIDE:
            r = RUG_OVERRIDE[key]
        elif l["kind"] == "capital":
            r = base - 0.15  # capitals sit in valleys / on plains
        else:
            r = base
        l["ruggedness"] = round(clamp(r), 2)

    # ---------------- population
    for prov, ppop in prov_pop.items():
        cap = cap_of[prov]
        cpop = min(CAPITALS[prov][2], int(round(0.8 * ppop, -3)))
        cap["population"] = cpop
        dists = [l for l in locs if l["province"] == prov and l["kind"] == "district"]
        weights = [1.0 - 0.5 * d["ruggedness"] for d in dists]
        shares = largest_remainder(ppop - cpop, weights)
        for d, s in zip(dists, shares):
            d["population"] = s

    # ---------------- affinity
    for l in locs:
        prov = l["province"]
        base = clamp(0.10 + 0.35 * PASHTUN[prov] + 0.45 * LWJ_LEVEL[prov])
        key = (prov, l["name_in_dataset"])
        if l["kind"] == "capital":
            a = 0.6 * base
        elif key in AFF_OVERRIDE:
            a = AFF_OVERRIDE[key]
        else:
            a = base
        l["affinity_insurgent"] = round(clamp(a), 2)

    # ---------------- distance to own capital
    for l in locs:
        c = cap_of[l["province"]]
        l["d_cap"] = haversine(l["lat"], l["lon"], c["lat"], c["lon"])

    # ---------------- initial control
    n_ins = round(AAN_HELD_2021_05_01 * len(locs) / DISTRICTS_OFFICIAL)
    n_con = round(
        (LWJ_CONTESTED_2021_04 + LWJ_CONTROLLED_2021_04 - AAN_HELD_2021_05_01)
        * len(locs)
        / DISTRICTS_OFFICIAL
    )
    for l in locs:
        if l["kind"] == "capital":
            l["score"] = -1.0
        else:
            l["score"] = (
                l["affinity_insurgent"] ** 3
                * (0.5 + 0.5 * l["ruggedness"])
                * (0.3 + 0.7 * min(1.0, l["d_cap"] / 60.0))
            )
    forced = {L(p, d) for p, d in FORCED_INSURGENT}
    on_ring = {L(p, d) for p, d in RING_POINTS}
    ranked = sorted(
        (l for l in locs if l["kind"] == "district"),
        key=lambda l: (
            l["location_id"] not in forced,
            -flags.get(l["location_id"], 0),
            -l["score"],
            l["location_id"],
        ),
    )
    per_prov = defaultdict(int)
    n_dist = defaultdict(int)
    for l in ranked:
        n_dist[l["province"]] += 1
    cap_held = {
        p: max(1, min(MAX_HELD_PER_PROVINCE, math.floor(MAX_HELD_SHARE * n))) for p, n in n_dist.items()
    }
    held = set()
    for l in ranked:  # greedy pick of the insurgent-held centres
        if len(held) == n_ins:
            break
        if l["location_id"] in forced or (
            l["location_id"] not in on_ring and per_prov[l["province"]] < cap_held[l["province"]]
        ):
            held.add(l["location_id"])
            per_prov[l["province"]] += 1
    rest = [l for l in ranked if l["location_id"] not in held]
    for l in ranked:
        l["initial_control"] = "insurgent" if l["location_id"] in held else None
    # The contested centres, province by province: LWJ's April picture gives each province's level
    # of Taliban pressure (LWJ_LEVEL: the share of its districts contested or held), so each
    # province gets that share of the national count (largest remainder), and within a province
    # the highest-scoring centres are the contested ones. A global ranking by the score alone
    # let the affinity term override the province levels (a province at "about half" came out
    # all contested in the east and a sixth contested in the north-east).
    provs = sorted(n_dist)
    quota = dict(zip(provs, largest_remainder(n_ins + n_con, [LWJ_LEVEL[p] * n_dist[p] for p in provs])))
    con = set()
    for p in provs:
        room = max(min(quota[p], n_dist[p]) - per_prov[p], 0)
        con.update(l["location_id"] for l in [l for l in rest if l["province"] == p][:room])
    spare = [l for l in rest if l["location_id"] not in con and LWJ_LEVEL[l["province"]] > 0]
    while len(con) < n_con and spare:  # provinces whose held centres exceed their quota
        con.add(spare.pop(0)["location_id"])
    for l in rest:
        l["initial_control"] = "contested" if l["location_id"] in con else "government"
    for l in ranked:
        l["forced"] = l["location_id"] in forced
    for c in cap_of.values():
        c["initial_control"] = "government"
        c["forced"] = False

    # ---------------- airports & prisons
    airports = {
        ("Kabul", "Kabul"),
        ("Kandahar", "Kandahar City"),
        ("Herat", "Herat"),
        ("Balkh", "Mazar-e-Sharif"),
        ("Jowzjan", "Shibirghan"),
        ("Kunduz", "Kunduz"),
        ("Helmand", "Lashkargah"),
        ("Nangarhar", "Jalalabad"),
        ("Khost", "Khost (Matoon)"),
        ("Badakhshan", "Fayzabad"),
        ("Farah", "Farah"),
        ("Faryab", "Maymana"),
        ("Badghis", "Qala-I-Naw"),
        ("Ghor", "Chaghcharan"),
        ("Bamyan", "Bamyan"),
        ("Uruzgan", "Tarin Kowt"),
        ("Nimroz", "Zaranj"),
        ("Daykundi", "Nili"),
        ("Paktia", "Gardez"),
        ("Paktika", "Sharan"),
        ("Herat", "Shindand"),
        ("Parwan", "Bagram"),
    }
    prisons_extra = {("Parwan", "Bagram")}
    for l in locs:
        key = (l["province"], l["name_in_dataset"])
        l["has_airport"] = 1 if key in airports else 0
        l["has_prison"] = 1 if (l["kind"] == "capital" or key in prisons_extra) else 0

    # ---------------- value
    hubs = {
        "Kabul": 1.0,
        "Kandahar": 0.9,
        "Herat": 0.9,
        "Balkh": 0.9,
        "Nangarhar": 0.8,
        "Kunduz": 0.8,
        "Helmand": 0.8,
        "Paktia": 0.8,
        "Ghazni": 0.75,
    }
    max_cap_pop = max(c["population"] for c in cap_of.values() if c["province"] not in hubs)
    dpops = [l["population"] for l in locs if l["kind"] == "district"]
    max_dpop = max(dpops)
    strategic_district = {  # border crossings, main air base, dry port
        ("Kandahar", "Spin Boldak"),
        ("Herat", "Kohsan"),
        ("Nangarhar", "Muhmand Dara"),
        ("Balkh", "Kaldar"),
        ("Kunduz", "Imam Sahib"),
        ("Parwan", "Bagram"),
        ("Helmand", "Gerishk"),
        ("Parwan", "Salang"),
        ("Nimroz", "Chahar Burjak"),
    }
    for l in locs:
        if l["kind"] == "capital":
            p = l["province"]
            v = hubs.get(p, 0.55 + 0.15 * math.sqrt(l["population"] / max_cap_pop))
        else:
            v = 0.10 + 0.20 * math.sqrt(l["population"] / max_dpop)
            if (l["province"], l["name_in_dataset"]) in strategic_district:
                v += 0.10
        l["value"] = round(clamp(v), 3)

    # ---------------- sources per location
    for l in locs:
        s = [
            "barialay_districts",
            "model_choice_names",
            "nsia_pop_1400",
            "model_choice_population",
            "model_choice_ruggedness",
            "province_profiles_ethnicity",
            "lwj_map_2021_04",
            "model_choice_affinity",
            "aan_fallen_districts_2021",
            "model_choice_initial_control",
            "model_choice_value",
        ]
        if "NOAA" in l["raw_source"] or l["name_in_dataset"] == "Khwahan":
            s.insert(1, "noaa_isd_khwahan")
        if l["has_airport"]:
            s += ["airports_afg", "model_choice_airports"]
        if l["has_prison"]:
            s.append("model_choice_prisons")
        if l["location_id"] in ("jowzjan_sheberghan", "nimroz_zaranj"):
            s.append("seed_afp_2021_08_08")
        if l["province"] == "Jowzjan":  # province level raised to 1.0 on the 2019 LWJ count
            s.append("lwj_jowzjan_2019_07")
        if (l["province"], l["name_in_dataset"]) == ("Jowzjan", "Darzab"):
            s.append("lwj_jowzjan_2017_06")
        l["source"] = ";".join(dict.fromkeys(s))

    # ---------------- roads
    edges: dict[tuple[str, str], dict] = {}
    rank = {"highway": 3, "secondary": 2, "local": 1}

    def add_edge(a, b, cls, src):
        if a == b:
            return
        key = tuple(sorted((a, b)))
        if key in edges and rank[edges[key]["road_class"]] >= rank[cls]:
            return
        la, lb = by_id[a], by_id[b]
        gc = haversine(la["lat"], la["lon"], lb["lat"], lb["lon"])
        dist = gc * DETOUR[cls]
        if cls == "local":
            speed = SPEED["local"] / (1 + max(la["ruggedness"], lb["ruggedness"]))
        else:
            speed = SPEED[cls]
        edges[key] = dict(
            from_id=key[0],
            to_id=key[1],
            road_class=cls,
            distance_km=round(dist, 1),
            travel_days=round(max(MIN_TRAVEL_DAYS, dist / speed), 3),
            source=src,
        )

    def chain(cls, src, *pts):
        for (p1, d1), (p2, d2) in zip(pts, pts[1:]):
            add_edge(L(p1, d1), L(p2, d2), cls, src)

    HW = "ring_road_highway1;model_choice_road_distance;model_choice_travel_time"
    SP = "road_network_routes;model_choice_road_distance;model_choice_travel_time"
    ring = RING_POINTS
    gc_ring = sum(
        haversine(by_key[a]["lat"], by_key[a]["lon"], by_key[b]["lat"], by_key[b]["lon"])
        for a, b in zip(ring, ring[1:])
    )
    DETOUR["highway"] = round(RING_ROAD_KM / gc_ring, 3)
    DETOUR["secondary"] = round(DETOUR["highway"] * 1.4 / 1.3, 3)
    chain("highway", HW, *ring)
    spurs = [
        # Farah city spur of the Ring Road
        [("Farah", "Bala Buluk"), ("Farah", "Farah")],
        # Kabul - Jalalabad - Torkham
        [
            ("Kabul", "Kabul"),
            ("Kabul", "Surobi"),
            ("Laghman", "Qarghayi"),
            ("Nangarhar", "Surkh Rod"),
            ("Nangarhar", "Jalalabad"),
            ("Nangarhar", "Rodat"),
            ("Nangarhar", "Bati Kot"),
            ("Nangarhar", "Shinwar"),
            ("Nangarhar", "Muhmand Dara"),
        ],
        # Kandahar - Spin Boldak
        [("Kandahar", "Kandahar City"), ("Kandahar", "Daman"), ("Kandahar", "Spin Boldak")],
        # Delaram junction (Washir) - Zaranj, Route 606
        [("Helmand", "Washir"), ("Nimroz", "Khash Rod"), ("Nimroz", "Chakhansur"), ("Nimroz", "Zaranj")],
        # Gereshk - Lashkar Gah
        [("Helmand", "Gerishk"), ("Helmand", "Lashkargah")],
        # Kabul - Pul-e Alam - Gardez - Khost
        [
            ("Kabul", "Kabul"),
            ("Logar", "Mohammad Agha"),
            ("Logar", "Pul-i-Alam"),
            ("Paktia", "Gardez"),
            ("Khost", "Khost (Matoon)"),
        ],
        # Ghazni - Sharana
        [("Ghazni", "Ghazni City"), ("Paktika", "Sharan")],
        # Kandahar - Tarinkot
        [
            ("Kandahar", "Kandahar City"),
            ("Kandahar", "Arghandab"),
            ("Kandahar", "Shah Wali Kot"),
            ("Uruzgan", "Tarin Kowt"),
        ],
        # Pul-e Khumri - Kunduz - Taloqan - Fayzabad
        [
            ("Baghlan", "Puli Khumri"),
            ("Baghlan", "Baghlan"),
            ("Kunduz", "Ali Abad"),
            ("Kunduz", "Kunduz"),
            ("Kunduz", "Khan Abad"),
            ("Takhar", "Taluqan"),
            ("Takhar", "Kalafgan"),
            ("Badakhshan", "Kishim"),
            ("Badakhshan", "Argo"),
            ("Badakhshan", "Fayzabad"),
        ],
        # Kabul - Bamyan via Ghorband (from Charikar)
        [("Parwan", "Charikar"), ("Parwan", "Ghorband"), ("Bamyan", "Shibar"), ("Bamyan", "Bamyan")],
        # Herat - Islam Qala
        [("Herat", "Herat"), ("Herat", "Enjil"), ("Herat", "Kohsan")],
        # Mazar - Hairatan
        [("Balkh", "Mazar-e-Sharif"), ("Balkh", "Nahr-e-Shahi"), ("Balkh", "Kaldar")],
        # Jalalabad - Asadabad
        [
            ("Nangarhar", "Jalalabad"),
            ("Nangarhar", "Behsud"),
            ("Nangarhar", "Kuz Kunar (Khewa)"),
            ("Kunar", "Nurgal"),
            ("Kunar", "Chawkay"),
            ("Kunar", "Asadabad"),
        ],
        # Qarghayi junction - Mehtar Lam
        [("Laghman", "Qarghayi"), ("Laghman", "Mihtarlam")],
        # Sheberghan - Sar-e Pul
        [("Jowzjan", "Shibirghan"), ("Sar-e Pul", "Sar-e Pul")],
        # Charikar - Mahmud-i-Raqi; Jabal Saraj - Bazarak
        [("Parwan", "Charikar"), ("Kapisa", "Mahmud Raqi")],
        [("Parwan", "Jabal Saraj"), ("Panjshir", "Rokha"), ("Panjshir", "Bazarak")],
    ]
    for sp in spurs:
        chain("highway", SP, *sp)
    secondary = [
        # Herat - Chaghcharan (central route)
        [
            ("Herat", "Herat"),
            ("Herat", "Pashtun Zarghun"),
            ("Herat", "Obe"),
            ("Herat", "Chisht e Sharif"),
            ("Ghor", "Chaghcharan"),
        ],
        # Tarinkot - Nili
        [("Uruzgan", "Tarin Kowt"), ("Daykundi", "Gizab"), ("Daykundi", "Nili")],
    ]
    for sp in secondary:
        chain("secondary", SP, *sp)

    # local links: k nearest neighbours (great-circle)
    LOC_SRC = "barialay_districts;model_choice_road_distance;model_choice_travel_time"
    for a in locs:
        dd = sorted(
            (haversine(a["lat"], a["lon"], b["lat"], b["lon"]), b["location_id"]) for b in locs if b is not a
        )
        for _, bid in dd[:K_NEAREST]:
            add_edge(a["location_id"], bid, "local", LOC_SRC)

    # connectivity: join components by their closest pair of points
    def components():
        adj = defaultdict(set)
        for a, b in edges:
            adj[a].add(b)
            adj[b].add(a)
        seen, comps = set(), []
        for l in locs:
            s = l["location_id"]
            if s in seen:
                continue
            comp, stack = set(), [s]
            while stack:
                x = stack.pop()
                if x in comp:
                    continue
                comp.add(x)
                stack.extend(adj[x] - comp)
            seen |= comp
            comps.append(comp)
        return comps

    bridges = 0
    while True:
        comps = components()
        if len(comps) == 1:
            break
        comps.sort(key=len, reverse=True)
        main, other = comps[0], comps[1]
        best = min(
            (haversine(by_id[a]["lat"], by_id[a]["lon"], by_id[b]["lat"], by_id[b]["lon"]), a, b)
            for a in main
            for b in other
        )
        add_edge(best[1], best[2], "local", LOC_SRC)
        bridges += 1

    roads = sorted(edges.values(), key=lambda e: (e["from_id"], e["to_id"]))

    # ---------------- garrisons
    corps = {  # location -> (nominal, morale, supply_days)
        ("Kabul", "Kabul"): 30_000,  # 111th Capital Division, 201st Corps HQ, Kabul police
        ("Kandahar", "Kandahar City"): 12_000,  # 205th Corps
        ("Herat", "Herat"): 9_000,  # 207th Corps
        ("Balkh", "Mazar-e-Sharif"): 9_000,  # 209th Corps
        ("Paktia", "Gardez"): 8_000,  # 203rd Corps
        ("Helmand", "Lashkargah"): 9_000,  # 215th Corps
        ("Kunduz", "Kunduz"): 6_000,  # 217th Corps
    }
    garrisons = []
    for l in locs:
        key = (l["province"], l["name_in_dataset"])
        ctrl = l["initial_control"]
        if ctrl == "insurgent":
            continue
        src = ["sigar_qr_2021", "sigar_2016_ghost_soldiers", "model_choice_garrison"]
        if key in corps:
            typ, n, morale, supply = "army", corps[key], 0.65, 60
            src[:0] = ["ana_corps_laydown", "commando_reporting_2017"]
        elif l["kind"] == "capital":
            typ = "mixed"
            n = int(round((800 + 4 * math.sqrt(l["population"])) / 50) * 50)
            morale, supply = 0.6, 45
            if key == ("Nangarhar", "Jalalabad"):
                n += 2_000  # 201st Corps brigade
            if key in {
                ("Ghazni", "Ghazni City"),
                ("Uruzgan", "Tarin Kowt"),
                ("Zabul", "Qalat"),
                ("Faryab", "Maymana"),
                ("Farah", "Farah"),
                ("Badghis", "Qala-I-Naw"),
                ("Kunar", "Asadabad"),
                ("Paktika", "Sharan"),
                ("Khost", "Khost (Matoon)"),
            }:
                n += 1_000  # ANA brigade / kandak seats
        else:
            pop = l["population"]
            if ctrl == "government":
                typ = "police"
                n = int(round((150 + pop / 500) / 10) * 10)
                morale, supply = 0.6, 30
            else:
                typ = "police"
                n = int(round((60 + pop / 1200) / 10) * 10)
                morale, supply = 0.45, 20
            if key in {(p, d) for p, d in ring} and ctrl != "insurgent":
                typ = "mixed"  # ANA checkpoints along the Ring Road
                n += 100
            if l["ruggedness"] >= 0.7 or l["d_cap"] > 100:
                supply -= 10  # isolated
        q = {"army": 0.7, "police": 0.5, "mixed": 0.6, "commando": 1.2}[typ]
        garrisons.append(
            dict(
                location_id=l["location_id"],
                type=typ,
                personnel_nominal=n,
                quality=q,
                morale=morale,
                supply_days=max(10, supply),
                source=";".join(src),
            )
        )

    # ---------------- militias
    MS = "model_choice_militia"
    militia_spec = [
        # Dostum / Junbish - Jowzjan and Faryab
        ("Jowzjan", "Shibirghan", "dostum", 2000, 0.75, "seed_afp_2021_08_08;" + MS),
        ("Jowzjan", "Aqcha", "dostum", 300, 0.7, "seed_afp_2021_08_08;" + MS),
        ("Jowzjan", "Khwaja Du Koh", "dostum", 300, 0.7, "seed_afp_2021_08_08;" + MS),
        ("Jowzjan", "Mardyan", "dostum", 200, 0.7, "seed_afp_2021_08_08;" + MS),
        ("Jowzjan", "Mingajik", "dostum", 200, 0.7, "seed_afp_2021_08_08;" + MS),
        ("Jowzjan", "Qarqin", "dostum", 150, 0.7, "seed_afp_2021_08_08;" + MS),
        ("Jowzjan", "Khamyab", "dostum", 150, 0.7, "seed_afp_2021_08_08;" + MS),
        ("Jowzjan", "Fayzabad", "dostum", 200, 0.7, "seed_afp_2021_08_08;" + MS),
        ("Jowzjan", "Khaniqa", "dostum", 150, 0.7, "seed_afp_2021_08_08;" + MS),
        ("Faryab", "Maymana", "dostum", 1500, 0.65, "seed_afp_2021_08_08;" + MS),
        ("Faryab", "Andkhoy", "dostum", 300, 0.6, "seed_afp_2021_08_08;" + MS),
        ("Faryab", "Dawlat Abad", "dostum", 300, 0.6, "seed_afp_2021_08_08;" + MS),
        ("Faryab", "Shirin Tagab", "dostum", 250, 0.6, "seed_afp_2021_08_08;" + MS),
        ("Faryab", "Qaramqol", "dostum", 150, 0.6, "seed_afp_2021_08_08;" + MS),
        ("Faryab", "Khani Chahar Bagh", "dostum", 150, 0.6, "seed_afp_2021_08_08;" + MS),
        # Atta Mohammad Noor - Balkh
        ("Balkh", "Mazar-e-Sharif", "atta", 3000, 0.75, MS),
        ("Balkh", "Balkh", "atta", 300, 0.7, MS),
        ("Balkh", "Dihdadi", "atta", 300, 0.7, MS),
        ("Balkh", "Nahr-e-Shahi", "atta", 200, 0.7, MS),
        ("Balkh", "Khulmi", "atta", 200, 0.7, MS),
        ("Balkh", "Chahar Kint", "atta", 200, 0.65, MS),
        # Ismail Khan - Herat
        ("Herat", "Herat", "ismail_khan", 2500, 0.7, MS),
        ("Herat", "Enjil", "ismail_khan", 300, 0.7, MS),
        ("Herat", "Guzara", "ismail_khan", 300, 0.7, MS),
        ("Herat", "Karukh", "ismail_khan", 200, 0.65, MS),
        ("Herat", "Kohsan", "ismail_khan", 200, 0.65, MS),
        # public uprising forces in northern / western capitals
        ("Kunduz", "Kunduz", "uprising", 500, 0.5, "seed_afp_2021_08_08;" + MS),
        ("Takhar", "Taluqan", "uprising", 500, 0.5, "seed_afp_2021_08_08;" + MS),
        ("Baghlan", "Puli Khumri", "uprising", 400, 0.5, "seed_afp_2021_08_08;" + MS),
        ("Badakhshan", "Fayzabad", "uprising", 300, 0.5, "seed_afp_2021_08_08;" + MS),
        ("Sar-e Pul", "Sar-e Pul", "uprising", 400, 0.5, "seed_afp_2021_08_08;" + MS),
        ("Samangan", "Aybak", "uprising", 300, 0.5, "seed_afp_2021_08_08;" + MS),
        ("Badghis", "Qala-I-Naw", "uprising", 300, 0.5, "seed_afp_2021_08_08;" + MS),
        ("Ghor", "Chaghcharan", "uprising", 300, 0.5, "seed_afp_2021_08_08;" + MS),
    ]
    militias = []
    for prov, dist, patron, n, loy, src in militia_spec:
        lid = L(prov, dist)
        if by_id[lid]["initial_control"] == "insurgent":
            continue  # militias only where the government still holds the centre
        militias.append(dict(location_id=lid, patron=patron, personnel=n, loyalty=loy, source=src))

    # ---------------- insurgent units
    ins_locs = [l for l in locs if l["initial_control"] in ("insurgent", "contested")]
    ins_locs.sort(key=lambda l: l["location_id"])
    n_units = TALIBAN_FULL_TIME // UNIT_SIZE_NOMINAL
    w = [
        l["affinity_insurgent"]
        * math.sqrt(l["population"])
        * (1.5 if l["initial_control"] == "insurgent" else 1.0)
        * (NORTH_UNIT_WEIGHT if l["province"] in NORTH else 1.0)
        for l in ins_locs
    ]
    # Two stages. Each province with a contested or held centre first gets its floor of units
    # (the Taliban's provincial military commissions field full-time fighters in every province
    # they contest), then the rest are apportioned by weight over the province totals; within a
    # province units go to locations by weight.
    provs = sorted({l["province"] for l in ins_locs})
    pw = [sum(wi for l, wi in zip(ins_locs, w) if l["province"] == p) for p in provs]
    floor = {p: min(UNITS_PER_PROVINCE_MIN, sum(1 for l in ins_locs if l["province"] == p)) for p in provs}
    extra = largest_remainder(n_units - sum(floor.values()), pw)
    units_per = [0] * len(ins_locs)
    for p, e in zip(provs, extra):
        idx = [i for i, l in enumerate(ins_locs) if l["province"] == p]
        for i, k in zip(idx, largest_remainder(floor[p] + e, [w[i] for i in idx])):
            units_per[i] = k
    raw_units = []
    for l, k in zip(ins_locs, units_per):
        for j in range(k):
            raw_units.append((l, 200 + 200 * l["affinity_insurgent"]))
    scale = TALIBAN_FULL_TIME / sum(s for _, s in raw_units)
    sizes = [clamp(s * scale, UNIT_MIN, UNIT_MAX) for _, s in raw_units]
    ints = largest_remainder(TALIBAN_FULL_TIME, sizes)
    insurgents = []
    for i, ((l, _), s) in enumerate(zip(raw_units, ints), start=1):
        insurgents.append(
            dict(
                unit_id=f"tb_{i:03d}",
                location_id=l["location_id"],
                strength=s,
                morale=0.7,
                source="analyst_schroden_2021;un_mt_s_2021_486;model_choice_insurgent_units",
            )
        )

    # ---------------- insurgent pools
    pool_total = int(round(TALIBAN_PART_TIME_MAX * PART_TIME_ACTIVE_SHARE))
    wp = [l["affinity_insurgent"] * l["population"] for l in ins_locs]
    pool_n = largest_remainder(pool_total, wp)
    pools = [
        dict(
            location_id=l["location_id"],
            part_time=n,
            source="analyst_schroden_2021;model_choice_insurgent_pools",
        )
        for l, n in zip(ins_locs, pool_n)
    ]

    # ---------------- provinces
    provinces = [
        dict(
            province=p,
            capital_location_id=cap_of[p]["location_id"],
            population=prov_pop[p],
            region=REGION_OF[p],
            source=_pop_source(p, corrected) + ";barialay_districts;ocha_regions",
        )
        for p in sorted(PROVINCE_POP)
    ]

    # ---------------- write
    loc_header = [
        "location_id",
        "name",
        "name_in_dataset",
        "province",
        "kind",
        "lat",
        "lon",
        "population",
        "ruggedness",
        "affinity_insurgent",
        "has_airport",
        "has_prison",
        "initial_control",
        "value",
        "revenue_share",
        "source",
    ]
    found = set()
    for l in locs:
        key = (l["province"], l["name_in_dataset"])
        share = BORDER_CROSSINGS.get(key, 0.0)
        if share > 0:
            found.add(key)
            l["source"] += ";model_choice_revenue_share"
        l["revenue_share"] = f"{share:g}"
    assert found == set(BORDER_CROSSINGS), set(BORDER_CROSSINGS) - found
    for l in locs:
        l["lat"] = f"{l['lat']:.6f}"
        l["lon"] = f"{l['lon']:.6f}"
    sources = SOURCES
    if corrected:
        sources = [*sources, *POP_SOURCES]
        for l in locs:
            if l["province"] in POP_PRINT_WRONG:
                l["source"] += ";" + _pop_source(l["province"], True)
    if flags:
        sources = [*sources, SIGAR_SOURCE]
        for l in locs:
            if l["kind"] == "district":
                l["source"] += ";" + SIGAR_SOURCE[0]
    write_csv(
        out, "sources.csv", ["source_id", "citation"], [dict(source_id=s, citation=c) for s, c in sources]
    )
    write_csv(
        out, "provinces.csv", ["province", "capital_location_id", "population", "region", "source"], provinces
    )
    write_csv(out, "locations.csv", loc_header, locs)
    write_csv(
        out, "roads.csv", ["from_id", "to_id", "road_class", "distance_km", "travel_days", "source"], roads
    )
    write_csv(
        out,
        "garrisons.csv",
        ["location_id", "type", "personnel_nominal", "quality", "morale", "supply_days", "source"],
        garrisons,
    )
    write_csv(out, "militias.csv", ["location_id", "patron", "personnel", "loyalty", "source"], militias)
    write_csv(out, "insurgents.csv", ["unit_id", "location_id", "strength", "morale", "source"], insurgents)
    write_csv(out, "insurgent_pools.csv", ["location_id", "part_time", "source"], pools)

    return dict(
        locs=locs,
        by_id=by_id,
        provinces=provinces,
        roads=roads,
        garrisons=garrisons,
        militias=militias,
        insurgents=insurgents,
        pools=pools,
        bridges=bridges,
        ring=ring,
        n_ins=n_ins,
        n_con=n_con,
        detour=dict(DETOUR),
    )


# --------------------------------------------------------------------------
# checks (re-read the written files)
# --------------------------------------------------------------------------


def check(info, out: Path = HERE) -> int:
    errors = []
    tables = {}
    for name in TABLES:
        with (out / f"{name}.csv").open(encoding="utf-8") as f:
            tables[name] = list(csv.DictReader(f))
        print(f"{name + '.csv':22s} rows={len(tables[name])}")
    src_ids = {r["source_id"] for r in tables["sources"]}
    if len(src_ids) != len(tables["sources"]):
        errors.append("duplicate source ids")
    used = set()
    for name, rows in tables.items():
        if name == "sources":
            continue
        for r in rows:
            ids = [s for s in r["source"].split(";") if s]
            if not ids:
                errors.append(f"{name}: empty source")
            for s in ids:
                used.add(s)
                if s not in src_ids:
                    errors.append(f"{name}: unknown source id {s}")
    unused = src_ids - used
    locs = tables["locations"]
    loc_ids = {r["location_id"] for r in locs}
    if len(loc_ids) != len(locs):
        errors.append("duplicate location ids")
    for r in locs:
        if not re.fullmatch(r"[a-z0-9_]+", r["location_id"]):
            errors.append(f"bad id {r['location_id']}")
        for k in ("ruggedness", "affinity_insurgent", "value"):
            if not 0 <= float(r[k]) <= 1:
                errors.append(f"{k} out of range at {r['location_id']}")
        if r["kind"] == "capital" and r["initial_control"] != "government":
            errors.append(f"capital not government {r['location_id']}")
    for name, col in [
        ("provinces", "capital_location_id"),
        ("roads", "from_id"),
        ("roads", "to_id"),
        ("garrisons", "location_id"),
        ("militias", "location_id"),
        ("insurgents", "location_id"),
        ("insurgent_pools", "location_id"),
    ]:
        for r in tables[name]:
            if r[col] not in loc_ids:
                errors.append(f"{name}.{col}: unknown location {r[col]}")
    ctrl = {r["location_id"]: r["initial_control"] for r in locs}
    # garrisons: exactly the non-insurgent locations
    gids = [r["location_id"] for r in tables["garrisons"]]
    if len(gids) != len(set(gids)):
        errors.append("duplicate garrison rows")
    if set(gids) != {i for i, c in ctrl.items() if c != "insurgent"}:
        errors.append("garrison set != non-insurgent locations")
    for r in tables["garrisons"]:
        if (
            not 0.3 <= float(r["quality"]) <= 1.2
            or not 0 <= float(r["morale"]) <= 1
            or not 10 <= int(r["supply_days"]) <= 60
        ):
            errors.append(f"garrison values out of range at {r['location_id']}")
    for r in tables["militias"]:
        if ctrl[r["location_id"]] == "insurgent":
            errors.append(f"militia in insurgent location {r['location_id']}")
    for r in tables["insurgents"] + tables["insurgent_pools"]:
        if ctrl[r["location_id"]] == "government":
            errors.append(f"insurgents in government location {r['location_id']}")
    for r in tables["insurgents"]:
        if not UNIT_MIN <= int(r["strength"]) <= UNIT_MAX:
            errors.append(f"unit size out of range {r['unit_id']}")
    # roads
    seen = set()
    adj = defaultdict(list)
    for r in tables["roads"]:
        a, b = r["from_id"], r["to_id"]
        if a == b:
            errors.append(f"self loop {a}")
        key = tuple(sorted((a, b)))
        if key in seen:
            errors.append(f"duplicate edge {key}")
        seen.add(key)
        if float(r["travel_days"]) < MIN_TRAVEL_DAYS:
            errors.append("travel_days below minimum")
        adj[a].append((b, float(r["travel_days"]), float(r["distance_km"])))
        adj[b].append((a, float(r["travel_days"]), float(r["distance_km"])))
    # Dijkstra from Kabul (days)
    dist = {"kabul_kabul": 0.0}
    pq = [(0.0, "kabul_kabul")]
    while pq:
        d, u = heapq.heappop(pq)
        if d > dist.get(u, 1e18):
            continue
        for v, t, _ in adj[u]:
            nd = d + t
            if nd < dist.get(v, 1e18):
                dist[v] = nd
                heapq.heappush(pq, (nd, v))
    if len(dist) != len(loc_ids):
        errors.append(f"road graph not connected: {len(dist)} of {len(loc_ids)} reachable from Kabul")
    caps = [r for r in locs if r["kind"] == "capital"]
    unreach = [c["location_id"] for c in caps if c["location_id"] not in dist]
    if unreach:
        errors.append(f"capitals unreachable from Kabul: {unreach}")

    # ---- report
    def tot(rows, col):
        return sum(int(r[col]) for r in rows)

    cnt = defaultdict(int)
    for r in locs:
        cnt[r["initial_control"]] += 1
    cls = defaultdict(int)
    for r in tables["roads"]:
        cls[r["road_class"]] += 1
    print()
    print(f"province population total   : {tot(tables['provinces'], 'population'):,}")
    print(f"location population total   : {tot(locs, 'population'):,}")
    print(
        f"capitals / districts        : {sum(r['kind'] == 'capital' for r in locs)} / "
        f"{sum(r['kind'] == 'district' for r in locs)}"
    )
    print(
        f"initial_control counts      : {dict(sorted(cnt.items()))} "
        f"(targets: insurgent {info['n_ins']}, contested {info['n_con']})"
    )
    print(
        f"airports / prisons          : {sum(int(r['has_airport']) for r in locs)} / "
        f"{sum(int(r['has_prison']) for r in locs)}"
    )
    print(
        f"roads by class              : {dict(sorted(cls.items()))}; bridging links added: {info['bridges']}"
    )
    g = tables["garrisons"]
    gt = defaultdict(int)
    for r in g:
        gt[r["type"]] += int(r["personnel_nominal"])
    print(
        f"garrison nominal total      : {tot(g, 'personnel_nominal'):,} of 300,699 nominal; by type {dict(gt)}"
    )
    gc = defaultdict(int)
    for r in g:
        gc[
            ctrl[r["location_id"]]
            + "/"
            + next(x["kind"] for x in locs if x["location_id"] == r["location_id"])
        ] += int(r["personnel_nominal"])
    print(f"garrison nominal by ctrl/kind: {dict(gc)}")
    mt = defaultdict(int)
    for r in tables["militias"]:
        mt[r["patron"]] += int(r["personnel"])
    print(f"militia total               : {tot(tables['militias'], 'personnel'):,}; by patron {dict(mt)}")
    print(
        f"insurgent units / strength  : {len(tables['insurgents'])} / {tot(tables['insurgents'], 'strength'):,}"
    )
    print(f"insurgent part-time pool    : {tot(tables['insurgent_pools'], 'part_time'):,}")
    far = max((dist[c["location_id"]], c["location_id"]) for c in caps)
    print(f"slowest capital from Kabul  : {far[1]} {far[0]:.2f} days")
    ring = info["ring"]
    by_key = {(r["province"], r["name_in_dataset"]): r["location_id"] for r in locs}
    ring_km = 0.0
    rd = {tuple(sorted((r["from_id"], r["to_id"]))): float(r["distance_km"]) for r in tables["roads"]}
    for a, b in zip(ring, ring[1:]):
        ring_km += rd[tuple(sorted((by_key[a], by_key[b])))]
    print(
        f"Ring Road loop length       : {ring_km:,.0f} km (published ~2,200 km); detour factors {info['detour']}"
    )

    # shortest road distances (km) between a few city pairs, for sanity
    def sp_km(src, dst):
        dd = {src: 0.0}
        pq = [(0.0, src)]
        while pq:
            d, u = heapq.heappop(pq)
            if u == dst:
                return d
            if d > dd[u]:
                continue
            for v, _, km in adj[u]:
                if d + km < dd.get(v, 1e18):
                    dd[v] = d + km
                    heapq.heappush(pq, (d + km, v))
        return float("nan")

    for a, b in [
        ("kabul_kabul", "nangarhar_jalalabad"),
        ("kabul_kabul", "kandahar_kandahar"),
        ("kandahar_kandahar", "herat_herat"),
        ("kabul_kabul", "balkh_mazar_i_sharif"),
        ("herat_herat", "nimroz_zaranj"),
        ("jowzjan_sheberghan", "balkh_mazar_i_sharif"),
    ]:
        print(f"  road km {a} -> {b}: {sp_km(a, b):,.0f}")
    if unused:
        print(f"note: source ids not used by any row: {sorted(unused)}")
    if errors:
        print("\nERRORS:")
        for e in errors[:50]:
            print("  -", e)
        return 1
    print("\nall checks passed")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--within-province", choices=WITHIN_PROVINCE, default="score")
    ap.add_argument("--population", choices=POPULATIONS, default="corrected")
    ap.add_argument("--out", type=Path, default=HERE, help="folder for the tables (default: here)")
    a = ap.parse_args(argv)
    out = a.out.resolve()
    if out.exists() and not out.is_dir():
        ap.error(f"--out {a.out}: not a folder")
    if out != HERE and out.exists():
        ours = {f"{t}.csv" for t in TABLES} | {f".{t}.csv.tmp" for t in TABLES}
        foreign = sorted(p.name for p in out.iterdir() if p.name not in ours)
        if foreign:  # never overwrite or mix with what this script did not write
            ap.error(f"--out {a.out}: holds files this script did not write ({', '.join(foreign[:3])})")
    out.mkdir(parents=True, exist_ok=True)
    return check(build(out, a.within_province, a.population), out)


if __name__ == "__main__":
    sys.exit(main())
