"""Makers chained with jobflow; documents land in a store."""

from __future__ import annotations

import numpy as np
import pytest
from jobflow import Flow, JobStore, run_locally
from maggma.stores import MemoryStore
from pymatgen.core import Structure

from hcflow.schemas.structure import StructureDoc
from hcflow.structures.jobs import HardCarbonMaker, ImportStructureMaker, SodiationMaker


def test_density_loading_grid_to_store():
    store = JobStore(MemoryStore(), additional_stores={"data": MemoryStore()})
    jobs, pairs = [], []
    for rho in (0.8, 1.4):
        hc = HardCarbonMaker(pore_spacing=0.6).make(120, rho, 1)
        jobs.append(hc)
        for x in (0.0, 0.05):
            na = SodiationMaker(pore_spacing=None).make(hc.output, x, 2)
            jobs.append(na)
            pairs.append((rho, x, na))
    out = run_locally(Flow(jobs), store=store, ensure_success=True)
    for rho, x, na in pairs:
        doc = out[na.uuid][1].output
        assert isinstance(doc, StructureDoc) and isinstance(doc.structure, Structure)
        assert doc.kind == "sodiated" and doc.n_na == round(x * 120)
        assert doc.density_g_cm3 == pytest.approx(rho, rel=1e-6)
        assert doc.parent_structure_id.startswith("hcs-")
    store.connect()
    assert store.count({"name": "sodiation"}) == 4


def test_import_maker(tmp_path):
    from ase.build import bulk

    path = tmp_path / "POSCAR"
    bulk("C", "diamond", a=3.567, cubic=True).repeat(2).write(path, format="vasp")
    out = run_locally(ImportStructureMaker().make(str(path)), ensure_success=True)
    doc = next(iter(out.values()))[1].output
    assert doc.kind == "imported" and doc.n_c == 64
    assert doc.sp3_fraction == 1.0 and doc.density_g_cm3 == pytest.approx(
        3.51, abs=0.01
    )
    assert doc.pores["accessible_volume_fraction"] == 0.0
    d = doc.to_store_dict()
    assert d["structure"]["@class"] == "Structure"
    assert np.isclose(
        StructureDoc(
            **{**d, "structure": Structure.from_dict(d["structure"])}
        ).volume_A3,
        doc.volume_A3,
    )


@pytest.mark.integration
def test_grid_into_structures_collection(db_settings):
    """Density x loading grid through the real JobStore, collected into structures."""
    from pymongo import MongoClient

    from hcflow.db.stores import ensure_database, get_jobstore
    from hcflow.flows.collect import collect_structures

    ensure_database(db_settings, announce=None)
    jobs = []
    for rho in (0.9, 1.5):
        hc = HardCarbonMaker(pore_spacing=None, study_id="s1").make(100, rho, 1)
        jobs.append(hc)
        for x in (0.02, 0.05):
            jobs.append(SodiationMaker(pore_spacing=None).make(hc.output, x, 1))
    run_locally(Flow(jobs), store=get_jobstore(db_settings), ensure_success=True)
    res = collect_structures(db_settings, study_id="s1")
    assert res == {"new": 6, "seen": 6, "structures": 6}
    assert collect_structures(db_settings, study_id="s1")["new"] == 0
    coll = MongoClient(db_settings.uri)[db_settings.db_name]["structures"]
    grid = {(d["density_g_cm3"], d["n_na"]) for d in coll.find({"kind": "sodiated"})}
    assert {(round(a, 6), b) for a, b in grid} == {
        (0.9, 2),
        (0.9, 5),
        (1.5, 2),
        (1.5, 5),
    }


def test_rerun_gives_the_same_structure_ids_and_no_duplicate_documents():
    """An interrupted study started again re-runs its structure jobs: same ids,
    so collecting both runs' outputs gives one document per structure."""
    from hcflow.flows.collect import copy_structure_outputs

    store = JobStore(MemoryStore(), additional_stores={"data": MemoryStore()})
    ids = []
    for _ in range(2):  # the first run, then the re-run (new jobs, same inputs)
        hc = HardCarbonMaker(pore_spacing=None, study_id="s").make(60, 1.2, 3)
        na = SodiationMaker(pore_spacing=None).make(hc.output, 0.05, 4)
        out = run_locally(Flow([hc, na]), store=store, ensure_success=True)
        ids.append((out[hc.uuid][1].output.structure_id, out[na.uuid][1].output))
    (hc1, na1), (hc2, na2) = ids
    assert hc1 == hc2 and na1.structure_id == na2.structure_id
    assert na1.parent_structure_id == hc1 and na1.structure_id != hc1
    structures = MemoryStore(key="structure_id")
    structures.connect()
    store.connect()
    counts = copy_structure_outputs(store.docs_store, structures)
    assert counts["seen"] == 4 and counts["structures"] == 2
    # another seed is another structure
    other = HardCarbonMaker(pore_spacing=None, study_id="s").make(60, 1.2, 5)
    out = run_locally(other, store=store, ensure_success=True)
    assert out[other.uuid][1].output.structure_id != hc1
