"""Build an ``md_tasks`` document from a trajectory and its metadata.

One function serves both ``hcflow ingest`` and our own MD Maker, so both give
the same document shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hcflow.md.trajectory import CompactTrajectory
from hcflow.schemas.common import Provenance
from hcflow.schemas.md_task import MDTaskDoc, TrajectoryRef
from hcflow.units import CARBON, SODIUM, cell_volume_A3, densities_g_cm3


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
    n_na = int(np.sum(numbers == SODIUM))
    n_c = int(np.sum(numbers == CARBON))
    rho_c, rho_total = densities_g_cm3(numbers, traj.cells[0])
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
        volume_A3=cell_volume_A3(traj.cells[0]),
        energy_mean_eV=None if energies is None else float(np.mean(energies)),
        trajectory=ref,
        trajectory_nbytes=traj.nbytes_stored(),
        structure=structure,
        provenance=provenance or Provenance.make(source),
        **fields,
    )
