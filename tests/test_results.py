"""The results store: atomic writes, merging, resume markers, headline table."""

import pandas as pd
import pytest

import sim
from sim.results import (
    headline_table,
    job_is_done,
    merge_sweep,
    open_sweep,
    write_failure,
    write_job,
    write_parquet,
)


class Boom(pd.DataFrame):
    def to_parquet(self, path, **kw):
        open(path, "wb").write(b"PAR1 half")
        raise KeyboardInterrupt  # Ctrl-C in the middle of a write


def test_interrupted_write_leaves_nothing(tmp_path):
    target = tmp_path / "runs.parquet"
    with pytest.raises(KeyboardInterrupt):
        write_parquet(Boom({"a": [1]}), target)
    assert list(tmp_path.iterdir()) == []


def test_jobs_merge_and_resume_marker(tmp_path):
    scen = sim.load_scenario("synthetic", ["synthetic.n_locations=30", "synthetic.n_units=40"])
    for job, n in enumerate([100, 900]):
        res = sim.run(scen, seed=job * 10, replicates=3)
        write_job(res, tmp_path / str(job), {"reserve.commandos": str(n)}, f"h{job}", job)
    write_failure(tmp_path / "2", {"reserve.commandos": "-1"}, 2, ValueError("bad"))
    (tmp_path / "3").mkdir()  # a job interrupted before it finished: ignored
    counts = merge_sweep(tmp_path)
    assert counts == {
        "jobs": 4,
        "done": 2,
        "failed": 1,
        "missing": 1,
        "damaged": 0,
        "rows": 6,
        "code_versions": 1,
    }
    assert job_is_done(tmp_path / "0", "h0") and not job_is_done(tmp_path / "0", "other")
    assert not job_is_done(tmp_path / "3", "h3")
    sw = open_sweep(tmp_path)
    assert sw.params == ["reserve.commandos"]
    assert sw.failures.error.tolist() == ["bad"]
    t = headline_table(sw.runs)
    assert t["reserve.commandos"].tolist() == [100, 900] and (t.replicates == 3).all()
    assert sw.sql("SELECT count(DISTINCT job) AS n FROM series").n[0] == 2


def test_headline_table_prints_swept_dates_as_dates():
    """A swept date (model.withdrawal.end, read back from Parquet as datetime64) is shown as
    the date, in date order, not as pandas' integer timestamp (the demo printed 1630368000000000)."""
    d = pd.to_datetime(["2021-12-31", "2021-08-31", "2021-12-31", "2021-08-31"]).astype("datetime64[us]")
    runs = pd.DataFrame(
        {
            "job": [0, 1, 0, 1],
            "model.withdrawal.end": d,
            "replicate": [0, 0, 1, 1],
            "capitals_fallen_by_report": [2, 30, 3, 34],
            "hub_fell_date": pd.to_datetime([None, "2021-08-10", None, "2021-08-12"]),
            "report_date": pd.to_datetime(["2021-08-15"] * 4),
        }
    )
    t = headline_table(runs)
    assert t["model.withdrawal.end"].tolist() == ["2021-08-31", "2021-12-31"]
    assert t["hub_fell_date"].tolist()[1] == "held"


def test_headline_table_prints_whole_counts_without_a_decimal_point():
    """A count the schema types as a float (reserve.commandos: the demo printed 4000.0) shows as
    4000; a fraction keeps its decimals."""
    runs = pd.DataFrame(
        {
            "job": [0, 1, 0, 1],
            "reserve.commandos": [4000.0, 12000.0, 4000.0, 12000.0],
            "forces.present_fraction": [0.5, 1.0, 0.5, 1.0],
            "replicate": [0, 0, 1, 1],
            "capitals_fallen_by_report": [2, 30, 3, 34],
            "hub_fell_date": pd.to_datetime([None, "2021-08-10", None, "2021-08-12"]),
            "report_date": pd.to_datetime(["2021-08-15"] * 4),
        }
    )
    t = headline_table(runs)
    assert t["reserve.commandos"].tolist() == [4000, 12000]
    assert "4000.0" not in t.to_string() and "4000" in t.to_string()
    assert t["forces.present_fraction"].tolist() == [0.5, 1.0]
