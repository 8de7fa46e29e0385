"""StructureDocs of melt-quench cells: cell (content-addressed), MLIP relax, stats.

:func:`melt_quench_doc` is what ``HardCarbonMaker(method="md")`` and
``hcflow structure generate --method md`` call: it gets the cell from
:func:`hcflow.structures.meltquench.generate_melt_quench` (the library or the
cache when the same inputs were generated before), relaxes it with the study's
MLIP when the protocol asks for it, and builds the StructureDoc with its
``content_hash`` and ``validation`` (:mod:`hcflow.structures.validation`).
"""

from __future__ import annotations

from typing import Any

from ase import Atoms

from hcflow.schemas.structure import StructureDoc


def mlip_relax(atoms: Atoms, potential: Any, steps: int) -> Atoms:
    """FIRE relaxation (fixed cell) with a potential spec; records it in info."""
    from hcflow.potentials import get_calculator
    from hcflow.structures.relax import relax_structure

    info = dict(atoms.info["hcflow"])
    out = relax_structure(atoms, get_calculator(potential), steps=steps)
    info["relax"] = {"potential": potential, **out.info.pop("hcflow_relax")}
    out.info["hcflow"] = info
    return out


def doc_from_cell(
    atoms: Atoms,
    study_id: str | None = None,
    pore_spacing: float | None = 0.5,
    source: str = "hcflow-structures",
) -> StructureDoc:
    """StructureDoc of a generated cell with content hash and validation."""
    from hcflow.structures.validation import validate_structure

    info = dict(atoms.info["hcflow"])
    params = {**info["params"], **{k: v for k, v in info.items() if k != "params"}}
    doc = StructureDoc.from_atoms(
        atoms,
        kind="generated",
        method=info["method"],
        params=params,
        seed=info.get("seed"),
        study_id=study_id,
        pore_spacing=pore_spacing,
        source=source,
    )
    doc.content_hash = info.get("content_hash")
    doc.validation = validate_structure(atoms, pore_spacing=None, rings=False)
    return doc


def melt_quench_doc(
    n_carbon: int,
    density_g_cm3: float,
    seed: int = 0,
    protocol: dict | None = None,
    relax_potential: Any = None,
    study_id: str | None = None,
    pore_spacing: float | None = 0.5,
    source: str = "hcflow-structures",
) -> StructureDoc:
    """Generate (or reuse) a melt-quench cell and document it.

    Parameters
    ----------
    n_carbon, density_g_cm3, seed, protocol
        As :func:`hcflow.structures.meltquench.generate_melt_quench`.
    relax_potential
        Potential spec of the optional MLIP relaxation
        (``protocol["mlip_relax_steps"]`` > 0); ignored when that is 0.
    study_id, pore_spacing, source
        As :meth:`StructureDoc.from_atoms`.
    """
    from hcflow.errors import HcflowError
    from hcflow.structures.meltquench import generate_melt_quench, parse_protocol

    p = parse_protocol(protocol)
    atoms = generate_melt_quench(n_carbon, density_g_cm3, seed, p)
    if p.mlip_relax_steps > 0:
        if relax_potential is None:
            raise HcflowError("mlip_relax_steps > 0 needs a potential to relax with")
        atoms = mlip_relax(atoms, relax_potential, p.mlip_relax_steps)
    return doc_from_cell(atoms, study_id, pore_spacing, source)
