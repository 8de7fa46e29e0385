"""Model deviation of an MD run: the model's forces against a reference's.

:func:`deviation_figures` is the science (pure numpy): force MAE and max |dF|
(eV/A), per-element MAE, energy deviation per atom (raw and with the mean
offset removed, meV/atom), frames whose max |dF| exceeds a threshold and the
verdict ``forces_ok``. :func:`model_deviation` evaluates both calculators on
N evenly spaced frames; :func:`run_model_deviation` is what the MD job calls:
it resolves the reference (the model's teacher by default, through the one
calculator factory) and never raises (``forces_ok`` null with a reason).
Details: docs/model_deviation.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from hcflow.errors import HcflowError

#: MDSettings.reference_potential values that switch the figure off
OFF = ("none", "off", "")


def frame_indices(n_frames: int, n: int) -> list[int]:
    """``n`` evenly spaced frame indices of ``n_frames`` (first and last in)."""
    if n_frames <= 0 or n <= 0:
        return []
    if n >= n_frames:
        return list(range(n_frames))
    return sorted({int(round(i)) for i in np.linspace(0, n_frames - 1, n)})


def deviation_figures(
    symbols: Sequence[str],
    model_forces: np.ndarray,
    reference_forces: np.ndarray,
    model_energies: Sequence[float] | None = None,
    reference_energies: Sequence[float] | None = None,
    threshold_eV_A: float = 1.0,
) -> dict[str, Any]:
    """The model-deviation figures of frames already evaluated.

    Parameters
    ----------
    symbols
        Chemical symbols of the atoms (n_atoms).
    model_forces, reference_forces
        Forces, shape (n_frames, n_atoms, 3), eV/A.
    model_energies, reference_energies
        Potential energies per frame, eV (None: no energy figures).
    threshold_eV_A
        A frame whose max |dF| (norm of the force difference on one atom)
        exceeds this counts in ``frames_above_threshold``; any such frame makes
        ``forces_ok`` false.

    Returns
    -------
    dict
        ``frames``, ``force_mae_eV_A`` (mean |component| difference),
        ``force_max_eV_A`` (largest per-atom |dF|), ``force_mae_by_element``,
        ``frame_max_eV_A``, ``energy_dev_meV_atom`` (std of the per-atom
        difference after removing its mean), ``energy_offset_meV_atom`` (the
        mean), ``energy_mae_raw_meV_atom``, ``threshold_eV_A``,
        ``frames_above_threshold``, ``forces_ok``, ``reason``.
    """
    fm = np.asarray(model_forces, float)
    fr = np.asarray(reference_forces, float)
    if fm.shape != fr.shape or fm.ndim != 3 or fm.shape[0] == 0:
        raise HcflowError(
            f"force arrays must be (frames, atoms, 3) and alike: {fm.shape} vs "
            f"{fr.shape}"
        )
    diff = fm - fr
    per_atom = np.linalg.norm(diff, axis=2)  # (frames, atoms)
    frame_max = per_atom.max(axis=1)
    symbols = np.asarray(list(symbols))
    by_element = {
        str(s): float(np.abs(diff[:, symbols == s]).mean()) for s in np.unique(symbols)
    }
    above = int(np.sum(frame_max > threshold_eV_A))
    n = len(frame_max)
    worst = int(np.argmax(per_atom.max(axis=0)))
    out: dict[str, Any] = {
        "frames": n,
        "force_mae_eV_A": float(np.abs(diff).mean()),
        "force_max_eV_A": float(frame_max.max()),
        "force_mae_by_element": by_element,
        "frame_max_eV_A": [float(v) for v in frame_max],
        "threshold_eV_A": float(threshold_eV_A),
        "frames_above_threshold": above,
        "forces_ok": above == 0,
        "reason": (
            f"{above}/{n} frames with max |dF| > {threshold_eV_A:g} eV/A "
            f"(worst {frame_max.max():.2f} eV/A on {symbols[worst]})"
            if above
            else f"max |dF| {frame_max.max():.2f} <= {threshold_eV_A:g} eV/A "
            f"on {n} frames"
        ),
    }
    if model_energies is not None and reference_energies is not None:
        d = np.asarray(model_energies, float) - np.asarray(reference_energies, float)
        d = d * 1000.0 / len(symbols)
        out["energy_offset_meV_atom"] = float(d.mean())
        out["energy_dev_meV_atom"] = float(np.std(d - d.mean()))
        out["energy_mae_raw_meV_atom"] = float(np.abs(d).mean())
    return out


def _evaluate(calc, frames: Sequence) -> tuple[np.ndarray, list[float]]:
    forces, energies = [], []
    for atoms in frames:
        a = atoms.copy()
        a.calc = calc
        forces.append(np.asarray(a.get_forces(), float))
        energies.append(float(a.get_potential_energy()))
    return np.stack(forces), energies


def model_deviation(
    frames: Sequence,
    model_calc,
    reference_calc,
    threshold_eV_A: float = 1.0,
) -> dict[str, Any]:
    """Figures of ``model_calc`` against ``reference_calc`` on ASE frames."""
    if not frames:
        raise HcflowError("no frames for the model deviation")
    fm, em = _evaluate(model_calc, frames)
    fr, er = _evaluate(reference_calc, frames)
    symbols = frames[0].get_chemical_symbols()
    return deviation_figures(symbols, fm, fr, em, er, threshold_eV_A)


def teacher_spec(teacher: str | None) -> str | None:
    """The potential name of a model json's ``teacher`` text, or None."""
    from hcflow.potentials.names import ATOMATE2_ALIASES, NAMED

    text = str(teacher or "").strip().lower()
    if not text:
        return None
    key = ATOMATE2_ALIASES.get(text, text)
    if key in NAMED:
        return key
    if text.startswith("chgnet"):
        return "chgnet-r2scan" if "r2scan" in text else "chgnet"
    for name, spec in NAMED.items():
        if text.startswith(spec.label.lower()) or text.startswith(name):
            return name
    return None


def reference_of(setting: str | None, model_info: dict) -> tuple[str | None, str]:
    """(reference spec or None, why): the setting, else the model's teacher."""
    if setting is not None:
        if str(setting).strip().lower() in OFF:
            return None, "off (reference_potential none)"
        return str(setting), "setting reference_potential"
    teacher = (model_info.get("metadata") or {}).get("teacher")
    spec = teacher_spec(teacher)
    if spec is None:
        why = f"teacher {teacher!r} has no name here" if teacher else "no teacher"
        return None, f"{why}: set md.reference_potential"
    return spec, f"teacher of {model_info.get('name')}: {teacher}"


@lru_cache(maxsize=2)
def _cached_calculator(spec: str, device: str, dtype: str):
    """(calculator, info) of the factory, kept per process (reference and model
    are loaded once for all the runs of a batch)."""
    from hcflow.potentials import load_calculator

    return load_calculator(spec, device=device, default_dtype=dtype)


def _off(reference: str | None, reason: str) -> dict[str, Any]:
    return {"reference": reference, "frames": 0, "forces_ok": None, "reason": reason}


def run_model_deviation(
    traj, model_calc, model_info: dict, md
) -> dict[str, Any] | None:
    """The ``model_deviation`` field of an md_tasks document; never raises.

    Parameters
    ----------
    traj
        The production :class:`~hcflow.md.trajectory.CompactTrajectory`.
    model_calc
        The model's calculator, or None: built from ``model_info`` (``path``
        or ``name``) through the calculator factory.
    model_info
        What the model resolved to (:meth:`PotentialInfo.as_dict`).
    md
        :class:`~hcflow.md.settings.MDSettings` (``reference_potential``,
        ``model_deviation_frames``, ``model_deviation_threshold_eV_A``).

    Returns
    -------
    dict or None
        None when switched off (0 frames or reference none); else the figures
        with ``reference``, ``reference_reason``, ``seconds``, or ``forces_ok``
        null and a one-line ``reason`` when the reference cannot run.
    """
    import time

    n = int(md.model_deviation_frames)
    spec, why = reference_of(md.reference_potential, model_info)
    if n <= 0 or (spec is None and md.reference_potential is not None):
        return None
    if spec is None:
        return _off(None, why)
    t0 = time.perf_counter()
    try:
        ref_calc, ref_info = _cached_calculator(spec, md.device, md.dtype)
        if model_calc is None:
            source = model_info.get("path") or model_info.get("name")
            model_calc = _cached_calculator(str(source), md.device, md.dtype)[0]
        frames = [traj.to_ase(i) for i in frame_indices(traj.n_frames, n)]
        out = model_deviation(
            frames, model_calc, ref_calc, md.model_deviation_threshold_eV_A
        )
    except Exception as exc:  # noqa: BLE001 - a figure must not fail the MD job
        line = " ".join(str(exc).split()) or type(exc).__name__
        return _off(spec, f"reference {spec} not computed: {line}")
    out["frame_indices"] = frame_indices(traj.n_frames, n)
    return {
        "reference": str(ref_info.get("name") or spec),
        "reference_reason": why,
        **out,
        "seconds": round(time.perf_counter() - t0, 2),
    }


def flat_row(dev: dict | None) -> dict[str, Any]:
    """The table columns of one ``model_deviation`` (None values when absent)."""
    dev = dev if isinstance(dev, dict) else {}
    by = dev.get("force_mae_by_element") or {}
    return {
        "reference": dev.get("reference"),
        "dF_frames": dev.get("frames"),
        "dF_mae_eV_A": dev.get("force_mae_eV_A"),
        "dF_max_eV_A": dev.get("force_max_eV_A"),
        "dF_mae_Na_eV_A": by.get("Na"),
        "dF_mae_C_eV_A": by.get("C"),
        "dE_meV_atom": dev.get("energy_dev_meV_atom"),
        "dE_raw_meV_atom": dev.get("energy_mae_raw_meV_atom"),
        "frames_above_threshold": dev.get("frames_above_threshold"),
        "forces_ok": dev.get("forces_ok"),
        "dF_reason": dev.get("reason"),
    }
