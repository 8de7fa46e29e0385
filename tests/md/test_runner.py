"""The MD runner: frames, blow-up detection, checkpoint/resume, bad input."""

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT

from hcflow.errors import HcflowError
from hcflow.md.runner import run_md


def cu():
    return bulk("Cu", cubic=True).repeat((2, 2, 2))


def md(**fields):
    """MD settings of a short test run (no equilibration unless given)."""
    return {"equilibration_steps": 0, **fields}


def test_frames_and_times():
    settings = md(timestep_fs=2.0, production_steps=40, equilibration_steps=20)
    r = run_md(cu(), EMT(), settings, 300, 1, progress=False)
    assert r.state == "successful"
    assert r.trajectory.n_frames == 5  # steps 0, 10, 20, 30, 40 of production
    np.testing.assert_allclose(r.trajectory.times_ps, [0, 0.02, 0.04, 0.06, 0.08])
    assert r.trajectory.energies is not None
    assert r.timing.atom_steps_per_s > 0


def test_nve_conserves_energy():
    atoms = cu()
    settings = md(production_steps=200, frame_interval=20, ensemble="nve")
    r = run_md(atoms, EMT(), settings, 300, 2, progress=False)
    final = r.atoms
    e_tot = final.get_potential_energy() + final.get_kinetic_energy()
    # rebuild the start: same seed -> same initial velocities
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary

    start = cu()
    start.calc = EMT()
    MaxwellBoltzmannDistribution(start, temperature_K=300, rng=np.random.default_rng(2))
    Stationary(start)
    e0 = start.get_potential_energy() + start.get_kinetic_energy()
    assert abs(e_tot - e0) / len(atoms) < 2e-3


class _Dies(EMT):
    """EMT that raises after a number of force calls (a killed run)."""

    name = "emt"

    def __init__(self, calls):
        super().__init__()
        self.left = calls

    def calculate(self, *args, **kwargs):
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt("killed")
        super().calculate(*args, **kwargs)


@pytest.mark.parametrize("killed_at", [55, 150])
def test_checkpoint_resume_gives_same_trajectory(tmp_path, killed_at):
    """Killed in production (55 calls) or in a judged equilibration (150):
    the resumed run takes the same equilibration decision and trajectory."""
    eq = 20 if killed_at < 100 else 200
    settings = md(
        timestep_fs=2.0, production_steps=60, frame_interval=10, equilibration_steps=eq
    )
    kw = dict(md=settings, temperature_K=800, seed=5, progress=False)
    kw["checkpoint_every"] = 20
    ref = run_md(cu(), EMT(), **kw)
    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        run_md(cu(), _Dies(killed_at), checkpoint_path=ckpt, **kw)
    assert ckpt.exists()
    resumed = run_md(cu(), EMT(), checkpoint_path=ckpt, **kw)
    assert resumed.resumed_from_step > 0
    np.testing.assert_array_equal(
        resumed.trajectory.positions, ref.trajectory.positions
    )
    for key in ("steps", "stationary", "criterion"):  # energies: EMT round-off
        assert resumed.equilibration[key] == ref.equilibration[key]
    assert not ckpt.exists()  # removed after a successful run


def test_blow_up_stops_with_frames_kept():
    atoms = cu()
    atoms.positions[1] = atoms.positions[0] + [0.3, 0, 0]  # overlapping pair
    r = run_md(atoms, EMT(), md(production_steps=50), 300, 1, progress=False)
    assert r.state == "failed" and "overlap" in r.reason


@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"timestep_fs": 0}, "timestep"),
        ({"timestep_fs": 6}, "timestep"),
        ({"temperature_K": -1}, "temperature"),
        ({"production_steps": 0}, "production_steps"),
        ({"frame_interval": 0}, "frame_interval"),
        ({"ensemble": "npt"}, "ensemble"),
        ({"equilibration_ensemble": "x"}, "ensemble"),
        ({"taut_fs": 0}, "taut_fs"),
        ({"temperature_K": 0}, "nvt-bussi needs a temperature above 0 K"),
        ({"equilibration_steps": 50, "equilibration_max_steps": 10}, "below"),
        ({"device": "tpu"}, "unknown device"),
    ],
)
def test_bad_input(kw, msg):
    kw = dict(kw)  # the parameter is shared between runs
    temperature = kw.pop("temperature_K", 300)
    settings = md(**{"production_steps": 10, "frame_interval": 5, **kw})
    with pytest.raises(HcflowError, match=msg):
        run_md(cu(), EMT(), settings, temperature, progress=False)


def test_mace_md_short(tiny_mace_model, nac_cell):
    settings = md(production_steps=20, frame_interval=5)
    r = run_md(nac_cell, tiny_mace_model, settings, 1000, 0, progress=False)
    assert r.state == "successful"
    assert r.trajectory.n_frames == 5
    assert np.all(np.isfinite(r.trajectory.energies))


def test_equilibrates_until_stationary_and_records_it():
    """A cell started far from equilibrium (atoms displaced, 2000 K initial
    kinetic energy for a 300 K bath) is not stationary after the minimum: the
    run equilibrates longer, production starts at the recorded step, and the
    record names the production thermostat and the criterion."""
    atoms = cu()
    atoms.positions += np.random.default_rng(0).normal(0, 0.15, atoms.positions.shape)
    kw = dict(timestep_fs=2.0, production_steps=40)
    slow = md(
        equilibration_steps=100,
        equilibration_max_steps=2000,
        friction_per_ps=2.0,  # slow thermalisation: not stationary at once
        **kw,
    )
    r = run_md(atoms, EMT(), slow, 300, 1, progress=False)
    eq = r.equilibration
    assert eq["stationary"] is True
    assert 100 < eq["steps"] < 2000 and eq["steps"] % 100 == 0
    assert eq["ensemble"] == "nvt-langevin" and eq["friction_per_ps"] == 2.0
    assert "2 combined standard errors" in eq["criterion"]
    check = eq["last_check"]
    assert check["step"] == eq["steps"] and check["temperature_K"]["agree"]
    assert r.timing.n_steps == eq["steps"] + 40
    assert r.thermostat == {
        "ensemble": "nvt-bussi",
        "thermostat": "bussi",
        "friction_per_ps": None,
        "taut_fs": 100.0,
    }
    # a maximum equal to the minimum: a fixed length, the outcome recorded
    slow["equilibration_max_steps"] = 100
    fixed = run_md(atoms, EMT(), slow, 300, 1, progress=False)
    assert fixed.equilibration["steps"] == 100
    assert fixed.equilibration["stationary"] is False
    none = run_md(cu(), EMT(), md(**kw), 300, 1, progress=False)
    assert none.equilibration["steps"] == 0
    assert none.equilibration["stationary"] is None


def test_equilibration_has_its_own_langevin_friction():
    """equilibration_friction_per_ps damps equilibration only: recorded in the
    equilibration record, production untouched, and absent from the hash
    while unset (older settings hashes stay)."""
    from hcflow.md.settings import MDSettings

    own = MDSettings(
        equilibration_friction_per_ps=50.0, ensemble="nvt-langevin", friction_per_ps=2
    )
    assert own.thermostat(False) == ("nvt-langevin", {"friction_per_ps": 50.0})
    assert own.thermostat(True) == ("nvt-langevin", {"friction_per_ps": 2.0})
    assert "equilibration_friction_per_ps" not in MDSettings().hashed()
    assert own.hashed()["equilibration_friction_per_ps"] == 50.0
    kw = dict(production_steps=20, equilibration_steps=40, ensemble="nvt-langevin")
    base = run_md(cu(), EMT(), md(friction_per_ps=2.0, **kw), 300, 1, progress=False)
    damped = run_md(
        cu(),
        EMT(),
        md(friction_per_ps=2.0, equilibration_friction_per_ps=50.0, **kw),
        300,
        1,
        progress=False,
    )
    assert base.equilibration["friction_per_ps"] == 2.0
    assert damped.equilibration["friction_per_ps"] == 50.0
    assert damped.thermostat == base.thermostat  # production: 2 ps^-1 both
    assert not np.allclose(damped.atoms.positions, base.atoms.positions)
