"""Hard carbon by melt-quench-anneal molecular dynamics on LAMMPS.

Protocol (:class:`MeltQuenchProtocol`; metal units inside LAMMPS): start at
the target density in a fixed cubic cell, melt, quench, anneal (graphitise),
cool (with the AIREBO-LJ interlayer term below ``interlayer_below_K``),
minimise, optionally relax with the study's MLIP. All stages are NVT; every
random number comes from ``seed``. Default potential: REBO-II, 4000 K anneal
for 100 ps, chosen by measurement. :func:`content_hash` keys a cell by its
inputs so :func:`generate_melt_quench` returns a stored cell instead of
rerunning MD (:mod:`hcflow.structures.library`).

Details (protocol, references, screening figures): docs/structures.md.
"""

from __future__ import annotations

import math
import time

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from hcflow.errors import HcflowError
from hcflow.limits import (
    MAX_DENSITY_G_CM3,
    MAX_N_CARBON,
    MIN_DENSITY_G_CM3,
    MIN_MELTQUENCH_CELL_A,
    MIN_MELTQUENCH_N_CARBON,
)
from hcflow.structures.mq_protocol import (  # noqa: F401 - re-exported
    DEFAULT_POTENTIAL,
    METHOD,
    NOT_HASHED,
    REBO_ONLY,
    MeltQuenchProtocol,
    content_hash,
    parse_protocol,
)
from hcflow.units import cubic_cell_length_A


def check_inputs(n_carbon, density_g_cm3) -> tuple[int, float]:
    """Validated (n_carbon, density); one-line HcflowError naming the problem.

    Limits (:mod:`hcflow.limits`): density MIN_DENSITY_G_CM3-MAX_DENSITY_G_CM3,
    MIN_MELTQUENCH_N_CARBON-MAX_N_CARBON atoms, and a cubic cell at least
    MIN_MELTQUENCH_CELL_A wide.
    """
    if isinstance(n_carbon, bool) or int(n_carbon) != n_carbon:
        raise HcflowError(f"n_carbon must be an integer, got {n_carbon!r}")
    n = int(n_carbon)
    try:
        rho = float(density_g_cm3)
    except (TypeError, ValueError):
        raise HcflowError(f"density must be a number, got {density_g_cm3!r}") from None
    if not np.isfinite(rho) or not MIN_DENSITY_G_CM3 <= rho <= MAX_DENSITY_G_CM3:
        raise HcflowError(
            f"density must be between {MIN_DENSITY_G_CM3} and {MAX_DENSITY_G_CM3} "
            f"g/cm3, got {rho}"
        )
    if not MIN_MELTQUENCH_N_CARBON <= n <= MAX_N_CARBON:
        raise HcflowError(
            f"n_carbon must be between {MIN_MELTQUENCH_N_CARBON} and {MAX_N_CARBON}, "
            f"got {n}"
        )
    L = cubic_cell_length_A(n, rho)
    if L < MIN_MELTQUENCH_CELL_A:
        n_min = math.ceil(min_carbon_for(rho))
        raise HcflowError(
            f"too few atoms: {n} C at {rho} g/cm3 make a {L:.2f} A cell, below "
            f"{MIN_MELTQUENCH_CELL_A} A; use at least {n_min} C"
        )
    return n, rho


def min_carbon_for(density_g_cm3: float) -> float:
    """Fewest C atoms whose cubic cell at this density is MIN_MELTQUENCH_CELL_A wide."""
    return (MIN_MELTQUENCH_CELL_A / cubic_cell_length_A(1, density_g_cm3)) ** 3


def stored_cell(
    n_carbon: int,
    density_g_cm3: float,
    seed: int = 0,
    protocol: MeltQuenchProtocol | dict | None = None,
) -> Atoms | None:
    """The cell these inputs make if it is already stored (library or cache)."""
    from hcflow.structures import library

    p = parse_protocol(protocol)
    n, rho = check_inputs(n_carbon, density_g_cm3)
    return library.lookup(content_hash(n, rho, seed, p))


def initial_positions(
    n_carbon: int, L: float, start: str, rng: np.random.Generator
) -> np.ndarray:
    """Starting positions (n, 3) in an L-wide cubic cell."""
    if start == "lattice":
        m = math.ceil(n_carbon ** (1 / 3) - 1e-9)
        a = L / m
        g = (np.arange(m) + 0.5) * a
        sites = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
        pick = np.sort(rng.choice(len(sites), n_carbon, replace=False))
        pos = sites[pick] + rng.uniform(-0.1 * a, 0.1 * a, (n_carbon, 3))
        return np.mod(pos, L)
    dmin = min(1.4, 0.8 * (L**3 / n_carbon) ** (1 / 3))
    pos = np.empty((0, 3))
    for _ in range(1000):  # batches of candidates, kept greedily in draw order
        need = n_carbon - len(pos)
        if need <= 0:
            break
        cand = rng.uniform(0, L, (2 * need + 16, 3))
        if len(pos):
            cand = cand[cKDTree(pos, boxsize=L).query(cand)[0] >= dmin]
        near = cKDTree(cand, boxsize=L).query_ball_point(cand, dmin)
        kept = np.zeros(len(cand), bool)
        for i, nb in enumerate(near):
            if not any(kept[j] for j in nb if j < i):
                kept[i] = True
        pos = np.vstack([pos, cand[kept][:need]])
    if len(pos) < n_carbon:
        raise HcflowError(f"cannot place {n_carbon} C {dmin:.2f} A apart")
    return np.mod(pos, L)


def run_melt_quench(
    n_carbon: int,
    density_g_cm3: float,
    seed: int = 0,
    protocol: MeltQuenchProtocol | dict | None = None,
) -> Atoms:
    """Run the protocol in LAMMPS (no cache); see :func:`generate_melt_quench`."""
    from hcflow.structures.lammps_engine import (
        LammpsCarbon,
        checked_potential_dir,
        lammps_version,
    )

    p = parse_protocol(protocol)
    n, rho = check_inputs(n_carbon, density_g_cm3)
    for name in {p.potential, p.stage_potential("minimize")}:
        checked_potential_dir(name)  # a missing file fails before any MD
    L = cubic_cell_length_A(n, rho)
    rng = np.random.default_rng(seed)
    pos = initial_positions(n, L, p.start, rng)
    md_seeds = rng.integers(1, 2**31 - 1, 8)
    steps = p.stage_steps()
    t0 = time.perf_counter()
    t_m, t_a, t_f = (
        p.melt_temperature_K,
        p.anneal_temperature_K,
        p.final_temperature_K,
    )
    plan = [
        ("melt", t_m, t_m, steps["melt"], 1),
        ("quench", t_m, t_a, steps["quench"], 2),
        ("anneal", t_a, t_a, steps["anneal"], 3),
        *[(*seg, 4 if k == 0 else 6) for k, seg in enumerate(p.cool_segments())],
        ("final", t_f, t_f, steps["final"], 5),
    ]
    with LammpsCarbon(pos, [L, L, L], p.potential, p.timestep_fs, p.threads) as lc:
        lc.minimize("start", 200)
        lc.velocities(t_m, int(md_seeds[0]))
        for stage, t_start, t_stop, n_steps, k in plan:
            lc.set_potential(p.stage_potential(stage))
            lc.nvt(
                stage,
                t_start,
                t_stop,
                n_steps,
                int(md_seeds[k]),
                p.thermostat_damp_ps,
            )
        if p.minimize:
            lc.set_potential(p.stage_potential("minimize"))
            lc.minimize("minimize")
        final = np.round(np.mod(lc.positions(), L), 5)  # as stored (library)
        final[final >= L] = 0.0
        energy = lc.potential_energy()
        stages = lc.timings
    atoms = Atoms(["C"] * n, positions=final, cell=[L, L, L], pbc=True)
    atoms.info["hcflow"] = {
        "method": METHOD,
        "seed": int(seed),
        "density_g_cm3": rho,
        "n_carbon": n,
        "params": p.model_dump(),
        "content_hash": content_hash(n, rho, seed, p),
        "potential_reference": _reference(p),
        "lammps_version": lammps_version(),
        "md_ps": round(p.total_ps(), 3),
        "wall_s": round(time.perf_counter() - t0, 2),
        "stages": [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in s.items()}
            for s in stages
        ],
        "energy_eV_atom": energy / n,
    }
    return atoms


def _reference(p: MeltQuenchProtocol) -> str:
    from hcflow.structures.lammps_engine import get_potential

    ref = get_potential(p.potential).reference
    if p.interlayer != "none":
        ref += f"; interlayer ({p.interlayer}): {get_potential(p.interlayer).reference}"
    return ref


def generate_melt_quench(
    n_carbon: int,
    density_g_cm3: float,
    seed: int = 0,
    protocol: MeltQuenchProtocol | dict | None = None,
    cache: bool = True,
) -> Atoms:
    """A melt-quench-anneal hard-carbon cell, reused when already generated.

    Parameters
    ----------
    n_carbon
        Carbon atoms (32 to 100,000; the cubic cell must be >= 8 A wide:
        :func:`check_inputs`).
    density_g_cm3
        Carbon density, 0.3-3.0 g/cm3 (exact: the cell is sized for it by
        :func:`hcflow.units.cubic_cell_length_A`).
    seed
        Seed of every random choice (positions, velocities, thermostat).
    protocol
        :class:`MeltQuenchProtocol` or a dict of its fields (None: defaults).
    cache
        Look the cell up by :func:`content_hash` in the shipped library and the
        local cache (``hcflow.structures.library``) and store new cells there.

    Returns
    -------
    ase.Atoms
        Exactly ``n_carbon`` C in a cubic cell; ``info["hcflow"]`` records the
        method, protocol, content hash, LAMMPS version, stage timings and
        (``"source"``) whether it was generated, cached or from the library.
    """
    from hcflow.structures import library

    p = parse_protocol(protocol)
    n, rho = check_inputs(n_carbon, density_g_cm3)
    if cache:
        found = stored_cell(n, rho, seed, p)
        if found is not None:
            return found
    atoms = run_melt_quench(n, rho, seed, p)
    atoms.info["hcflow"]["source"] = "generated"
    if cache:
        library.store(atoms)
    return atoms
