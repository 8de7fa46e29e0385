"""Distil a small MACE model for Na/C from a teacher potential (a service).

``hcflow potential distill`` runs these steps, each resumable (a step whose
output file exists is skipped, and every teacher label is cached on disk):
**sample**, **explore** and **label** configurations
(:mod:`hcflow.services.distill_explore`; the teacher is any potential spec,
D3(BJ) optional: :mod:`hcflow.services.distill_label`), holding out a quarter
of the hottest cells as the test set; **train** a small MACE with
``mace_run_train`` (:mod:`hcflow.services.distill_train`); optionally run
**active learning** rounds on the student's own MD; **evaluate** against the
teacher and write ``<name>.json`` (teacher, dispersion, training-set recipe)
next to the model. The run's parameters are one
:class:`~hcflow.services.distill_config.DistillConfig`. A workflow, not a
potential: it lives with the services, above ``structures``, ``md`` and
``potentials``.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from hcflow.potentials import MODELS_DIR
from hcflow.services.distill_config import DistillConfig
from hcflow.services.distill_explore import (
    cell_name,
    close_contact,
    explore,
    label_frame,
    langevin,
    sample_structures,
)
from hcflow.services.distill_label import LabelCache, make_teacher, teacher_label
from hcflow.services.distill_train import evaluate, train

__all__ = ["DistillConfig", "close_contact", "distill", "install_model"]


def _teacher(cfg: DistillConfig | None = None):
    """The teacher's calculator (``cfg.teacher`` + ``cfg.dispersion``)."""
    cfg = cfg or DistillConfig()
    return make_teacher(cfg.teacher, cfg.dispersion)


def _labels(cfg: DistillConfig, work: Path) -> LabelCache:
    """The label cache of a run (``cfg.label_cache`` or ``<out>/labels``)."""
    folder = Path(cfg.label_cache) if cfg.label_cache else work / "labels"
    name = teacher_label(cfg.teacher, cfg.dispersion)
    return LabelCache(lambda: _teacher(cfg), name, folder)


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
    model: Path,
    cfg: DistillConfig,
    labels: LabelCache,
    round_no: int,
    held_out=frozenset(),
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
    names = [cell_name(i, a) for i, a in enumerate(base)]
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
        dyn = langevin(atoms, md_cfg, temp, rng)
        cell = names[i]
        for _ in range(cfg.al_steps // cfg.al_stride):
            dyn.run(cfg.al_stride)
            snap = atoms.copy()
            snap.calc = None
            tag = f"al{round_no} T={temp:g}"
            labelled.append(label_frame(snap, labels, tag, temp, cell))
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
    labels = _labels(cfg, work)
    if data_file.exists():
        frames = ase.io.read(data_file, ":")
    else:
        base = sample_structures(cfg)
        if cfg.reference_sets:
            from hcflow.structures.training_cells import reference_sets

            base += reference_sets(cfg.seed)
        frames = explore(base, cfg, labels, progress, work)
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
                new = active_learning_round(model, cfg, labels, round_no, held_out)
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
        "teacher": teacher_label(cfg.teacher, cfg.dispersion),
        "teacher_spec": cfg.teacher,
        "dispersion": cfg.dispersion,
        "dispersion_note": "included in the labels: do not add D3 again"
        if cfg.dispersion
        else None,
        "functional": "pbe",
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
        "training_set": recipe(frames, cfg),
        "test_set": "held-out cells, MD at >= 1500 K (meltquench_cells: "
        "the melt-quench ones among them)",
        "validation": metrics,
        "active_learning": history,
        "config": asdict(cfg),
        "seconds": time.time() - t0,
        "command": "hcflow potential distill " + " ".join(sys.argv[3:]),
    }
    (work / f"{cfg.name}.json").write_text(json.dumps(meta, indent=2))
    return meta


def recipe(frames, cfg: DistillConfig) -> dict:
    """How the labelled set was made: counts per kind of configuration."""
    counts: dict[str, int] = {}
    for f in frames:
        tag = str(f.info["config"])
        kind = tag.split()[1] if tag.startswith("ref ") else tag.split()[0]
        counts[kind] = counts.get(kind, 0) + 1
    return {
        "counts": dict(sorted(counts.items())),
        "explored_with": cfg.explore_with or "the teacher",
        "reference_sets": "hcflow.structures.training_cells.reference_sets"
        if cfg.reference_sets
        else None,
    }


def install_model(work: Path, name: str) -> Path:
    """Copy a distilled model + metadata into the package's models folder."""
    dest = MODELS_DIR
    for suffix in (".model", ".json"):
        shutil.copy(work / f"{name}{suffix}", dest / f"{name}{suffix}")
    return dest / f"{name}.model"
