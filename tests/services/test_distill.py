"""`hcflow potential distill` end to end on a tiny recipe, with one AL round."""

import hashlib

import ase.io
import numpy as np
import pytest


@pytest.mark.slow
def test_distill_with_an_active_learning_round(tmp_path):
    from hcflow.services.distill import DistillConfig, _teacher, distill

    cfg = DistillConfig(
        name="tiny",
        out_dir=str(tmp_path),
        n_structures=4,
        n_carbon=(20, 24),
        md_steps=4,
        md_stride=2,
        temperatures=(1500.0,),
        n_perturbed=1,
        hidden_irreps="8x0e",
        r_max=4.0,
        max_epochs=1,
        batch_size=2,
        al_rounds=1,
        al_cells=2,
        al_steps=4,
        al_stride=2,
        mq_cells=1,
        mq_n_carbon=(40, 40),
        close_contacts=2,
        pair_repulsion=True,
        teacher="chgnet",
        dispersion="d3bj",
    )
    meta = distill(cfg, progress=False)
    assert (meta["teacher"], meta["dispersion"]) == ("chgnet+d3bj", "d3bj")
    assert meta["training_set"]["explored_with"] == "the teacher"
    assert sum(meta["training_set"]["counts"].values()) == len(
        ase.io.read(tmp_path / "labelled.extxyz", ":")
    )
    assert len(list((tmp_path / "labels").glob("*.npz"))) >= len(
        ase.io.read(tmp_path / "labelled.extxyz", ":")
    )

    rounds = meta["active_learning"]
    assert [r["round"] for r in rounds] == [0, 1]
    added = rounds[1]["training_set_size"] - rounds[0]["training_set_size"]
    assert 2 <= added <= 4  # 2 cells x 2 snapshots, fewer if the student blew up
    assert np.isfinite(meta["validation"]["force_mae_eV_A"])

    # the student's snapshots carry the teacher's labels, not the student's
    al = ase.io.read(tmp_path / "round1" / "al_labelled.extxyz", ":")
    assert len(al) == added and all(a.info["config"].startswith("al1") for a in al)
    teacher = _teacher(cfg)  # CHGNet + D3(BJ)
    probe = al[-1].copy()
    probe.calc = teacher
    assert probe.get_potential_energy() == pytest.approx(al[-1].info["REF_energy"])
    assert np.allclose(probe.get_forces(), al[-1].arrays["REF_forces"], atol=1e-4)

    # the held-out cells never enter training, not even through AL; one
    # quick-packer and the melt-quench cell are held out
    train = ase.io.read(tmp_path / "round1" / "train.extxyz", ":")
    test = ase.io.read(tmp_path / "test_highT.extxyz", ":")
    test_cells = {str(t.info["cell"]) for t in test}
    assert test_cells.isdisjoint(str(t.info["cell"]) for t in train)
    assert "mq 4" in test_cells and len(test_cells) == 2
    assert meta["validation"]["meltquench_cells"]["n_configs"] == sum(
        str(t.info["cell"]) == "mq 4" for t in test
    )
    assert meta["architecture"]["pair_repulsion"] == "ZBL"

    # close-contact frames put one Na at the drawn distance of its partner
    frames = ase.io.read(tmp_path / "labelled.extxyz", ":")
    for kind, (lo, hi) in (("Na-Na", cfg.close_na_na_A), ("Na-C", cfg.close_na_c_A)):
        close = [f for f in frames if f.info["config"].startswith(f"close {kind}")]
        assert close
        for f in close:
            symbols = np.array(f.get_chemical_symbols())
            d = f.get_all_distances(mic=True)
            pair = d[np.ix_(symbols == "Na", symbols == kind.split("-")[1])]
            assert lo - 1e-6 <= pair[pair > 0].min() <= hi

    # mace's ZBL term is in the trained model, and hcflow's fast MACE path
    # evaluates it as mace's own calculator does (a close-contact frame)
    import torch
    from mace.calculators import MACECalculator

    from hcflow.potentials import get_calculator

    model_file = str(tmp_path / "tiny.model")
    assert torch.load(model_file, map_location="cpu").pair_repulsion
    probe = close[0].copy()
    probe.calc = get_calculator(model_file)
    fast = probe.get_forces()
    probe.calc = MACECalculator(model_paths=model_file, device="cpu")
    assert np.allclose(fast, probe.get_forces(), atol=2e-3)

    def digest(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    final = tmp_path / "tiny.model"
    assert digest(final) == digest(tmp_path / "round1" / "tiny.model")
    assert (tmp_path / "tiny.json").is_file()


def test_close_contact_moves_one_na_to_the_distance_across_the_boundary():
    from ase import Atoms

    from hcflow.services.distill import close_contact

    cell = Atoms(
        "Na2C2",
        positions=[[0.5, 5, 5], [9.0, 5, 5], [5, 5, 5], [5, 8, 5]],
        cell=[10, 10, 10],
        pbc=True,
    )
    rng = np.random.default_rng(0)
    near = close_contact(cell, "Na-Na", 1.4, rng)
    moved = np.flatnonzero(np.any(near.positions != cell.positions, axis=1))
    assert len(moved) == 1 and moved[0] in (0, 1)
    assert near.get_distance(0, 1, mic=True) == pytest.approx(1.4)
    other = 1 - moved[0]
    assert np.allclose(near.positions[other], cell.positions[other])
    near_c = close_contact(cell, "Na-C", 1.7, rng)
    na = np.flatnonzero(np.any(near_c.positions != cell.positions, axis=1))[0]
    assert min(near_c.get_distances(na, [2, 3], mic=True)) == pytest.approx(1.7)
    assert close_contact(cell[[0, 2, 3]], "Na-Na", 1.4, rng) is None


def test_error_summary_known_answer():
    from hcflow.services.distill_train import error_summary

    rows = [
        (np.array([[0.1, 0.2, 0.3], [1.0, 1.0, 1.0]]), 0.002, ["C", "Na"]),
        (np.array([[0.0, 0.0, 0.6]]), 0.004, ["C"]),
    ]
    out = error_summary(rows)
    assert out["force_mae_eV_A"] == pytest.approx(4.2 / 9)
    assert out["energy_mae_meV_atom"] == pytest.approx(3.0)
    assert out["force_mae_C_eV_A"] == pytest.approx(1.2 / 6)
    assert out["force_mae_Na_eV_A"] == pytest.approx(1.0)
    assert (out["n_configs"], out["n_atoms_total"]) == (2, 3)


def test_distill_config_friction_is_the_shipped_recipe():
    from ase import units

    from hcflow.services.distill import DistillConfig as Reexported
    from hcflow.services.distill_config import DistillConfig

    assert Reexported is DistillConfig
    assert DistillConfig().md_friction_per_ps == pytest.approx(20.0 * units.fs)
