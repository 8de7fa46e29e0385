"""Batched replicas: one model call for many cells gives the one-by-one results."""

import numpy as np
import pytest
from ase import Atoms

from hcflow.errors import HcflowError
from hcflow.md.batched import Replica, run_batched_md
from hcflow.md.runner import run_md
from hcflow.potentials.fast_mace import BatchedMACECalculator, FastMACECalculator


def random_cell(seed, n_c=40, n_na=4, box=9.0):
    """n_c C + n_na Na in a cubic box, no pair closer than 1.45 A."""
    rng = np.random.default_rng(seed)
    pos = []
    while len(pos) < n_c + n_na:
        p = rng.uniform(0, box, 3)
        d = np.array(pos) - p if pos else np.zeros((0, 3))
        d -= box * np.round(d / box)
        if not len(d) or np.min(np.linalg.norm(d, axis=1)) > 1.45:
            pos.append(p)
    return Atoms(f"C{n_c}Na{n_na}", positions=pos, cell=[box] * 3, pbc=True)


@pytest.fixture(scope="module")
def cells():
    """Three cells of different sizes and shapes."""
    tri = random_cell(2, 30, 3, 8.5)
    tri.set_cell(tri.cell[:] + [[0, 0, 0], [1.5, 0, 0], [0.5, 0.8, 0]])
    return [random_cell(7), tri, random_cell(9, 52, 6, 10.0)]


RUNS = [  # three replicas: own ensemble, temperature, seed, length, time step
    dict(  # default production (Bussi) after a judged Langevin equilibration
        temperature_K=300,  # the tiny random model holds 240 steps at 300 K
        production_steps=40,
        frame_interval=5,
        seed=3,
        equilibration_steps=100,
        equilibration_max_steps=200,
    ),
    dict(
        temperature_K=600,
        production_steps=30,
        frame_interval=10,
        seed=4,
        ensemble="nve",
    ),
    dict(
        temperature_K=1500,
        production_steps=20,
        frame_interval=4,
        seed=5,
        timestep_fs=0.5,
        ensemble="nvt-langevin",
        equilibration_steps=15,  # fixed length (too short to judge)
        equilibration_ensemble="nvt-bussi",
    ),
]


def run_args(kw: dict) -> tuple[dict, float, int]:
    """(MD settings, temperature, seed) of a run written as one dict; no
    equilibration unless given."""
    kw = dict(kw)
    temperature, seed = kw.pop("temperature_K"), kw.pop("seed")
    return {"equilibration_steps": 0, **kw}, temperature, seed


def test_batched_forces_equal_per_cell_forces(tiny_mace_model, cells):
    batched = BatchedMACECalculator(tiny_mace_model)
    single = FastMACECalculator(tiny_mace_model)
    rng = np.random.default_rng(0)
    moved = [c.copy() for c in cells]
    for _ in range(3):  # moves below and beyond the skin: lists reused and rebuilt
        for c in moved:
            c.positions += rng.normal(0, 0.2, c.positions.shape)
        energies, forces = batched.compute(moved)
        assert energies.shape == (3,)
        for c, e, f in zip(moved, energies, forces, strict=True):
            one = c.copy()
            one.calc = single
            assert f.shape == (len(c), 3)
            assert np.abs(one.get_forces() - f).max() < 1e-4
            assert e == pytest.approx(one.get_potential_energy(), abs=1e-4)
    assert 1 <= batched.n_builds(0) <= 3 and batched.n_calls == 3
    # a subset of the cells, in another order, under their own keys
    e2, f2 = batched.compute([moved[2], moved[0]], keys=[2, 0])
    np.testing.assert_allclose(e2, energies[[2, 0]], atol=1e-4)
    assert np.abs(f2[1] - forces[0]).max() < 1e-4


def test_batch_of_one_is_run_md(tiny_mace_model, cells):
    ref = run_md(cells[0], tiny_mace_model, *run_args(RUNS[0]), progress=False)
    (got,) = run_batched_md(
        [Replica(cells[0], *run_args(RUNS[0]))], tiny_mace_model, progress=False
    )
    assert got.state == "successful"
    np.testing.assert_array_equal(got.atoms.positions, ref.atoms.positions)
    np.testing.assert_array_equal(got.atoms.get_momenta(), ref.atoms.get_momenta())
    np.testing.assert_array_equal(got.trajectory.energies, ref.trajectory.energies)


def test_batched_replicas_reproduce_sequential_runs(tiny_mace_model, cells):
    refs = [
        run_md(c, tiny_mace_model, *run_args(kw), progress=False)
        for c, kw in zip(cells, RUNS, strict=True)
    ]
    replicas = [Replica(c, *run_args(kw)) for c, kw in zip(cells, RUNS, strict=True)]
    results = run_batched_md(replicas, tiny_mace_model, progress=False)
    for got, ref, kw in zip(results, refs, RUNS, strict=True):
        assert got.state == "successful" and got.reason is None
        n_frames = kw["production_steps"] // kw["frame_interval"] + 1
        assert got.trajectory.n_frames == ref.trajectory.n_frames == n_frames
        np.testing.assert_allclose(got.trajectory.times_ps, ref.trajectory.times_ps)
        assert np.abs(got.atoms.positions - ref.atoms.positions).max() < 1e-4
        assert np.abs(got.trajectory.positions - ref.trajectory.positions).max() < 2e-3
        np.testing.assert_allclose(
            got.trajectory.energies, ref.trajectory.energies, atol=1e-3
        )
        eq = ref.equilibration["steps"]
        for key in ("steps", "stationary", "criterion", "ensemble"):
            assert got.equilibration[key] == ref.equilibration[key]  # same decision
        if ref.equilibration["last_check"]:  # the same samples to float32 round-off
            a, b = got.equilibration["last_check"], ref.equilibration["last_check"]
            assert a["step"] == b["step"]
            np.testing.assert_allclose(
                a["temperature_K"]["means"], b["temperature_K"]["means"], rtol=1e-6
            )
        assert got.thermostat == ref.thermostat
        assert got.timing.n_steps == eq + kw["production_steps"]
        assert got.potential["device"]["device"] == "cpu"
    assert [r.equilibration["stationary"] for r in refs] == [
        refs[0].equilibration["stationary"],
        None,
        None,
    ]
    assert refs[0].equilibration["stationary"] is not None  # judged
    assert 100 <= refs[0].equilibration["steps"] <= 200
    assert refs[2].equilibration["steps"] == 15
    assert [r.thermostat["thermostat"] for r in refs] == ["bussi", None, "langevin"]
    # the replicas really differ (own seeds, temperatures): not one trajectory
    assert not np.allclose(results[0].atoms.positions[:10], cells[0].positions[:10])


class _Dies(BatchedMACECalculator):
    """Raises after a number of batched calls (a run killed by walltime)."""

    def __init__(self, path, calls):
        super().__init__(path)
        self.left = calls

    def compute(self, cells, keys=None):
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt("killed")
        return super().compute(cells, keys)


def test_killed_batch_resumes_each_replica(tiny_mace_model, cells, tmp_path):
    kw = run_args(
        dict(temperature_K=900, production_steps=40, frame_interval=10, seed=8)
    )
    ckpts = [tmp_path / f"r{i}.ckpt" for i in range(2)]
    replicas = [Replica(c, *kw, p) for c, p in zip(cells[:2], ckpts, strict=True)]
    ref = run_batched_md(
        [Replica(c, *kw) for c in cells[:2]], tiny_mace_model, progress=False
    )
    with pytest.raises(KeyboardInterrupt):
        run_batched_md(
            replicas,
            tiny_mace_model,
            checkpoint_every=10,
            progress=False,
            calculator=_Dies(tiny_mace_model, 25),
        )
    assert all(p.exists() for p in ckpts)
    resumed = run_batched_md(
        replicas, tiny_mace_model, checkpoint_every=10, progress=False
    )
    for got, want in zip(resumed, ref, strict=True):
        assert got.resumed_from_step == 20
        np.testing.assert_array_equal(
            got.trajectory.positions, want.trajectory.positions
        )
    assert not any(p.exists() for p in ckpts)  # removed after success


def test_run_md_resumes_a_batched_checkpoint(tiny_mace_model, cells, tmp_path):
    kw = run_args(
        dict(temperature_K=900, production_steps=30, frame_interval=10, seed=1)
    )
    ckpt = tmp_path / "r.ckpt"
    with pytest.raises(KeyboardInterrupt):
        run_batched_md(
            [Replica(cells[0], *kw, ckpt), Replica(cells[1], *kw)],
            tiny_mace_model,
            checkpoint_every=10,
            progress=False,
            calculator=_Dies(tiny_mace_model, 15),
        )
    resumed = run_md(
        cells[0],
        tiny_mace_model,
        *kw,
        checkpoint_path=ckpt,
        checkpoint_every=10,
        progress=False,
    )
    ref = run_md(cells[0], tiny_mace_model, *kw, progress=False)
    assert resumed.resumed_from_step == 10
    assert np.abs(resumed.atoms.positions - ref.atoms.positions).max() < 1e-4


def test_a_replica_that_blows_up_leaves_the_others_running(tiny_mace_model, cells):
    bad = cells[0].copy()
    bad.positions[1] = bad.positions[0] + [0.3, 0, 0]
    kw = run_args(
        dict(temperature_K=300, production_steps=20, frame_interval=5, seed=2)
    )
    bad_r, good_r = run_batched_md(
        [Replica(bad, *kw), Replica(cells[1], *kw)], tiny_mace_model, progress=False
    )
    assert bad_r.state == "failed" and "overlap" in bad_r.reason
    assert good_r.state == "successful" and good_r.trajectory.n_frames == 5


def test_bad_input(tiny_mace_model, cells):
    from ase.build import bulk

    with pytest.raises(HcflowError, match="ensemble"):
        run_batched_md([Replica(cells[0], {"ensemble": "npt"})], tiny_mace_model)
    with pytest.raises(HcflowError, match="replicas differ in dtype"):
        run_batched_md(
            [Replica(cells[0]), Replica(cells[1], {"dtype": "float64"})],
            tiny_mace_model,
        )
    with pytest.raises(HcflowError, match="needs a MACE model file"):
        run_batched_md(
            [Replica(cells[0])], {"@module": "ase.calculators.emt", "@class": "EMT"}
        )
    with pytest.raises(HcflowError, match="Cu"):
        run_batched_md([Replica(bulk("Cu", cubic=True))], tiny_mace_model)
    with pytest.raises(HcflowError, match="no replicas"):
        run_batched_md([], tiny_mace_model)
    with pytest.raises(HcflowError, match="one distinct key"):
        BatchedMACECalculator(tiny_mace_model).compute(cells[:2], keys=[0, 0])


def test_plan_batches_follows_the_measured_rule():
    from hcflow.md.batch_plan import CPU_BATCH_BELOW, plan_batches

    big = CPU_BATCH_BELOW
    # small cells packed up to the atom budget; big ones alone, order kept
    assert plan_batches([130] * 8, "cpu") == [[0, 1, 2, 3, 4, 5, 6], [7]]
    assert plan_batches([100, big, 100, 300, 50], "cpu") == [[0, 2, 4], [1], [3]]
    assert plan_batches([300, 300], "cpu") == [[0], [1]]
    assert plan_batches([40] * 5, "cpu", max_atoms=100) == [[0, 1], [2, 3], [4]]
    # on a GPU every cell is batched
    assert plan_batches([300, 300, 1000], "cuda") == [[0, 1, 2]]
    assert plan_batches([], "cpu") == []


def test_progress_total_grows_when_equilibration_runs_past_its_minimum():
    from types import SimpleNamespace as NS

    from hcflow.md.state import RunState

    md = NS(equilibration_steps=100, production_steps=50)
    waiting = NS(total=None, step=40, md=md)  # still within the minimum
    assert RunState.expected_total(waiting) == 150
    waiting.step = 230  # equilibration ran past its minimum: not done yet
    assert RunState.expected_total(waiting) == 280
    done = NS(total=400, step=300, md=md)  # stationary at 350, production to 400
    assert RunState.expected_total(done) == 400
