"""Reference training cells, the teacher label cache and the recorded recipe."""

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.lj import LennardJones


def _by(sets, prefix):
    return [a for a in sets if a.info["config"].startswith(prefix)]


def test_reference_sets_have_their_geometry():
    from hcflow.structures.training_cells import HEIGHTS_A, reference_sets

    sets = reference_sets(0)
    assert all(len(a) <= 60 and a.pbc.all() for a in sets)
    assert sets[0].info["config"] == reference_sets(0)[0].info["config"]

    bcc = _by(sets, "na-bcc strain")
    vols = sorted(
        a.get_volume() / len(a) for a in bcc if "rattled" not in a.info["config"]
    )
    assert vols[0] == pytest.approx(4.23**3 / 2 * 0.94**3)
    assert vols[-1] == pytest.approx(4.23**3 / 2 * 1.06**3)

    bonds = [a.get_distance(0, 1) for a in _by(sets, "na2 ")]
    assert min(bonds) == pytest.approx(2.6) and max(bonds) == pytest.approx(4.5)
    for n in range(3, 9):
        clusters = _by(sets, f"na{n} cluster")
        assert len(clusters) == 2 and all(len(a) == n for a in clusters)

    for g in _by(sets, "graphite-ab"):
        if "rattled" in g.info["config"]:
            continue
        c2 = float(g.info["config"].split("=")[1])
        z = g.positions[:, 2]
        lower, upper = g[z < c2 / 2], g[z > c2 / 2]
        d = g.get_all_distances(mic=True)[np.ix_(z < c2 / 2, z > c2 / 2)]
        assert len(lower) == len(upper) == 8 and d.min() == pytest.approx(c2)

    hollow = _by(sets, "na-graphene hollow")
    heights = sorted({float(a.info["config"].split("h=")[1][:4]) for a in hollow})
    assert heights == pytest.approx(HEIGHTS_A)
    for a in _by(sets, "na-graphene"):
        if "rattled" in a.info["config"]:
            continue
        h = float(a.info["config"].split("h=")[1])
        d = a.get_distances(len(a) - 1, range(len(a) - 1), mic=True)
        site = a.info["config"].split()[1]
        nearest = {"top": h, "bridge": np.hypot(h, 0.71), "hollow": np.hypot(h, 1.42)}
        assert d.min() == pytest.approx(nearest[site], abs=2e-3)
        if site == "hollow":  # six carbons at the same distance
            assert np.sum(np.abs(d - d.min()) < 1e-3) == 6

    for name, formula in (("nac6", "C12Na2"), ("nac8", "C16Na2")):
        cells = _by(sets, name)
        assert len(cells) == 8 and all(
            a.get_chemical_formula() == formula for a in cells
        )


class _Counting(LennardJones):
    calls = 0

    def calculate(self, *args, **kwargs):
        type(self).calls += 1
        super().calculate(*args, **kwargs)


def test_label_cache_resumes_without_recomputing(tmp_path):
    from hcflow.services.distill_label import LabelCache, label_key, teacher_label

    cells = [
        Atoms("Na2", [[0, 0, 0], [0, 0, d]], cell=[12] * 3, pbc=True)
        for d in (3.0, 3.2, 3.4)
    ]
    _Counting.calls = 0
    name = teacher_label("lj", "d3bj")
    assert name == "lj+d3bj"
    first = LabelCache(lambda: _Counting(sigma=3.0, rc=6.0), name, tmp_path)
    labels = [first.energy_forces(a) for a in cells]
    assert (first.misses, first.hits, _Counting.calls) == (3, 0, 3)
    assert len(list(tmp_path.glob("*.npz"))) == 3

    def never():
        raise AssertionError("the teacher must not start on a cached run")

    again = LabelCache(never, name, tmp_path)
    for a, (e, f) in zip(cells, labels, strict=True):
        e2, f2 = again.energy_forces(a)
        assert e2 == e and np.array_equal(f2, f)
    assert (again.misses, again.hits) == (0, 3)
    # another teacher, or a moved atom, is another key
    assert label_key(cells[0], "lj") != label_key(cells[0], name)
    moved = cells[0].copy()
    moved.positions[1, 2] += 1e-4
    assert label_key(moved, name) != label_key(cells[0], name)


def test_explore_with_a_cheap_sampler_writes_configs_and_resumes(tmp_path):
    from hcflow.potentials import shipped_model_path
    from hcflow.services.distill import DistillConfig, recipe
    from hcflow.services.distill_explore import explore
    from hcflow.services.distill_label import LabelCache
    from hcflow.structures.training_cells import na_clusters

    base = na_clusters(np.random.default_rng(0), n_bonds=2)[:3]
    grid = [[1, 1, 1], [4, 1, 1], [7, 1, 1], [1, 4, 4], [4, 4, 4], [7, 4, 4]]
    md_cell = Atoms("Na4C2", np.array(grid, float) * 1.1, cell=[9] * 3)
    md_cell.pbc = True
    md_cell.info["sample"] = "test"
    cfg = DistillConfig(
        md_steps=2,
        md_stride=1,
        temperatures=(600.0,),
        n_perturbed=1,
        explore_with=str(shipped_model_path()),
        reference_sets=True,
    )
    lj = lambda: _Counting(sigma=2.5, rc=6.0)  # noqa: E731
    _Counting.calls = 0
    frames = explore(
        [md_cell, *base], cfg, LabelCache(lj, "lj", tmp_path), False, tmp_path
    )
    assert (tmp_path / "configs.extxyz").is_file()
    # 3 MD snapshots + 1 perturbed copy of the MD cell, 3 reference cells as they are
    assert len(frames) == 7 and _Counting.calls == 7
    assert [f.info["config"].split()[0] for f in frames[4:]] == ["ref"] * 3
    assert frames[4].get_distance(0, 1) == pytest.approx(2.6)
    assert recipe(frames, cfg)["counts"] == {
        "md": 3,
        "na2": 2,
        "na3": 1,
        "perturbed": 1,
    }

    again = LabelCache(lambda: None, "lj", tmp_path)
    frames2 = explore([md_cell, *base], cfg, again, False, tmp_path)
    assert again.misses == 0 and again.hits == 7
    for a, b in zip(frames, frames2, strict=True):
        assert a.info["REF_energy"] == b.info["REF_energy"]
        assert np.allclose(a.positions, b.positions)
