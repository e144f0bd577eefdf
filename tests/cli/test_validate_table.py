"""The whole-record table of ``conflict-sim-validate`` gives the verdict of its largest ensemble."""

from __future__ import annotations

from sim.cli.validate import _coverage_table


def _cov(p98: float) -> dict[str, float]:
    out = {}
    for k, p in (("outside90", 0.4), ("outside98", p98), ("surprise", 0.8)):
        out |= {f"{k}_observed": 4.0, f"{k}_runs_median": 1.0, f"{k}_runs_q90": 3.0, f"{k}_p": p}
    return out


def test_verdict_reads_the_larger_ensemble():
    # 300 runs put the record inside the far-miss region, 3,000 just outside (the 2021 posterior)
    t = _coverage_table({3000: _cov(0.056), 300: _cov(0.14)})
    far = t[t["test quantity T"].str.contains("far misses")]
    assert list(far["runs"]) == [300, 3000]
    assert list(far["record inside the 90 % region"]) == ["(see the larger ensemble)", "no"]
    assert set(t[t["runs"] == 3000]["record inside the 90 % region"]) == {"yes", "no"}
    one = _coverage_table({300: _cov(0.14)})  # one ensemble: its own verdict
    assert list(one["record inside the 90 % region"]) == ["yes", "yes", "yes"]
