"""Query-driven analysis builders against the real test server (db_settings)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from hcflow.builders.analysis import make_builder
from hcflow.cli.main import app
from hcflow.credentials import read_credentials
from hcflow.db.stores import ensure_database, get_store
from hcflow.errors import HcflowError
from hcflow.schemas.common import utcnow
from hcflow.schemas.names import STRUCTURAL
from hcflow.services.build import run_analysis
from hcflow.settings import get_settings
from tests.helpers import run_mrun, settings_env

pytestmark = pytest.mark.integration

Q = {"study_id": "s"}
SMALL = {"k_max": 4, "n_bootstrap": 2}
DRV = {"n_splits": 3, "n_repeats": 2, "max_iter": 40}


def ion_docs(n_traj=8, per=30, seed=0, offset=0, settings_hash="h"):
    """Three planted modes; the 'void' mode grows with density."""
    rng = np.random.default_rng(seed)
    docs = []
    for t in range(n_traj):
        task = f"t{t + offset}"
        rho = 0.8 + 0.15 * (t + offset)
        n_void = int(per * (0.1 + 0.08 * t))
        for i in range(per):
            mode = 2 if i < n_void else i % 2
            d = {name: float(rng.normal(mode * 3, 0.5)) for name in STRUCTURAL}
            d.update(
                {
                    "ion_key": f"{task}:{i}:{settings_hash}",
                    "task_id": task,
                    "ion_index": i,
                    "settings_hash": settings_hash,
                    "study_id": "s",
                    "density_g_cm3": rho,
                    "na_content": 0.1 * (1 + t % 2),
                    "temperature_K": 1000.0,
                    "log10_D": float(-5 - 0.5 * mode + 0.1 * rng.normal()),
                    "hop_rate_per_ps": float(2 - mode + 0.1 * rng.normal()),
                    "non_gaussian": float(rng.normal()),
                    "residence_time_ps": 1.0,  # constant
                    "path_tortuosity": float(2 + rng.normal()),
                    "state": "successful",
                    "last_updated": utcnow(),
                }
            )
            docs.append(d)
    return docs


def count(name, flt=None):
    with get_store(name, get_settings()) as st:
        return st.count(flt or {})


@pytest.fixture
def db(db_settings):
    ensure_database(db_settings)
    with get_store("ion_descriptors", db_settings) as st:
        st.update(ion_docs())
    return db_settings


def test_modes_builder_is_incremental(db):
    first = run_analysis("modes", Q, SMALL)
    assert run_analysis("modes", Q, SMALL) == first  # nothing changed: same id
    assert count("modes") == 1 and count("ion_modes") == 240
    with get_store("modes", get_settings()) as st:
        doc = st.query_one({})
    assert doc["k"] == 3 and doc["confident"] and doc["n_inputs"] == 240
    assert sum(m["n_ions"] for m in doc["transport"]) == 240
    assert set(doc["name_basis"]) == set(doc["names"])
    with get_store("ion_modes", get_settings()) as st:
        row = st.query_one({"result_id": first[0]})
    assert row["ion_class"] and row["class_reason"]
    assert set(doc["bic"]) == {"2", "3", "4"} and doc["stability_ari"] > 0.9
    assert doc["query"] == Q and doc["descriptor_settings"] == ["h"]
    other = run_analysis("modes", Q, {"k_max": 3, "n_bootstrap": 2})
    assert other != first and count("modes") == 2  # new settings: beside
    with get_store("ion_descriptors", get_settings()) as st:
        st.update(ion_docs(n_traj=1, offset=50, seed=2))
    newer = run_analysis("modes", Q, SMALL)
    assert newer != first and count("modes") == 3  # new inputs: rebuilt
    assert count("ion_modes", {"result_id": newer[0]}) == 270
    assert count("ion_modes", {"result_id": first[0]}) == 240  # old kept


def test_drivers_and_correlations(db):
    ids = run_analysis("drivers", Q, DRV)
    assert run_analysis("drivers", Q, DRV) == ids and count("drivers") == 1
    with get_store("drivers", get_settings()) as st:
        d = st.query_one({})
    assert d["cv"].startswith("GroupKFold") and d["n_groups"] == 8
    assert d["r2_mean"] > 0.8 and len(d["importance"]) == len(STRUCTURAL) - 1
    assert d["r2_clears_zero"] and d["r2_ci95_low"] > 0.5
    assert d["within"]["n_systems"] == 8 and d["within"]["r2_clears_zero"]
    assert "above zero" in d["verdict"]
    # correlations: modes computed inline, then taken from the stored result
    cset = {"mode_settings": SMALL}
    c1 = run_analysis("correlations", Q, cset)
    with get_store("correlations", get_settings()) as st:
        doc = st.query_one({"result_id": c1[0]})
    assert doc["mode_source"] == "inline"
    void = [k for k in doc["rho"] if k.startswith("frac_")]
    assert any(doc["rho"][k]["density_g_cm3"] > 0.9 for k in void)
    assert doc["rho"]["mean_log10_D"]["temperature_K"] is None  # one T
    assert doc["maps"]["mean_log10_D"]["na_content"] == [0.1, 0.2]
    with get_store(
        "correlations", get_settings()
    ) as st:  # stored-modes path: drop, rebuild
        st._collection.delete_many({})
    m = run_analysis("modes", Q, SMALL)
    c2 = run_analysis("correlations", Q, cset)
    assert c2 == c1
    with get_store("correlations", get_settings()) as st:
        doc2 = st.query_one({"result_id": c2[0]})
    assert doc2["mode_source"] == m[0]
    assert doc2["rho"] == doc["rho"]  # same labels either way


def test_bad_input_writes_nothing(db):
    with pytest.raises(HcflowError, match="matches no ion_descriptors"):
        run_analysis("modes", {"study_id": "nothing"})
    with pytest.raises(HcflowError, match="unknown descriptor"):
        run_analysis("modes", Q, {"features": ["cn_na_c", "bogus"]})
    with pytest.raises(HcflowError, match="structural descriptors only"):
        run_analysis("drivers", Q, {"features": ["log10_D"]})
    with pytest.raises(HcflowError, match="too few"):  # fewer ions than modes
        run_analysis("modes", {"task_id": "t0"}, {"k_min": 4, "k_max": 6})
    with pytest.raises(HcflowError, match="unknown field"):
        run_analysis("modes", {"densty": 1})
    with pytest.raises(HcflowError, match="site_fraction have no value"):
        run_analysis("modes", Q, {"features": ["cn_na_na", "site_fraction"]})
    for name in ("modes", "ion_modes", "drivers", "correlations"):
        assert count(name) == 0
    # constant columns: dropped with a note (documented fallback)
    ids = run_analysis(
        "modes", Q, {**SMALL, "features": ["cn_na_na", "residence_time_ps"]}
    )
    with get_store("modes", get_settings()) as st:
        doc = st.query_one({"result_id": ids[0]})
    assert doc["features"] == ["cn_na_na"] and doc["k"] == 3
    assert "residence_time_ps: constant, left out" in doc["notes"]


def test_several_descriptor_settings_keep_the_newest(db):
    with get_store("ion_descriptors", get_settings()) as st:
        st.update(ion_docs(seed=5, settings_hash="new"))
    run_analysis("modes", Q, SMALL)
    with get_store("modes", get_settings()) as st:
        doc = st.query_one({})
    assert doc["n_inputs"] == 240 and doc["descriptor_settings"] == ["new"]
    assert any("descriptor settings" in n for n in doc["notes"])


def test_cli_and_mrun(db, tmp_path):
    runner = CliRunner(env=settings_env(db))  # never the user's default server
    qfile = tmp_path / "q.yaml"
    qfile.write_text(
        "description: s\nfilter: {study_id: s}\n"
        "settings:\n  modes: {k_max: 4, n_bootstrap: 2}\n"
    )
    res = runner.invoke(app, ["build", "modes", "--query", str(qfile)])
    assert res.exit_code == 0, res.output
    assert "new result" in res.output and "k=3" in res.output
    res = runner.invoke(app, ["build", "modes", "--query", str(qfile)])
    assert "up to date" in res.output
    res = runner.invoke(
        app, ["build", "drivers", "-q", str(qfile), "-s", json.dumps(DRV)]
    )
    assert res.exit_code == 0 and "grouped-CV R2" in res.output
    res = runner.invoke(app, ["build", "modes", "--query", '{"bogus": 1}'])
    assert isinstance(res.exception, HcflowError)
    assert "unknown field 'bogus'" in str(res.exception)
    proc = subprocess.run(  # the console script: one line on stderr, exit 1
        [sys.executable, "-m", "hcflow.cli.main", "build", "drivers", "-s", "{"],
        capture_output=True,
        text=True,
        env=settings_env(db),
        timeout=120,
    )
    assert proc.returncode == 1 and proc.stderr.strip().count("\n") == 0
    assert proc.stderr.startswith("error: invalid settings: not JSON")
    # maggma's runner: the serialised builder runs and writes the result
    builder = make_builder("correlations", str(qfile), {"mode_settings": SMALL}, db)
    path = tmp_path / "corr.json"
    path.write_text(json.dumps(builder.as_dict(), default=str))
    creds = read_credentials(db.data_dir)
    assert db.db_name in path.read_text() and creds.password not in path.read_text()
    proc = run_mrun(path, db, "--no_bars")  # connects where its environment says
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert count("correlations") == 1
