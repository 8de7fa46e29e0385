"""A tiny random MACE model (C, Na) so MD tests never depend on training."""

import numpy as np
import pytest


def write_random_mace(path, hidden="32x0e", seed=0):
    import torch
    from e3nn import o3
    from mace.modules import RealAgnosticResidualInteractionBlock, ScaleShiftMACE

    import hcflow  # noqa: F401

    torch.manual_seed(seed)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        model = ScaleShiftMACE(
            r_max=5.0,
            num_bessel=8,
            num_polynomial_cutoff=5,
            max_ell=3,
            interaction_cls=RealAgnosticResidualInteractionBlock,
            interaction_cls_first=RealAgnosticResidualInteractionBlock,
            num_interactions=2,
            num_elements=2,
            hidden_irreps=o3.Irreps(hidden),
            MLP_irreps=o3.Irreps("16x0e"),
            atomic_energies=np.array([-9.0, -1.5]),
            avg_num_neighbors=20.0,
            atomic_numbers=[6, 11],
            correlation=2,
            gate=torch.nn.functional.silu,
            atomic_inter_scale=0.1,
            atomic_inter_shift=0.0,
        )
        torch.save(model, path)
    finally:
        torch.set_default_dtype(old)
    return path


@pytest.fixture(scope="session")
def tiny_mace_model(tmp_path_factory):
    return str(write_random_mace(tmp_path_factory.mktemp("mace") / "tiny.model"))


@pytest.fixture
def nac_cell():
    """A small Na/C cell: 40 C + 4 Na, no pair closer than 1.3 A."""
    from ase import Atoms

    rng = np.random.default_rng(7)
    box, pos = 9.0, []
    while len(pos) < 44:
        p = rng.uniform(0, box, 3)
        d = np.array(pos) - p if pos else np.zeros((0, 3))
        d -= box * np.round(d / box)
        if not len(d) or np.min(np.linalg.norm(d, axis=1)) > 1.45:
            pos.append(p)
    return Atoms("C40Na4", positions=pos, cell=[box] * 3, pbc=True)
