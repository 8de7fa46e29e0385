"""Exports: trajectory formats and safe names, CSV keeps arrays, parquet extra."""

from __future__ import annotations

import importlib.util
import json

import ase.io
import numpy as np
import pandas as pd
import pytest

from hcflow.errors import HcflowError
from hcflow.md.trajectory import CompactTrajectory
from hcflow.md.trajectory_export import default_path, lammps_dump_text, safe_name
from hcflow.services import build as build_service
from hcflow.services import data as data_service
from tests.builders.test_descriptor_builder import FAST, add_task


def test_safe_default_names():
    assert safe_name("study:0.8:600K:r0") == "study_0.8_600K_r0"
    assert str(default_path("a:b", "xdatcar")) == "a_b.XDATCAR"
    with pytest.raises(HcflowError, match="unknown trajectory format 'pdb'"):
        default_path("a", "pdb")


def test_lammps_dump_reads_back_with_ase(tmp_path):
    pos = np.random.default_rng(0).uniform(0, 5, (3, 4, 3))
    traj = CompactTrajectory([6, 6, 11, 11], pos, np.eye(3) * 5, np.arange(3) * 0.1)
    path = tmp_path / "t.lammpstrj"
    path.write_text(lammps_dump_text(traj))
    back = ase.io.read(path, index=":", format="lammps-dump-text")
    assert len(back) == 3 and np.allclose(back[2].positions, pos[2], atol=2e-3)
    assert list(back[0].numbers) == [6, 6, 11, 11]  # from the element column
    tric = CompactTrajectory([6], pos[:1, :1], [[5, 0, 0], [1, 5, 0], [0, 0, 5]], [0])
    with pytest.raises(HcflowError, match="orthogonal cell"):
        lammps_dump_text(tric)


@pytest.mark.integration
def test_export_formats_and_csv_arrays(db_settings, task_stores, tmp_path, monkeypatch):
    md, data = task_stores
    add_task(md, data, "s1:t:0", n_frames=30)
    monkeypatch.chdir(tmp_path)
    for fmt, name in [
        ("extxyz", "s1_t_0.extxyz"),
        ("xyz", "s1_t_0.xyz"),
        ("xdatcar", "s1_t_0.XDATCAR"),
        ("lammps-dump", "s1_t_0.lammpstrj"),
        ("traj", "s1_t_0.traj"),
    ]:
        out, traj = data_service.export_trajectory("s1:t:0", fmt, settings=db_settings)
        assert out.name == name and ":" not in out.name
        assert out.stat().st_size > 0
    back = ase.io.read("s1_t_0.XDATCAR", index=":", format="vasp-xdatcar")
    assert len(back) == traj.n_frames
    with pytest.raises(HcflowError, match="unknown trajectory format"):
        data_service.export_trajectory("s1:t:0", "pdb", settings=db_settings)

    build_service.run_descriptors(None, FAST, progress=False, echo=lambda _: None)
    out, n = data_service.export_collection(
        "ion_descriptors", "csv", tmp_path / "ions.csv", settings=db_settings
    )
    table = pd.read_csv(out)
    assert n == 4 and "msd_A2" in table.columns
    msd = json.loads(table["msd_A2"].iloc[0])
    assert len(msd) > 5 and msd[0] >= 0
    if importlib.util.find_spec("pyarrow") is None:
        with pytest.raises(HcflowError, match=r"hcflow\[parquet\]"):
            data_service.export_collection(
                "ion_descriptors", "parquet", tmp_path / "i.pq", settings=db_settings
            )
        assert not (tmp_path / "i.pq").exists()
