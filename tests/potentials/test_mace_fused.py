"""The fused MACE edge work is exact and falls back where it does not apply."""

import numpy as np
import pytest
import torch

from hcflow.potentials.fast_mace import FastMACECalculator
from hcflow.potentials.mace_fused import ScalarNodeConvolution, _probe, fuse
from tests.mace_fixtures import write_random_mace


def _energy_forces(model_path, atoms, fused):
    a = atoms.copy()
    a.calc = FastMACECalculator(model_path, fused=fused)
    return a.get_potential_energy(), a.get_forces(), a.calc.fused


def test_scalar_model_fully_fused_and_exact(tiny_mace_model, nac_cell):
    e0, f0, _ = _energy_forces(tiny_mace_model, nac_cell, fused=False)
    e1, f1, done = _energy_forces(tiny_mace_model, nac_cell, fused=True)
    assert done == {"convolution": 2, "radial_mlp": 2}
    assert e1 == pytest.approx(e0, abs=1e-5)
    assert np.abs(f1 - f0).max() < 1e-5


def test_vector_features_fall_back_to_mace(tmp_path, nac_cell):
    path = str(write_random_mace(tmp_path / "vec.model", hidden="8x0e+8x1o", seed=3))
    e0, f0, _ = _energy_forces(path, nac_cell, fused=False)
    e1, f1, done = _energy_forces(path, nac_cell, fused=True)
    # the first block sees scalar embeddings (fused); the second sees 0e+1o
    # features (mace's own)
    assert done == {"convolution": 1, "radial_mlp": 2}
    assert e1 == pytest.approx(e0, abs=1e-5)
    assert np.abs(f1 - f0).max() < 1e-5


def test_isolated_atoms_and_no_edges(tiny_mace_model):
    model = torch.load(tiny_mace_model, weights_only=False)
    tp = model.interactions[0].conv_tp
    conv = _probe(tp)
    assert isinstance(conv, ScalarNodeConvolution)
    x = torch.randn(5, tp.irreps_in1.dim)
    y = torch.randn(3, tp.irreps_in2.dim)
    w = torch.randn(3, tp.weight_numel)
    edges = torch.tensor([[0, 1, 1], [2, 2, 0]])  # atoms 1, 3, 4 receive nothing
    ref = torch.zeros(5, tp.irreps_out.dim).index_add_(
        0, edges[1], tp(x[edges[0]], y, w)
    )
    got = conv(x, y, w, edges)
    assert torch.allclose(got, ref, atol=1e-5)
    assert torch.all(got[[1, 3, 4]] == 0)
    empty = conv(x, y[:0], w[:0], edges[:, :0])
    assert empty.shape == (5, tp.irreps_out.dim) and not empty.any()


def test_fuse_is_idempotent(tiny_mace_model):
    model = torch.load(tiny_mace_model, weights_only=False)
    assert fuse(model)["convolution"] == 2
    assert fuse(model) == {"convolution": 0, "radial_mlp": 0}


def test_paired_edges_evaluate_the_radial_mlp_once(
    tiny_mace_model, nac_cell, monkeypatch
):
    from hcflow.potentials import mace_fused

    calc = FastMACECalculator(tiny_mace_model)
    data = calc.graph(nac_cell)
    n_edges = data["edge_index"].shape[1]
    send, recv = data["edge_index"]
    half = n_edges // 2
    assert torch.equal(send[:half], recv[half:]) and torch.equal(
        recv[:half], send[half:]
    )
    seen = []
    mlp = mace_fused.FoldedMLP._mlp
    monkeypatch.setattr(
        mace_fused.FoldedMLP,
        "_mlp",
        lambda self, x: seen.append(len(x)) or mlp(self, x),
    )
    atoms = nac_cell.copy()
    atoms.calc = calc
    forces = atoms.get_forces()
    assert seen == [half, half]  # one evaluation per block, on half the edges
    ref = nac_cell.copy()
    ref.calc = FastMACECalculator(tiny_mace_model, fused=False)
    assert np.abs(ref.get_forces() - forces).max() < 1e-5
