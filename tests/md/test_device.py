"""Device and dtype choice: names resolved before any job, calculators honour them.

The CUDA tests run where torch sees a GPU and are skipped elsewhere; pytest
prints the reason (``-rs`` in pyproject.toml).
"""

import numpy as np
import pytest
import torch

from hcflow.errors import HcflowError
from hcflow.potentials.device import check_device_name, resolve_device, resolve_dtype
from hcflow.potentials.fast_mace import FastMACECalculator

NO_GPU = "no CUDA GPU visible to torch on this machine"
needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_GPU)


@pytest.mark.parametrize("gpu, expected", [(False, "cpu"), (True, "cuda")])
def test_auto_picks_the_gpu_when_present(monkeypatch, gpu, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    assert resolve_device("auto") == expected
    assert resolve_device("AUTO ") == expected
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(None) == "cpu"


def test_cuda_without_gpu_is_one_line_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(HcflowError, match="'cuda' requested but torch .* sees no GPU"):
        resolve_device("cuda")
    with pytest.raises(HcflowError, match="sees no GPU") as err:
        resolve_device("cuda:1")
    assert "\n" not in str(err.value)


def test_cuda_index_beyond_the_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("cuda:1") == "cuda:1"
    with pytest.raises(HcflowError, match="has 2 GPU"):
        resolve_device("cuda:2")


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "tpu", ""])
def test_unknown_device(name):
    with pytest.raises(HcflowError, match="unknown device"):
        resolve_device(name)
    with pytest.raises(HcflowError, match="unknown device"):
        check_device_name(name)


def test_spelling_check_needs_no_gpu(monkeypatch):
    # a study sent to GPU workers from a login node without one
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert check_device_name(" CUDA:1") == "cuda:1"
    assert check_device_name("auto") == "auto"


def test_dtype_names():
    assert resolve_dtype(None) == "float32"
    assert resolve_dtype("Float64") == "float64"
    with pytest.raises(HcflowError, match="unknown dtype"):
        resolve_dtype("float16")


def test_fast_calculator_reports_device_and_runs_float64(tiny_mace_model, nac_cell):
    a, b = nac_cell.copy(), nac_cell.copy()
    a.calc = FastMACECalculator(tiny_mace_model, device="auto")
    b.calc = FastMACECalculator(tiny_mace_model, device="cpu", dtype="float64")
    assert a.calc.device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert b.calc.device == "cpu" and b.calc.dtype == "float64"
    assert next(b.calc.model.parameters()).dtype == torch.float64
    assert b.calc.graph(nac_cell)["positions"].dtype == torch.float64
    assert b.calc.fused == {"convolution": 2, "radial_mlp": 2}
    assert np.abs(a.get_forces() - b.get_forces()).max() < 1e-4
    assert a.get_potential_energy() == pytest.approx(b.get_potential_energy(), abs=1e-4)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_fast_calculator_cuda_without_gpu(tiny_mace_model):
    with pytest.raises(HcflowError, match="sees no GPU"):
        FastMACECalculator(tiny_mace_model, device="cuda")


def test_stock_calculator_resolves_auto(tiny_mace_model, monkeypatch):
    from hcflow.potentials import get_calculator

    calc = get_calculator(tiny_mace_model, device="auto")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert str(calc.device).startswith(expected)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(HcflowError, match="sees no GPU"):
        get_calculator(tiny_mace_model, device="cuda")


@needs_gpu
def test_cuda_matches_cpu(tiny_mace_model, nac_cell):
    a, b = nac_cell.copy(), nac_cell.copy()
    a.calc = FastMACECalculator(tiny_mace_model, device="cpu")
    b.calc = FastMACECalculator(tiny_mace_model, device="cuda")
    assert b.calc.device == "cuda"
    assert next(b.calc.model.parameters()).is_cuda
    assert np.abs(a.get_forces() - b.get_forces()).max() < 1e-4
    assert a.get_potential_energy() == pytest.approx(b.get_potential_energy(), abs=1e-3)


@needs_gpu
def test_cuda_batched_matches_cpu(tiny_mace_model, nac_cell):
    from hcflow.md.batched import BatchedMACECalculator

    cells = [nac_cell, nac_cell.repeat((2, 1, 1))]
    e_cpu, f_cpu = BatchedMACECalculator(tiny_mace_model).compute(cells)
    gpu = BatchedMACECalculator(tiny_mace_model, device="cuda")
    e_gpu, f_gpu = gpu.compute(cells)
    assert gpu.device == "cuda"
    np.testing.assert_allclose(e_gpu, e_cpu, atol=1e-3)
    for a, b in zip(f_cpu, f_gpu, strict=True):
        assert np.abs(a - b).max() < 1e-4


# ---------------------------------------------------------------- end to end
def _no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def test_run_md_records_the_device_and_refuses_cuda_without_gpu(
    tiny_mace_model, nac_cell, monkeypatch
):
    from hcflow.md.runner import run_md

    md = {"production_steps": 4, "frame_interval": 2, "equilibration_steps": 0}
    r = run_md(nac_cell, tiny_mace_model, {**md, "device": "cpu"}, 900, progress=False)
    assert r.potential["device"]["device"] == "cpu"
    assert r.potential["device"]["requested"] == "cpu"
    _no_gpu(monkeypatch)
    auto = run_md(nac_cell, tiny_mace_model, md, 900, progress=False)
    assert auto.potential["device"]["device"] == "cpu"  # auto, no GPU
    assert auto.potential["device"]["requested"] == "auto"
    with pytest.raises(HcflowError, match="'cuda' requested .* sees no GPU"):
        run_md(nac_cell, tiny_mace_model, {**md, "device": "cuda"}, 900)


def test_study_with_cuda_fails_at_plan_without_gpu(monkeypatch):
    from typer.testing import CliRunner

    from hcflow.cli.main import app
    from hcflow.services.study import plan_study
    from tests.flows.conftest import tiny_spec

    _no_gpu(monkeypatch)
    spec = tiny_spec(md={"device": "cuda"})
    assert spec.md.device == "cuda"  # the spelling is fine: parsed
    with pytest.raises(HcflowError, match="md.device: device 'cuda' requested"):
        plan_study(spec)
    assert len(plan_study(spec, local=False)[1]) == 2  # for GPU workers: fine
    with pytest.raises(HcflowError, match="unknown device"):
        tiny_spec(md={"device": "gpu"})
    res = CliRunner().invoke(app, ["potential", "info", "--device", "cuda"])
    # the console script prints HcflowError as one line `error: ...`, exit 1
    assert res.exit_code != 0 and isinstance(res.exception, HcflowError)
    assert "sees no GPU" in str(res.exception) and "\n" not in str(res.exception)
    res = CliRunner().invoke(app, ["potential", "info", "--device", "auto"])
    assert res.exit_code == 0 and "device       cpu" in res.output


def test_study_device_is_not_in_the_settings_hash():
    from tests.flows.conftest import tiny_spec

    cpu, auto = tiny_spec(md={"device": "cpu"}), tiny_spec(md={"device": "auto"})
    f64 = tiny_spec(md={"dtype": "float64"})
    hashes = [s.points()[0].settings_hash for s in (cpu, auto, f64)]
    assert hashes[0] == hashes[1] != hashes[2]


@needs_gpu
def test_run_md_and_batched_on_cuda(tiny_mace_model, nac_cell):
    from hcflow.md.batched import Replica, run_batched_md
    from hcflow.md.runner import run_md

    md = {"production_steps": 10, "frame_interval": 5, "equilibration_steps": 0}
    cpu, cuda = {**md, "device": "cpu"}, {**md, "device": "cuda"}
    ref = run_md(nac_cell, tiny_mace_model, cpu, 900, 1, progress=False)
    got = run_md(nac_cell, tiny_mace_model, cuda, 900, 1, progress=False)
    assert got.potential["device"]["device"] == "cuda"
    assert np.abs(got.atoms.positions - ref.atoms.positions).max() < 1e-3
    (bat,) = run_batched_md(
        [Replica(nac_cell, cuda, 900, 1)], tiny_mace_model, progress=False
    )
    assert bat.potential["device"]["device"] == "cuda"
    assert np.abs(bat.atoms.positions - got.atoms.positions).max() < 1e-3
