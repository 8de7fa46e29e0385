"""Ingest from ASE Atoms, a pymatgen Trajectory and an atomate2 job's output."""

from __future__ import annotations

import numpy as np
import pytest
from jobflow import JobStore
from maggma.stores import MemoryStore
from pymatgen.core.trajectory import Trajectory
from pymatgen.io.ase import AseAtomsAdaptor
from pymongo import MongoClient

from hcflow.errors import HcflowError
from hcflow.services.ingest_objects import (
    ingest_atoms,
    ingest_job_output,
    ingest_pymatgen,
)
from tests.helpers import random_walk_frames

pytestmark = pytest.mark.integration
META = {"temperature_K": 600, "timestep_fs": 2.0, "frame_interval": 5}


def _pmg(frames, time_step=2.0):
    structures = [AseAtomsAdaptor.get_structure(a) for a in frames]
    return Trajectory(
        species=structures[0].species,
        coords=[s.frac_coords for s in structures],
        lattice=structures[0].lattice,
        constant_lattice=True,
        time_step=time_step,
    )


def _job_store(output):
    store = JobStore(MemoryStore(), additional_stores={"data": MemoryStore()})
    store.connect()
    store.update({"uuid": "u1", "index": 1, "output": output}, key=["uuid", "index"])
    return store


def test_ingest_objects(db_settings):
    frames, _ = random_walk_frames(n_frames=10, box=8.0)
    n_tasks = lambda: MongoClient(db_settings.uri)[db_settings.db_name][  # noqa: E731
        "md_tasks"
    ].count_documents({})
    doc, new = ingest_atoms(frames, META, "walk", settings=db_settings)
    assert new and doc.n_frames == 10 and doc.n_mobile == 8
    assert doc.duration_ps == pytest.approx(9 * 0.01)
    assert not ingest_atoms(frames, META, "walk", settings=db_settings)[1]  # same id
    # a pymatgen Trajectory: its time_step (fs) when the metadata give none
    pmg = _pmg(frames, time_step=2.0)
    doc, _ = ingest_pymatgen(pmg, {"temperature_K": 600}, settings=db_settings)
    assert doc.timestep_fs == 2.0 and doc.frame_interval == 1 and doc.n_frames == 10
    # an atomate2 MD job: a pymatgen Trajectory dict, or emmet's AtomTrajectory
    store = _job_store({"objects": {"trajectory": pmg.as_dict()}})
    doc, _ = ingest_job_output(store, "u1", {"temperature_K": 900}, db_settings)
    assert doc.n_frames == 10 and doc.temperature_K == 900
    emmet = {
        "elements": frames[0].numbers.tolist(),
        "cart_coords": [a.positions.tolist() for a in frames],
        "lattice": [a.cell.array.tolist() for a in frames],
        "energy": [-1.0 * i for i in range(10)],
        "time_step": 1.0,
    }
    store = _job_store({"objects": {"trajectory": emmet}})
    doc, _ = ingest_job_output(store, "u1", {"temperature_K": 700}, db_settings)
    assert doc.timestep_fs == 1.0 and doc.n_frames == 10
    from hcflow import Client

    hc = Client(settings=db_settings, start=False)
    assert hc.ingest_job(store, "u1", {"temperature_K": 700}) == doc.task_id
    assert hc.ingest_object(pmg, {"temperature_K": 600}).startswith("ingest-")
    assert (
        hc.ingest_object(frames, META, "walk")
        == ingest_atoms(frames, META, "walk", settings=db_settings)[0].task_id
    )
    before = n_tasks()
    # bad input: one line, nothing written
    for bad, match in [
        (_job_store({"energy": 1.0}), "has no MD trajectory"),
        (_job_store({"objects": {}}), "has no MD trajectory"),
    ]:
        with pytest.raises(HcflowError, match=match):
            ingest_job_output(bad, "u1", META, db_settings)
    with pytest.raises(HcflowError, match="no job 'nope'"):
        ingest_job_output(_job_store({}), "nope", META, db_settings)
    with pytest.raises(HcflowError, match="list of ASE Atoms"):
        ingest_atoms([np.zeros(3)], META, settings=db_settings)
    assert n_tasks() == before
