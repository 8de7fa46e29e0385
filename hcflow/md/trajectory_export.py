"""Write a CompactTrajectory in the formats other tools read.

extxyz, traj, xyz and VASP XDATCAR go through ASE; a LAMMPS text dump
(``id type element x y z``, types numbered by atomic number) is written here
because ASE reads that format but does not write it. Default file names are
the task id with characters that break scp or Windows (``:`` and the like)
replaced by ``_``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from hcflow.errors import HcflowError

#: user-facing name -> (ASE format or "lammps-dump", file suffix)
TRAJECTORY_FORMATS: dict[str, tuple[str, str]] = {
    "extxyz": ("extxyz", ".extxyz"),
    "traj": ("traj", ".traj"),
    "xyz": ("xyz", ".xyz"),
    "xdatcar": ("vasp-xdatcar", ".XDATCAR"),
    "lammps-dump": ("lammps-dump", ".lammpstrj"),
}


def safe_name(task_id: str) -> str:
    """A file-name stem from a task id: only letters, digits, ``._-``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", task_id).strip("_") or "trajectory"


def default_path(task_id: str, fmt: str) -> Path:
    """``<safe task id><suffix>`` for one of :data:`TRAJECTORY_FORMATS`."""
    return Path(safe_name(task_id) + TRAJECTORY_FORMATS[check_format(fmt)][1])


def check_format(fmt: str) -> str:
    """``fmt`` when it is known, else a one-line :class:`HcflowError`."""
    if fmt not in TRAJECTORY_FORMATS:
        raise HcflowError(
            f"unknown trajectory format {fmt!r}; use {', '.join(TRAJECTORY_FORMATS)}"
        )
    return fmt


def lammps_dump_text(traj) -> str:
    """The trajectory as a LAMMPS text dump (orthogonal cells only).

    Frame ``i`` has ``TIMESTEP`` ``i``; positions are as stored (unwrapped).
    """
    from ase.data import chemical_symbols

    cells = np.asarray(traj.cells, float)
    off = cells - np.einsum("fii->fi", cells)[:, :, None] * np.eye(3)
    if np.abs(off).max(initial=0.0) > 1e-8:
        raise HcflowError("lammps-dump export needs an orthogonal cell; use extxyz")
    numbers = np.asarray(traj.numbers)
    kinds = sorted(set(numbers.tolist()))
    types = np.array([kinds.index(z) + 1 for z in numbers])
    symbols = [chemical_symbols[z] for z in numbers]
    ids = np.arange(1, len(numbers) + 1)
    lines: list[str] = []
    for i in range(traj.n_frames):
        lengths = np.diag(cells[i])
        lines += ["ITEM: TIMESTEP", str(i), "ITEM: NUMBER OF ATOMS", str(len(ids))]
        lines.append("ITEM: BOX BOUNDS pp pp pp")
        lines += [f"0.0 {x:.10g}" for x in lengths]
        lines.append("ITEM: ATOMS id type element x y z")
        for j, (x, y, z) in enumerate(traj.positions[i]):
            lines.append(f"{ids[j]} {types[j]} {symbols[j]} {x:.8g} {y:.8g} {z:.8g}")
    return "\n".join(lines) + "\n"


def write_trajectory(traj, path: Path, fmt: str, wrap: bool = False) -> None:
    """Write ``traj`` (a CompactTrajectory) to ``path`` in ``fmt``."""
    ase_format = TRAJECTORY_FORMATS[check_format(fmt)][0]
    if ase_format == "lammps-dump":
        if wrap:
            raise HcflowError("--wrap is not supported for lammps-dump; omit it")
        path.write_text(lammps_dump_text(traj))
        return
    import ase.io

    ase.io.write(str(path), list(traj.iter_ase(wrap=wrap)), format=ase_format)
