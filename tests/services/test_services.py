"""The service layer: a tiny study end to end, builders by CLI and by mrun."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from hcflow import services
from hcflow.credentials import read_credentials
from hcflow.errors import HcflowError
from hcflow.services import build as build_service
from hcflow.services import data as data_service
from hcflow.services import demo as demo_service
from hcflow.services import potential as potential_service
from hcflow.services import report as report_service
from hcflow.services import structure as structure_service
from hcflow.services import study as study_service
from hcflow.services.common import connect
from hcflow.services.ingest import parse_metadata
from hcflow.settings import Settings, configure
from hcflow.structures.store import save_structure_docs
from tests.builders.test_descriptor_builder import FAST, add_task
from tests.flows.conftest import tiny_spec
from tests.helpers import MRUN, settings_env

#: descriptors of a 0.2 ps run: a coarse-graining time it can hold
SHORT = FAST | {"coarse_ps": 0.02}


@pytest.mark.integration
def test_tiny_study_end_to_end(db_settings, tmp_path):
    """One point: MD -> collect -> descriptors -> analyses (skipped) -> report."""
    spec = tiny_spec(
        temperatures=[600],
        md={"production_steps": 200, "frame_interval": 4},
    )
    lines: list[str] = []
    _, points = study_service.plan_study(spec)
    assert len(points) == 1
    summary = study_service.run_study(spec, db_settings, echo=lines.append)
    assert summary["points_done"] == 1 and summary["md_tasks"] == 1
    assert any("1 to run" in line for line in lines)
    status = study_service.study_status("tiny", settings=db_settings, announce=None)
    assert status[0]["done"] == 1
    collected = study_service.collect_outputs("tiny", db_settings, announce=None)
    assert collected["md_tasks"]["new"] == 0  # run_study collected already
    assert collected["structures"]["structures"] == 2  # generated + sodiated

    stats = build_service.run_descriptors(
        {"study_id": "tiny"}, SHORT, progress=False, echo=lines.append
    )
    assert stats == {"processed": 1, "failed": 0, "ions": 4}, lines[-3:]
    # `build all` uses default settings: a 0.2 ps run is shorter than their
    # coarse-graining time, so it is not estimable (the reason in one line),
    # the analyses have nothing to analyse, and that is no failure (exit 0)
    outcome = build_service.run_all({"study_id": "tiny"}, echo=lines.append)
    assert outcome["descriptors"] == "done, 1 not estimable"
    assert outcome["modes"].startswith("not estimable (1 too short)")
    assert build_service.failure_summary(outcome) is None
    assert any("not estimable tiny" in ln and "coarse" in ln for ln in lines)
    assert set(outcome) == {
        "descriptors",
        "modes",
        "drivers",
        "correlations",
        "arrhenius",
    }
    # one temperature: an Arrhenius document that says why there is no fit
    assert outcome["arrhenius"] == "done"
    assert any("no fit (" in line and "usable temperature(s)" in line for line in lines)

    docs = data_service.fetch_documents(
        "trajectory_summaries",
        {"study_id": "tiny", "state": "successful"},
        settings=db_settings,
    )
    assert len(docs) == 1 and docs[0]["D_ci95_low"] <= docs[0]["D_cm2_s"]
    table = data_service.format_documents(docs, "csv", ["task_id", "n_ions"])
    assert table.splitlines()[1] == f"{docs[0]['task_id']},4"
    path, n = data_service.export_collection(
        "md_tasks", "json", tmp_path / "md.json", settings=db_settings
    )
    assert n == 1 and json.loads(path.read_text())[0]["study_id"] == "tiny"
    out, traj = data_service.export_trajectory(
        docs[0]["task_id"], out=tmp_path / "t.extxyz", settings=db_settings
    )
    assert traj.n_frames == 51 and out.exists()

    res = report_service.make_report(
        tmp_path / "rep", study_id="tiny", settings=db_settings, announce=None
    )
    assert {"msd", "diffusion"} <= set(res.figures)
    assert len(res.systems) == 1
    line = demo_service.summary_table(res.systems).splitlines()[1]
    assert line.split()[:3] == ["1.00", "0.125", "600"]


def test_demo_summary_table_format():
    base = {
        "density_g_cm3": 0.9,
        "na_content": 0.05,
        "temperature_K": 1200.0,
        "n_ions": 6,
        "D_cm2_s": 1.63e-4,
        "D_ci95_low": 7.35e-5,
        "D_ci95_high": 2.59e-4,
        "dominant_mode": "hopping",
    }
    rows = [
        {**base, "diffusive": True, "msd_loglog_slope": 0.97},
        {
            **base,
            "diffusive": False,
            "msd_loglog_slope": 0.41,
            "diffusive_reason": "sub-diffusive: MSD log-log slope 0.41 < 0.85",
        },
        base,  # no verdict stored (older documents)
    ]
    lines = demo_service.summary_table(pd.DataFrame(rows)).splitlines()
    assert lines[1].split() == [
        "0.90", "0.050", "1200", "6", "1.63e-04", "[7.35e-05,", "2.59e-04]",
        "diffusive", "(slope", "0.97)", "-", "hopping",
    ]  # fmt: skip
    # a non-diffusive D is an upper bound, with the kind of failure
    assert "<1.63e-04" in lines[2] and "NO: sub-diffusive (slope 0.41)" in lines[2]
    assert "not judged" in lines[3] and "<" not in lines[3]
    bools = pd.DataFrame([{**base, "diffusive": v} for v in (True, False)])
    assert bools["diffusive"].dtype == bool  # numpy bools read as verdicts too
    out = demo_service.summary_table(bools).splitlines()
    assert " diffusive" in out[1] and "NO:" in out[2]
    new = {**base, "diffusion_outcome": "undetermined", "diffusive": None}
    new["regime"] = [{"flag": "fluid_ions", "reason": "x"}]
    out = demo_service.summary_table(pd.DataFrame([new])).splitlines()[1]
    assert "undetermined" in out and "fluid_ions" in out and "<" not in out
    assert "not estimable" in demo_service.design_summary(
        demo_service.load_demo_study()
    )
    merged = {**base, "diffusive": True, "ion_contacts_ok": False}
    out = demo_service.summary_table(pd.DataFrame([{**merged, "min_ion_pair_A": 1.18}]))
    assert "NO: ions merged (1.18 A)" in out.splitlines()[1]
    assert demo_service.summary_table(None) == "(no systems analysed)"
    assert demo_service.load_demo_study().id == "demo"


@pytest.mark.integration
def test_structure_and_potential_services(db_settings, tmp_path):
    atoms, docs = structure_service.generate_structure(
        1.0, 80, seed=2, na_per_c=0.05, pore_spacing=None, method="quick"
    )
    assert [d.kind for d in docs] == ["generated", "sodiated"]
    assert docs[1].parent_structure_id == docs[0].structure_id
    assert structure_service.save_structures(docs, db_settings, announce=None) == 2
    assert connect(db_settings, announce=None) is db_settings
    assert save_structure_docs(docs[:1], db_settings) == 1  # an upsert
    assert len(services.fetch_documents("structures", settings=db_settings)) == 2
    path = structure_service.write_structure(atoms, tmp_path / "s.extxyz")
    _, doc = structure_service.import_structure(path, pore_spacing=None)
    assert doc.n_na == 4 and doc.kind == "imported"
    with pytest.raises(HcflowError, match="Na:C must be between"):
        structure_service.generate_structure(1.0, 80, na_per_c=2)
    info = potential_service.potential_info()
    assert info["name"] == "hcflow-nac-small" and info["elements"] == ["C", "Na"]
    pdoc = potential_service.register_potential(settings=db_settings, announce=None)
    got = services.fetch_documents("potentials", settings=db_settings)
    assert [d["potential_id"] for d in got] == [pdoc.potential_id]


def test_builder_json_carries_no_credentials(tmp_path):
    secret = "mongodb://alice:s3cret@db.example.org:27017"
    configure(Settings(db_uri=secret, db_name="hc"))
    try:
        for kind in ("descriptors", "modes", "correlations"):
            path = build_service.write_builder_json(kind, tmp_path / f"{kind}.json")
            text = path.read_text()
            assert "s3cret" not in text  # the user name may stay, masked URI
            assert '"hc"' in text  # the database name is kept
        builder = build_service.make_builder("descriptors")
        assert "s3cret" not in builder.md_tasks.uri  # masked even in memory
        with pytest.raises(HcflowError, match="unknown builder"):
            build_service.make_builder("bogus")
    finally:
        configure(None)


@pytest.mark.integration
def test_cli_and_mrun_give_the_same_settings_hash(db_settings, task_stores, tmp_path):
    """The environment's cutoff reaches the builder by every entry point."""
    from hcflow.db.stores import get_store
    from hcflow.descriptors.settings import DescriptorSettings

    add_task(*task_stores, "m0")
    env = settings_env(db_settings) | {"HCFLOW_NA_C_CUTOFF": "3.3"}
    hcflow = [sys.executable, "-m", "hcflow.cli.main"]
    fast = json.dumps(FAST)

    def hashes() -> set[str]:
        with get_store("trajectory_summaries", db_settings) as st:
            return {doc["settings_hash"] for doc in st.query({})}

    def run(args: list[str]) -> None:
        proc = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr[-2000:]

    run([*hcflow, "build", "descriptors", "-s", fast, "--no-progress"])
    by_cli = hashes()
    expected = DescriptorSettings(**FAST, na_c_cutoff=3.3).hash
    assert by_cli == {expected}
    path = tmp_path / "b.json"
    run([*hcflow, "build", "descriptors", "-s", fast, "--write-json", str(path)])
    creds = read_credentials(db_settings.data_dir)
    assert creds is not None and creds.password not in path.read_text()
    for name in ("trajectory_summaries", "ion_descriptors"):
        with get_store(name, db_settings) as st:
            st.remove_docs({})
    run([*MRUN, str(path)])
    assert hashes() == by_cli


@pytest.mark.parametrize(
    "metadata, message",
    [
        (None, "missing metadata"),
        ('{"temperature_K": 300, "timestep_fs": 1}', "'frame_interval'"),
        ('{"temperature_K": 300, "timestep_fs": 500, "frame_interval": 1}', "timestep"),
        (
            '{"temperature_K": 300, "timestep_fs": 1, "frame_interval": 1, "x": 1}',
            "'x'",
        ),
    ],
)
def test_ingest_metadata_is_checked_first(metadata, message):
    with pytest.raises(HcflowError, match=message) as exc:
        parse_metadata(metadata)
    assert "\n" not in str(exc.value)
    ok = parse_metadata({"temperature_K": 300, "timestep_fs": 1, "frame_interval": 5})
    assert ok.frame_interval == 5 and parse_metadata(ok) is ok


@pytest.mark.parametrize(
    "key", ["temperature_K", "timestep_fs", "density_g_cm3", "na_content"]
)
@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "1e400"])
def test_ingest_metadata_must_be_finite(key, value):
    fields = {"temperature_K": 300, "timestep_fs": 1, "frame_interval": 5}
    fields[key] = "VALUE"
    text = json.dumps(fields).replace('"VALUE"', value)  # JSON as a user types it
    with pytest.raises(HcflowError, match=key) as exc:
        parse_metadata(text)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    "extra", ['"temperature_K": 1e5', '"density_g_cm3": 50', '"na_content": 7']
)
def test_ingest_metadata_must_be_physical(extra):
    key = extra.split('"')[1]
    fields = {"temperature_K": 300, "timestep_fs": 1, "frame_interval": 5}
    fields[key] = float(extra.split(": ")[1])
    with pytest.raises(HcflowError, match=key):
        parse_metadata(fields)
