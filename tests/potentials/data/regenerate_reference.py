"""Rewrite shipped_reference.json after the shipped model is replaced.

Keeps the cell and positions; recomputes the file hash, energy and forces
with mace's own calculator (the test checks hcflow's fast path against it).
Run: .venv/bin/python tests/potentials/data/regenerate_reference.py
"""

import json
from pathlib import Path

from ase import Atoms

from hcflow.potentials import get_calculator, resolve_potential

PATH = Path(__file__).parent / "shipped_reference.json"

ref = json.loads(PATH.read_text())
atoms = Atoms(
    ref["symbols"], positions=ref["positions"], cell=[ref["cell"]] * 3, pbc=True
)
atoms.calc = get_calculator("hcflow-nac-small", fast=False)
ref["file_hash"] = resolve_potential("hcflow-nac-small").file_hash
ref["energy_eV"] = float(atoms.get_potential_energy())
ref["forces_eV_A"] = atoms.get_forces().tolist()
PATH.write_text(json.dumps(ref, indent=1))
print(f"wrote {PATH}: E = {ref['energy_eV']:.6f} eV")
