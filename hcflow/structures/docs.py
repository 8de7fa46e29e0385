"""StructureDocs from ASE Atoms: the statistics are computed here, not in the schema.

:func:`make_structure_doc` computes hybridisation, rings, optional pore
statistics and validation and builds the
:class:`~hcflow.schemas.structure.StructureDoc`; the Makers, the ``hcflow
structure`` commands and the notebook API all use it. :func:`generated_doc`
and :func:`melt_quench_doc` document generated (packed or melt-quench) cells.

Details: docs/structures.md.
"""

from __future__ import annotations

from typing import Any

from hcflow.schemas.structure import StructureDoc
from hcflow.structures.analysis import hybridisation, ring_statistics
from hcflow.structures.pore_analysis import pore_summary
from hcflow.structures.pore_grid import DEFAULT_PROBE_RADIUS


def make_structure_doc(
    atoms,
    kind: str,
    method: str,
    pore_spacing: float | None = 0.5,
    probe_radius: float = DEFAULT_PROBE_RADIUS,
    rings: bool = True,
    validate: bool = False,
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
    validate
        Add the realism validation (sp fractions, d002 and stacking distance
        next to literature ranges; rings and pores are the document's own).
    fields
        Passed to ``StructureDoc.from_atoms``: params, seed,
        parent_structure_id, study_id, structure_id, content_hash, source.
    """
    validation = None
    if validate:
        from hcflow.structures.validation import validate_structure

        validation = validate_structure(atoms, pore_spacing=None, rings=False)
    return StructureDoc.from_atoms(
        atoms,
        kind,
        method,
        hybridisation=hybridisation(atoms),
        rings=ring_statistics(atoms) if rings else None,
        pores=pore_summary(atoms, pore_spacing, probe_radius) if pore_spacing else None,
        validation=validation,
        **fields,
    )


def generated_doc(
    atoms,
    seed: int | None = None,
    pore_spacing: float | None = 0.5,
    validate: bool = False,
    **fields,
) -> StructureDoc:
    """StructureDoc of a generated cell from its ``info["hcflow"]`` record.

    ``params`` is the generator's parameters plus the rest of its record
    (method details, relaxation, timings); ``content_hash`` is set when the
    record has one (melt-quench cells). ``fields``: study_id, source.
    """
    info = dict(atoms.info["hcflow"])
    params = {
        **info.get("params", {}),
        **{k: v for k, v in info.items() if k != "params"},
    }
    return make_structure_doc(
        atoms,
        kind="generated",
        method=info["method"],
        params=params,
        seed=seed if seed is not None else info.get("seed"),
        content_hash=info.get("content_hash"),
        relax=info.get("relax"),
        pore_spacing=pore_spacing,
        validate=validate,
        **fields,
    )


def melt_quench_doc(
    n_carbon: int,
    density_g_cm3: float,
    seed: int = 0,
    protocol: dict | None = None,
    relax_potential: Any = None,
    study_id: str | None = None,
    pore_spacing: float | None = 0.5,
    source: str = "hcflow-structures",
    relax_fmax: float = 0.2,
) -> tuple[Any, StructureDoc]:
    """Generate (or reuse) a melt-quench cell and document it: (Atoms, doc).

    Parameters
    ----------
    n_carbon, density_g_cm3, seed, protocol
        As :func:`hcflow.structures.meltquench.generate_melt_quench`.
    relax_potential
        Potential spec of the optional MLIP relaxation
        (``protocol["mlip_relax_steps"]`` > 0, FIRE to ``relax_fmax`` eV/A);
        ignored when that is 0.
    study_id, pore_spacing, source
        As :func:`make_structure_doc`.
    """
    from hcflow.errors import HcflowError
    from hcflow.structures.meltquench import generate_melt_quench, parse_protocol

    p = parse_protocol(protocol)
    if p.mlip_relax_steps > 0 and relax_potential is None:
        raise HcflowError("mlip_relax_steps > 0 needs a potential to relax with")
    atoms = generate_melt_quench(n_carbon, density_g_cm3, seed, p)
    if p.mlip_relax_steps > 0:
        from hcflow.structures.relax import relax_with_potential

        atoms = relax_with_potential(
            atoms, relax_potential, p.mlip_relax_steps, fmax=relax_fmax
        )
    doc = generated_doc(
        atoms,
        seed=seed,
        pore_spacing=pore_spacing,
        validate=True,
        study_id=study_id,
        source=source,
    )
    return atoms, doc
