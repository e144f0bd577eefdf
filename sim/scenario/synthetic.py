"""A synthetic world generator: random but reproducible worlds of any size.

Locations sit on a jittered square lattice (spacing ``spacing_km``), linked to their right and
lower neighbours (so the graph is connected) plus a random diagonal in one cell of four. Every
``capital_every``-th block of locations is a province with a capital in its middle. Initial
control, garrisons, militias and insurgent units are drawn from ``world_seed`` with NumPy's
``default_rng`` (never the global state), so the same knobs always give the same world. The
tables have exactly the columns of the CSV tables and go through the same validation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.scenario.schema import SyntheticConfig

KM_PER_DEG = 111.0


def synthetic_tables(cfg: SyntheticConfig) -> dict[str, pd.DataFrame]:
    """Build the eight scenario tables for a synthetic world.

    Parameters
    ----------
    cfg : SyntheticConfig
        ``n_locations``, ``n_units``, ``capital_every``, ``spacing_km``, ``world_seed``.

    Returns
    -------
    dict of str to DataFrame
        Keys as :data:`sim.scenario.load.TABLE_SPECS`.
    """
    rng = np.random.default_rng(cfg.world_seed)
    n = int(cfg.n_locations)
    side = math.ceil(math.sqrt(n))
    spacing = min(cfg.spacing_km, 6000.0 / side)  # keep the lattice within -35..+20 deg lat
    idx = np.arange(n)
    gx, gy = idx % side, idx // side
    lat = -35.0 + (gy + rng.uniform(-0.3, 0.3, n)) * spacing / KM_PER_DEG
    lon = 40.0 + (gx + rng.uniform(-0.3, 0.3, n)) * spacing / KM_PER_DEG
    ids = _ids("L", n, 7)

    n_prov = math.ceil(n / cfg.capital_every)
    prov = idx // cfg.capital_every
    cap_idx = np.minimum(np.arange(n_prov) * cfg.capital_every + cfg.capital_every // 2, n - 1)
    # the last province may be short; its capital is its middle location
    last_start = (n_prov - 1) * cfg.capital_every
    cap_idx[-1] = last_start + (n - last_start) // 2
    is_cap = np.zeros(n, bool)
    is_cap[cap_idx] = True
    prov_names = _ids("P", n_prov, 6)

    population = np.where(is_cap, rng.uniform(5e4, 5e5, n), rng.uniform(5e3, 8e4, n)).round()
    rugged = rng.uniform(0.0, 1.0, n).round(3)
    affinity = rng.beta(2.0, 3.0, n).round(3)
    value = np.where(is_cap, 0.6, 0.1 + 0.2 * population / 8e4).round(3)
    value[cap_idx[0]] = 1.0
    u = rng.uniform(0.0, 1.0, n)
    control = np.where(u < 0.1, "insurgent", np.where(u < 0.4, "contested", "government"))
    control[is_cap] = "government"
    has_airport = is_cap & (rng.uniform(0, 1, n) < 0.5)
    has_airport[cap_idx[0]] = True

    locations = pd.DataFrame(
        {
            "location_id": ids,
            "name": ids,
            "province": prov_names[prov],
            "kind": np.where(is_cap, "capital", "district"),
            "lat": lat,
            "lon": lon,
            "population": population,
            "ruggedness": rugged,
            "affinity_insurgent": affinity,
            "has_airport": has_airport.astype(int),
            "has_prison": is_cap.astype(int),
            "initial_control": control,
            "value": value,
            "source": "synthetic",
        }
    )
    provinces = pd.DataFrame(
        {
            "province": prov_names,
            "capital_location_id": ids[cap_idx],
            "population": np.bincount(prov, weights=population, minlength=n_prov),
            "source": "synthetic",
        }
    )

    # Roads: lattice right/down neighbours plus some diagonals.
    right = idx[(gx < side - 1) & (idx + 1 < n)]
    down = idx[idx + side < n]
    diag = idx[(gx < side - 1) & (idx + side + 1 < n)]
    diag = diag[rng.uniform(0, 1, len(diag)) < 0.25]
    src = np.concatenate([right, down, diag])
    dst = np.concatenate([right + 1, down + side, diag + side + 1])
    dkm = _km(lat[src], lon[src], lat[dst], lon[dst]) * 1.3
    speed = 60.0 / (1.0 + np.maximum(rugged[src], rugged[dst]))
    roads = pd.DataFrame(
        {
            "from_id": ids[src],
            "to_id": ids[dst],
            "road_class": "local",
            "distance_km": dkm.round(3),
            "travel_days": np.maximum(dkm / speed, 0.05).round(3),
            "source": "synthetic",
        }
    )

    held = control != "insurgent"
    g_loc = idx[held]
    garrisons = pd.DataFrame(
        {
            "location_id": ids[g_loc],
            "type": np.where(is_cap[g_loc], "army", "police"),
            "personnel_nominal": np.where(
                is_cap[g_loc], rng.uniform(1000, 4000, len(g_loc)), rng.uniform(40, 300, len(g_loc))
            ).round(),
            "quality": np.where(is_cap[g_loc], 0.7, 0.5),
            "morale": np.where(control[g_loc] == "contested", 0.5, 0.6),
            "supply_days": rng.uniform(10, 60, len(g_loc)).round(1),
            "source": "synthetic",
        }
    )
    m_loc = g_loc[rng.uniform(0, 1, len(g_loc)) < 0.1]
    militias = pd.DataFrame(
        {
            "location_id": ids[m_loc],
            "patron": np.array(["patron_a", "patron_b", "patron_c"], dtype=object)[m_loc % 3],
            "personnel": rng.uniform(50, 800, len(m_loc)).round(),
            "loyalty": rng.uniform(0.4, 0.8, len(m_loc)).round(3),
            "source": "synthetic",
        }
    )
    ins_loc = idx[control != "government"]
    if len(ins_loc) == 0:
        ins_loc = idx[~is_cap] if (~is_cap).any() else idx
    k = int(cfg.n_units)
    at = ins_loc[rng.integers(0, len(ins_loc), k)] if k else np.zeros(0, np.int64)
    insurgents = pd.DataFrame(
        {
            "unit_id": _ids("U", k, 8),
            "location_id": ids[at],
            "strength": rng.uniform(50, 400, k).round(),
            "morale": np.full(k, 0.7),
            "source": "synthetic",
        }
    )
    p_loc = idx[control == "insurgent"]
    pools = pd.DataFrame(
        {
            "location_id": ids[p_loc],
            "part_time": rng.uniform(0, 200, len(p_loc)).round(),
            "source": "synthetic",
        }
    )
    sources = pd.DataFrame(
        {"source_id": ["synthetic"], "citation": [f"sim.scenario.synthetic, world_seed={cfg.world_seed}"]}
    )
    return {
        "sources": sources,
        "provinces": provinces,
        "locations": locations,
        "roads": roads,
        "garrisons": garrisons,
        "militias": militias,
        "insurgents": insurgents,
        "insurgent_pools": pools,
    }


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """Identifiers prefix + zero-padded number, as an object array (works for n = 0)."""
    return np.array([f"{prefix}{i:0{width}d}" for i in range(n)], dtype=object)


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (haversine, Earth radius 6371 km)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))
