"""Ingest a plain LAMMPS dump with --type-map and XDATCAR files by any name."""

from __future__ import annotations

import json
from pathlib import Path

import ase.io
import pytest
from pymongo import MongoClient

from hcflow.errors import HcflowError
from hcflow.services.ingest import guess_format, parse_type_map
from tests.helpers import random_walk_frames, run_cli

META = json.dumps({"temperature_K": 600, "timestep_fs": 1.0, "frame_interval": 10})


def _dump(path, frames, types):
    """A LAMMPS text dump with only ``id type x y z`` columns."""
    lines = []
    for i, atoms in enumerate(frames):
        lines += ["ITEM: TIMESTEP", str(i), "ITEM: NUMBER OF ATOMS", str(len(atoms))]
        lines += ["ITEM: BOX BOUNDS pp pp pp"] + [
            f"0 {x}" for x in atoms.cell.lengths()
        ]
        lines.append("ITEM: ATOMS id type x y z")
        for j, (p, t) in enumerate(zip(atoms.positions, types, strict=True)):
            lines.append(f"{j + 1} {t} {p[0]:.6f} {p[1]:.6f} {p[2]:.6f}")
    path.write_text("\n".join(lines) + "\n")


def test_type_map_and_format_guess():
    assert parse_type_map("1=C, 2=Na") == {1: "C", 2: "Na"}
    for bad in ("1:C", "x=C", "1=Xx", ""):
        with pytest.raises(HcflowError):
            parse_type_map(bad)
    assert guess_format(Path("run/traj.xdatcar")) == ("vasp-xdatcar")
    assert guess_format(Path("XDATCAR_600K")) == "vasp-xdatcar"


@pytest.mark.integration
def test_ingest_lammps_dump_and_xdatcar(cli_env, capsys, tmp_path):
    frames, _ = random_walk_frames(n_c=20, n_na=4, n_frames=12, box=8.0)
    types = [1 if z == 6 else 2 for z in frames[0].numbers]
    dump = tmp_path / "plain.lammpstrj"
    _dump(dump, frames, types)
    db = MongoClient(cli_env.uri)[cli_env.db_name]
    # without a map: types 1 and 2 are read as H and He -> one line, nothing
    rc, _, err = run_cli(["ingest", str(dump), "-m", META], capsys)
    assert rc == 1 and "no carbon atoms" in err and len(err.strip().splitlines()) == 1
    # an unmapped type: one line naming it, nothing written
    rc, _, err = run_cli(["ingest", str(dump), "-m", META, "--type-map", "1=C"], capsys)
    assert rc == 1 and "atom type 2 is not in the type map" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert db.md_tasks.count_documents({}) == 0
    rc, out, err = run_cli(
        ["ingest", str(dump), "-m", META, "--type-map", "1=C,2=Na"], capsys
    )
    assert rc == 0, err
    assert "C20Na4" in out or "NaC5" in out, out
    doc = db.md_tasks.find_one({})
    assert doc["n_frames"] == 12 and doc["n_mobile"] == 4
    xdat = tmp_path / "traj.xdatcar"
    ase.io.write(xdat, frames, format="vasp-xdatcar")
    rc, out, err = run_cli(["ingest", str(xdat), "-m", META], capsys)
    assert rc == 0, err
    assert db.md_tasks.count_documents({}) == 2
