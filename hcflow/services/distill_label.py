"""The teacher of a distillation and its on-disk label cache.

:func:`make_teacher` gives any potential the one calculator factory resolves
(``chgnet``, ``sevennet-l3i5``, a MACE file...), with D3(BJ) added when asked.
:func:`label` returns a configuration with the teacher's energy and forces;
with a cache folder every label is stored as one ``.npz`` named by
:func:`label_key` (atoms, cell, teacher, dispersion), so an interrupted or
later run with the same configurations relabels nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

#: the round-off of positions and cell in the key, A
KEY_DECIMALS = 6


def teacher_label(teacher: str, dispersion: str | None) -> str:
    """The teacher as recorded in the model json, e.g. ``sevennet-l3i5+d3bj``."""
    return teacher + (f"+{dispersion}" if dispersion else "")


def make_teacher(teacher: str = "chgnet", dispersion: str | None = None) -> Any:
    """The teacher's ASE calculator (D3 with the functional of its training)."""
    from hcflow.potentials import get_calculator, resolve_potential

    calc = get_calculator(teacher)
    if not dispersion:
        return calc
    from hcflow.potentials.dispersion import with_dispersion
    from hcflow.potentials.names import functional_of

    functional = functional_of(resolve_potential(teacher)) or "pbe"
    return with_dispersion(calc, functional, dispersion)


def label_key(atoms, teacher: str) -> str:
    """sha256 of the numbers, positions, cell, pbc and the teacher label."""
    h = hashlib.sha256(teacher.encode())
    h.update(np.asarray(atoms.numbers, dtype=np.int64).tobytes())
    for arr in (atoms.positions, np.asarray(atoms.cell)):
        h.update(np.round(np.asarray(arr, float), KEY_DECIMALS).tobytes())
    h.update(np.asarray(atoms.pbc, dtype=bool).tobytes())
    return h.hexdigest()


class LabelCache:
    """Teacher labels per configuration, in memory or in ``folder``.

    ``calc_factory`` is called once, on the first label not in the cache,
    so a fully cached run never starts the teacher. ``hits`` and ``misses``
    count look-ups.
    """

    def __init__(self, calc_factory, teacher: str, folder: str | Path | None = None):
        self._factory = calc_factory
        self._calc = None
        self.teacher = teacher
        self.folder = Path(folder) if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.hits = 0
        self.misses = 0

    @property
    def calc(self):
        """The teacher's calculator, started on first use."""
        if self._calc is None:
            self._calc = self._factory()
        return self._calc

    def _path(self, key: str) -> Path | None:
        return self.folder / f"{key}.npz" if self.folder else None

    def energy_forces(self, atoms) -> tuple[float, np.ndarray]:
        """The teacher's energy (eV) and forces (eV/A) of ``atoms``.

        Results already on ``atoms`` (an MD step of the teacher) are used
        and stored; otherwise the cache, then the teacher.
        """
        key = label_key(atoms, self.teacher)
        path = self._path(key)
        if path is not None and path.exists():
            with np.load(path) as data:
                self.hits += 1
                return float(data["energy"]), data["forces"].copy()
        self.misses += 1
        probe = atoms.copy()
        probe.calc = atoms.calc if atoms.calc is not None else self.calc
        energy = float(probe.get_potential_energy())
        forces = np.asarray(probe.get_forces(), float).copy()
        if path is not None:  # write then rename: a killed run leaves no stub
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, energy=energy, forces=forces)
            tmp.replace(path)
        return energy, forces
