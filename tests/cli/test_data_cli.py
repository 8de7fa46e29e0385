"""ingest / query / export through the CLI against a real server."""

import json

import ase.io
import numpy as np
import pytest
from pymongo import MongoClient

from tests.helpers import random_walk_frames, run_cli

pytestmark = pytest.mark.integration

META = json.dumps({"temperature_K": 1000, "timestep_fs": 1.0, "frame_interval": 10})


def _counts(settings):
    client = MongoClient(settings.uri)
    db = client[settings.db_name]
    out = (
        db.md_tasks.count_documents({}),
        db["outputs_blobs.files"].count_documents({}),
        db["outputs_blobs.chunks"].count_documents({}),
    )
    client.close()
    return out


def _cfg(settings):
    # the CLI re-reads settings from the environment: point it at the test db
    return [
        "--data-dir",
        str(settings.data_dir),
    ]


def test_ingest_round_trip_and_query(cli_env, tmp_path, capsys):
    frames, truth = random_walk_frames(n_frames=40, step=0.3, box=8.0)
    path = tmp_path / "run.extxyz"
    ase.io.write(path, frames)
    rc, out, err = run_cli(["ingest", str(path), "--metadata", META], capsys)
    assert rc == 0, err
    assert "ingested" in out
    rc, out, _ = run_cli(["query", "md_tasks", "--format", "json"], capsys)
    docs = json.loads(out)
    assert len(docs) == 1 and docs[0]["n_frames"] == 40 and docs[0]["n_na"] == 8
    assert docs[0]["frame_dt_ps"] == pytest.approx(0.01)
    assert docs[0]["density_g_cm3"] == pytest.approx(40 * 12.011 / 512 * 1.6605, 1e-3)
    # coordinates back within 1e-3 A of the true (unwrapped) path
    out_file = tmp_path / "back.extxyz"
    task_id = docs[0]["task_id"]
    rc, _, err = run_cli(["export-trajectory", task_id, "-o", str(out_file)], capsys)
    assert rc == 0, err
    back = np.stack([a.positions for a in ase.io.read(out_file, ":")])
    shift = truth[0] - back[0]
    assert np.abs(back + shift - truth).max() < 1e-3
    # second ingest of the same file writes nothing
    before = _counts(cli_env)
    rc, out, _ = run_cli(["ingest", str(path), "--metadata", META], capsys)
    assert rc == 0 and "already ingested" in out
    assert _counts(cli_env) == before
    rc, out, _ = run_cli(
        ["query", "md_tasks", "--fields", "task_id,n_atoms", "--format", "csv"], capsys
    )
    assert out.splitlines() == ["task_id,n_atoms", f"{task_id},48"]


def _bad_files(tmp_path):
    frames, _ = random_walk_frames(n_frames=10)
    good = tmp_path / "good.extxyz"
    ase.io.write(good, frames)
    truncated = tmp_path / "truncated.extxyz"
    truncated.write_text(good.read_text()[: len(good.read_text()) // 2 + 137])
    nan = tmp_path / "nan.extxyz"
    frames_nan = [f.copy() for f in frames]
    frames_nan[3].positions[2, 0] = np.nan
    ase.io.write(nan, frames_nan)
    ragged = tmp_path / "ragged.extxyz"
    frames_ragged = [f.copy() for f in frames]
    del frames_ragged[4][0]
    ase.io.write(ragged, frames_ragged)
    garbage = tmp_path / "garbage.traj"
    garbage.write_bytes(b"\x00\x01 not a trajectory" * 10)
    return good, truncated, nan, ragged, garbage


def test_bad_input_leaves_database_unchanged(cli_env, tmp_path, capsys):
    good, truncated, nan, ragged, garbage = _bad_files(tmp_path)
    cases = [
        ([str(tmp_path / "missing.xyz"), "-m", META], "file not found"),
        ([str(truncated), "-m", META], "cannot read trajectory"),
        ([str(garbage), "-m", META], "cannot read trajectory"),
        ([str(nan), "-m", META], "NaN or infinite"),
        ([str(ragged), "-m", META], "frame 4 has 47 atoms"),
        ([str(good)], "missing metadata"),
        (
            [str(good), "-m", '{"temperature_K": 300, "timestep_fs": 1}'],
            "frame_interval",
        ),
        (
            [
                str(good),
                "-m",
                '{"temperature_K": 300, "timestep_fs": -1, "frame_interval": 1}',
            ],
            "timestep_fs",
        ),
    ]
    run_cli(["db", "status"], capsys)
    before = _counts(cli_env)
    for args, message in cases:
        rc, out, err = run_cli(["ingest", *args], capsys)
        assert rc == 1, (args, out, err)
        assert message in err, (message, err)
        assert len(err.strip().splitlines()) == 1, err
    assert _counts(cli_env) == before


def test_query_errors(cli_env, capsys):
    for args, message in [
        (["query", "nope"], "unknown collection 'nope'"),
        (["query", "md_tasks", "--filter", "{bad"], "invalid filter"),
        (["query", "md_tasks", "--filter", '{"$nope": 1}'], "query failed"),
        (["query", "md_tasks", "--format", "xml"], "unknown format"),
    ]:
        rc, _, err = run_cli(args, capsys)
        assert rc == 1 and message in err, err
        assert len(err.strip().splitlines()) == 1


def test_database_down_cli(monkeypatch, capsys):
    from hcflow.db.server import free_port

    monkeypatch.setenv("HCFLOW_DB_URI", f"mongodb://127.0.0.1:{free_port()}")
    rc, _, err = run_cli(["query", "md_tasks"], capsys)
    assert rc == 1 and "database not reachable" in err


def test_batch_ingest_goes_past_a_bad_file(cli_env, tmp_path, capsys):
    """a, bad, c: a and c are stored, each file is reported, the exit is 1."""
    a_frames, _ = random_walk_frames(n_frames=10, seed=1)
    c_frames, _ = random_walk_frames(n_frames=10, seed=2)
    a, c = tmp_path / "a.extxyz", tmp_path / "c.extxyz"
    ase.io.write(a, a_frames)
    ase.io.write(c, c_frames)
    _, truncated, nan, _, _ = _bad_files(tmp_path)
    args = [str(a), str(truncated), str(c), str(nan), "-m", META]
    rc, out, err = run_cli(["ingest", *args], capsys)
    assert rc == 1
    assert [ln.split()[1] for ln in out.splitlines()] == [str(a), str(c)]
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"failed {truncated}: cannot read trajectory")
    assert lines[1].startswith(f"failed {nan}: ") and "NaN or infinite" in lines[1]
    assert lines[2] == f"error: 2 of 4 files failed: {truncated}, {nan}"
    assert len(lines) == 3
    assert _counts(cli_env)[0] == 2
    # again: the good ones are already there, the bad ones still fail
    rc, out, err = run_cli(["ingest", *args], capsys)
    assert rc == 1 and out.count("already ingested") == 2
    assert _counts(cli_env)[0] == 2
    rc, out, err = run_cli(["ingest", str(a), str(c), "-m", META], capsys)
    assert rc == 0 and err == ""


def test_query_json_is_strict_json(cli_env, capsys):
    """NaN and infinities stored in a document print as null, never NaN/Infinity."""
    client = MongoClient(cli_env.uri)
    client[cli_env.db_name].md_tasks.insert_one(
        {
            "task_id": "t-nan",
            "temperature_K": float("inf"),
            "density_g_cm3": float("nan"),
            "extra": {"values": [1.0, float("-inf")]},
        }
    )
    client.close()

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    for fmt in ("json",):
        rc, out, err = run_cli(["query", "md_tasks", "--format", fmt], capsys)
        assert rc == 0, err
        docs = json.loads(out, parse_constant=refuse)
        assert docs == [
            {
                "task_id": "t-nan",
                "temperature_K": None,
                "density_g_cm3": None,
                "extra": {"values": [1.0, None]},
            }
        ]
    out_file = cli_env.data_dir / "md.json"
    rc, _, err = run_cli(
        ["export", "md_tasks", "--format", "json", "-o", str(out_file)], capsys
    )
    assert rc == 0, err
    assert json.loads(out_file.read_text(), parse_constant=refuse)[0]["extra"] == {
        "values": [1.0, None]
    }


@pytest.mark.parametrize("value", ["Infinity", "NaN"])
def test_ingest_infinite_metadata_refused(cli_env, tmp_path, capsys, value):
    good, *_ = _bad_files(tmp_path)
    meta = META.replace('"temperature_K": 1000', f'"temperature_K": {value}')
    before = _counts(cli_env)
    rc, _, err = run_cli(["ingest", str(good), "-m", meta], capsys)
    assert rc == 1 and "temperature_K" in err and len(err.strip().splitlines()) == 1
    assert _counts(cli_env) == before
