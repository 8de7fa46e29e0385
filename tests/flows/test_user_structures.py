"""Studies on your own structures (issue 28 item 6): CIF and extxyz files named
in ``structures:``, density and Na read from them, bad input one line."""

from __future__ import annotations

import pytest
import yaml
from ase import Atoms
from ase.io import write

from hcflow.errors import HcflowError
from hcflow.flows.spec import load_study, parse_study
from hcflow.flows.study_point import StudyPoint
from hcflow.structures.hardcarbon import density_of, generate_hard_carbon
from hcflow.structures.user import MIN_DISTANCE_A, UserStructure, read_user_cell
from tests.flows.conftest import TINY


def _raw(**changes):
    raw = yaml.safe_load(TINY.read_text())
    for key in ("densities", "n_carbon"):
        raw.pop(key)
    raw.update(changes)
    return raw


@pytest.fixture
def files(tmp_path):
    """A 32-C cell at 1.0 g/cm3 as CIF, and a 40-C cell at 1.2 with 3 Na as
    extxyz."""
    a = generate_hard_carbon(32, 1.0, seed=1)
    b = generate_hard_carbon(40, 1.2, seed=2)
    rho_b = density_of(b)  # carbon density, before the Na
    b += Atoms("Na3", positions=b.cell.array.sum(0) * [[0.1], [0.4], [0.7]])
    write(tmp_path / "a.cif", a)
    write(tmp_path / "b.extxyz", b)
    return tmp_path, density_of(a), rho_b


def test_study_reads_density_n_carbon_and_na_from_the_files(files):
    folder, rho_a, rho_b = files
    study = folder / "mine.yaml"
    entries = ["a.cif", {"file": "b.extxyz", "sodiate": False}]
    study.write_text(yaml.safe_dump(_raw(structures=entries)))
    spec = load_study(study)  # relative to the study file, not the cwd
    pts = spec.points()
    assert all(isinstance(p, StudyPoint) for p in pts)
    # a.cif: sodiated at the study's NaC8 (4 Na), 2 T; b: its own 3 Na, 2 T
    assert [(p.n_carbon, p.source) for p in pts] == [(32, 0)] * 2 + [(40, 1)] * 2
    assert pts[0].density == pytest.approx(rho_a, abs=1e-6)
    assert pts[2].density == pytest.approx(rho_b, abs=1e-6) and rho_b > 1.1
    assert [p.n_na for p in pts] == [4, 4, 3, 3]
    assert pts[2].na_per_c == pytest.approx(3 / 40)
    assert len({p.point_id for p in pts}) == 4 and pts[0].point_id.endswith("-s0")
    # the file's content is in the settings hash: another cell, another hash
    h = pts[0].settings_hash
    write(folder / "a.cif", generate_hard_carbon(32, 1.0, seed=3))
    assert load_study(study).points()[0].settings_hash != h
    # a Na count: that many inserted
    spec = parse_study(_raw(structures=[{"file": str(folder / "a.cif"), "sodiate": 2}]))
    assert [p.n_na for p in spec.points()] == [2, 2]


def test_study_density_checked_against_the_file(files):
    folder, rho_a, _ = files
    ok = _raw(structures=[str(folder / "a.cif")], densities=[rho_a * 1.01])
    assert parse_study(ok).points()[0].density == pytest.approx(rho_a, abs=1e-6)
    bad = _raw(structures=[str(folder / "a.cif")], densities=[rho_a * 1.05])
    with pytest.raises(HcflowError, match="contradicts .*a.cif .*2% apart"):
        parse_study(bad)
    with pytest.raises(HcflowError, match="has 32 C, not n_carbon"):
        parse_study(_raw(structures=[str(folder / "a.cif")], n_carbon=[64]))


def test_bad_structures_one_line_errors(tmp_path):
    cell = [10.0] * 3
    write(tmp_path / "na.extxyz", Atoms("Na2", [[0, 0, 0], [3, 3, 3]], cell=cell))
    close = Atoms("C2", [[0, 0, 0], [0.3, 0, 0]], cell=cell, pbc=True)
    write(tmp_path / "close.extxyz", close)
    cases = {
        "missing.cif": "structure file not found",
        "na.extxyz": "has no carbon",
        "close.extxyz": f"overlapping atoms \\(0.30 A apart, < {MIN_DISTANCE_A} A\\)",
    }
    for name, msg in cases.items():
        with pytest.raises(HcflowError, match=msg) as err:
            parse_study(_raw(structures=[str(tmp_path / name)]), source="s.yaml")
        assert "\n" not in str(err.value) and str(err.value).startswith("s.yaml: ")
    with pytest.raises(HcflowError, match="no Na and sodiate is false"):
        write(tmp_path / "c.extxyz", generate_hard_carbon(32, 1.0, seed=1))
        read_user_cell(UserStructure(file=str(tmp_path / "c.extxyz"), sodiate=False))


def test_user_structure_flow_imports_and_skips_sodiation(files):
    """The flow imports each file (relaxed with the study's MLIP), sodiates
    only those asked, and runs MD on both."""
    from hcflow.flows.study import TransportStudyMaker

    folder, _, _ = files
    b = {"file": str(folder / "b.extxyz"), "sodiate": False}
    entries = [str(folder / "a.cif"), b]
    spec = parse_study(_raw(structures=entries))
    flow = TransportStudyMaker().make(spec)
    names = [j.name for j in flow.jobs]
    assert sum(n.startswith("structure ") for n in names) == 2
    assert sum(n.startswith("na ") for n in names) == 1  # b keeps its own Na
    first = flow.jobs[0]
    assert first.function_args == (str(folder / "a.cif"),)
    assert first.maker.relax_potential == spec.potential


@pytest.mark.integration
def test_tiny_study_on_a_cif_runs_and_records_the_relaxation(files, db_settings):
    """A real run: the CIF is imported and relaxed with the study's MLIP,
    sodiated and relaxed again, then MD; both relaxations are recorded."""
    from hcflow.flows.run import run_study_locally
    from tests.flows.conftest import db

    folder, rho_a, _ = files
    raw = _raw(structures=[str(folder / "a.cif")], relax={"steps": 20})
    raw["temperatures"] = [600]
    summary = run_study_locally(parse_study(raw), db_settings, echo=None)
    assert summary["ran"] == 1 and summary["md_tasks"] == 1
    client, d = db(db_settings)
    docs = {x["kind"]: x for x in d["structures"].find({"study_id": "tiny"})}
    client.close()
    assert set(docs) == {"imported", "sodiated"}
    host, na = docs["imported"], docs["sodiated"]
    assert host["density_g_cm3"] == pytest.approx(rho_a, abs=1e-6)
    assert host["relax"]["potential"] == "hcflow-nac-small"
    assert 0 <= host["relax"]["steps_taken"] <= 20
    assert host["relax"]["energy_eV"] <= host["relax"]["energy_initial_eV"]
    assert na["n_na"] == 4 and na["relax"]["steps"] == 20
    assert na["parent_structure_id"] == host["structure_id"]


def test_missing_interlayer_potential_file_is_one_line_before_any_job(
    tmp_path, monkeypatch
):
    """The default protocol's interlayer term (airebo-lj) needs CH.airebo."""
    from hcflow.structures import lammps_engine

    monkeypatch.setattr(lammps_engine, "potentials_dir", lambda: tmp_path)
    raw = yaml.safe_load(TINY.read_text())
    with pytest.raises(HcflowError, match="meltquench: potential file .* missing"):
        parse_study(raw, source="s.yaml")
    raw["structure_method"] = "quick"  # no LAMMPS: no file needed
    assert parse_study(raw).points()


def test_relaxation_is_part_of_structure_keys_and_hashes():
    """Cells made before the relaxation default are not reused as relaxed
    ones; relax steps 0 keeps the keys and hashes of before."""
    from hcflow.flows.study import TransportStudyMaker

    raw = yaml.safe_load(TINY.read_text())
    on = parse_study(raw)
    off = parse_study({**raw, "relax": {"steps": 0}})
    m = TransportStudyMaker()
    p, q = on.points()[0], off.points()[0]
    assert m.structure_hash(on, p) != m.structure_hash(off, q)
    assert m.sodiation_hash(on, p) != m.sodiation_hash(off, q)
    assert p.settings_hash != q.settings_hash
    assert "relax" not in q.settings() and p.settings()["relax"]["steps"] == 200
