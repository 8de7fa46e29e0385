"""Ingest trajectories that are Python objects, not files.

A list of ASE Atoms, a pymatgen ``Trajectory``, or the output of an atomate2
MD job (ForceFieldMDMaker / MDMaker) in a jobflow JobStore: its
``output.objects.trajectory`` (a pymatgen Trajectory, or emmet's
AtomTrajectory in newer atomate2). Same checks and documents as a file
ingest; a bad input is one line and nothing is written.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from hcflow.errors import HcflowError
from hcflow.schemas.md_task import MDTaskDoc
from hcflow.services.ingest import parse_metadata, prepare_frames, write_prepared
from hcflow.settings import Settings, get_settings


def _digest(frames: list) -> str:
    h = hashlib.sha256()
    for atoms in frames:
        h.update(np.ascontiguousarray(atoms.numbers).tobytes())
        h.update(np.ascontiguousarray(atoms.positions, float).tobytes())
        h.update(np.ascontiguousarray(atoms.cell.array, float).tobytes())
    return h.hexdigest()


def ingest_atoms(
    frames: list,
    metadata: Any,
    name: str = "atoms",
    settings: Settings | None = None,
) -> tuple[MDTaskDoc, bool]:
    """Ingest ASE Atoms frames; returns (document, newly_written)."""
    from ase import Atoms

    meta = parse_metadata(metadata)
    frames = list(frames)
    if not frames or not all(isinstance(a, Atoms) for a in frames):
        raise HcflowError(f"{name}: expected a non-empty list of ASE Atoms")
    source = {"object": name, "n_frames_read": len(frames)}
    prepared = prepare_frames(frames, meta, Path(name), _digest(frames), source)
    return write_prepared(prepared, settings or get_settings())


def pymatgen_frames(trajectory) -> list:
    """ASE Atoms frames of a pymatgen Trajectory (energies kept in info)."""
    from pymatgen.io.ase import AseAtomsAdaptor

    props = trajectory.frame_properties or []
    frames = []
    for i, structure in enumerate(trajectory):
        atoms = AseAtomsAdaptor.get_atoms(structure)
        energy = (props[i] if i < len(props) else {}) or {}
        for key in ("energy", "energy_eV", "e_0_energy"):
            if key in energy:
                atoms.info["energy"] = float(energy[key])
                break
        frames.append(atoms)
    return frames


def _time_step_meta(metadata: Any, time_step_fs: float | None) -> dict:
    """Metadata with the trajectory's own time step when none was given."""
    meta = dict(metadata or {}) if not isinstance(metadata, str | Path) else metadata
    if isinstance(meta, dict) and time_step_fs and "timestep_fs" not in meta:
        meta = {**meta, "timestep_fs": float(time_step_fs)}
        meta.setdefault("frame_interval", 1)
    return meta


def ingest_pymatgen(
    trajectory, metadata: Any, name: str = "trajectory", settings=None
) -> tuple[MDTaskDoc, bool]:
    """Ingest a pymatgen Trajectory; its ``time_step`` (fs) is the MD step
    unless the metadata give ``timestep_fs`` (frame_interval then 1)."""
    meta = _time_step_meta(metadata, getattr(trajectory, "time_step", None))
    return ingest_atoms(pymatgen_frames(trajectory), meta, name, settings)


def atom_trajectory_frames(doc: dict) -> tuple[list, float | None]:
    """ASE frames (and time step) of an emmet AtomTrajectory dict."""
    from ase import Atoms

    coords, lattice = doc.get("cart_coords") or [], doc.get("lattice")
    energy = doc.get("energy") or []
    frames = []
    for i, pos in enumerate(coords):
        cell = lattice[i] if lattice is not None and len(lattice) > i else None
        atoms = Atoms(numbers=doc["elements"], positions=pos, cell=cell, pbc=True)
        if i < len(energy) and energy[i] is not None:
            atoms.info["energy"] = float(energy[i])
        frames.append(atoms)
    return frames, doc.get("time_step")


def md_output_frames(job_store, job_uuid: str) -> tuple[list, float | None]:
    """The stored MD trajectory of an atomate2 job in a JobStore (one line
    when the job or its trajectory is not there)."""
    from pymatgen.core.trajectory import Trajectory

    job_store.connect()
    doc = job_store.query_one({"uuid": job_uuid}, load=True)
    if doc is None:
        raise HcflowError(f"no job {job_uuid!r} in the JobStore")
    output = doc.get("output") or {}
    traj = ((output.get("objects") or {}) if isinstance(output, dict) else {}).get(
        "trajectory"
    )
    if isinstance(traj, Trajectory):
        return pymatgen_frames(traj), traj.time_step
    if isinstance(traj, dict) and traj.get("@class") == "Trajectory":
        traj = Trajectory.from_dict(traj)
        return pymatgen_frames(traj), traj.time_step
    if isinstance(traj, dict) and "cart_coords" in traj:
        return atom_trajectory_frames(traj)
    raise HcflowError(
        f"job {job_uuid} has no MD trajectory in its output (an atomate2 MD job "
        "with store_trajectory on stores output.objects.trajectory)"
    )


def ingest_job_output(
    job_store, job_uuid: str, metadata: Any, settings: Settings | None = None
) -> tuple[MDTaskDoc, bool]:
    """Ingest the trajectory of an atomate2 MD job (ForceFieldMDMaker,
    MDMaker) stored in a jobflow JobStore; metadata as for a file (the
    trajectory's time step is used when ``timestep_fs`` is not given)."""
    frames, time_step = md_output_frames(job_store, job_uuid)
    meta = _time_step_meta(metadata, time_step)
    return ingest_atoms(frames, meta, f"job-{job_uuid}", settings)
