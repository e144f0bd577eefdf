"""Reference outputs of the model at commit 8043d70, kept to prove that later kernel work changes
no result (``tests/kernels/test_reference.py``).

A shipped posterior is calibrated against the model as it was, so every state array of these runs
must stay bit-identical for the same seeds, on both backends. Regenerate only for a deliberate
change of the model's semantics, from the tree whose results are the new reference::

    PYTHONPATH=/path/to/that/tree python tests/kernels/reference/make_reference.py

It uses only APIs that both trees share (``build_static``, ``param_table``, ``initial_state``,
``sim.kernels.step.run_batch_serial_nb`` with the arguments ``(st, S, ptab, seeds, t0, t1, side,
acc, loc_ctrl, loc_gov, loc_morale, loc_ins)``, ``ConflictModel(backend="python")``).

Stored per case (``<case>.npz``): every field of the final :class:`~sim.world.State` (all
replicates), the per-day side series and accounting, the per-day control of every location, and
SHA-256 digests of the per-day garrison, morale and insurgent series of each replicate.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
COMMIT = "8043d70"

MECHANISMS = (
    "model.negotiation.enabled=true",
    "model.campaign.enabled=true",
    "model.revenue.enabled=true",
    "model.collapse.enabled=true",
)
SIEGE = ("model.movement.besiege_isolated=true", "model.movement.w_siege=0.5")

#: The 2021 values at 8043d70 that the calibration has since replaced (the schema defaults then for
#: the mechanisms' parameters), and no posterior draws.
PINNED_2021 = (
    "posterior.samples=",
    "forces.present_fraction=0.85",
    "forces.pool_scale=0.45",
    "model.combat.air_support=6.0",
    "model.combat.beta_ins=0.005",
    "model.morale.b0=-2.3",
    "model.morale.b_support=6.5",
    "model.morale.news_capital_weight=2.0",
    "model.negotiation.n0=-6.0",
    "model.negotiation.capital=-2.0",
    "model.negotiation.province_lost=2.0",
    "model.negotiation.affinity=2.0",
    "model.negotiation.logistics=2.0",
    "model.negotiation.ratio=0.5",
    "model.campaign.w_focus=1.0",
    "model.campaign.capitals_day=92",
    "model.campaign.outside_tempo=1.0",  # not in the model at 8043d70 (1 = no effect)
    "model.campaign.redeploy=0.0",  # not in the model at 8043d70 (0 = no effect)
    "model.revenue.b_revenue=2.0",
    "model.collapse.k0=-12.0",
)

#: name -> (scenario, overrides, seeds, days, parameter draws per replicate or None, backend)
CASES: dict[str, tuple] = {
    # the 2021 scenario as configured at 8043d70 (its values pinned here, so the shipped posterior
    # and its medians do not move the reference), replicates with their own parameters (as
    # posterior draws give them), the full horizon
    "afghanistan_2021": (
        "afghanistan_2021",
        PINNED_2021,
        (0, 1, 2, 3),
        None,
        [{}, {}, {"model.morale.b0": 0.6, "model.movement.w_value": 3.5}, {"model.morale.b0": 1.0}],
        "numba",
    ),
    # a synthetic world with every mechanism on, ten units per location, sieges allowed
    "synthetic_mechanisms": (
        "synthetic",
        (
            "synthetic.n_locations=300",
            "synthetic.n_units=3000",
            "synthetic.world_seed=4",
            *MECHANISMS,
            *SIEGE,
        ),
        (7, 8),
        None,
        None,
        "numba",
    ),
    # the Python reference (Mesa agents' own rules) on a smaller such world
    "synthetic_python": (
        "synthetic",
        ("synthetic.n_locations=80", "synthetic.n_units=400", *MECHANISMS, *SIEGE),
        (3,),
        None,
        None,
        "python",
    ),
}


def digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


#: The 2021 tables the reference was made with (commit 8043d70). The scenario's builder has since
#: changed which districts start contested (initial control apportioned by province), a change of
#: inputs, not of the model: the 2021 case reads these, so it still proves the kernels unchanged.
FROZEN_2021 = HERE / "afghanistan_2021_tables_8043d70.tar.gz"


@contextlib.contextmanager
def scenarios_with_frozen_tables(name: str) -> Iterator[None]:
    """For the 2021 case, a temporary copy of the scenarios directory holding the frozen tables
    (``CONFLICT_SIM_SCENARIOS`` points at it while the case runs); for the others, nothing."""
    if name != "afghanistan_2021" or not FROZEN_2021.is_file():
        yield
        return
    from sim.scenario import scenarios_dir

    old = os.environ.get("CONFLICT_SIM_SCENARIOS")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "scenarios"
        shutil.copytree(scenarios_dir(), root)
        with tarfile.open(FROZEN_2021) as tar:
            for member in tar.getmembers():  # four plain CSV files, written by name
                f = tar.extractfile(member)
                assert f is not None and "/" not in member.name and member.name.endswith(".csv")
                (root / "data" / "afghanistan_2021" / member.name).write_bytes(f.read())
        os.environ["CONFLICT_SIM_SCENARIOS"] = str(root)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("CONFLICT_SIM_SCENARIOS", None)
            else:
                os.environ["CONFLICT_SIM_SCENARIOS"] = old


def run_case(name: str) -> dict[str, np.ndarray]:
    """Run case ``name`` with the ``sim`` on the path; every output as a flat dict of arrays."""
    with scenarios_with_frozen_tables(name):
        return _run_case(name)


def _run_case(name: str) -> dict[str, np.ndarray]:
    import sim
    from sim.kernels import codes as C
    from sim.kernels.step import N_SIDE
    from sim.world import build_static, initial_state, param_table

    scen_name, overrides, seeds, days, draws, backend = CASES[name]
    scen = sim.load_scenario(scen_name, list(overrides))
    T = int(days or scen.horizon_days)
    seeds = np.asarray(seeds, np.int64)
    R, N = len(seeds), scen.n_locations
    if backend == "python":
        assert R == 1 and draws is None
        m = sim.ConflictModel(scen, backend="python", seed=int(seeds[0]), draw="point").run(T)
        st = m.state
        side, acc = m._side, m._acc
        lc, lg, lm, li = m._loc_ctrl, m._loc_gov, m._loc_morale, m._loc_ins
    else:
        try:  # the batch entry point: sim.engine.run_batch since issue 18, a jitted kernel before
            from sim.engine import run_batch as run_batch_serial_nb
        except ImportError:
            from sim.kernels.step import run_batch_serial_nb

        S = build_static(scen)
        ptab = param_table(scen, R, draws)
        st = initial_state(scen, R, ptab=ptab)
        side, acc = np.zeros((R, T + 1, N_SIDE)), np.zeros((R, T + 1, C.N_ACC))
        lc = np.zeros((R, T + 1, N), np.int8)
        lg, lm, li = np.zeros((R, T + 1, N)), np.zeros((R, T + 1, N)), np.zeros((R, T + 1, N))
        run_batch_serial_nb(st, S, ptab, seeds, 0, T, side, acc, lc, lg, lm, li)
    out = {f"state.{f}": np.asarray(a).copy() for f, a in zip(st._fields, st, strict=True)}
    out.update({"side": side.copy(), "acc": acc.copy(), "loc_ctrl": lc.copy()})
    for label, a in (("loc_gov", lg), ("loc_morale", lm), ("loc_ins", li)):
        out[f"sha256.{label}"] = np.array([digest(a[r]) for r in range(R)])
    return out


def main() -> int:
    import sim

    print(f"writing reference outputs of {sim.__file__}")
    for name in CASES:
        out = run_case(name)
        np.savez_compressed(HERE / f"{name}.npz", commit=np.array(COMMIT), **out)
        print(f"  {name}.npz: {(HERE / f'{name}.npz').stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
