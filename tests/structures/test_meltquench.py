"""Melt-quench-anneal on LAMMPS: exact density, no overlaps, bad input,
content addressing (a stored cell comes back without running LAMMPS)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hcflow.errors import HcflowError
from hcflow.structures import library, meltquench
from hcflow.structures.hardcarbon import density_of
from hcflow.structures.meltquench import (
    REBO_ONLY,
    MeltQuenchProtocol,
    content_hash,
    generate_melt_quench,
    run_melt_quench,
)

# ~4,500 Tersoff steps on 64 C: about a second
SHORT = {
    "melt_ps": 1.0,
    "quench_rate_K_per_ps": 5000.0,
    "anneal_ps": 2.0,
    "cool_rate_K_per_ps": 5000.0,
    "final_ps": 0.5,
}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty local cache (settings.structure_cache) and no shipped library."""
    from hcflow.settings import configure, get_settings

    d = tmp_path / "cache"
    previous = get_settings()
    configure(previous.model_copy(update={"structure_cache": d}))
    monkeypatch.setattr(library, "LIBRARY_DIR", tmp_path / "no-library")
    yield d
    configure(previous)


def _min_cc(atoms) -> float:
    d = atoms.get_all_distances(mic=True)
    return float(d[~np.eye(len(atoms), dtype=bool)].min())


@pytest.mark.parametrize("start", ["random", "lattice"])
def test_density_exact_no_overlaps(start):
    atoms = run_melt_quench(64, 1.3, seed=2, protocol={**SHORT, "start": start})
    assert len(atoms) == 64 and set(atoms.get_chemical_symbols()) == {"C"}
    assert density_of(atoms) == pytest.approx(1.3, rel=1e-12)
    assert _min_cc(atoms) > 1.2
    info = atoms.info["hcflow"]
    assert info["method"] == meltquench.METHOD
    assert info["params"]["melt_ps"] == 1.0 and info["params"]["start"] == start
    assert [s["stage"] for s in info["stages"]] == [
        "start",
        "melt",
        "quench",
        "anneal",
        "cool",
        "cool_interlayer",  # the default LJ term from 1500 K in the cool on
        "final",
        "minimize",
    ]
    assert info["stages"][-2]["temperature_K"] < 600  # cooled to ~300 K


def test_same_inputs_same_cell_other_seed_differs():
    a = run_melt_quench(64, 1.0, seed=5, protocol=SHORT)
    b = run_melt_quench(64, 1.0, seed=5, protocol=SHORT)
    c = run_melt_quench(64, 1.0, seed=6, protocol=SHORT)
    assert np.array_equal(a.positions, b.positions)
    assert not np.allclose(a.positions, c.positions)


def test_content_addressing_reuses_without_lammps(cache, monkeypatch):
    first = generate_melt_quench(64, 1.1, seed=3, protocol=SHORT)
    key = first.info["hcflow"]["content_hash"]
    assert first.info["hcflow"]["source"] == "generated"
    assert (cache / f"{key}.json").is_file()

    def boom(*a, **k):
        raise AssertionError("LAMMPS must not run for a stored cell")

    monkeypatch.setattr(meltquench, "run_melt_quench", boom)
    again = generate_melt_quench(64, 1.1, seed=3, protocol={**SHORT, "threads": 2})
    assert again.info["hcflow"]["source"] == "cache"
    assert np.array_equal(again.positions, first.positions)
    assert again.info["hcflow"]["content_hash"] == key
    with pytest.raises(AssertionError):  # another seed is another cell
        generate_melt_quench(64, 1.1, seed=4, protocol=SHORT)


def test_hash_covers_inputs_not_threads():
    p = MeltQuenchProtocol(**SHORT)
    h = content_hash(100, 1.2, 1, p)
    assert h == content_hash(100, 1.2, 1, p.model_copy(update={"threads": 4}))
    assert h == content_hash(100, 1.2, 1, p.model_copy(update={"mlip_relax_steps": 9}))
    assert h != content_hash(100, 1.2, 2, p)
    assert h != content_hash(101, 1.2, 1, p)
    assert h != content_hash(100, 1.3, 1, p)
    assert h != content_hash(100, 1.2, 1, p.model_copy(update={"anneal_ps": 3.0}))


@pytest.mark.parametrize(
    "n,rho,proto,msg",
    [
        (64, 0.2, {}, "density must be between 0.3 and 3.0"),
        (64, 3.5, {}, "density must be between 0.3 and 3.0"),
        (20, 1.0, {}, "n_carbon must be between"),
        (40, 3.0, {}, "too few atoms"),
        (64, 1.0, {"potential": "gap20"}, "unknown LAMMPS carbon potential 'gap20'"),
        (64, 1.0, {"melt_temp": 5000}, "protocol: unknown key 'melt_temp'"),
        (64, 1.0, {"timestep_fs": 5}, "timestep_fs"),
    ],
)
def test_bad_input_one_line_nothing_stored(cache, n, rho, proto, msg):
    with pytest.raises(HcflowError, match=msg) as exc:
        generate_melt_quench(n, rho, seed=0, protocol=proto)
    assert "\n" not in str(exc.value)
    assert not cache.exists() or not any(cache.iterdir())


def test_lost_atoms_is_an_error_and_nothing_stored(cache, monkeypatch):
    from hcflow.structures.lammps_engine import LammpsCarbon

    # two atoms 0.3 A apart and a 20 fs step: LAMMPS loses atoms
    pos = np.array([[5.0, 5.0, 5.0], [5.3, 5.0, 5.0], [1.0, 1.0, 1.0]])
    with LammpsCarbon(pos, [10, 10, 10], "tersoff", timestep_fs=20.0) as lc:
        lc.velocities(300, 1)
        with pytest.raises(HcflowError, match="lost atoms") as exc:
            lc.nvt("melt", 300, 300, 200, 1)
    assert "\n" not in str(exc.value)
    original = LammpsCarbon.nvt

    def failing(self, stage, *a, **k):
        if stage == "anneal":
            raise HcflowError("LAMMPS lost atoms: 3 of 64 (tersoff)")
        return original(self, stage, *a, **k)

    monkeypatch.setattr(LammpsCarbon, "nvt", failing)
    with pytest.raises(HcflowError, match="lost atoms"):
        generate_melt_quench(64, 1.0, seed=1, protocol=SHORT)
    assert not cache.exists() or not any(cache.iterdir())


def test_unknown_potential_name_in_engine():
    from hcflow.structures.lammps_engine import POTENTIALS, get_potential

    assert {"tersoff", "rebo", "airebo", "lcbop", "snap"} <= set(POTENTIALS)
    with pytest.raises(HcflowError, match="choose one of"):
        get_potential("reaxff")


def test_library_cells_load_and_match_their_hash():
    rows = library.library_index()
    for row in rows:
        atoms = library.lookup(row["content_hash"])
        assert atoms.info["hcflow"]["source"] == "library"
        info = atoms.info["hcflow"]
        # cells made before issue 28 have no interlayer field: REBO-II alone
        p = MeltQuenchProtocol(**{**REBO_ONLY, **info["params"]})
        assert (
            content_hash(len(atoms), info["density_g_cm3"], info["seed"], p)
            == (row["content_hash"])
        )
        assert density_of(atoms) == pytest.approx(info["density_g_cm3"], rel=1e-9)
        assert info["provenance"]["command"]


def test_maker_md_documents_hash_validation_and_reuses(cache, monkeypatch):
    from jobflow import run_locally

    from hcflow.structures.jobs import HardCarbonMaker

    job = HardCarbonMaker(method="md", protocol=SHORT, pore_spacing=None).make(
        64, 1.2, seed=7
    )
    doc = run_locally(job, ensure_success=True)[job.uuid][1].output
    key = content_hash(64, 1.2, 7, MeltQuenchProtocol(**SHORT))
    assert doc.content_hash == key and (cache / f"{key}.json").is_file()
    assert doc.method == meltquench.METHOD and doc.params["anneal_ps"] == 2.0
    assert doc.params["source"] == "generated" and doc.seed == 7
    hyb = doc.validation["hybridisation"]
    assert doc.sp2_fraction == pytest.approx(hyb["sp2_fraction"])
    assert set(doc.validation["checks"]) == {
        "sp2_fraction",
        "sp_fraction",
        "interlayer_A",
        "Lc_A",
        "La_A",
    }
    assert doc.density_g_cm3 == pytest.approx(1.2, rel=1e-9)

    def boom(*a, **k):
        raise AssertionError("LAMMPS must not run for a stored cell")

    monkeypatch.setattr(meltquench, "run_melt_quench", boom)
    job = HardCarbonMaker(method="md", protocol=SHORT, pore_spacing=None).make(
        64, 1.2, seed=7
    )
    again = run_locally(job, ensure_success=True)[job.uuid][1].output
    assert again.params["source"] == "cache" and again.content_hash == key
    assert np.allclose(again.structure.cart_coords, doc.structure.cart_coords)


def test_md_relaxation_needs_a_potential_and_unknown_method(cache):
    from hcflow.structures.docs import melt_quench_doc
    from hcflow.structures.jobs import HardCarbonMaker

    with pytest.raises(HcflowError, match="needs a potential"):
        melt_quench_doc(64, 1.2, 0, {**SHORT, "mlip_relax_steps": 5})
    assert not cache.exists()  # refused before any MD
    maker = HardCarbonMaker(method="mc")
    with pytest.raises(HcflowError, match="unknown structure method 'mc'"):
        maker.make.original(maker, 64, 1.0)


def test_md_relaxation_with_a_potential_is_recorded(cache):
    from hcflow.structures.docs import melt_quench_doc

    lj = {"@module": "ase.calculators.lj", "@class": "LennardJones"}
    atoms, doc = melt_quench_doc(
        64, 1.2, 0, {**SHORT, "mlip_relax_steps": 3}, relax_potential=lj
    )
    relax = atoms.info["hcflow"]["relax"]
    assert relax["potential"] == lj and relax["steps"] == 3
    assert doc.params["relax"]["steps"] == 3
    assert doc.relax["steps"] == 3 and doc.relax["steps_taken"] <= 3
    assert doc.relax["energy_eV"] <= doc.relax["energy_initial_eV"]
    # the stored cell is the MD cell, not the relaxed one (relaxation not hashed)
    stored = library.lookup(doc.content_hash)
    assert "relax" not in stored.info["hcflow"]


def test_build_structure_library_from_stored_cells(tmp_path):
    from pathlib import Path

    from hcflow.flows.spec import load_study
    from hcflow.services.structure import build_structure_library

    tiny = load_study(Path(__file__).resolve().parents[2] / "studies" / "tiny.yaml")
    rows = build_structure_library(tiny, tmp_path, command="test")
    p = tiny.points()[0]
    key = content_hash(p.n_carbon, p.density, p.structure_seed, tiny.meltquench)
    assert [r["file"] for r in rows] == [f"{key}.json"]
    atoms = library.from_json(json.loads((tmp_path / rows[0]["file"]).read_text()))
    assert atoms.info["hcflow"]["provenance"]["command"] == "test"
    assert len(atoms) == p.n_carbon
