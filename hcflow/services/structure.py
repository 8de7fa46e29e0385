"""Structures: generate (and sodiate), import, analyse, save.

What ``hcflow structure ...`` and the notebook API do; the science is in
:mod:`hcflow.structures`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hcflow.errors import HcflowError
from hcflow.inputs import read_mapping
from hcflow.limits import MAX_NA_PER_C
from hcflow.services.common import Echo, connect, to_stderr
from hcflow.settings import Settings


def generate_structure(
    density: float,
    n_carbon: int,
    seed: int = 0,
    na_per_c: float | None = None,
    min_na_c: float = 2.3,
    min_na_na: float = 3.0,
    params: dict | str | None = None,
    pore_spacing: float | None = 0.5,
    source: str = "cli:structure generate",
) -> tuple[Any, list]:
    """A hard-carbon cell, optionally sodiated; (final Atoms, StructureDocs).

    The documents are the generated cell and, with ``na_per_c``, the
    sodiated one (its parent is the first).
    """
    from hcflow.structures.docs import make_structure_doc
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    if na_per_c is not None and not 0.0 <= na_per_c <= MAX_NA_PER_C:
        raise HcflowError(
            f"Na:C must be between 0 and {MAX_NA_PER_C:g}, got {na_per_c}"
        )
    kw = read_mapping(params, "--params")
    atoms = generate_hard_carbon(n_carbon, density, seed, **kw)
    info = atoms.info["hcflow"]
    docs = [
        make_structure_doc(
            atoms,
            "generated",
            info["method"],
            params=info,
            seed=seed,
            pore_spacing=pore_spacing,
            source=source,
        )
    ]
    if na_per_c is not None:
        atoms = sodiate(atoms, na_per_c, seed, min_na_c=min_na_c, min_na_na=min_na_na)
        sod = atoms.info["hcflow_sodiation"]
        docs.append(
            make_structure_doc(
                atoms,
                "sodiated",
                sod["method"],
                params=sod,
                seed=seed,
                parent_structure_id=docs[0].structure_id,
                pore_spacing=pore_spacing,
                source=source,
            )
        )
    return atoms, docs


def import_structure(path: str | Path, pore_spacing: float | None = 0.5):
    """A user structure file as (Atoms, StructureDoc)."""
    from hcflow.structures.analysis import read_structure
    from hcflow.structures.docs import make_structure_doc

    path = Path(path)
    atoms = read_structure(path)
    doc = make_structure_doc(
        atoms,
        "imported",
        f"import:{path.name}",
        pore_spacing=pore_spacing,
        source=f"import:{path}",
    )
    return atoms, doc


def analyze_structure(path: str | Path, spacing: float = 0.3, probe: float = 2.3):
    """The statistics of a structure file as a StructureDoc (not saved)."""
    from hcflow.structures.analysis import read_structure
    from hcflow.structures.docs import make_structure_doc

    if not 0.05 <= spacing <= 2.0:
        raise HcflowError(f"--spacing must be between 0.05 and 2 A, got {spacing}")
    path = Path(path)
    return make_structure_doc(
        read_structure(path),
        "imported",
        f"analyze:{path.name}",
        pore_spacing=spacing,
        probe_radius=probe,
    )


def save_structures(
    docs: list, settings: Settings | None = None, announce: Echo | None = to_stderr
) -> int:
    """Upsert StructureDocs into the ``structures`` collection; how many."""
    from hcflow.structures.store import save_structure_docs

    return save_structure_docs(docs, connect(settings, announce=announce))


def write_structure(atoms, path: str | Path) -> Path:
    """Write Atoms to a file ASE can write (format from the suffix)."""
    from ase.io import write

    try:
        write(path, atoms)
    except Exception as exc:  # noqa: BLE001 - ASE raises many kinds
        raise HcflowError(f"cannot write {path}: {exc}") from None
    return Path(path)
