"""jobflow Makers for structures: hard-carbon generation, sodiation, import.

Each ``make`` returns a :class:`~hcflow.schemas.structure.StructureDoc`; a flow
gets the structure with ``job.output.structure`` (a pymatgen Structure) and
chains ``SodiationMaker().make(hc_job.output, na_per_c, seed)`` (the maker
accepts a StructureDoc, its dict, a pymatgen Structure or ASE Atoms:
:func:`hcflow.structures.convert.as_atoms`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jobflow import Maker, job

from hcflow.errors import HcflowError
from hcflow.schemas.structure import StructureDoc
from hcflow.structures.convert import as_atoms
from hcflow.structures.docs import generated_doc, make_structure_doc
from hcflow.structures.sodiation import SodiationSettings


def _calculator(spec: str | None):
    if not spec:
        return None
    from hcflow.potentials import get_calculator

    return get_calculator(spec)


@dataclass
class HardCarbonMaker(Maker):
    """Generate a hard-carbon cell.

    ``method="md"``: melt-quench-anneal on LAMMPS with ``protocol`` (a
    :class:`~hcflow.structures.meltquench.MeltQuenchProtocol` dict; see
    :func:`hcflow.structures.docs.melt_quench_doc`), reusing a stored cell
    with the same content hash; ``relax_potential`` then relaxes it for
    ``protocol["mlip_relax_steps"]`` FIRE steps. The document carries the
    ``content_hash`` and the realism ``validation``.

    ``method="quick"`` (the default of the Maker; studies default to md): the
    domain packer of :mod:`hcflow.structures.hardcarbon` with ``params``.
    ``relax_potential`` (optional: a potential spec for
    :func:`hcflow.potentials.get_calculator`) relaxes the cell afterwards,
    for ``relax_steps``, after an optional Langevin anneal
    (``anneal_temperature_K``, ``anneal_steps``); off by default (MD is costly).
    """

    name: str = "hard carbon"
    method: str = "quick"
    params: dict = field(default_factory=dict)
    protocol: dict = field(default_factory=dict)
    pore_spacing: float | None = 0.5
    study_id: str | None = None
    relax_potential: str | None = None
    relax_steps: int = 100
    relax_fmax: float = 0.2
    anneal_temperature_K: float | None = None
    anneal_steps: int = 0

    @job(output_schema=StructureDoc)
    def make(self, n_carbon: int, density_g_cm3: float, seed: int = 0) -> StructureDoc:
        if self.method == "md":
            from hcflow.structures.docs import melt_quench_doc

            return melt_quench_doc(
                n_carbon,
                density_g_cm3,
                seed,
                self.protocol,
                relax_potential=self.relax_potential,
                study_id=self.study_id,
                pore_spacing=self.pore_spacing,
                source="HardCarbonMaker",
                relax_fmax=self.relax_fmax,
            )[1]
        if self.method != "quick":
            raise HcflowError(f"unknown structure method {self.method!r}: md or quick")
        from hcflow.structures.hardcarbon import generate_hard_carbon

        atoms = generate_hard_carbon(n_carbon, density_g_cm3, seed, **self.params)
        if self.relax_potential:
            from hcflow.structures.relax import relax_with_potential

            atoms = relax_with_potential(
                atoms,
                self.relax_potential,
                steps=self.relax_steps,
                fmax=self.relax_fmax,
                anneal_temperature_K=self.anneal_temperature_K,
                anneal_steps=self.anneal_steps,
                seed=seed,
            )
        return generated_doc(
            atoms,
            seed=seed,
            study_id=self.study_id,
            pore_spacing=self.pore_spacing,
            source="HardCarbonMaker",
        )


@dataclass
class SodiationMaker(Maker):
    """Insert Na at a Na:C ratio (see :mod:`hcflow.structures.sodiation`).

    ``min_na_c``, ``min_na_na``, ``mode``, ``spacing``: the fields of
    :class:`~hcflow.structures.sodiation.SodiationSettings` (a study's
    ``sodiation:`` section).

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
    relax_fmax: float = 0.2
    energy_potential: str | None = None

    @job(output_schema=StructureDoc)
    def make(self, structure, na_per_c: float, seed: int = 0) -> StructureDoc:
        from hcflow.structures.sodiation import sodiate

        atoms, meta = as_atoms(structure)
        energy_calculator = None
        if self.mode == "energy":
            from hcflow.potentials import get_calculator

            energy_calculator = get_calculator(self.energy_potential)  # None: default
        out = sodiate(
            atoms,
            na_per_c,
            seed,
            calculator=_calculator(self.relax_potential),
            relax_steps=self.relax_steps,
            fmax=self.relax_fmax,
            energy_calculator=energy_calculator,
            **{name: getattr(self, name) for name in SodiationSettings.model_fields},
        )
        relax = out.info["hcflow_sodiation"].get("relax")
        if relax is not None:
            relax = {"potential": self.relax_potential, **relax}
        return make_structure_doc(
            out,
            kind="sodiated",
            relax=relax,
            method=out.info["hcflow_sodiation"]["method"],
            params=out.info["hcflow_sodiation"],
            seed=seed,
            parent_structure_id=meta.get("structure_id"),
            study_id=self.study_id or meta.get("study_id"),
            pore_spacing=self.pore_spacing,
            source="SodiationMaker",
        )


@dataclass
class ImportStructureMaker(Maker):
    """Read a user structure file (CIF, POSCAR, extxyz, ...) into a StructureDoc,
    relaxed with ``relax_potential`` when given (a study's ``structures:``)."""

    name: str = "import structure"
    pore_spacing: float | None = 0.5
    study_id: str | None = None
    relax_potential: str | dict | None = None
    relax_steps: int = 200
    relax_fmax: float = 0.2

    @job(output_schema=StructureDoc)
    def make(self, path: str) -> StructureDoc:
        from hcflow.structures.analysis import read_structure

        atoms = read_structure(path)
        relax = None
        if self.relax_potential and self.relax_steps > 0:
            from hcflow.structures.relax import relax_with_potential

            atoms.info["hcflow"] = {}
            atoms = relax_with_potential(
                atoms, self.relax_potential, self.relax_steps, fmax=self.relax_fmax
            )
            relax = atoms.info["hcflow"]["relax"]
        return make_structure_doc(
            atoms,
            kind="imported",
            method=f"import:{path}",
            study_id=self.study_id,
            pore_spacing=self.pore_spacing,
            source=f"import:{path}",
            relax=relax,
        )
