"""Distil a small MACE model for Na/C from the CHGNet teacher (a service).

``hcflow potential distill`` runs these steps, each resumable (a step whose
output file exists is skipped): **sample** hard-carbon-like and (``mq_cells``)
melt-quench Na/C cells; **explore** them with short CHGNet Langevin MD plus
perturbed and close-contact copies; **label** every snapshot with CHGNet
energies and forces, holding out a quarter of the hottest cells as the test
set; **train** a small MACE with ``mace_run_train``
(:mod:`hcflow.services.distill_train`); optionally run **active learning**
rounds on the student's own MD; **evaluate** against the teacher and write
``<name>.json`` next to the model. The run's parameters are one
:class:`~hcflow.services.distill_config.DistillConfig`.

A workflow, not a potential: it builds structures and runs MD, so it lives
with the services, above ``structures``, ``md`` and ``potentials``.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from hcflow.errors import HcflowError
from hcflow.potentials import MODELS_DIR
from hcflow.services.distill_config import DistillConfig
from hcflow.services.distill_train import evaluate, train

__all__ = ["DistillConfig", "distill", "install_model"]


def _teacher():
    from chgnet.model.dynamics import CHGNetCalculator

    return CHGNetCalculator(use_device="cpu")


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


def _langevin(atoms, cfg: DistillConfig, temp: float, rng):
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


def explore(base, cfg: DistillConfig, calc, progress=True):
    """CHGNet MD snapshots + perturbed copies; returns labelled Atoms."""
    from tqdm import tqdm

    rng = np.random.default_rng(cfg.seed + 7)
    labelled = []
    for i, atoms0 in enumerate(tqdm(base, desc="explore+label", disable=not progress)):
        temp = cfg.temperatures[i % len(cfg.temperatures)]
        cell = _cell_name(i, atoms0)
        atoms = atoms0.copy()
        atoms.calc = calc
        dyn = _langevin(atoms, cfg, temp, rng)
        for step in range(0, cfg.md_steps + 1, cfg.md_stride):
            if step:
                dyn.run(cfg.md_stride)
            labelled.append(_label(atoms, calc, f"md T={temp:g}", temp, cell))
        for _ in range(cfg.n_perturbed):
            p = atoms0.copy()
            p.positions += rng.normal(0, rng.uniform(0.03, 0.15), p.positions.shape)
            labelled.append(_label(p, calc, "perturbed", 0.0, cell))
        for k in range(cfg.close_contacts):
            kind = ("Na-Na", "Na-C")[k % 2]
            lo, hi = cfg.close_na_na_A if kind == "Na-Na" else cfg.close_na_c_A
            near = close_contact(atoms, kind, float(rng.uniform(lo, hi)), rng)
            if near is not None:
                labelled.append(_label(near, calc, f"close {kind}", temp, cell))
    return labelled


def _cell_name(i: int, atoms) -> str:
    """Base cell ``i``'s name: ``"mq <i>"`` for a melt-quench cell, else ``"<i>"``."""
    return ("mq " if atoms.info.get("sample", "").startswith("mq") else "") + str(i)


def _label(atoms, calc, tag, temp, cell):
    """Teacher energy/forces (the MD step's cached results when valid);
    ``cell`` (:func:`_cell_name`) lets the split keep a cell's frames together."""
    from ase import Atoms

    if atoms.calc is None:
        atoms.calc = calc
    energy = float(atoms.get_potential_energy())
    forces = np.asarray(atoms.get_forces()).copy()
    snap = Atoms(atoms.numbers, atoms.positions.copy(), cell=atoms.cell, pbc=True)
    snap.info.update(
        {"REF_energy": energy, "config": f"{tag} {cell}", "cell": cell, "T_K": temp}
    )
    snap.arrays["REF_forces"] = forces
    return snap


def split(frames, seed):
    """Held-out high-T test set + train.

    A quarter (at least one) of the cells explored at >= 1500 K, drawn from
    each source (quick-packer and melt-quench cells) separately, go to the
    test set with every frame made from them (MD, perturbed, close contacts).
    """
    rng = np.random.default_rng(seed)
    hot = sorted({str(f.info["cell"]) for f in frames if f.info["T_K"] >= 1500})
    test_cells = set()
    for group in (
        [c for c in hot if not c.startswith("mq")],
        [c for c in hot if c.startswith("mq")],
    ):
        if group:
            test_cells |= set(
                rng.choice(group, size=max(1, len(group) // 4), replace=False)
            )
    test = [f for f in frames if str(f.info["cell"]) in test_cells]
    train = [f for f in frames if str(f.info["cell"]) not in test_cells]
    return train, test


def active_learning_round(
    model: Path, cfg: DistillConfig, calc, round_no: int, held_out=frozenset()
):
    """The student's own MD, relabelled by the teacher.

    ``al_cells`` of the base cells run ``al_steps`` Langevin steps with the
    student at ``al_temperatures``; every ``md_stride``-th snapshot gets CHGNet
    energies and forces; cells in ``held_out`` (the test set's) are never
    picked, half of the picks are melt-quench cells when there are any. A
    trajectory the student blows up (NaN forces or two
    atoms closer than 0.7 A) stops there; its snapshots up to that point, the
    configurations the student gets most wrong, are kept.
    """
    from hcflow.potentials import get_calculator

    student = get_calculator(str(model))
    rng = np.random.default_rng(cfg.seed + 100 * round_no)
    base = sample_structures(cfg)
    names = [_cell_name(i, a) for i, a in enumerate(base)]
    free = [i for i, c in enumerate(names) if c not in held_out]
    mq = [i for i in free if names[i].startswith("mq")]
    quick = [i for i in free if i not in mq]
    n_mq = min(len(mq), cfg.al_cells // 2) if mq else 0
    picks = list(rng.choice(mq, size=n_mq, replace=False)) if n_mq else []
    n_quick = min(len(quick), cfg.al_cells - n_mq)
    picks += list(rng.choice(quick, size=n_quick, replace=False))
    md_cfg = replace(cfg, md_timestep_fs=cfg.al_timestep_fs)
    labelled = []
    for n, i in enumerate(sorted(int(p) for p in picks)):
        temp = cfg.al_temperatures[n % len(cfg.al_temperatures)]
        atoms = base[i].copy()
        atoms.calc = student
        dyn = _langevin(atoms, md_cfg, temp, rng)
        cell = names[i]
        for _ in range(cfg.al_steps // cfg.al_stride):
            dyn.run(cfg.al_stride)
            snap = atoms.copy()
            snap.calc = None
            labelled.append(_label(snap, calc, f"al{round_no} T={temp:g}", temp, cell))
            dist = snap.get_all_distances(mic=True)[np.triu_indices(len(snap), 1)]
            if not np.isfinite(atoms.get_forces()).all() or dist.min() < 0.7:
                break
    return labelled


def distill(cfg: DistillConfig, progress: bool = True) -> dict:
    """Run the whole distillation; returns the metadata written beside the model."""
    import ase.io
    import torch

    torch.set_num_threads(2)
    work = Path(cfg.out_dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    data_file = work / "labelled.extxyz"
    if data_file.exists():
        frames = ase.io.read(data_file, ":")
    else:
        calc = _teacher()
        frames = explore(sample_structures(cfg), cfg, calc, progress)
        ase.io.write(data_file, frames)
    train_frames, test_frames = split(frames, cfg.seed)
    test_file = work / "test_highT.extxyz"
    ase.io.write(test_file, test_frames)
    history, model = [], None
    for round_no in range(cfg.al_rounds + 1):
        folder = work / f"round{round_no}"
        folder.mkdir(exist_ok=True)
        if round_no:  # add the student's own MD, labelled by the teacher
            al_file = folder / "al_labelled.extxyz"
            if al_file.exists():
                new = ase.io.read(al_file, ":")
            else:
                held_out = frozenset(str(f.info["cell"]) for f in test_frames)
                new = active_learning_round(model, cfg, _teacher(), round_no, held_out)
                ase.io.write(al_file, new)
            train_frames = train_frames + new
        train_file = folder / "train.extxyz"
        ase.io.write(train_file, train_frames)
        model = folder / f"{cfg.name}.model"
        if not model.exists():
            model = train(cfg, folder, train_file, test_file)
        metrics = evaluate(model, test_frames)
        history.append(
            {"round": round_no, "training_set_size": len(train_frames)} | metrics
        )
        if progress:
            print(
                f"round {round_no}: {len(train_frames)} training configs, force MAE "
                f"{metrics['force_mae_eV_A']:.3f} eV/A on the held-out set",
                flush=True,
            )
    shutil.copy(model, work / f"{cfg.name}.model")
    meta = {
        "name": cfg.name,
        "teacher": "CHGNet 0.3.0 (pretrained, shipped in the chgnet wheel)",
        "architecture": {
            "model": "MACE",
            "hidden_irreps": cfg.hidden_irreps,
            "r_max": cfg.r_max,
            "num_interactions": cfg.num_interactions,
            "correlation": 2,
            "dtype": "float32",
            "pair_repulsion": "ZBL" if cfg.pair_repulsion else None,
        },
        "elements": ["C", "Na"],
        "training_set_size": len(train_frames),
        "test_set": "held-out cells, CHGNet MD at >= 1500 K (meltquench_cells: "
        "the melt-quench ones among them)",
        "validation": metrics,
        "active_learning": history,
        "config": asdict(cfg),
        "seconds": time.time() - t0,
        "command": "hcflow potential distill " + " ".join(sys.argv[3:]),
    }
    (work / f"{cfg.name}.json").write_text(json.dumps(meta, indent=2))
    return meta


def install_model(work: Path, name: str) -> Path:
    """Copy a distilled model + metadata into the package's models folder."""
    dest = MODELS_DIR
    for suffix in (".model", ".json"):
        shutil.copy(work / f"{name}{suffix}", dest / f"{name}{suffix}")
    return dest / f"{name}.model"
