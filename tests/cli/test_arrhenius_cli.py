"""`hcflow build arrhenius` on a real server: fits, exit codes, mrun, Client."""

from __future__ import annotations

import json

import pytest

from hcflow.db.stores import ensure_database, get_store
from tests.builders import arrhenius_data as data
from tests.helpers import run_cli, run_mrun

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def planted():
    transports = {t: data.brownian_summary(t, seed=i) for i, t in enumerate(data.TEMPS)}
    summaries, tasks = data.planted(
        transports, data.brownian_summary(500.0, n_frames=100, seed=9)
    )
    return summaries, tasks, data.mode_ions()


@pytest.fixture
def arr_env(cli_env, planted):
    summaries, tasks, (ions, labels, result) = planted
    ensure_database(cli_env, announce=None)
    for name, docs in [
        ("trajectory_summaries", summaries),
        ("md_tasks", tasks),
        ("ion_descriptors", ions),
        ("ion_modes", labels),
        ("modes", [result]),
    ]:
        with get_store(name, cli_env) as st:
            st.update([dict(d) for d in docs])
    return cli_env


def _keys(settings) -> dict[str, dict]:
    with get_store("arrhenius", settings) as st:
        return {d["arrhenius_key"]: d for d in st.query({})}


def test_cli_fits_reports_and_is_incremental(arr_env, capsys):
    rc, out, err = run_cli(["build", "arrhenius", "-q", '{"study_id": "s"}'], capsys)
    assert rc == 0, err
    assert "arrhenius: 2 system(s), 2 fitted now, 0 up to date" in out
    line = next(x for x in out.splitlines() if "rho=1.5 " in x)
    assert "Ea = 0.2" in line and "D(300 K) = " in line and "from 5 of 6 points" in line
    assert line.endswith("consistent with one line (chi2 p = " + line.split("= ")[-1])
    assert "rho=1.9 " in out and "no fit (2 usable temperature(s)" in out
    docs = _keys(arr_env)
    assert len(docs) == 5  # 2 systems + 3 modes of system A
    rc, out, _ = run_cli(["build", "arrhenius", "-q", '{"study_id": "s"}'], capsys)
    assert rc == 0 and "0 fitted now, 2 up to date" in out
    # the notebook face: one row per system, or per mode too
    from hcflow.api import Client

    hc = Client(settings=arr_env, start=False)
    table = hc.arrhenius()
    assert len(table) == 2 and set(table["mode"].isna()) == {True}
    assert {"Ea_eV", "Ea_ci95_low", "D_extrapolated_cm2_s", "valid"} <= set(table)
    assert len(hc.arrhenius(modes=True)) == 5
    assert len(hc.arrhenius(mode="hopping")) == 1
    # the potential column names the model; its id (sha256) stays beside it
    assert set(table["potential"]) == {"mace-x"}  # no name known: the id
    with get_store("potentials", arr_env) as st:
        st.update([{"potential_id": "mace-x", "name": "hcflow-nac-small"}])
    table = hc.arrhenius()
    assert set(table["potential"]) == {"hcflow-nac-small"}
    assert set(table["potential_sha256"]) == {"mace-x"}


BAD = [
    (["-s", '{"bogus": 1}'], "error: arrhenius settings: unknown key 'bogus'"),
    (["-s", "{"], "error: invalid settings: not JSON"),
    (["-s", '{"min_temperatures": 1}'], "bad value for 'min_temperatures'"),
    (["-q", '{"study_id": "none"}'], "error: the query matches no trajectory_s"),
    (["-q", '{"$where": "1"}'], "error: "),
]


def test_cli_bad_input_exits_1_with_one_line(arr_env, capsys):
    for args, message in BAD:  # one database for all cases (drops are slow)
        rc, out, err = run_cli(["build", "arrhenius", *args], capsys)
        assert rc == 1 and err.strip().count("\n") == 0, args
        assert message in err, (args, err)
        assert _keys(arr_env) == {}


def test_mrun_gives_the_same_documents_as_the_cli(arr_env, capsys, tmp_path):
    settings = json.dumps({"T_extrapolate_K": 330.0})
    rc, _, err = run_cli(["build", "arrhenius", "-s", settings], capsys)
    assert rc == 0, err
    by_cli = _keys(arr_env)
    path = tmp_path / "arr.json"
    rc, out, err = run_cli(
        ["build", "arrhenius", "-s", settings, "--write-json", str(path)], capsys
    )
    assert rc == 0 and "mrun" in out, err
    with get_store("arrhenius", arr_env) as st:
        st.remove_docs({})
    proc = run_mrun(path, arr_env, "--no_bars")
    assert proc.returncode == 0, proc.stderr[-2000:]
    by_mrun = _keys(arr_env)
    assert set(by_mrun) == set(by_cli) and len(by_cli) == 5
    for key, doc in by_cli.items():
        assert by_mrun[key]["settings"] == doc["settings"]
        assert by_mrun[key]["settings"]["T_extrapolate_K"] == 330.0
        assert by_mrun[key]["Ea_eV"] == doc["Ea_eV"]
