"""Any structure input to ASE Atoms: the one conversion helper.

Makers take a pymatgen ``Structure``, ASE ``Atoms``, a
:class:`~hcflow.schemas.structure.StructureDoc`, or the dict a job output
becomes in a store; :func:`as_atoms` turns each into Atoms plus what the
document says about it.
"""

from __future__ import annotations

from typing import Any

from hcflow.errors import HcflowError

#: Document fields carried along with the Atoms (when present).
META_FIELDS = ("structure_id", "study_id", "density_g_cm3", "na_content", "na_per_c")


def as_atoms(obj: Any) -> tuple[Any, dict[str, Any]]:
    """(ASE Atoms (a copy), metadata) from any structure input.

    Metadata holds the :data:`META_FIELDS` a structure document has (empty
    for a bare Structure or Atoms).
    """
    from ase import Atoms
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    if isinstance(obj, Atoms):
        return obj.copy(), {}
    if isinstance(obj, Structure):
        return AseAtomsAdaptor.get_atoms(obj), {}
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump()
    if isinstance(obj, dict) and obj.get("@class") == "Structure":
        return as_atoms(Structure.from_dict(obj))
    if isinstance(obj, dict):
        meta = {k: obj[k] for k in META_FIELDS if obj.get(k) is not None}
        inner = obj.get("structure", obj.get("atoms"))
        if inner is None:
            raise HcflowError("structure input has no structure")
        atoms, inner_meta = as_atoms(inner)
        return atoms, {**inner_meta, **meta}
    raise HcflowError(f"cannot use a {type(obj).__name__} as a structure")
