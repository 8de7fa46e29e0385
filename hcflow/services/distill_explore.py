"""Configurations of a distillation and their labels (:mod:`hcflow.services.distill`).

**sample** hard-carbon-like and melt-quench Na/C cells; **explore** them with
short Langevin MD (on the teacher, or on a cheap ``explore_with`` potential)
plus perturbed and close-contact copies, and the reference cells of
:mod:`hcflow.structures.training_cells` as they are; **label** every
configuration with the teacher through the on-disk
:class:`~hcflow.services.distill_label.LabelCache`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hcflow.errors import HcflowError
from hcflow.services.distill_config import DistillConfig
from hcflow.services.distill_label import LabelCache


def sample_structures(cfg: DistillConfig):
    """Base Na/C cells over the density and loading ranges (reproducible)."""
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    rng = np.random.default_rng(cfg.seed)
    out = []
    for i in range(cfg.n_structures):
        rho = float(rng.uniform(*cfg.densities))
        n_c = int(rng.integers(cfg.n_carbon[0], cfg.n_carbon[1] + 1))
        x = float(rng.uniform(0, cfg.max_na_per_c)) if i % 6 else 0.0
        atoms = None
        for attempt in range(6):  # small dense cells can fail to pack: retry
            try:
                atoms = generate_hard_carbon(
                    n_c, rho, seed=cfg.seed * 1000 + i + 100 * attempt
                )
                break
            except HcflowError:
                rho = max(cfg.densities[0], rho - 0.05)
        if atoms is None:
            continue
        while True:  # dense small cells hold less Na: halve until it fits
            try:
                atoms = sodiate(atoms, x, seed=i, min_na_c=2.0, min_na_na=2.8)
                break
            except HcflowError:
                x = x / 2 if x > 0.01 else 0.0
        atoms.info["sample"] = f"rho={rho:.2f} x={x:.3f}"
        out.append(atoms)
    return out + meltquench_structures(cfg)


def meltquench_structures(cfg: DistillConfig):
    """``mq_cells`` melt-quench cells with Na (LAMMPS; cached like any cell)."""
    from hcflow.structures.meltquench import generate_melt_quench
    from hcflow.structures.sodiation import sodiate

    rng = np.random.default_rng(cfg.seed + 5000)
    out = []
    for i in range(cfg.mq_cells):
        rho = cfg.mq_densities[i % len(cfg.mq_densities)]
        n_c = int(rng.integers(cfg.mq_n_carbon[0], cfg.mq_n_carbon[1] + 1))
        x = float(rng.uniform(0.05, cfg.mq_max_na_per_c))
        carbon = generate_melt_quench(n_c, rho, seed=5000 + i)
        while True:  # dense cells hold less Na: lower the loading until it fits
            try:
                atoms = sodiate(carbon, x, seed=i, min_na_c=2.1, min_na_na=2.8)
                break
            except HcflowError:
                x = x * 0.7
        atoms.info["sample"] = f"mq rho={rho:.2f} x={x:.3f}"
        out.append(atoms)
    return out


def close_contact(atoms, kind: str, distance: float, rng):
    """A copy with one Na moved to ``distance`` (A) of its nearest Na or C.

    ``kind`` is ``"Na-Na"`` or ``"Na-C"``; the Na moves along the line to its
    partner (minimum image), the partner and every other atom stay. None when
    the cell has no such pair.
    """
    symbols = np.array(atoms.get_chemical_symbols())
    na = np.flatnonzero(symbols == "Na")
    partners = np.flatnonzero(symbols == kind.split("-")[1])
    i = int(rng.choice(na)) if len(na) else -1
    partners = partners[partners != i]
    if i < 0 or not len(partners):
        return None
    vec = atoms.get_distances(i, partners, mic=True, vector=True)
    j = int(np.argmin(np.linalg.norm(vec, axis=1)))
    unit = vec[j] / np.linalg.norm(vec[j])
    out = atoms.copy()
    out.positions[i] = atoms.positions[partners[j]] - unit * distance
    return out


def langevin(atoms, cfg: DistillConfig, temp: float, rng):
    """Langevin dynamics at ``temp`` from Maxwell-Boltzmann velocities."""
    from hcflow.md.dynamics import DEFAULT_EQUILIBRATION_ENSEMBLE as ENSEMBLE
    from hcflow.md.dynamics import init_velocities, make_dynamics

    init_velocities(atoms, temp, rng)
    return make_dynamics(
        atoms,
        ENSEMBLE,
        temp,
        cfg.md_timestep_fs,
        {"friction_per_ps": cfg.md_friction_per_ps},
        rng=rng,
        fix_com=True,
    )


def explore(base, cfg: DistillConfig, labels: LabelCache, progress=True, work=None):
    """MD snapshots + perturbed and close-contact copies, labelled by the teacher.

    With ``cfg.explore_with`` (a cheap potential) the MD runs on it, every
    configuration is written to ``<work>/configs.extxyz`` first (read back on
    a rerun) and then labelled through the cache; otherwise the MD runs on
    the teacher and its own results are the labels of the MD snapshots.
    """
    import ase.io
    from tqdm import tqdm

    configs = Path(work) / "configs.extxyz" if work and cfg.explore_with else None
    if configs is not None and configs.exists():
        todo = ase.io.read(configs, ":")
    else:
        sampler = None
        if cfg.explore_with:
            from hcflow.potentials import get_calculator

            sampler = get_calculator(cfg.explore_with)
        todo = _explore_configs(base, cfg, sampler or labels.calc, progress)
        if configs is not None:
            ase.io.write(configs, [_unlabelled(a) for a in todo])
            todo = ase.io.read(configs, ":")  # the positions the cache will see
    out = []
    for a in tqdm(todo, desc="label", disable=not progress, mininterval=30):
        info = a.info
        out.append(label_frame(a, labels, info["tag"], info["T_K"], info["cell"]))
    return out


def _unlabelled(atoms):
    from ase import Atoms

    snap = Atoms(atoms.numbers, atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
    snap.info.update(atoms.info)
    return snap


def _explore_configs(base, cfg: DistillConfig, md_calc, progress=True):
    """The configurations of :func:`explore` (``info``: tag, T_K, cell)."""
    from tqdm import tqdm

    rng = np.random.default_rng(cfg.seed + 7)
    todo = []

    def keep(atoms, tag, temp, cell):
        snap = atoms.copy()
        if atoms.calc is not None and not cfg.explore_with:  # the teacher's MD
            snap.calc = _Frozen(atoms)
        snap.info.update({"tag": tag, "T_K": temp, "cell": cell})
        todo.append(snap)

    for i, atoms0 in enumerate(tqdm(base, desc="explore", disable=not progress)):
        temp = cfg.temperatures[i % len(cfg.temperatures)]
        cell = cell_name(i, atoms0)
        atoms = atoms0.copy()
        if "config" in atoms0.info and "sample" not in atoms0.info:  # a reference cell
            keep(atoms, f"ref {atoms0.info['config']}", 0.0, f"ref {i}")
            continue
        atoms.calc = md_calc
        dyn = langevin(atoms, cfg, temp, rng)
        for step in range(0, cfg.md_steps + 1, cfg.md_stride):
            if step:
                dyn.run(cfg.md_stride)
            if not np.isfinite(atoms.get_forces()).all():
                break
            keep(atoms, f"md T={temp:g}", temp, cell)
        for _ in range(cfg.n_perturbed):
            p = atoms0.copy()
            p.positions += rng.normal(0, rng.uniform(0.03, 0.15), p.positions.shape)
            keep(p, "perturbed", 0.0, cell)
        for k in range(cfg.close_contacts):
            kind = ("Na-Na", "Na-C")[k % 2]
            lo, hi = cfg.close_na_na_A if kind == "Na-Na" else cfg.close_na_c_A
            near = close_contact(atoms, kind, float(rng.uniform(lo, hi)), rng)
            if near is not None:
                keep(near, f"close {kind}", temp, cell)
    return todo


class _Frozen:
    """The energy and forces an MD step already has (no recomputation)."""

    def __init__(self, atoms):
        self.energy = float(atoms.get_potential_energy())
        self.forces = np.asarray(atoms.get_forces()).copy()

    def get_potential_energy(self, atoms=None, force_consistent=False):
        return self.energy

    def get_forces(self, atoms=None):
        return self.forces.copy()


def cell_name(i: int, atoms) -> str:
    """Base cell ``i``'s name: ``"mq <i>"`` for a melt-quench cell, else ``"<i>"``."""
    return ("mq " if atoms.info.get("sample", "").startswith("mq") else "") + str(i)


def label_frame(atoms, labels: LabelCache, tag, temp, cell):
    """The teacher's energy/forces on a copy of ``atoms`` (through the cache);
    ``cell`` (:func:`cell_name`) lets the split keep a cell's frames together."""
    from ase import Atoms

    energy, forces = labels.energy_forces(atoms)
    snap = Atoms(atoms.numbers, atoms.positions.copy(), cell=atoms.cell, pbc=True)
    snap.info.update(
        {"REF_energy": energy, "config": f"{tag} {cell}", "cell": cell, "T_K": temp}
    )
    snap.arrays["REF_forces"] = forces
    return snap
