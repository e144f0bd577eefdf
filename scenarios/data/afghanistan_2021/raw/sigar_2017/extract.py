"""Re-create ``districts_2017-10-15.csv`` from the public replication data it was copied from.

Source: github.com/Global-Policy-Lab/afghanistan-civil-conflict-and-labor-flows (Apache-2.0),
commit 0bf0c75c0cc59dc30ce85f5dfa686d22e724b3de: ``code/demo/data/covariates.rds`` (column
``notGovt``, the same in every year) joined on district id to ``code/demo/data/figS2.Rdata``
(object ``afghanShape``: province and district names of the 398-district ESOC geography).

Not run by the build or the tests (it needs ``pip install pyreadr rdata pandas`` and a checkout):

    python extract.py /path/to/checkout > districts_2017-10-15.csv
"""

from __future__ import annotations

import sys

import pandas as pd
import pyreadr
import rdata


def main(repo: str) -> None:
    """Write the 398-row table (esoc_distid, province, district, provincial_capital, not_govt)."""
    parsed = rdata.parser.parse_file(f"{repo}/code/demo/data/figS2.Rdata")
    shp = rdata.conversion.convert(parsed)["afghanShape"]
    shp = shp[["PROV_34_NA", "DIST_34_NA", "DISTID"]].copy()
    shp["DISTID"] = shp.DISTID.astype(float).astype(int)
    cov = pyreadr.read_r(f"{repo}/code/demo/data/covariates.rds")[None]
    cov = cov[cov.year == 2018][["distid", "notGovt", "provincialCapital"]].copy()
    cov["distid"] = cov.distid.astype(int)
    m = shp.merge(cov, left_on="DISTID", right_on="distid", validate="1:1")
    out = pd.DataFrame(
        {
            "esoc_distid": m.DISTID,
            "province": m.PROV_34_NA.str.strip(),
            "district": m.DIST_34_NA.str.strip(),
            "provincial_capital": m.provincialCapital.astype(int),
            "not_govt": m.notGovt.astype(int),
        }
    ).sort_values("esoc_distid")
    out.to_csv(sys.stdout, index=False, lineterminator="\n")


if __name__ == "__main__":
    main(sys.argv[1])
