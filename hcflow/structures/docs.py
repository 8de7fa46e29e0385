"""StructureDocs from ASE Atoms: the statistics are computed here, not in the schema.

:func:`make_structure_doc` computes the sp/sp2/sp3 shares, the ring counts and
(when ``pore_spacing`` is set) the pore statistics of a structure, then builds
the :class:`~hcflow.schemas.structure.StructureDoc` with them. The Makers,
the ``hcflow structure`` commands and the notebook API all use it.
"""

from __future__ import annotations

from hcflow.schemas.structure import StructureDoc
from hcflow.structures.analysis import hybridisation, ring_statistics
from hcflow.structures.pore_analysis import analyze_pores
from hcflow.structures.pore_grid import DEFAULT_PROBE_RADIUS
from hcflow.units import CARBON


def pore_summary(
    atoms, spacing: float, probe_radius: float = DEFAULT_PROBE_RADIUS
) -> dict:
    """Pore statistics of a structure's carbon (PoreAnalysis.summary)."""
    carbon = atoms.numbers == CARBON
    return analyze_pores(
        atoms.positions[carbon],
        atoms.cell.array,
        spacing=spacing,
        probe_radius=probe_radius,
        tortuosity_spacing=max(spacing, 0.5),
        local_tortuosity=False,
    ).summary()


def make_structure_doc(
    atoms,
    kind: str,
    method: str,
    pore_spacing: float | None = 0.5,
    probe_radius: float = DEFAULT_PROBE_RADIUS,
    rings: bool = True,
    **fields,
) -> StructureDoc:
    """The StructureDoc of ``atoms`` with its statistics.

    Parameters
    ----------
    atoms
        A periodic structure with carbon.
    kind, method
        Document fields (see :class:`~hcflow.schemas.structure.StructureDoc`).
    pore_spacing
        Grid spacing of the pore analysis, A; None: no pore statistics.
    probe_radius
        Closest Na-C contact defining accessible space, A.
    rings
        Count shortest rings (seconds for thousands of atoms).
    fields
        Passed to ``StructureDoc.from_atoms``: params, seed,
        parent_structure_id, study_id, structure_id, source.
    """
    return StructureDoc.from_atoms(
        atoms,
        kind,
        method,
        hybridisation=hybridisation(atoms),
        rings=ring_statistics(atoms) if rings else None,
        pores=pore_summary(atoms, pore_spacing, probe_radius) if pore_spacing else None,
        **fields,
    )
