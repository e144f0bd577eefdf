"""Match the project's 392 locations to the 398 districts of ``districts_2017-10-15.csv``.

Python 3.11, standard library only; deterministic. Writes ``crosswalk.csv``
(``location_id, esoc_distid, esoc_district, match``). Rule, per province:

1. a provincial capital takes the district flagged ``provincial_capital``;
2. ``MANUAL`` (below, each checked by hand against both names) where the fuzzy match is wrong or
   missing;
3. otherwise the closest name (``difflib``, letters only, cut-off 0.6) to the location's dataset
   name, then its English name;
4. no match: left out (``esoc_distid`` empty); the build then treats the location as not flagged.

    python3 make_crosswalk.py   # run from anywhere; reads ../../locations.csv
"""

from __future__ import annotations

import csv
import difflib
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCATIONS = HERE.parent.parent / "locations.csv"

# ESOC province spellings that differ from the project's
PROVINCE = {
    "Hilmand": "Helmand",
    "Hirat": "Herat",
    "Jawzjan": "Jowzjan",
    "Maydan Wardak": "Wardak",
    "Paktya": "Paktia",
    "Panjsher": "Panjshir",
    "Sari Pul": "Sar-e Pul",
}
# location_id -> ESOC district name, where the fuzzy match picks a neighbour or nothing
MANUAL = {
    "badakhshan_shekay": "Shaki",  # fuzzy: Tashkan
    "badakhshan_yamgan": "Yamgan (Girwan)",  # fuzzy: Yawan
    "badakhshan_tagab": "Tagab (Kishmi Bala)",
    "kabul_musayi": "Musayi",  # dataset name Mussahi Bagrami; fuzzy: Bagrami
    "ghazni_jeghatoo": "Bahrami Shahid (Jaghatu)",
    "kandahar_reg": "Registan",
    "khost_tirzayi_ali_sher": "Tere Zayi",
    "paktia_jaji": "Ali Khail (Jaji)",
    "panjshir_khenj": "Khenj (Hese- Awal)",
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def crosswalk() -> list[dict[str, str]]:
    """One row per location, in the order of locations.csv."""
    with (HERE / "districts_2017-10-15.csv").open(encoding="utf-8") as f:
        esoc = list(csv.DictReader(f))
    with LOCATIONS.open(encoding="utf-8") as f:
        locs = list(csv.DictReader(f))
    by_prov: dict[str, list[dict[str, str]]] = defaultdict(list)
    for d in esoc:
        by_prov[PROVINCE.get(d["province"], d["province"])].append(d)
    rows = []
    for loc in locs:
        cands = by_prov[loc["province"]]
        hit, how = None, ""
        if loc["kind"] == "capital":
            hit = next((d for d in cands if d["provincial_capital"] == "1"), None)
            how = "capital"
        elif loc["location_id"] in MANUAL:
            hit = next(d for d in cands if d["district"] == MANUAL[loc["location_id"]])
            how = "manual"
        else:
            names = {_key(d["district"]): d for d in cands}
            for n in (loc["name_in_dataset"], loc["name"]):
                best = difflib.get_close_matches(_key(n), list(names), 1, 0.6)
                if best:
                    hit, how = names[best[0]], "exact" if best[0] == _key(n) else "fuzzy"
                    break
        rows.append(
            {
                "location_id": loc["location_id"],
                "esoc_distid": hit["esoc_distid"] if hit else "",
                "esoc_district": hit["district"] if hit else "",
                "match": how or "none",
            }
        )
    return rows


def main() -> None:
    rows = crosswalk()
    with (HERE / "crosswalk.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    n = defaultdict(int)
    for r in rows:
        n[r["match"]] += 1
    print(dict(n))


if __name__ == "__main__":
    main()
