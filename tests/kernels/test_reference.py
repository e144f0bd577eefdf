"""Results do not change: runs equal the stored outputs of commit 8043d70 (``reference/``).

A calibrated posterior is shipped for the model as it was, so kernel work (unit ordering, packed
arguments, fused loops) must leave every state array bit-identical for the same seeds, on both
backends. The one exception is a global sum over insurgent units: with units stored in (location,
unit id) order, the day's insurgent casualties (``acc`` column ``ins_casualties``) and the
insurgents present in the side series (``ins_present``) add the same numbers in another order, so
they may differ in the last bits (relative 1e-12 allowed; nothing in the model reads them back).
The 2021 case reads the scenario's tables as they were at 8043d70 (``reference/``, four CSV
files): the builder has since changed the inputs, which is not a change of the model.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.kernels import codes as C
from sim.kernels.step import SIDE_LABELS

sys.path.insert(0, str(Path(__file__).resolve().parent / "reference"))
from make_reference import CASES, HERE, run_case, scenarios_with_frozen_tables

#: (array, column) pairs that are global sums over units, whose order of addition may change
ORDER_DEPENDENT = {("acc", C.ACC_INS_CASUALTIES), ("state.acc", C.ACC_INS_CASUALTIES)}
ORDER_DEPENDENT.add(("side", SIDE_LABELS.index("ins_present")))


def _compare(name: str, got: dict, ref) -> None:
    keys = sorted(k for k in ref.files if k != "commit")
    assert sorted(got) == keys, f"{name}: outputs differ in kind"
    for k in keys:
        a, b = got[k], ref[k]
        assert a.shape == b.shape and a.dtype == b.dtype, (
            f"{name}: {k} {a.shape} {a.dtype} != {b.shape} {b.dtype}"
        )
        cols = [c for (kk, c) in ORDER_DEPENDENT if kk == k]
        if cols:
            rest = np.delete(a, cols, axis=-1), np.delete(b, cols, axis=-1)
            np.testing.assert_array_equal(*rest, err_msg=f"{name}: {k}")
            np.testing.assert_allclose(a[..., cols], b[..., cols], rtol=1e-12, atol=0, err_msg=f"{name}: {k}")
        else:
            np.testing.assert_array_equal(a, b, err_msg=f"{name}: {k}")


@pytest.mark.parametrize("name", list(CASES))
def test_outputs_equal_the_reference(name):
    with np.load(HERE / f"{name}.npz") as ref:
        _compare(name, run_case(name), ref)


def test_ensemble_in_segments_equals_the_reference():
    """The particle filter's path: an Ensemble stepped in segments, two worker threads."""
    from sim.engine import Ensemble
    from sim.world import param_table

    scen_name, overrides, seeds, _days, draws, _backend = CASES["afghanistan_2021"]
    with scenarios_with_frozen_tables(scen_name):
        scen = sim.load_scenario(scen_name, list(overrides))
    ens = Ensemble(
        scen, param_table(scen, len(seeds), draws), np.asarray(seeds), parallel=2, record_control=True
    )
    for day in (1, 30, 77, scen.horizon_days):
        ens.advance(day)
    with np.load(HERE / "afghanistan_2021.npz") as ref:
        for f in ens.blocks[0]["st"]._fields:
            if f != "acc":
                np.testing.assert_array_equal(ens.field(f), ref[f"state.{f}"], err_msg=f)
        np.testing.assert_allclose(ens.field("acc"), ref["state.acc"], rtol=1e-12, atol=0)
        np.testing.assert_array_equal(ens.control(), ref["loc_ctrl"])
