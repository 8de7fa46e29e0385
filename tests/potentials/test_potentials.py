"""The potential layer: every spec kind, errors, the PotentialDoc."""

from pathlib import Path

import numpy as np
import pytest

from hcflow.errors import HcflowError
from hcflow.potentials import (
    atomate2_kwargs,
    check_elements,
    get_calculator,
    resolve_potential,
)
from tests.mace_fixtures import write_random_mace


def test_mace_file(tiny_mace_model, nac_cell):
    info = resolve_potential(tiny_mace_model)
    assert info.kind == "mace-file" and info.elements == ["C", "Na"]
    assert info.r_max == 5.0 and len(info.file_hash) == 64
    atoms = nac_cell.copy()
    atoms.calc = get_calculator(tiny_mace_model)
    assert np.isfinite(atoms.get_potential_energy())
    kw = atomate2_kwargs(tiny_mace_model)
    assert kw["calculator_kwargs"]["model"] == info.path


def test_ase_dict(nac_cell):
    calc = get_calculator({"@module": "ase.calculators.emt", "@class": "EMT"})
    assert type(calc).__name__ == "EMT"


def test_foundation_name_offline(monkeypatch, tmp_path):
    import hcflow.potentials as pot

    monkeypatch.setattr(pot, "_online", lambda *a, **k: False)
    monkeypatch.setattr(pot, "_foundation_cache_path", lambda url: tmp_path / "x")
    with pytest.raises(HcflowError, match="offline: download https://.* save it as"):
        resolve_potential("mace-mp:small")


@pytest.mark.parametrize(
    "spec, message",
    [
        ("/nonexistent/model.model", "model file not found"),
        ("no-such-model", "unknown potential"),
        ("", "empty potential spec"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(HcflowError, match=message):
        resolve_potential(spec)


def test_not_a_mace_file(tmp_path):
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"not a torch file")
    with pytest.raises(HcflowError, match="not a MACE model"):
        resolve_potential(str(bad))


def test_unknown_elements(tiny_mace_model):
    from ase.build import bulk

    info = resolve_potential(tiny_mace_model)
    with pytest.raises(HcflowError, match="structure has Cu"):
        check_elements(bulk("Cu"), info)


def test_model_lacking_na(tmp_path):
    import torch

    path = write_random_mace(tmp_path / "c.model")
    model = torch.load(path, weights_only=False)
    model.atomic_numbers = torch.tensor([6, 8])
    torch.save(model, path)
    with pytest.raises(HcflowError, match="lacks Na"):
        get_calculator(str(path))


def test_shipped_model_matches_saved_reference():
    import json
    from pathlib import Path

    from ase import Atoms

    from hcflow.potentials import shipped_model_path
    from hcflow.potentials.fast_mace import FastMACECalculator

    ref = json.loads(
        (Path(__file__).parent / "data" / "shipped_reference.json").read_text()
    )
    info = resolve_potential("hcflow-nac-small")
    assert info.elements == ["C", "Na"] and info.file_hash == ref["file_hash"]
    atoms = Atoms(
        ref["symbols"], positions=ref["positions"], cell=[ref["cell"]] * 3, pbc=True
    )
    for calc, tol in (
        (get_calculator("hcflow-nac-small", fast=False), 1e-5),  # mace's own
        (get_calculator("hcflow-nac-small"), 1e-4),  # the factory: fast path
        (FastMACECalculator(str(shipped_model_path())), 1e-4),
    ):
        atoms.calc = calc
        assert atoms.get_potential_energy() == pytest.approx(ref["energy_eV"], abs=tol)
        assert np.all(np.isfinite(atoms.get_forces()))
        assert np.abs(atoms.get_forces() - ref["forces_eV_A"]).max() < 1e-4


def test_one_factory_fast_path_for_mace(tiny_mace_model):
    """MACE runs on the fast path wherever the factory is used; stock on request."""
    from ase.calculators.emt import EMT
    from mace.calculators import MACECalculator

    from hcflow.potentials import load_calculator
    from hcflow.potentials.fast_mace import FastMACECalculator
    from hcflow.potentials.mace_files import load_mace_module

    calc, info = load_calculator(tiny_mace_model, threads=1)
    assert isinstance(calc, FastMACECalculator) and info["kind"] == "mace-file"
    assert isinstance(get_calculator(tiny_mace_model, fast=False), MACECalculator)
    ready = EMT()
    assert load_calculator(ready) == (ready, {"name": "emt", "kind": "ase"})
    assert load_mace_module(tiny_mace_model) is load_mace_module(tiny_mace_model)


def _trap_module(tmp_path, monkeypatch, name: str):
    """A module on sys.path that leaves a marker file when it is imported."""
    marker = tmp_path / f"{name}.imported"
    (tmp_path / f"{name}.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "class Calc:\n    def __init__(self, **kw):\n"
        f"        open({str(marker)!r} + '.built', 'w').close()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return marker


@pytest.mark.parametrize("build", [resolve_potential, get_calculator])
def test_calculator_dict_outside_allow_list_refused_before_import(
    build, tmp_path, monkeypatch
):
    import sys

    marker = _trap_module(tmp_path, monkeypatch, "h2_trap_calc")
    with pytest.raises(HcflowError, match="'h2_trap_calc.Calc' is not allowed"):
        build({"@module": "h2_trap_calc", "@class": "Calc"})
    assert not marker.exists() and "h2_trap_calc" not in sys.modules


def test_popen_dict_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    spec = {"@module": "subprocess", "@class": "Popen", "args": ["touch", str(marker)]}
    with pytest.raises(HcflowError, match="not allowed"):
        get_calculator(spec)
    import time

    time.sleep(0.2)
    assert not marker.exists()


def test_allow_list_extended_by_code_only(tmp_path, monkeypatch):
    import hcflow.potentials as pot
    from hcflow.potentials import allow_calculator

    monkeypatch.setattr(pot, "ALLOWED_CALCULATORS", set(pot.ALLOWED_CALCULATORS))
    marker = _trap_module(tmp_path, monkeypatch, "h2_allowed_calc")
    allow_calculator("h2_allowed_calc.Calc")
    with pytest.raises(HcflowError, match="is not an ASE calculator"):
        get_calculator({"@module": "h2_allowed_calc", "@class": "Calc"})
    assert Path(str(marker) + ".built").exists()
    with pytest.raises(HcflowError, match="not a module.Class"):
        allow_calculator("NoModule")


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"sigma": {"@module": "os", "@class": "system"}}, "plain JSON value"),
        ({"@version": "1"}, "plain JSON value"),
    ],
)
def test_allowed_calculator_with_objects_in_arguments_refused(extra, message):
    spec = {"@module": "ase.calculators.lj", "@class": "LennardJones", **extra}
    with pytest.raises(HcflowError, match=message):
        resolve_potential(spec)


def test_allowed_calculator_with_arguments():
    calc = get_calculator(
        {"@module": "ase.calculators.lj", "@class": "LennardJones", "sigma": 2.0}
    )
    assert type(calc).__name__ == "LennardJones" and calc.parameters.sigma == 2.0
