"""Documents are leaves: built from what they are given, checked by pydantic."""

from __future__ import annotations

import pytest
from ase.build import bulk
from pydantic import ValidationError

from hcflow.schemas.analysis import ModeResultDoc
from hcflow.schemas.common import Provenance
from hcflow.schemas.ion import IonDescriptorDoc, TrajectorySummaryDoc, ion_key
from hcflow.schemas.md_task import MDTaskDoc, TrajectoryRef
from hcflow.schemas.names import DYNAMIC, STRUCTURAL
from hcflow.schemas.potential import PotentialDoc
from hcflow.schemas.structure import StructureDoc

HYB = {"sp_fraction": 0.1, "sp2_fraction": 0.7, "sp3_fraction": 0.2, "cutoff": 1.85}


def test_structure_doc_takes_its_statistics_and_computes_none():
    atoms = bulk("C", "diamond", a=3.567, cubic=True)  # really sp3 = 1
    doc = StructureDoc.from_atoms(atoms, "imported", "t", hybridisation=HYB)
    # the constructor stores what it is given: no ring or pore analysis here
    assert doc.sp3_fraction == 0.2 and doc.rings is None and doc.pores is None
    assert doc.density_g_cm3 == pytest.approx(3.51, abs=0.01)
    assert doc.n_c == 8 and doc.formula == "C"
    back = StructureDoc(**{**doc.to_store_dict(), "structure": doc.structure})
    assert back.structure_id == doc.structure_id


def test_ion_documents_carry_every_descriptor_and_forbid_others():
    fields = set(IonDescriptorDoc.model_fields)
    assert set(STRUCTURAL) | set(DYNAMIC) <= fields
    assert {f"{n}_std" for n in STRUCTURAL} <= fields
    with pytest.raises(ValidationError):
        TrajectorySummaryDoc(summary_key="a:b", task_id="a", settings_hash="b", x=1)
    assert ion_key("t", 3, "h") == "t:3:h"


def test_md_task_trajectory_reference_has_jobflows_shape():
    ref = TrajectoryRef(blob_uuid="u").model_dump(by_alias=True)
    assert ref == {
        "blob_uuid": "u",
        "store": "data",
        "@class": "CompactTrajectory",
        "@module": "hcflow.md.trajectory",
    }
    with pytest.raises(ValidationError):
        MDTaskDoc(task_id="x", source="somewhere-else")


def test_potential_doc_from_info(tiny_mace_model):
    from hcflow.potentials import resolve_potential

    info = resolve_potential(tiny_mace_model)
    doc = PotentialDoc.from_info(info)
    assert doc.potential_id == info.file_hash and doc.elements == ["C", "Na"]
    assert doc.provenance.source == "potential"


def test_analysis_documents_need_their_fields():
    with pytest.raises(ValidationError):
        ModeResultDoc(result_id="modes-x", kind="modes")
    prov = Provenance.make("test", {"a": 1})
    assert prov.settings_hash and prov.hcflow_version
