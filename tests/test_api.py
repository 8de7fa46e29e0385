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
    ions = hc.ions(task_id=task_id)
    assert len(ions) == 8 and {"cn_na_c", "log10_D"} <= set(ions.columns)
    assert hc.modes().empty and hc.ion_modes().empty and hc.arrhenius().empty

    atoms = hc.atoms(task_id)
    assert len(atoms) == 60 and len(atoms[0]) == 48
    back = np.stack([a.positions for a in atoms])
    assert np.abs(back + (truth[0] - back[0]) - truth).max() < 1e-3  # unwrapped
    traj = hc.trajectory(task_id)
    assert len(traj) == 60 and traj.time_step == pytest.approx(100.0)  # fs
    unwrapped = traj.coords[5] @ np.asarray(traj.lattice)
    assert np.allclose(unwrapped, atoms[5].positions, atol=1e-6)
    assert traj[5].composition.reduced_formula == "NaC5"
