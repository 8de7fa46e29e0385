"""Build an ``md_tasks`` document from a trajectory and its metadata.

One function serves both ``hcflow ingest`` and our own MD Maker, so both give
the same document shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ase.data import atomic_masses, atomic_numbers

from hcflow.errors import HcflowError
from hcflow.md.trajectory import CompactTrajectory
from hcflow.schemas.common import Provenance
from hcflow.schemas.md_task import MDTaskDoc, TrajectoryRef

AMU_G = 1.66053906660e-24  # g per atomic mass unit
A3_CM3 = 1e-24  # cm3 per A^3


def carbon_density(numbers: np.ndarray, cell: np.ndarray) -> tuple[float, float]:
    """(carbon-framework density, total density) in g/cm3 for one cell."""
    volume = abs(float(np.linalg.det(cell)))
    if volume <= 0:
        raise HcflowError("cell has zero volume; cannot compute a density")
    numbers = np.asarray(numbers)
    c_mass = np.sum(numbers == 6) * atomic_masses[6]
    total = float(np.sum(atomic_masses[numbers]))
    return c_mass * AMU_G / (volume * A3_CM3), total * AMU_G / (volume * A3_CM3)


def make_md_task_doc(
    traj: CompactTrajectory,
    ref: TrajectoryRef,
    *,
    task_id: str,
    source: str,
    temperature_K: float,
    timestep_fs: float,
    frame_interval: int,
    density_g_cm3: float | None = None,
    na_content: float | None = None,
    provenance: Provenance | None = None,
    **fields: Any,
) -> MDTaskDoc:
    """The md_tasks document for a stored trajectory (computes what is absent)."""
    numbers = traj.numbers
    n_na = int(np.sum(numbers == atomic_numbers["Na"]))
    n_c = int(np.sum(numbers == atomic_numbers["C"]))
    rho_c, rho_total = carbon_density(numbers, traj.cells[0])
    if density_g_cm3 is None:
        density_g_cm3 = rho_c
    if na_content is None:
        na_content = n_na / n_c if n_c else 0.0
    from ase.data import chemical_symbols
    from pymatgen.core import Composition

    comp = Composition(
        {
            chemical_symbols[z]: int(c)
            for z, c in zip(*np.unique(numbers, return_counts=True), strict=True)
        }
    )
    energies = traj.energies
    structure = None
    if traj.n_atoms <= 2000:
        structure = traj.to_structure(0).as_dict()
    return MDTaskDoc(
        task_id=task_id,
        source=source,
        formula=comp.reduced_formula,
        n_atoms=traj.n_atoms,
        n_na=n_na,
        n_c=n_c,
        temperature_K=float(temperature_K),
        timestep_fs=float(timestep_fs),
        frame_interval=int(frame_interval),
        frame_dt_ps=traj.frame_dt_ps,
        n_frames=traj.n_frames,
        duration_ps=float(traj.times_ps[-1] - traj.times_ps[0]),
        density_g_cm3=float(density_g_cm3),
        total_density_g_cm3=rho_total,
        na_content=float(na_content),
        volume_A3=abs(float(np.linalg.det(traj.cells[0]))),
        energy_mean_eV=None if energies is None else float(np.mean(energies)),
        trajectory=ref,
        trajectory_nbytes=traj.nbytes_stored(),
        structure=structure,
        provenance=provenance or Provenance.make(source),
        **fields,
    )
