"""Studies on your own structures: a study's ``structures:`` entries, checked.

An entry names a file (CIF, POSCAR, extxyz, ...; ``file``) and whether the
study inserts Na into it (``sodiate``: true, the study's ``na_per_c``; false,
the file's own Na; an integer, that many Na). :func:`read_user_cell` reads
and checks it (carbon present, 3D periodic, no two atoms closer than
:data:`MIN_DISTANCE_A`) and returns the cell with its carbon density, Na
content and a content key (a changed file is another structure and another
settings hash). Every check is a one-line HcflowError before any job.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ase import Atoms
from pydantic import BaseModel, ConfigDict, Field

from hcflow.errors import HcflowError
from hcflow.structures.analysis import read_structure

#: closest distance two atoms of a user structure may have, A
MIN_DISTANCE_A = 0.5
#: largest relative mismatch of a study density and the file's density
DENSITY_TOLERANCE = 0.02


class UserStructure(BaseModel):
    """One entry of a study's ``structures:`` list."""

    model_config = ConfigDict(extra="forbid")

    file: str = Field(description="Structure file, relative to the study file.")
    sodiate: bool | int = Field(
        True,
        description="true: insert the study's na_per_c; false: the file's Na as "
        "it is; an integer: insert that many Na.",
    )


def closest_distance(atoms: Atoms) -> float:
    """Shortest interatomic distance (minimum image), A; inf for one atom."""
    from ase.neighborlist import neighbor_list

    if len(atoms) < 2:
        return float("inf")
    d = neighbor_list("d", atoms, MIN_DISTANCE_A + 1.0)
    return float(d.min()) if len(d) else float("inf")


def read_user_cell(entry: UserStructure, base: Path | None = None) -> dict:
    """The checked cell of an entry: atoms, n_c, n_na, density and key.

    Parameters
    ----------
    entry
        The ``structures:`` entry.
    base
        Folder relative paths are resolved against (the study file's).

    Returns
    -------
    dict
        ``path`` (absolute), ``atoms``, ``n_carbon``, ``n_na``,
        ``density_g_cm3`` (carbon mass / volume), ``na_per_c`` (of the file)
        and ``key`` (hash of numbers, positions and cell).
    """
    from hcflow.hashing import stable_hash
    from hcflow.units import densities_g_cm3

    path = Path(entry.file).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    atoms = read_structure(path)  # missing file, no carbon, not 3D periodic
    d = closest_distance(atoms)
    if d < MIN_DISTANCE_A:
        raise HcflowError(
            f"structure in {path} has overlapping atoms ({d:.2f} A apart, "
            f"< {MIN_DISTANCE_A} A)"
        )
    z = atoms.numbers
    n_c, n_na = int(np.sum(z == 6)), int(np.sum(z == 11))
    if set(np.unique(z)) - {6, 11}:
        raise HcflowError(f"structure in {path} holds elements other than C and Na")
    sodiate = entry.sodiate
    if sodiate is False and n_na == 0:
        raise HcflowError(f"structure in {path} has no Na and sodiate is false")
    if not isinstance(sodiate, bool) and sodiate < 1:
        raise HcflowError(f"structure {path}: sodiate must be true, false or >= 1")
    rho = densities_g_cm3(z, atoms.cell.array)[0]
    key = stable_hash(
        [z.tolist(), np.round(atoms.positions, 5).tolist(), atoms.cell.array.tolist()]
    )
    return {
        "path": str(path.resolve()),
        "atoms": atoms,
        "n_carbon": n_c,
        "n_na": n_na,
        "density_g_cm3": float(rho),
        "na_per_c": n_na / n_c,
        "key": key,
    }


def check_density(study_rho: float, cell: dict) -> None:
    """One-line error when a study density contradicts the file's (> 2 %)."""
    rho = cell["density_g_cm3"]
    if abs(study_rho - rho) > DENSITY_TOLERANCE * rho:
        raise HcflowError(
            f"density {study_rho:g} g/cm3 contradicts {cell['path']} "
            f"({rho:.3f} g/cm3, more than {DENSITY_TOLERANCE:.0%} apart)"
        )


def loadings(entry: UserStructure, cell: dict, na_per_c: list[float]) -> list:
    """The Na:C ratios a user structure is run at: inserted Na per C (the
    file's own Na stay) or, with ``sodiate: false``, the file's Na:C."""
    if entry.sodiate is True:
        return list(na_per_c)
    if entry.sodiate is False:
        return [cell["na_per_c"]]
    return [int(entry.sodiate) / cell["n_carbon"]]
