"""`hcflow structure` commands: output, files, database, one-line errors."""

from __future__ import annotations

import pytest
from pymongo import MongoClient

from tests.helpers import run_cli


def test_generate_sodiate_save_and_analyze(cli_env, capsys, tmp_path):
    out = tmp_path / "hc.extxyz"
    rc, text, err = run_cli(
        [
            "structure",
            "generate",
            "--density",
            "1.0",
            "--n-carbon",
            "120",
            "--seed",
            "3",
            "--na-per-c",
            "0.05",
            "--method",
            "quick",
            "--out",
            str(out),
            "--save",
        ],
        capsys,
    )
    assert rc == 0, err
    assert "NaC20" in text and out.exists()
    coll = MongoClient(cli_env.uri)[cli_env.db_name]["structures"]
    kinds = sorted(d["kind"] for d in coll.find())
    assert kinds == ["generated", "sodiated"]
    rc, text, _ = run_cli(
        ["structure", "analyze", str(out), "--spacing", "0.5"], capsys
    )
    assert rc == 0 and "accessible volume" in text
    rc, text, _ = run_cli(["structure", "import", str(out)], capsys)
    assert rc == 0 and coll.count_documents({"kind": "imported"}) == 1


@pytest.mark.parametrize(
    "args,msg",
    [
        (["generate", "--density", "5", "--n-carbon", "100"], "density"),
        (["generate", "--density", "1", "--n-carbon", "0"], "n_carbon"),
        (["generate", "--density", "1", "--n-carbon", "50", "--na-per-c", "2"], "Na:C"),
        (["analyze", "/nonexistent.cif"], "not found"),
        (["generate", "--density", "3", "--n-carbon", "40"], "too few atoms"),
        (
            ["generate", "--density", "1", "--n-carbon", "64", "--protocol", '{"x":1}'],
            "protocol: unknown key 'x'",
        ),
        (
            [
                "generate",
                "--density",
                "1",
                "--n-carbon",
                "64",
                "--protocol",
                '{"potential": "gap"}',
            ],
            "unknown LAMMPS carbon potential 'gap'",
        ),
        (["generate", "--density", "1", "--n-carbon", "64", "--method", "x"], "md or"),
    ],
)
def test_bad_input_one_line_nothing_written(cli_env, capsys, tmp_path, args, msg):
    rc, _, err = run_cli(
        ["structure", *args, "--out", str(tmp_path / "x.xyz")]
        if args[0] == "generate"
        else ["structure", *args],
        capsys,
    )
    assert rc == 1 and msg in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.xyz").exists()
    coll = MongoClient(cli_env.uri)[cli_env.db_name]["structures"]
    assert coll.count_documents({}) == 0


def test_file_without_carbon(cli_env, capsys, tmp_path):
    from ase import Atoms

    p = tmp_path / "na.extxyz"
    Atoms("Na2", positions=[[0, 0, 0], [2, 2, 2]], cell=[6] * 3, pbc=True).write(p)
    rc, _, err = run_cli(["structure", "import", str(p)], capsys)
    assert rc == 1 and "no carbon" in err
    bad = tmp_path / "garbage.cif"
    bad.write_text("not a cif\n")
    rc, _, err = run_cli(["structure", "analyze", str(bad)], capsys)
    assert rc == 1 and "cannot read" in err


def test_generate_md_stores_protocol_hash_and_validation(cli_env, capsys, tmp_path):
    import json

    short = {
        "melt_ps": 1.0,
        "quench_rate_K_per_ps": 5000.0,
        "anneal_ps": 2.0,
        "cool_rate_K_per_ps": 5000.0,
        "final_ps": 0.5,
    }
    args = [
        "structure",
        "generate",
        "--density",
        "1.2",
        "--n-carbon",
        "64",
        "--seed",
        "1",
        "--protocol",
        json.dumps(short),
        "--save",
    ]
    rc, text, err = run_cli(args, capsys)
    assert rc == 0, err
    assert "sp2_fraction vs literature" in text and "stacking distance" in text
    coll = MongoClient(cli_env.uri)[cli_env.db_name]["structures"]
    doc = coll.find_one({"kind": "generated"})
    assert doc["method"] == "lammps-melt-quench-v1"
    assert doc["params"]["anneal_ps"] == 2.0 and doc["params"]["potential"]
    assert doc["content_hash"] and doc["validation"]["checks"]["sp2_fraction"]
    assert doc["density_g_cm3"] == pytest.approx(1.2, rel=1e-9)
    assert (
        cli_env.data_dir / "structures-md" / f"{doc['content_hash']}.json"
    ).is_file()
