"""`hcflow potential distill` end to end on a tiny recipe, with one AL round."""

import hashlib

import ase.io
import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_distill_with_an_active_learning_round(tmp_path):
    from hcflow.potentials.distill import DistillConfig, _teacher, distill

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
    )
    meta = distill(cfg, progress=False)

    rounds = meta["active_learning"]
    assert [r["round"] for r in rounds] == [0, 1]
    added = rounds[1]["training_set_size"] - rounds[0]["training_set_size"]
    assert 2 <= added <= 4  # 2 cells x 2 snapshots, fewer if the student blew up
    assert np.isfinite(meta["validation"]["force_mae_eV_A"])

    # the student's snapshots carry the teacher's labels, not the student's
    al = ase.io.read(tmp_path / "round1" / "al_labelled.extxyz", ":")
    assert len(al) == added and all(a.info["config"].startswith("al1") for a in al)
    teacher = _teacher()
    probe = al[-1].copy()
    probe.calc = teacher
    assert probe.get_potential_energy() == pytest.approx(al[-1].info["REF_energy"])
    assert np.allclose(probe.get_forces(), al[-1].arrays["REF_forces"], atol=1e-4)

    # the held-out cells never enter training; the final model is round 1's
    train = ase.io.read(tmp_path / "round1" / "train.extxyz", ":")
    test = ase.io.read(tmp_path / "test_highT.extxyz", ":")
    assert {t.info["config"] for t in test}.isdisjoint(t.info["config"] for t in train)

    def digest(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    final = tmp_path / "tiny.model"
    assert digest(final) == digest(tmp_path / "round1" / "tiny.model")
    assert (tmp_path / "tiny.json").is_file()
