"""NaMDMaker: a jobflow Maker whose output is the md_tasks document."""

from __future__ import annotations

import os

import numpy as np
import pytest
from jobflow import JobStore, run_locally
from maggma.stores import MemoryStore

from hcflow.errors import HcflowError
from hcflow.md.jobs import NaMDMaker
from hcflow.md.trajectory import CompactTrajectory
from hcflow.md.trajectory_store import load_trajectory
from hcflow.potentials import resolve_potential
from hcflow.schemas.md_task import MDTaskDoc


@pytest.fixture(scope="module")
def nac_doc():
    from hcflow.structures.docs import make_structure_doc
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    atoms = sodiate(generate_hard_carbon(32, 1.0, seed=3), 0.125, seed=3)
    return make_structure_doc(
        atoms, kind="sodiated", method="test", pore_spacing=None, rings=False
    )


def test_output_is_md_task_with_trajectory_in_data_store(
    nac_doc, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the job's working directory (checkpoint file)
    md = dict(
        timestep_fs=1.0,
        production_steps=10,
        equilibration_steps=5,
        frame_interval=2,
        threads=1,
    )
    maker = NaMDMaker(
        temperature_K=800,
        md=md,
        seed=4,
        study_id="s1",
        point_id="p1",
        task_id="s1:p1:abc",
        settings_hash="abc",
        replica=1,
        potential=os.environ.get("HCFLOW_TEST_POTENTIAL", "hcflow-nac-small"),
    )
    job = maker.make(nac_doc)
    store = JobStore(MemoryStore(), additional_stores={"data": MemoryStore()})
    run_locally(job, store=store, ensure_success=True, log=False)
    store.connect()
    raw = store.docs_store.query_one({"uuid": job.uuid})
    out = raw["output"]
    ref = out["trajectory"]
    # the trajectory left the document: jobflow's blob reference is all that is left
    assert set(ref) == {"@class", "@module", "blob_uuid", "store"}
    assert ref["@class"] == "CompactTrajectory" and ref["store"] == "data"
    doc = MDTaskDoc(**{k: v for k, v in out.items() if not k.startswith("@")})
    assert doc.task_id == "s1:p1:abc" and doc.study_id == "s1" and doc.replica == 1
    assert doc.structure_id == nac_doc.structure_id
    assert doc.source == "hcflow-md" and doc.state == "successful"
    assert doc.n_na == 4 and doc.n_c == 32 and doc.formula == "NaC8"
    assert doc.na_content == pytest.approx(0.125)
    assert doc.density_g_cm3 == pytest.approx(nac_doc.density_g_cm3)
    assert doc.temperature_K == 800 and doc.timestep_fs == 1.0
    assert doc.frame_interval == 2 and doc.frame_dt_ps == pytest.approx(0.002)
    assert doc.md_settings["equilibration_steps"] == 5
    assert doc.md_settings["production_steps"] == 10
    # production thermostat, equilibration outcome and device, as schema fields
    assert doc.ensemble == "nvt-bussi" and doc.thermostat == "bussi"
    assert doc.taut_fs == 100.0 and doc.friction_per_ps is None
    assert doc.md_settings["taut_fs"] == 100.0
    assert doc.equilibration.ensemble == "nvt-langevin"
    assert doc.equilibration.steps == 5 and doc.equilibration.stationary is None
    assert doc.device["device"] == "cpu" and doc.device["requested"] == "auto"
    assert doc.dtype == "float32" and "device" not in doc.md_settings
    assert doc.forcefield_name == resolve_potential(maker.potential).name
    assert doc.potential_id == resolve_potential(maker.potential).file_hash
    traj = load_trajectory(out, store.additional_stores["data"])
    assert isinstance(traj, CompactTrajectory)
    assert traj.n_frames == doc.n_frames == 10 // 2 + 1
    assert np.allclose(np.diff(traj.times_ps), 0.002)
    assert (traj.numbers == 11).sum() == 4


def test_structure_inputs(nac_doc):
    from hcflow.structures.convert import as_atoms

    atoms, meta = as_atoms(nac_doc)
    assert len(atoms) == 36 and meta["structure_id"] == nac_doc.structure_id
    assert meta["density_g_cm3"] == nac_doc.density_g_cm3
    atoms2, meta2 = as_atoms(nac_doc.structure)
    assert len(atoms2) == 36 and meta2 == {}
    atoms3, _ = as_atoms(nac_doc.structure.as_dict())
    assert np.allclose(atoms3.positions, atoms2.positions)
    atoms4, meta4 = as_atoms(nac_doc.to_store_dict())  # a job output in a store
    assert np.allclose(atoms4.positions, atoms2.positions)
    assert meta4["structure_id"] == nac_doc.structure_id
    with pytest.raises(HcflowError, match="cannot use a int"):
        as_atoms(3)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("timestep_fs", 6.0, "timestep_fs"),  # the study file's limit, 5 fs
        ("production_steps", 0, "production_steps"),
        ("ensemble", "npt", "ensemble must be"),
        ("taut_fs", -1, "taut_fs"),
        ("device", "gpu", "unknown device"),
        ("dtype", "half", "dtype"),
    ],
)
def test_bad_md_fields_fail_before_running(field, value, message):
    with pytest.raises(HcflowError, match=message):
        NaMDMaker(md={field: value})  # checked when the maker is made


def test_bad_temperature_fails_before_running(nac_doc):
    with pytest.raises(HcflowError, match="temperature"):
        NaMDMaker(temperature_K=-5).run(nac_doc)


def test_md_settings_have_one_carrier():
    """The maker holds the MD parameters as one MDSettings field (no MD field
    re-declared), run_md and a batched Replica take that object, and every
    other field of the maker is read by the job (none silently ignored)."""
    import dataclasses
    import inspect

    from hcflow.md.batched import Replica
    from hcflow.md.runner import run_md
    from hcflow.md.settings import MDSettings

    md_fields = set(MDSettings.model_fields)
    for carrier in (NaMDMaker, Replica):
        names = {f.name for f in dataclasses.fields(carrier)}
        assert "md" in names and not md_fields & names, carrier
    assert isinstance(NaMDMaker().md, MDSettings)
    assert NaMDMaker().md == MDSettings()  # one default per field
    params = set(inspect.signature(run_md).parameters)
    assert "md" in params and not md_fields & params
    source = inspect.getsource(NaMDMaker)
    names = {f.name for f in dataclasses.fields(NaMDMaker)}
    for name in names - {"name"}:
        assert f"self.{name}" in source, name


def test_maker_with_md_settings_survives_serialization():
    """jobflow(-remote) ships the maker inside the job: MDSettings round-trips."""
    import json

    from jobflow import Job
    from monty.json import jsanitize

    from hcflow.md.settings import MDSettings

    maker = NaMDMaker(md={"production_steps": 7, "ensemble": "nve", "threads": 1})
    job = maker.make({"structure": None})
    # what jobflow-remote stores and reads back
    data = json.loads(json.dumps(jsanitize(job.as_dict(), strict=True)))
    back = Job.from_dict(data)
    md = back.function.__self__.md
    assert isinstance(md, MDSettings) and md == maker.md
