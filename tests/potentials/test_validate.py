"""`hcflow potential validate`: service, storage, figure, CLI, bad input;
named models and the external (other-venv) calculator."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.lj import LennardJones

from hcflow.errors import HcflowError
from hcflow.potentials import gate_figure, names, resolve_potential
from hcflow.potentials.external import ExternalCalculator
from hcflow.services import potential as service
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
SERVE_LJ = (
    "import sys, json; sys.path.insert(0, {root!r});"
    "from ase.calculators.lj import LennardJones;"
    "from hcflow.potentials.sevenn_worker import serve;"
    "print(json.dumps({{'ready': 'lj', 'elements': ['Na']}}), flush=True);"
    "serve(LennardJones(sigma=3.3, epsilon=0.05, rc=8.0))"
)


def write_carbon_mace(path):
    """A random MACE model that knows only carbon."""
    import torch
    from e3nn import o3
    from mace.modules import RealAgnosticResidualInteractionBlock, ScaleShiftMACE

    torch.manual_seed(0)
    model = ScaleShiftMACE(
        r_max=4.0,
        num_bessel=4,
        num_polynomial_cutoff=5,
        max_ell=2,
        interaction_cls=RealAgnosticResidualInteractionBlock,
        interaction_cls_first=RealAgnosticResidualInteractionBlock,
        num_interactions=1,
        num_elements=1,
        hidden_irreps=o3.Irreps("8x0e"),
        MLP_irreps=o3.Irreps("8x0e"),
        atomic_energies=np.array([-9.0]),
        avg_num_neighbors=10.0,
        atomic_numbers=[6],
        correlation=2,
        gate=torch.nn.functional.silu,
        atomic_inter_scale=0.1,
        atomic_inter_shift=0.0,
    ).float()
    torch.save(model, path)
    return path


def test_external_calculator_matches_in_process_and_fails_in_one_line():
    calc = ExternalCalculator(
        [sys.executable, "-c", SERVE_LJ.format(root=str(ROOT))], name="lj-worker"
    )
    atoms = bulk("Na", "bcc", a=4.2, cubic=True).repeat(2)
    atoms.rattle(0.05, seed=1)
    ref = atoms.copy()
    ref.calc = LennardJones(sigma=3.3, epsilon=0.05, rc=8.0)
    atoms.calc = calc
    assert atoms.get_potential_energy() == pytest.approx(ref.get_potential_energy())
    assert np.allclose(atoms.get_forces(), ref.get_forces(), atol=1e-8)
    assert np.allclose(atoms.get_stress(), ref.get_stress(), atol=1e-8)
    two = bulk("Na", "bcc", a=4.3)  # another atom count, same worker
    two.calc = calc
    assert np.isfinite(two.get_potential_energy()) and calc.elements == ["Na"]
    calc.close()
    dead = ExternalCalculator([sys.executable, "-c", "raise SystemExit('no model')"])
    with pytest.raises(HcflowError, match="worker stopped: no model"):
        dead.start()


@pytest.mark.slow
def test_named_models_resolve_and_say_how_to_make_a_missing_env(monkeypatch):
    info = resolve_potential("chgnet-r2scan")
    assert info.kind == "chgnet-model" and info.metadata["functional"] == "r2scan"
    assert len(info.file_hash) == 64
    assert names.functional_of(resolve_potential("chgnet")) == "pbe"
    shipped = resolve_potential("hcflow-nac-small")
    assert names.functional_of(shipped) == "pbe"  # distilled from CHGNet
    monkeypatch.setenv("HCFLOW_SEVENN_PYTHON", "/no/such/python")
    with pytest.raises(HcflowError, match=r"not found at /no/such/python: create it"):
        resolve_potential("sevennet-0")


@pytest.mark.slow
def test_gate_document_marks_a_carbon_only_model_not_applicable(tmp_path):
    path = write_carbon_mace(tmp_path / "carbon.model")
    doc = service.gate_document(str(path))
    status = {g.name: g.status for g in doc.gates}
    assert doc.elements == ["C"] and doc.kind == "mace-file"
    assert status["na_bcc_a"] == status["nac6_formation"] == "not applicable"
    assert status["graphene_cc"] in ("pass", "fail")
    assert doc.validation_id == f"{doc.potential_id}:none"
    png = gate_figure.draw_gates([doc.model_dump()], tmp_path / "fig")
    assert png.is_file() and png.stat().st_size > 10_000


@pytest.mark.integration
@pytest.mark.slow
def test_validate_stores_prints_and_draws(cli_env, capsys, tmp_path, tiny_mace_model):
    out = tmp_path / "report"
    rc, text, err = run_cli(
        [
            "potential",
            "validate",
            tiny_mace_model,
            "--dispersion",
            "d3bj",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert rc == 0, err
    assert "na_graphene_vs_metal" in text and "stored as" in text
    from hcflow.services.data import fetch_documents

    docs = fetch_documents("potential_validation", settings=cli_env)
    assert len(docs) == 1 and docs[0]["dispersion"] == "d3bj"
    assert docs[0]["validation_id"].endswith(":d3bj") and len(docs[0]["gates"]) == 16
    assert docs[0]["functional"] == "pbe"
    assert list(out.glob("potential_gates_*.png"))
    rc, text, err = run_cli(
        ["potential", "validate", tiny_mace_model, "--json", "--out", str(out)], capsys
    )
    assert rc == 0, err
    assert json.loads(text)["dispersion"] is None
    assert len(fetch_documents("potential_validation", settings=cli_env)) == 2
    from hcflow.api import Client

    table = Client(settings=cli_env).potential_gates()
    assert len(table) == 32 and set(table["dispersion"].fillna("none")) == {
        "none",
        "d3bj",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-model"], "error: unknown potential 'no-such-model'"),
        (["/no/such/file.model"], "error: model file not found"),
        (["--dispersion", "d4"], "error: unknown dispersion 'd4'"),
    ],
)
def test_validate_refuses_bad_input_in_one_line(cli_env, capsys, args, message):
    rc, out, err = run_cli(["potential", "validate", *args], capsys)
    assert rc == 1 and err.startswith(message) and len(err.strip().splitlines()) == 1
    from hcflow.services.data import fetch_documents

    assert fetch_documents("potential_validation", settings=cli_env) == []


def test_atomate2_names_resolve_or_say_what_to_precache():
    from hcflow.potentials import is_mace_spec

    with pytest.raises(HcflowError, match="needs the mattersim package"):
        resolve_potential("MatterSim")
    with pytest.raises(HcflowError, match="a MACE model file"):
        resolve_potential("MACE")
    try:
        info = resolve_potential("MACE-MP-0")
        assert info.kind == "mace-foundation" and info.name == "mace-mp:medium"
    except HcflowError as exc:  # offline, not cached: one line naming the file
        assert "is not cached" in str(exc) and "\n" not in str(exc)
    assert not is_mace_spec("SevenNet") and not is_mace_spec("chgnet-r2scan")
    assert is_mace_spec("hcflow-nac-small")


@pytest.mark.slow
@pytest.mark.skipif(
    not names.sevenn_python().is_file(),
    reason="no SevenNet venv (HCFLOW_SEVENN_PYTHON)",
)
def test_sevennet_runs_in_its_own_environment():
    from hcflow.potentials import load_calculator
    from hcflow.potentials.gates import na_dimer

    calc, info = load_calculator("sevennet-0")
    assert info["kind"] == "external" and info["metadata"]["functional"] == "pbe"
    bond, _ = na_dimer(calc, e_atom=0.0)
    assert 2.9 < bond.value < 3.4  # SevenNet-0: 3.2 A (exp. 3.08)
    calc.close()
