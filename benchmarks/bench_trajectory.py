"""Compact trajectory format vs a pymatgen Trajectory as JSON, and ingest speed.

Prints bytes per atom-frame of hcflow's CompactTrajectory against a pymatgen
``Trajectory`` serialized to JSON (what atomate2 stores) for the same MD-like
trajectory, the maximum coordinate error, and ingest throughput (atom-frames/s)
of ``hcflow ingest`` on an extxyz file into a real local server.

Run: .venv/bin/python benchmarks/bench_trajectory.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from hcflow.md.trajectory import CompactTrajectory

OUT = Path(__file__).parent / "results" / "trajectory.json"


def md_like(n_atoms=320, n_frames=500, n_na=40, box=16.0, seed=0):
    """Carbon vibrating around sites (OU process) + diffusing Na, wrapped."""
    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, box, (n_atoms, 3))
    disp = np.zeros((n_atoms, 3))
    na = np.arange(n_atoms) >= n_atoms - n_na
    frames = np.empty((n_frames, n_atoms, 3))
    pos_na = sites[na].copy()
    for f in range(n_frames):
        disp = 0.7 * disp + rng.normal(0, 0.08, disp.shape)  # ~0.1 A vibration
        pos_na += rng.normal(0, 0.25, pos_na.shape)  # ~1e-4 cm2/s at 20 fs/frame
        frames[f] = sites + disp
        frames[f, na] = pos_na + disp[na]
    numbers = np.where(na, 11, 6)
    return numbers, frames, np.eye(3) * box


def main() -> dict:
    from ase import Atoms
    from pymatgen.core import Lattice, Structure
    from pymatgen.core.trajectory import Trajectory

    numbers, positions, cell = md_like()
    n_frames, n_atoms, _ = positions.shape
    af = n_frames * n_atoms
    traj = CompactTrajectory(numbers, positions, cell, np.arange(n_frames) * 0.02)
    compact = traj.nbytes_stored()
    back = CompactTrajectory.from_dict(json.loads(json.dumps(traj.as_dict())))
    max_err = float(np.abs(back.positions - positions).max())

    species = ["Na" if z == 11 else "C" for z in numbers]
    lattice = Lattice(cell)
    structures = [
        Structure(lattice, species, p, coords_are_cartesian=True) for p in positions
    ]
    pmg = Trajectory.from_structures(structures, constant_lattice=True)
    from monty.json import MontyEncoder

    pmg_bytes = len(json.dumps(pmg.as_dict(), cls=MontyEncoder))
    per_structure = sum(len(json.dumps(s.as_dict())) for s in structures[:20]) / 20

    # ingest throughput into a real local server
    from hcflow.db.server import free_port, start_server, stop_server
    from hcflow.services.ingest import IngestMetadata, ingest_trajectory
    from hcflow.settings import Settings

    tmp = Path(tempfile.mkdtemp())
    import ase.io

    frames = [
        Atoms(numbers=numbers, positions=p, cell=cell, pbc=True) for p in positions
    ]
    for a in frames:
        a.wrap()
    path = tmp / "md.extxyz"
    ase.io.write(path, frames)
    port = free_port()
    start_server(tmp / "data", port=port)
    try:
        settings = Settings(data_dir=tmp / "data", db_port=port, db_name="bench")
        from hcflow.db.stores import ensure_indexes

        ensure_indexes(settings)
        meta = IngestMetadata(temperature_K=1000, timestep_fs=2, frame_interval=10)
        t0 = time.perf_counter()
        ingest_trajectory(path, meta, settings)
        ingest_s = time.perf_counter() - t0
    finally:
        stop_server(tmp / "data")
        shutil.rmtree(tmp, ignore_errors=True)

    result = {
        "n_atoms": n_atoms,
        "n_frames": n_frames,
        "compact_bytes_per_atom_frame": compact / af,
        "pymatgen_trajectory_json_bytes_per_atom_frame": pmg_bytes / af,
        "per_frame_structure_json_bytes_per_atom_frame": per_structure / n_atoms,
        "ratio_pymatgen_over_compact": pmg_bytes / compact,
        "max_coordinate_error_A": max_err,
        "ingest_seconds": ingest_s,
        "ingest_atom_frames_per_s": af / ingest_s,
    }
    print(f"trajectory: {n_atoms} atoms x {n_frames} frames (MD-like, wrapped)")
    print(f"  hcflow compact           {compact / af:8.2f} bytes/atom-frame")
    print(f"  pymatgen Trajectory JSON {pmg_bytes / af:8.2f} bytes/atom-frame")
    print(f"  Structure JSON per frame {per_structure / n_atoms:8.2f} bytes/atom-frame")
    print(f"  ratio pymatgen/compact   {pmg_bytes / compact:8.1f} x")
    print(f"  max coordinate error     {max_err:.2e} A")
    print(
        f"  ingest (extxyz -> server) {af / ingest_s:,.0f} atom-frames/s "
        f"({ingest_s:.2f} s)"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
