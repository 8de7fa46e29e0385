"""jobflow Makers for structures: hard-carbon generation, sodiation, import.

Each ``make`` returns a :class:`~hcflow.schemas.structure.StructureDoc`; a flow
gets the structure with ``job.output.structure`` (a pymatgen Structure) and
chains ``SodiationMaker().make(hc_job.output, na_per_c, seed)`` (the maker
accepts a StructureDoc, its dict, a pymatgen Structure or ASE Atoms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jobflow import Maker, job

from hcflow.errors import HcflowError
from hcflow.schemas.structure import StructureDoc


def to_atoms(structure) -> tuple[Any, str | None, str | None]:
    """(ASE Atoms, parent structure_id, study_id) from any structure input."""
    from ase import Atoms
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    parent = study = None
    if isinstance(structure, StructureDoc):
        parent, study = structure.structure_id, structure.study_id
        structure = structure.structure
    elif isinstance(structure, dict) and "structure" in structure:
        parent, study = structure.get("structure_id"), structure.get("study_id")
        structure = structure["structure"]
    if isinstance(structure, dict):
        structure = Structure.from_dict(structure)
    if isinstance(structure, Structure):
        return AseAtomsAdaptor.get_atoms(structure), parent, study
    if isinstance(structure, Atoms):
        return structure.copy(), parent, study
    raise HcflowError(f"not a structure: {type(structure).__name__}")


def _calculator(spec: str | None):
    if not spec:
        return None
    from hcflow.potentials import get_calculator

    return get_calculator(spec)


@dataclass
class HardCarbonMaker(Maker):
    """Generate a hard-carbon cell (see :mod:`hcflow.structures.hardcarbon`).

    ``method="md"``: melt-quench-anneal on LAMMPS with ``protocol`` (a
    :class:`~hcflow.structures.meltquench.MeltQuenchProtocol` dict), reusing a
    stored cell with the same content hash; ``relax_potential`` then relaxes it
    for ``protocol["mlip_relax_steps"]`` FIRE steps. ``method="quick"``: the
    domain packer below.

    ``params`` are passed to :func:`generate_hard_carbon`. ``relax_potential``
    (optional: a potential spec for :func:`hcflow.potentials.get_calculator`)
    relaxes the cell afterwards, after an optional Langevin anneal
    (``anneal_temperature_K``, ``anneal_steps``); off by default (MD is costly).
    """

    name: str = "hard carbon"
    params: dict = field(default_factory=dict)
    method: str = "quick"
    protocol: dict = field(default_factory=dict)
    pore_spacing: float | None = 0.5
    study_id: str | None = None
    relax_potential: str | None = None
    relax_steps: int = 100
    anneal_temperature_K: float | None = None
    anneal_steps: int = 0

    @job(output_schema=StructureDoc)
    def make(self, n_carbon: int, density_g_cm3: float, seed: int = 0) -> StructureDoc:
        if self.method == "md":
            from hcflow.structures.documents import melt_quench_doc

            return melt_quench_doc(
                n_carbon,
                density_g_cm3,
                seed,
                self.protocol,
                relax_potential=self.relax_potential,
                study_id=self.study_id,
                pore_spacing=self.pore_spacing,
                source="HardCarbonMaker",
            )
        if self.method != "quick":
            raise HcflowError(f"unknown structure method {self.method!r}: md or quick")
        from hcflow.structures.hardcarbon import generate_hard_carbon

        atoms = generate_hard_carbon(n_carbon, density_g_cm3, seed, **self.params)
        info = dict(atoms.info["hcflow"])
        if self.relax_potential:
            from hcflow.structures.relax import relax_structure

            atoms = relax_structure(
                atoms,
                _calculator(self.relax_potential),
                steps=self.relax_steps,
                anneal_temperature_K=self.anneal_temperature_K,
                anneal_steps=self.anneal_steps,
                seed=seed,
            )
            info["relax"] = {
                "potential": self.relax_potential,
                **atoms.info["hcflow_relax"],
            }
        return StructureDoc.from_atoms(
            atoms,
            kind="generated",
            method=info["method"],
            params={
                **info["params"],
                **{k: v for k, v in info.items() if k != "params"},
            },
            seed=seed,
            study_id=self.study_id,
            pore_spacing=self.pore_spacing,
            source="HardCarbonMaker",
        )


@dataclass
class SodiationMaker(Maker):
    """Insert Na at a Na:C ratio (see :mod:`hcflow.structures.sodiation`).

    ``relax_potential`` (optional potential spec) relaxes the result for
    ``relax_steps`` FIRE steps; off by default. ``mode="energy"`` scores the
    sites with ``energy_potential`` (default: the settings' model).
    """

    name: str = "sodiation"
    min_na_c: float = 2.3
    min_na_na: float = 3.0
    mode: str = "largest"
    spacing: float = 0.4
    pore_spacing: float | None = 0.5
    study_id: str | None = None
    relax_potential: str | None = None
    relax_steps: int = 50
    energy_potential: str | None = None

    @job(output_schema=StructureDoc)
    def make(self, structure, na_per_c: float, seed: int = 0) -> StructureDoc:
        from hcflow.settings import get_settings
        from hcflow.structures.sodiation import sodiate

        atoms, parent, study = to_atoms(structure)
        out = sodiate(
            atoms,
            na_per_c,
            seed,
            min_na_c=self.min_na_c,
            min_na_na=self.min_na_na,
            spacing=self.spacing,
            mode=self.mode,
            calculator=_calculator(self.relax_potential),
            relax_steps=self.relax_steps,
            energy_calculator=(
                _calculator(self.energy_potential or get_settings().model)
                if self.mode == "energy"
                else None
            ),
        )
        return StructureDoc.from_atoms(
            out,
            kind="sodiated",
            method=out.info["hcflow_sodiation"]["method"],
            params=out.info["hcflow_sodiation"],
            seed=seed,
            parent_structure_id=parent,
            study_id=self.study_id or study,
            pore_spacing=self.pore_spacing,
            source="SodiationMaker",
        )


@dataclass
class ImportStructureMaker(Maker):
    """Read a user structure file (CIF, POSCAR, extxyz, ...) into a StructureDoc."""

    name: str = "import structure"
    pore_spacing: float | None = 0.5
    study_id: str | None = None

    @job(output_schema=StructureDoc)
    def make(self, path: str) -> StructureDoc:
        from hcflow.structures.analysis import read_structure

        atoms = read_structure(path)
        return StructureDoc.from_atoms(
            atoms,
            kind="imported",
            method=f"import:{path}",
            study_id=self.study_id,
            pore_spacing=self.pore_spacing,
            source=f"import:{path}",
        )
