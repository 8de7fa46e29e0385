"""The notebook API against the real local server."""

from __future__ import annotations

import ase.io
import numpy as np
import pytest

import hcflow.api
from hcflow import Client
from tests.builders.test_descriptor_builder import FAST
from tests.helpers import random_walk_frames

pytestmark = pytest.mark.integration

META = {"temperature_K": 1000, "timestep_fs": 1.0, "frame_interval": 100}


def test_client_tables_trajectories_and_builds(db_settings, tmp_path):
    frames, truth = random_walk_frames(n_frames=60, step=0.3, box=8.0)
    path = tmp_path / "run.extxyz"
    ase.io.write(path, frames)
    assert Client is hcflow.api.Client  # `from hcflow import Client` is lazy
    hc = Client(settings=db_settings)
    assert db_settings.db_name in repr(hc)
    rows = hc.ingest(path, META | {"label": "walk"})
    task_id = rows["task_id"].iloc[0]
    md = hc.md_tasks(label="walk")
    assert list(md["task_id"]) == [task_id] and md["n_frames"].iloc[0] == 60
    dev = hc.model_deviation(label="walk")  # ingested: no figure, null verdict
    assert list(dev["task_id"]) == [task_id] and dev["forces_ok"].iloc[0] is None

    counts = hc.build("descriptors", settings=FAST)
    assert counts == {"processed": 1, "failed": 0, "ions": 8}
    summaries = hc.summaries(task_id=task_id)
    assert len(summaries) == 1
    row = summaries.iloc[0]
    assert row["D_ci95_low"] <= row["D_cm2_s"] <= row["D_ci95_high"]
    # a second setting: the default table shows the last build, one row each
    hc.build("descriptors", settings=FAST | {"na_na_cutoff": 3.6})
    newest = hc.summaries(task_id=task_id)
    assert len(newest) == 1 and newest["settings_hash"].iloc[0] != row.settings_hash
    assert len(hc.summaries(task_id=task_id, settings_hash="all")) == 2
    first = hc.summaries(task_id=task_id, settings_hash=row.settings_hash)
    assert first["D_cm2_s"].iloc[0] == row["D_cm2_s"]
    ions = hc.ions(task_id=task_id, settings_hash=row.settings_hash)
    assert len(ions) == 8 and {"cn_na_c", "log10_D"} <= set(ions.columns)
    assert hc.modes().empty and hc.ion_modes().empty and hc.arrhenius().empty

    atoms = hc.atoms(task_id)
    assert len(atoms) == 60 and len(atoms[0]) == 48
    back = np.stack([a.positions for a in atoms])
    assert np.abs(back + (truth[0] - back[0]) - truth).max() < 1e-3  # unwrapped
    traj = hc.trajectory(task_id)
    # the MD step (fs), not the 100 fs frame spacing; frame_interval steps
    assert len(traj) == 60 and traj.time_step == pytest.approx(1.0)
    assert traj.frame_interval == 100
    unwrapped = traj.coords[5] @ np.asarray(traj.lattice)
    assert np.allclose(unwrapped, atoms[5].positions, atol=1e-6)
    assert traj[5].composition.reduced_formula == "NaC5"


def test_trajectory_time_step_matches_diffusion_analyzer(db_settings, tmp_path):
    """time_step is the MD step (fs) as pymatgen documents it: DiffusionAnalyzer
    with step_skip=frame_interval gives hcflow's D for a planted random walk."""
    from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer

    frames, _ = random_walk_frames(n_frames=200, n_na=16, step=0.3, box=8.0)
    path = tmp_path / "walk.extxyz"
    ase.io.write(path, frames)
    hc = Client(settings=db_settings)
    task_id = hc.ingest(path, META | {"label": "da"})["task_id"].iloc[0]
    hc.build("descriptors", settings=FAST)
    D_hc = hc.summaries(task_id=task_id).iloc[0]["D_cm2_s"]
    traj = hc.trajectory(task_id)
    assert traj.time_step == pytest.approx(1.0) and traj.frame_interval == 100
    da = DiffusionAnalyzer.from_structures(
        list(traj), "Na", 1000, traj.time_step, traj.frame_interval, smoothed="max"
    )
    # 0.3 A per axis per 0.1 ps frame: D = 0.09 / 2 A2 / 0.1 ps = 4.5e-5 cm2/s
    assert da.diffusivity == pytest.approx(4.5e-5, rel=0.3)
    assert da.diffusivity == pytest.approx(D_hc, rel=0.3)


def test_atoms_carry_energies_and_forces():
    from hcflow.md.trajectory import CompactTrajectory

    frames, _ = random_walk_frames(n_frames=3)
    traj = CompactTrajectory.from_ase(frames, 0.1)
    traj.energies = np.array([-1.0, -2.0, -3.0])
    traj.forces = np.full((3, len(frames[0]), 3), 0.5, np.float32)
    atoms = traj.to_ase()
    assert atoms[1].get_potential_energy() == pytest.approx(-2.0)
    assert np.allclose(atoms[2].get_forces(), 0.5)
