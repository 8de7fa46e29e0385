"""Train the distilled student with mace-torch and score it against the teacher.

:func:`train` runs mace-torch's own ``mace_run_train`` (``--E0s average``:
CHGNet has no sensible isolated-atom energies; ``pair_repulsion`` adds mace's
ZBL core repulsion under the learned part); :func:`evaluate` gives force and
energy errors of the student against the teacher's labels.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from hcflow.errors import HcflowError
from hcflow.services.distill_config import DistillConfig


def train(cfg: DistillConfig, work: Path, train_file: Path, test_file: Path) -> Path:
    """Train with mace-torch's own training script; returns the model path."""
    exe = Path(sys.executable).parent / "mace_run_train"
    cmd = [
        str(exe),
        "--name",
        cfg.name,
        "--train_file",
        str(train_file),
        "--valid_fraction",
        "0.1",
        "--test_file",
        str(test_file),
        "--E0s",
        "average",
        "--energy_key",
        "REF_energy",
        "--forces_key",
        "REF_forces",
        "--model",
        "MACE",
        "--hidden_irreps",
        cfg.hidden_irreps,
        "--r_max",
        str(cfg.r_max),
        "--num_interactions",
        str(cfg.num_interactions),
        "--correlation",
        "2",
        "--batch_size",
        str(cfg.batch_size),
        "--max_num_epochs",
        str(cfg.max_epochs),
        "--device",
        "cpu",
        "--default_dtype",
        "float32",
        "--seed",
        str(cfg.seed),
        "--eval_interval",
        "5",
        "--error_table",
        "PerAtomMAE",
        "--energy_weight",
        "1.0",
        "--forces_weight",
        "100.0",
        "--lr",
        "0.01",
        "--scheduler_patience",
        "5",
        *(["--pair_repulsion"] if cfg.pair_repulsion else []),
        *cfg.extra_train_args,
    ]
    log = work / "train.log"
    with open(log, "w") as fh:
        env = {**os.environ, "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}  # e3nn 0.4.4
        rc = subprocess.call(
            cmd, cwd=work, stdout=fh, stderr=subprocess.STDOUT, env=env
        )
    if rc:
        tail = log.read_text().strip().splitlines()[-1:]
        raise HcflowError(f"mace_run_train failed (see {log}): {' '.join(tail)}")
    model = work / f"{cfg.name}.model"
    if not model.exists():
        raise HcflowError(f"training finished but {model} is missing")
    return model


def evaluate(model: Path, frames) -> dict:
    """Force / energy MAE of the student vs the teacher, per element too, and
    for the melt-quench cells among ``frames`` (``meltquench_cells``)."""
    from hcflow.potentials import get_calculator

    calc = get_calculator(str(model))
    rows = []
    for f in frames:
        a = f.copy()
        a.calc = calc
        f_err = np.abs(a.get_forces() - f.arrays["REF_forces"])
        e_err = abs(a.get_potential_energy() - f.info["REF_energy"]) / len(a)
        rows.append((f_err, e_err, a.get_chemical_symbols()))
    out = error_summary(rows)
    mq = [r for r, f in zip(rows, frames, strict=True) if "mq" in str(f.info["cell"])]
    if mq:
        out["meltquench_cells"] = error_summary(mq)
    return out


def error_summary(rows) -> dict:
    """MAE/RMSE of (force error, energy error per atom, symbols) per frame."""
    forces = np.concatenate([r[0] for r in rows])
    symbols = np.concatenate([r[2] for r in rows])
    out = {
        "force_mae_eV_A": float(forces.mean()),
        "force_rmse_eV_A": float(np.sqrt((forces**2).mean())),
        "energy_mae_meV_atom": float(np.mean([r[1] for r in rows]) * 1000),
        "n_configs": len(rows),
        "n_atoms_total": len(symbols),
    }
    for element in ("C", "Na"):
        mine = forces[symbols == element]
        if mine.size:
            out[f"force_mae_{element}_eV_A"] = float(mine.mean())
            out[f"force_rmse_{element}_eV_A"] = float(np.sqrt((mine**2).mean()))
    return out
