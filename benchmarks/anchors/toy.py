"""One comparable toy step, written idiomatically in Mesa and in the project's kernel style.

The toy day (the shape of the 2021 step, without its detail): every unit scores the ``K`` nearest
locations of where it stands,

    U_j = value_j - W_DIST * days_ij - W_DEF * garrison_j / strength_u,

draws one from softmax(U) with a uniform keyed by (seed, day, unit) (``sim.kernels.rng``, the same
function in both versions, so the draw does not depend on agent order), moves there, and then
every location fights: with ``I_j`` the strength of the units now at j and ``g_j`` its garrison,
``g_j <- max(g_j - A I_j, 0)`` and each unit there keeps ``1 - B g_j / (g_j + I_j)`` of its
strength (yesterday's ``g_j``). Units read only yesterday's state, so the order agents act in
changes nothing but the summation order of ``I_j``: the two versions give the same totals to
1e-9 relative.

* :class:`MesaToy` is idiomatic Mesa 3: ``Location`` and ``Unit`` agents on a
  ``mesa.space.NetworkGrid``; a unit's ``choose`` reads its cell's neighbours table, its
  ``step`` moves it with ``grid.move_agent``; locations ``fight`` over the agents in their cell;
  the model calls ``agents_by_type[...].do(...)``.
* :class:`AgentpyToy` is idiomatic agentpy (optional: ``pip install agentpy``, the ``anchors``
  extra): ``ApLocation`` and ``ApUnit`` agents in ``ap.AgentList`` sequences on an
  ``ap.Network``; the list calls broadcast to every agent (``units.choose()``), units move with
  ``network.move_to`` and locations fight the agents of their ``AgentNode``.
* :func:`numba_day` is the project's style: the state in numpy arrays, one compiled function per
  pass, the candidate table precomputed.

Run by ``benchmarks/anchors/run.py``; ``tests/test_anchors.py`` holds the versions equal.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np
from numba import njit
from scipy.spatial import cKDTree

from sim.kernels.rng import uniform, uniform_py

K = 22  # candidates per location (the 2021 step scores about this many)
W_DIST, W_DEF, TEMP = 0.5, 0.002, 1.0
A, B = 0.01, 0.02
DRAW = 1


def make_world(n_loc: int, n_units: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Locations in the unit square, each with its K nearest others as candidates (distance in
    'days'), values and garrisons; units with a start location and a strength."""
    rng = np.random.default_rng(seed)
    xy = rng.random((n_loc, 2))
    d, idx = cKDTree(xy).query(xy, k=K + 1)  # the first is the location itself
    cand = np.ascontiguousarray(idx[:, 1:], np.int64)
    days = np.ascontiguousarray(d[:, 1:] * 10.0)
    return {
        "cand": cand,
        "days": days,
        "value": rng.random(n_loc),
        "garrison": rng.uniform(50.0, 500.0, n_loc),
        "uloc": rng.integers(0, n_loc, n_units),
        "strength": rng.uniform(20.0, 200.0, n_units),
    }


# ----------------------------------------------------------------------------- project style
@njit(cache=True)
def _choose_move(uloc, strength, cand, days, value, garrison, seed, day):
    score = np.empty(cand.shape[1])
    for u in range(len(uloc)):
        if strength[u] <= 0.0:
            continue
        here = uloc[u]
        best = -np.inf
        for k in range(cand.shape[1]):
            j = cand[here, k]
            sc = value[j] - W_DIST * days[here, k] - W_DEF * garrison[j] / strength[u]
            score[k] = sc
            if sc > best:
                best = sc
        total = 0.0
        for k in range(cand.shape[1]):
            score[k] = math.exp((score[k] - best) / TEMP)
            total += score[k]
        x = uniform(seed, day, DRAW, u) * total
        acc = 0.0
        pick = cand[here, cand.shape[1] - 1]
        for k in range(cand.shape[1]):
            acc += score[k]
            if x < acc:
                pick = cand[here, k]
                break
        uloc[u] = pick


@njit(cache=True)
def _fight(uloc, strength, garrison):
    ins = np.zeros(len(garrison))
    for u in range(len(uloc)):
        ins[uloc[u]] += strength[u]
    keep = np.ones(len(garrison))
    for j in range(len(garrison)):
        g = garrison[j]
        if ins[j] > 0.0:
            keep[j] = 1.0 - B * g / (g + ins[j])
            garrison[j] = max(g - A * ins[j], 0.0)
    for u in range(len(uloc)):
        strength[u] *= keep[uloc[u]]


@njit(cache=True)
def exp_floor(n_units: int, seed: int) -> float:
    """The transcendental floor of :func:`numba_day`: the ``K`` exponentials per unit of its
    softmax and nothing else (arguments in the same range, -1 .. 0; summed so the loop is not
    optimised away). :func:`numba_day` cannot run faster than this with libm's ``exp``; the
    benchmark times it beside the toy day."""
    s = 0.0
    for u in range(n_units):
        for k in range(K):
            s += math.exp(-(((u + seed) * 7 + k * 13) % 101) * 0.01)
    return s


def numba_day(w: dict[str, np.ndarray], seed: int, day: int) -> None:
    """One toy day on the arrays of ``w`` (changed in place)."""
    _choose_move(w["uloc"], w["strength"], w["cand"], w["days"], w["value"], w["garrison"], seed, day)
    _fight(w["uloc"], w["strength"], w["garrison"])


# ----------------------------------------------------------------------------- agent-based versions
def pick(cands: list, g: list[float], unit: object, seed: int, day: int) -> int:
    """The toy's choice for one unit object (``strength``, ``uid``) as the agent-based versions
    write it: score the candidates ``[(location agent, days), ...]`` against yesterday's
    garrisons ``g``, draw from softmax(U / TEMP) with the uniform keyed (seed, day, DRAW, uid),
    and return the chosen location's node."""
    scores = [loc.value - W_DIST * d - W_DEF * g[loc.node] / unit.strength for loc, d in cands]
    best = max(scores)
    weights = [math.exp((s - best) / TEMP) for s in scores]
    x = uniform_py(seed, day, DRAW, unit.uid) * sum(weights)
    acc = 0.0
    for (loc, _d), wgt in zip(cands, weights, strict=True):
        acc += wgt
        if x < acc:
            return loc.node
    return cands[-1][0].node


def fight(place: object, units: list) -> None:
    """The toy's fight at one location object (``garrison``) against the unit objects there, as
    the agent-based versions write it (yesterday's garrison sets the units' losses)."""
    if not units:
        return
    ins = sum(u.strength for u in units)
    g = place.garrison
    keep = 1.0 - B * g / (g + ins)
    place.garrison = max(g - A * ins, 0.0)
    for u in units:
        u.strength *= keep


# ----------------------------------------------------------------------------- idiomatic Mesa
class Location(mesa.Agent):
    """A place with a value and a garrison; it fights the units in its cell."""

    def __init__(self, model: MesaToy, node: int, value: float, garrison: float) -> None:
        super().__init__(model)
        self.node = node
        self.value = value
        self.garrison = garrison

    def fight(self) -> None:
        fight(self, [a for a in self.model.grid.get_cell_list_contents([self.node]) if isinstance(a, Unit)])


class Unit(mesa.Agent):
    """An insurgent unit: it scores the candidates of its location and moves to one."""

    def __init__(self, model: MesaToy, uid: int, strength: float) -> None:
        super().__init__(model)
        self.uid = uid
        self.strength = strength
        self.destination: int | None = None

    def choose(self) -> None:
        m = self.model
        self.destination = pick(m.candidates[self.pos], m.garrison_yesterday, self, m.seed_value, m.day)

    def move(self) -> None:
        self.model.grid.move_agent(self, self.destination)


class MesaToy(mesa.Model):
    """The toy world as a Mesa model on a network grid."""

    def __init__(self, w: dict[str, np.ndarray], seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.seed_value = seed
        self.day = 0
        n = len(w["value"])
        g = nx.Graph()
        g.add_nodes_from(range(n))
        self.grid = mesa.space.NetworkGrid(g)
        self.places = [Location(self, i, float(w["value"][i]), float(w["garrison"][i])) for i in range(n)]
        for loc in self.places:
            self.grid.place_agent(loc, loc.node)
        self.candidates = {
            i: [(self.places[int(j)], float(d)) for j, d in zip(w["cand"][i], w["days"][i], strict=True)]
            for i in range(n)
        }
        for uid, (loc, s) in enumerate(zip(w["uloc"], w["strength"], strict=True)):
            self.grid.place_agent(Unit(self, uid, float(s)), int(loc))
        self.garrison_yesterday = [loc.garrison for loc in self.places]

    def step(self) -> None:
        self.garrison_yesterday = [loc.garrison for loc in self.places]
        units = self.agents_by_type[Unit]
        units.shuffle_do("choose")
        units.do("move")
        self.agents_by_type[Location].do("fight")
        self.day += 1

    def totals(self) -> tuple[float, float]:
        return (
            float(sum(loc.garrison for loc in self.places)),
            float(sum(u.strength for u in self.agents_by_type[Unit])),
        )


# ----------------------------------------------------------------------------- idiomatic agentpy
try:
    import agentpy as ap
except ImportError:  # optional: the anchors extra
    ap = None


if ap is not None:

    class ApLocation(ap.Agent):
        """A place with a value and a garrison; it fights the units at its network node."""

        def setup(self, node: int = 0, value: float = 0.0, garrison: float = 0.0) -> None:
            self.node = node
            self.value = value
            self.garrison = garrison

        def fight(self) -> None:
            fight(self, [a for a in self.model.net.positions[self] if isinstance(a, ApUnit)])

    class ApUnit(ap.Agent):
        """An insurgent unit: it scores the candidates of its location and moves to one."""

        def setup(self, uid: int = 0, strength: float = 0.0, at: int = 0) -> None:
            self.uid = uid
            self.strength = strength
            self.at = at
            self.destination = at

        def choose(self) -> None:
            m = self.model
            self.destination = pick(m.candidates[self.at], m.garrison_yesterday, self, m.seed_value, m.day)

        def move(self) -> None:
            self.model.net.move_to(self, self.model.nodes[self.destination])
            self.at = self.destination

    class AgentpyToy(ap.Model):
        """The toy world as an agentpy model on a network (parameters ``world`` and ``seed``)."""

        def setup(self) -> None:
            w = self.p["world"]
            self.seed_value = int(self.p["seed"])
            self.day = 0
            n = len(w["value"])
            g = nx.Graph()
            g.add_nodes_from(range(n))
            self.net = ap.Network(self, g)
            self.nodes = sorted(self.net.nodes, key=lambda nd: nd.label)
            self.places = ap.AgentList(self, n, ApLocation)
            for i, loc in enumerate(self.places):
                loc.setup(node=i, value=float(w["value"][i]), garrison=float(w["garrison"][i]))
            self.net.add_agents(self.places, self.nodes)
            self.candidates = {
                i: [(self.places[int(j)], float(d)) for j, d in zip(w["cand"][i], w["days"][i], strict=True)]
                for i in range(n)
            }
            self.units = ap.AgentList(self, len(w["uloc"]), ApUnit)
            for uid, (u, loc, s) in enumerate(zip(self.units, w["uloc"], w["strength"], strict=True)):
                u.setup(uid=uid, strength=float(s), at=int(loc))
            self.net.add_agents(self.units, [self.nodes[int(loc)] for loc in w["uloc"]])
            self.garrison_yesterday = [loc.garrison for loc in self.places]

        def step(self) -> None:
            self.garrison_yesterday = [loc.garrison for loc in self.places]
            self.units.choose()
            self.units.move()
            self.places.fight()
            self.day += 1

        def totals(self) -> tuple[float, float]:
            return float(sum(loc.garrison for loc in self.places)), float(sum(u.strength for u in self.units))


def numba_totals(w: dict[str, np.ndarray]) -> tuple[float, float]:
    return float(w["garrison"].sum()), float(w["strength"].sum())
