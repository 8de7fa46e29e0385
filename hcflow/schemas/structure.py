"""The ``structures`` document: one generated, imported or sodiated structure."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from pymatgen.core import Structure

from hcflow.hashing import structure_key
from hcflow.schemas.common import Provenance, optional, utcnow
from hcflow.units import CARBON, SODIUM, densities_g_cm3


class StructureDoc(BaseModel):
    """A Na/C structure with its statistics (units: A, A^3, g/cm3)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    structure_id: str = Field(
        description="Unique id of this structure: a hash of its content (numbers, "
        "positions, cell) and inputs (kind, method, seed, parent, study)."
    )
    kind: Literal["generated", "imported", "sodiated"] = Field(
        description="generated: hard-carbon generator; imported: a user file; "
        "sodiated: Na inserted into a parent structure."
    )
    formula: str = Field(description="Reduced formula, e.g. NaC6.")
    composition: dict[str, int] = Field(description="Atom counts per element.")
    n_atoms: int = Field(description="Atoms in the cell.")
    n_c: int = Field(description="Carbon atoms.")
    n_na: int = Field(description="Na atoms.")
    density_g_cm3: float = Field(description="Carbon density (C mass / volume), g/cm3.")
    total_density_g_cm3: float = Field(description="Density of all atoms, g/cm3.")
    na_content: float = Field(description="Na:C ratio (n_Na / n_C), dimensionless.")
    volume_A3: float = Field(description="Cell volume, A^3.")
    sp_fraction: float = Field(description="Share of C with <= 2 C neighbours.")
    sp2_fraction: float = Field(description="Share of C with exactly 3 C neighbours.")
    sp3_fraction: float = Field(description="Share of C with >= 4 C neighbours.")
    coordination_cutoff: float = Field(description="C-C cutoff for the shares, A.")
    rings: dict[str, Any] | None = optional(
        "Shortest-ring counts by size (ring_statistics)."
    )
    pores: dict[str, Any] | None = optional(
        "Pore statistics (PoreAnalysis.summary: A, A^3, shares)."
    )
    method: str = Field(description="Generation method or import source.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Parameters of the method."
    )
    seed: int | None = optional("Random seed.")
    content_hash: str | None = optional(
        "Key of a melt-quench cell (method, protocol, seed, density, "
        "n_carbon): the same key is the same structure, reused, not regenerated."
    )
    validation: dict[str, Any] | None = optional(
        "Realism statistics next to literature ranges "
        "(hcflow.structures.validation.validate_structure: hybridisation, rings, "
        "d002 and stacking distance in A, pore-size distribution, checks)."
    )
    relax: dict[str, Any] | None = optional(
        "MLIP relaxation of this cell (FIRE, fixed cell): potential, "
        "steps allowed and taken, fmax asked (eV/A), max force reached (eV/A), "
        "energy before and after (eV) and its change per atom; None: not relaxed."
    )
    parent_structure_id: str | None = optional(
        "Structure this one was derived from (sodiation)."
    )
    study_id: str | None = optional("Study this structure belongs to.")
    structure: Structure = Field(description="The structure (pymatgen).")
    last_updated: datetime = Field(default_factory=utcnow, description="UTC time.")
    provenance: Provenance | None = optional("Where it came from.")

    @classmethod
    def from_atoms(
        cls,
        atoms,
        kind: str,
        method: str,
        hybridisation: dict[str, float],
        rings: dict | None = None,
        pores: dict | None = None,
        validation: dict | None = None,
        params: dict | None = None,
        seed: int | None = None,
        parent_structure_id: str | None = None,
        study_id: str | None = None,
        structure_id: str | None = None,
        content_hash: str | None = None,
        source: str = "hcflow-structures",
        relax: dict | None = None,
    ) -> StructureDoc:
        """Build the document from Atoms and statistics computed elsewhere.

        The statistics (``hybridisation``: the dict of
        :func:`hcflow.structures.analysis.hybridisation`; ``rings``,
        ``pores``, ``validation``) are computed by
        :func:`hcflow.structures.docs.make_structure_doc`; this constructor
        only counts atoms and computes densities.
        """
        from pymatgen.io.ase import AseAtomsAdaptor

        z = atoms.numbers
        n_c, n_na = int(np.sum(z == CARBON)), int(np.sum(z == SODIUM))
        rho_c, rho_total = densities_g_cm3(z, atoms.cell.array)
        st = AseAtomsAdaptor.get_structure(atoms)
        params = params or {}
        if structure_id is None:  # deterministic: a re-run gives the same id
            inputs = {
                "kind": kind,
                "method": method,
                "seed": seed,
                "parent_structure_id": parent_structure_id,
                "study_id": study_id,
            }
            structure_id = structure_key(z, atoms.positions, atoms.cell.array, inputs)
        return cls(
            structure_id=structure_id,
            kind=kind,
            formula=st.composition.reduced_formula,
            composition={el.symbol: int(n) for el, n in st.composition.items()},
            **{"n_atoms": len(atoms), "n_c": n_c, "n_na": n_na},
            density_g_cm3=rho_c,
            total_density_g_cm3=rho_total,
            na_content=n_na / n_c if n_c else 0.0,
            volume_A3=float(atoms.get_volume()),
            **{k: hybridisation[k] for k in ("sp_fraction", "sp2_fraction")},
            sp3_fraction=hybridisation["sp3_fraction"],
            coordination_cutoff=hybridisation["cutoff"],
            rings=rings,
            pores=pores,
            validation=validation,
            method=method,
            params=params,
            seed=seed,
            content_hash=content_hash,
            relax=relax,
            parent_structure_id=parent_structure_id,
            study_id=study_id,
            structure=st,
            provenance=Provenance.make(
                source, params, [parent_structure_id] if parent_structure_id else []
            ),
        )

    def to_atoms(self):
        """The structure as ASE Atoms."""
        from pymatgen.io.ase import AseAtomsAdaptor

        return AseAtomsAdaptor.get_atoms(self.structure)

    def to_store_dict(self) -> dict:
        """JSON-safe dict for a maggma store (structure as a pymatgen dict)."""
        d = self.model_dump(mode="json", exclude={"structure"})
        d["structure"] = self.structure.as_dict()
        d["last_updated"] = self.last_updated
        return d
