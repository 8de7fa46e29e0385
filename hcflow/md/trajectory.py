"""Compact Na/C MD trajectories: unwrapped positions in under 8 bytes/atom-frame.

:class:`CompactTrajectory` (an MSONable that survives JSON round trips) stores
**unwrapped** Cartesian positions (A) quantised on a grid of ``resolution`` A
(default 1e-3 A): frame 0 as int64, later frames as int32 differences to the
previous one, decoded exactly by a cumulative sum (no drift); cells per frame,
atomic numbers, times (ps), optional energies (eV) and forces (eV/A, float32),
all encoded by :mod:`hcflow.md.trajectory_codec`. The object never lives
inside a document: jobs declare it with ``@job(data=[CompactTrajectory])`` and
jobflow puts it in the GridFS ``data`` store; ``hcflow ingest`` writes it the
same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from monty.json import MSONable

from hcflow.errors import HcflowError
from hcflow.md.trajectory_codec import check_cells, check_coordinates, pack, unpack

FORMAT_VERSION = 1


def unwrap_positions(
    positions: np.ndarray, cells: np.ndarray, pbc: Sequence[bool] = (True, True, True)
) -> np.ndarray:
    """Unwrap periodic coordinates frame by frame (minimum image in between).

    Parameters
    ----------
    positions
        (n_frames, n_atoms, 3) Cartesian coordinates in A, possibly wrapped.
    cells
        (n_frames, 3, 3) cell vectors (rows) in A.
    pbc
        Periodic directions; non-periodic ones are left as they are.

    Notes
    -----
    Correct as long as no atom moves more than half a cell vector between two
    stored frames. Works for a changing cell by unwrapping in fractional
    coordinates.
    """
    positions = np.asarray(positions, dtype=np.float64)
    cells = np.asarray(cells, dtype=np.float64)
    frac = np.einsum("fai,fij->faj", positions, np.linalg.inv(cells))
    dfrac = np.diff(frac, axis=0)
    mask = np.asarray(pbc, dtype=bool)
    dfrac[..., mask] -= np.round(dfrac[..., mask])
    unwrapped = np.concatenate([frac[:1], frac[:1] + np.cumsum(dfrac, axis=0)])
    return np.einsum("faj,fjk->fak", unwrapped, cells)


class CompactTrajectory(MSONable):
    """A compressed, JSON-safe MD trajectory of one system (A, ps, eV).

    Parameters
    ----------
    numbers
        Atomic numbers, shape (n_atoms,).
    positions
        Unwrapped Cartesian positions, shape (n_frames, n_atoms, 3), A.
    cells
        Cell vectors per frame, shape (n_frames, 3, 3) or (3, 3), A.
    times_ps
        Time of each frame, shape (n_frames,), ps.
    energies
        Optional potential energy per frame, eV.
    forces
        Optional forces, shape (n_frames, n_atoms, 3), eV/A.
    pbc
        Periodic directions.
    resolution
        Quantisation step for positions, A (error <= resolution / 2).
    """

    def __init__(
        self,
        numbers: Sequence[int],
        positions: np.ndarray,
        cells: np.ndarray,
        times_ps: Sequence[float],
        energies: Sequence[float] | None = None,
        forces: np.ndarray | None = None,
        pbc: Sequence[bool] = (True, True, True),
        resolution: float = 1e-3,
    ):
        self.numbers = np.asarray(numbers, dtype=np.int64)
        positions = np.asarray(positions, dtype=np.float64)
        if positions.ndim != 3 or positions.shape[2] != 3:
            raise HcflowError(
                f"positions must have shape (frames, atoms, 3), got {positions.shape}"
            )
        n_frames, n_atoms, _ = positions.shape
        if n_atoms != len(self.numbers):
            raise HcflowError(
                f"{len(self.numbers)} atomic numbers but {n_atoms} atoms per frame"
            )
        if n_frames == 0 or n_atoms == 0:
            raise HcflowError("a trajectory needs at least one frame and one atom")
        check_coordinates(positions)
        cells = np.asarray(cells, dtype=np.float64)
        if cells.shape == (3, 3):
            cells = np.broadcast_to(cells, (n_frames, 3, 3)).copy()
        if cells.shape != (n_frames, 3, 3):
            raise HcflowError(f"cells must have shape ({n_frames}, 3, 3)")
        self.pbc = [bool(p) for p in pbc]
        check_cells(cells, periodic=any(self.pbc))
        self.cells = cells
        self.times_ps = np.asarray(times_ps, dtype=np.float64)
        if self.times_ps.shape != (n_frames,):
            raise HcflowError(f"times_ps must have {n_frames} entries")
        if not np.all(np.isfinite(self.times_ps)):
            raise HcflowError("NaN or infinite frame times")
        if n_frames > 1 and np.any(np.diff(self.times_ps) <= 0):
            raise HcflowError("frame times must increase")
        self.energies = None if energies is None else np.asarray(energies, float)
        if self.energies is not None and not np.all(np.isfinite(self.energies)):
            raise HcflowError("NaN or infinite energies")
        self.forces = None if forces is None else np.asarray(forces, np.float32)
        if self.forces is not None and not np.all(np.isfinite(self.forces)):
            raise HcflowError("NaN or infinite forces (or beyond float32)")
        self.resolution = float(resolution)
        if not (np.isfinite(self.resolution) and self.resolution >= 1e-6):
            raise HcflowError("resolution must be a finite length of at least 1e-6 A")
        self._grid = np.round(positions / self.resolution).astype(np.int64)
        if n_frames > 1 and np.abs(np.diff(self._grid, axis=0)).max() >= 2**31:
            raise HcflowError(
                "an atom moved too far between two frames to encode at "
                f"resolution {self.resolution:g} A"
            )

    # ----------------------------------------------------------------- access
    @property
    def n_frames(self) -> int:
        return self._grid.shape[0]

    @property
    def n_atoms(self) -> int:
        return self._grid.shape[1]

    @property
    def positions(self) -> np.ndarray:
        """Unwrapped positions (n_frames, n_atoms, 3), A."""
        return self._grid * self.resolution

    def species_indices(self, symbol: str) -> np.ndarray:
        """Indices of atoms of one element (e.g. ``"Na"``)."""
        from ase.data import atomic_numbers

        return np.flatnonzero(self.numbers == atomic_numbers[symbol])

    @property
    def symbols(self) -> list[str]:
        from ase.data import chemical_symbols

        return [chemical_symbols[z] for z in self.numbers]

    @property
    def frame_dt_ps(self) -> float:
        """Time between stored frames (ps); 0 for a single frame."""
        if self.n_frames < 2:
            return 0.0
        return float(np.median(np.diff(self.times_ps)))

    def to_ase(self, frame: int | None = None, wrap: bool = False):
        """One frame (or all, as a list) as ASE Atoms; stored energies and
        forces come as a SinglePointCalculator (``get_potential_energy()``)."""
        from ase import Atoms

        frames = range(self.n_frames) if frame is None else [frame]
        pos = self.positions
        out = []
        for i in frames:
            atoms = Atoms(
                numbers=self.numbers, positions=pos[i], cell=self.cells[i], pbc=self.pbc
            )
            if wrap:
                atoms.wrap()
            if self.energies is not None or self.forces is not None:
                from ase.calculators.singlepoint import SinglePointCalculator

                atoms.calc = SinglePointCalculator(
                    atoms,
                    energy=None if self.energies is None else float(self.energies[i]),
                    forces=None
                    if self.forces is None
                    else self.forces[i].astype(float),
                )
            atoms.info["time_ps"] = float(self.times_ps[i])
            out.append(atoms)
        return out if frame is None else out[0]

    def iter_ase(self, wrap: bool = False) -> Iterator:
        for i in range(self.n_frames):
            yield self.to_ase(i, wrap=wrap)

    def to_structure(self, frame: int = -1):
        """One frame as a pymatgen Structure."""
        from pymatgen.io.ase import AseAtomsAdaptor

        return AseAtomsAdaptor.get_structure(self.to_ase(frame % self.n_frames))

    def slice(self, start: int = 0, stop: int | None = None, step: int = 1):
        """A new trajectory holding frames ``start:stop:step``."""
        sel = slice(start, stop, step)
        return CompactTrajectory(
            self.numbers,
            self.positions[sel],
            self.cells[sel],
            self.times_ps[sel],
            None if self.energies is None else self.energies[sel],
            None if self.forces is None else self.forces[sel],
            self.pbc,
            self.resolution,
        )

    # ----------------------------------------------------------- constructors
    @classmethod
    def from_ase(
        cls,
        frames: Sequence,
        frame_dt_ps: float,
        unwrap: bool = True,
        resolution: float = 1e-3,
        t0_ps: float = 0.0,
    ) -> CompactTrajectory:
        """Build from ASE Atoms frames (wrapped coordinates are unwrapped)."""
        if len(frames) == 0:
            raise HcflowError("no frames")
        n0 = len(frames[0])
        for i, atoms in enumerate(frames):
            if len(atoms) != n0:
                raise HcflowError(
                    f"frame {i} has {len(atoms)} atoms but frame 0 has {n0}"
                )
        numbers = frames[0].numbers
        for i, atoms in enumerate(frames):
            if not np.array_equal(atoms.numbers, numbers):
                raise HcflowError(f"frame {i} has different species than frame 0")
        positions = np.stack([a.positions for a in frames])
        check_coordinates(positions)
        cells = np.stack([np.asarray(a.cell[:]) for a in frames])
        pbc = [bool(p) for p in frames[0].pbc]
        check_cells(cells, periodic=any(pbc))
        if unwrap and any(pbc):
            positions = unwrap_positions(positions, cells, pbc)
        energies = None
        if all(_energy(a) is not None for a in frames):
            energies = [_energy(a) for a in frames]
        forces = None
        if all(_forces(a) is not None for a in frames):
            forces = np.stack([_forces(a) for a in frames])
        times = t0_ps + frame_dt_ps * np.arange(len(frames))
        return cls(numbers, positions, cells, times, energies, forces, pbc, resolution)

    # ---------------------------------------------------------- serialization
    def as_dict(self) -> dict:
        grid = self._grid
        deltas = np.diff(grid, axis=0)
        return {
            "@module": type(self).__module__,
            "@class": type(self).__name__,
            "format_version": FORMAT_VERSION,
            "n_frames": self.n_frames,
            "n_atoms": self.n_atoms,
            "resolution": self.resolution,
            "pbc": self.pbc,
            "numbers": self.numbers.tolist(),
            "first": pack(grid[0].astype(np.int64)),
            "deltas": pack(deltas.astype(np.int32)),
            "cells": pack(self.cells),
            "times_ps": pack(self.times_ps),
            "energies": None if self.energies is None else pack(self.energies),
            "forces": None if self.forces is None else pack(self.forces),
        }

    @classmethod
    def from_dict(cls, d: dict) -> CompactTrajectory:
        if d.get("format_version") != FORMAT_VERSION:
            raise HcflowError(
                f"unknown trajectory format version {d.get('format_version')}"
            )
        first = unpack(d["first"]).astype(np.int64)
        deltas = unpack(d["deltas"]).astype(np.int64)
        grid = np.concatenate([first[None], first[None] + np.cumsum(deltas, axis=0)])
        obj = cls.__new__(cls)
        obj.numbers = np.asarray(d["numbers"], dtype=np.int64)
        obj.cells = unpack(d["cells"]).copy()
        obj.times_ps = unpack(d["times_ps"]).copy()
        obj.energies = None if d["energies"] is None else unpack(d["energies"]).copy()
        obj.forces = None if d["forces"] is None else unpack(d["forces"]).copy()
        obj.pbc = list(d["pbc"])
        obj.resolution = float(d["resolution"])
        obj._grid = grid
        return obj

    def nbytes_stored(self) -> int:
        """Size of the JSON-encoded object in bytes (what GridFS holds)."""
        import json

        return len(json.dumps(self.as_dict()))

    def __repr__(self) -> str:
        return (
            f"CompactTrajectory({self.n_frames} frames, {self.n_atoms} atoms, "
            f"dt={self.frame_dt_ps:g} ps)"
        )


def _energy(atoms) -> float | None:
    if atoms.calc is not None:
        try:
            return float(atoms.get_potential_energy())
        except Exception:  # noqa: BLE001 - a calculator without results
            pass
    for key in ("energy", "free_energy", "potential_energy"):
        if key in atoms.info:
            return float(atoms.info[key])
    return None


def _forces(atoms) -> np.ndarray | None:
    if atoms.calc is not None:
        try:
            return np.asarray(atoms.get_forces())
        except Exception:  # noqa: BLE001
            pass
    if "forces" in atoms.arrays:
        return np.asarray(atoms.arrays["forces"])
    return None
