"""The one integrator setup, MD settings, blow-up checks and checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
from ase import units
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.md.langevin import Langevin
from ase.md.verlet import VelocityVerlet

from hcflow.errors import HcflowError
from hcflow.md.checkpoint import read_checkpoint, run_key, write_checkpoint
from hcflow.md.dynamics import (
    PARAMETERS,
    THERMOSTATS,
    check_ensemble,
    init_velocities,
    make_dynamics,
    make_integrator,
    thermostat_params,
    thermostat_record,
)
from hcflow.md.health import blow_up_reason
from hcflow.md.settings import MDSettings, check_temperature


def cu():
    atoms = bulk("Cu", cubic=True).repeat((2, 2, 2))
    atoms.calc = EMT()
    return atoms


def test_friction_is_per_ps():
    # 10 ps^-1 = 0.01 fs^-1: ASE wants inverse ASE time units
    assert PARAMETERS["friction_per_ps"].to_ase(10.0) == pytest.approx(0.01 / units.fs)
    dyn = make_dynamics(cu(), "nvt-langevin", 300, 2.0, {"friction_per_ps": 10.0})
    assert isinstance(dyn, Langevin)
    assert dyn.dt == pytest.approx(2.0 * units.fs)
    assert dyn.fr == pytest.approx(0.01 / units.fs)
    assert isinstance(make_dynamics(cu(), "NVE", 300, 1.0), VelocityVerlet)


def test_unknown_ensemble_names_the_known_ones():
    with pytest.raises(HcflowError, match="'nvt-bussi', 'nvt-langevin', 'nve'"):
        make_dynamics(cu(), "npt", 300, 1.0)
    assert set(THERMOSTATS) == {"nvt-bussi", "nvt-langevin", "nve"}


def test_bussi_is_the_default_and_nvt_means_langevin():
    from ase.md.bussi import Bussi

    atoms = cu()
    init_velocities(atoms, 300, np.random.default_rng(0))
    dyn = make_dynamics(atoms, MDSettings().ensemble, 300, 2.0, {"taut_fs": 50.0})
    assert isinstance(dyn, Bussi) and dyn.taut == pytest.approx(50.0 * units.fs)
    assert isinstance(make_dynamics(atoms, "NVT", 300, 1.0), Langevin)  # alias
    assert MDSettings(ensemble="nvt").ensemble == "nvt-langevin"
    assert check_ensemble(" NVT-Bussi ") == "nvt-bussi"
    # the md_tasks label is accepted as a name too: one vocabulary
    assert check_ensemble("bussi") == "nvt-bussi"
    assert MDSettings(ensemble="langevin").ensemble == "nvt-langevin"
    md = MDSettings(friction_per_ps=10.0, taut_fs=100.0)
    assert thermostat_record("nvt", md) == {
        "ensemble": "nvt-langevin",
        "thermostat": "langevin",
        "friction_per_ps": 10.0,
        "taut_fs": None,
    }
    assert thermostat_record("nve", md)["thermostat"] is None


def test_one_table_serves_ase_and_split_step():
    """Each row's parameters come from an MDSettings or a mapping (defaults
    for the missing ones), converted to ASE units in one place, and reach
    both the ASE object and its split-step twin."""
    md = MDSettings(taut_fs=40.0, friction_per_ps=5.0)
    assert thermostat_params("nvt-bussi", md) == {"taut_fs": 40.0}
    assert thermostat_params("nvt-langevin", {}) == {"friction_per_ps": 10.0}
    assert thermostat_params("nve", md) == {}
    with pytest.raises(HcflowError, match="taut_fs must be > 0"):
        thermostat_params("nvt-bussi", {"taut_fs": 0})
    masses = np.full((4, 1), 12.0)
    rng = np.random.default_rng(0)
    lang = make_integrator("nvt-langevin", 2.0, 300, masses, rng, md)
    assert lang.fr == pytest.approx(0.005 / units.fs)
    assert lang.dt == pytest.approx(2.0 * units.fs)
    bussi = make_integrator("bussi", 1.0, 300, masses, rng, md)
    assert bussi._exp_term == pytest.approx(np.exp(-1.0 / 40.0))


def test_langevin_thermalises_and_is_reproducible():
    def run(seed):
        atoms = cu()
        rng = np.random.default_rng(seed)
        init_velocities(atoms, 600, rng, zero_momentum=True)
        assert np.allclose(atoms.get_momenta().sum(axis=0), 0, atol=1e-10)
        dyn = make_dynamics(
            atoms, "nvt-langevin", 600, 2.0, {"friction_per_ps": 50}, rng
        )
        temps = []
        for _ in range(40):
            dyn.run(10)
            temps.append(atoms.get_temperature())
        return atoms.positions.copy(), np.mean(temps[10:])

    a, t_mean = run(1)
    b, _ = run(1)
    assert np.array_equal(a, b)  # same seed, same trajectory
    assert 450 < t_mean < 750  # 32 atoms: the thermostat holds ~600 K


def test_md_settings_limits():
    assert (
        MDSettings().timestep_fs == 1.0 and MDSettings(ensemble="NVE").ensemble == "nve"
    )
    for bad in (
        {"timestep_fs": 5.5},
        {"production_steps": 0},
        {"ensemble": "x"},
        {"equilibration_ensemble": "npt"},
        {"taut_fs": 0},
        {"friction_per_ps": -1},
        {"device": "gpu"},
        {"dtype": "float16"},
        {"equilibration_steps": 500, "equilibration_max_steps": 100},
    ):
        with pytest.raises(ValueError):
            MDSettings(**bad)
    assert MDSettings(equilibration_steps=300).max_equilibration_steps == 1500
    assert MDSettings(device="CUDA:1").device == "cuda:1"  # spelling only
    with pytest.raises(HcflowError, match="temperature"):
        check_temperature(float("nan"))


def test_blow_up_reasons():
    atoms = cu()
    assert blow_up_reason(atoms, 0.5) is None
    atoms.positions[1] = atoms.positions[0] + [0.3, 0, 0]
    assert "overlap (0.30 A" in blow_up_reason(atoms, 0.5)


def test_checkpoint_round_trip_and_key(tmp_path):
    atoms = cu()
    rng = np.random.default_rng(3)
    init_velocities(atoms, 300, rng)
    key = run_key(atoms, {"name": "emt"}, 300, 1.0)
    assert key != run_key(atoms, {"name": "emt"}, 301, 1.0)
    path = tmp_path / "a.ckpt"
    write_checkpoint(path, key, atoms, rng, 20, [atoms.positions], [1.0])
    saved = read_checkpoint(path, key)
    assert saved["step"] == 20 and np.allclose(saved["momenta"], atoms.get_momenta())
    assert read_checkpoint(path, "other-run") is None  # another run's file
    path.write_bytes(b"garbage")
    assert read_checkpoint(path, key) is None
    assert not path.exists() and (tmp_path / "a.ckpt.corrupt").exists()  # set aside


def test_a_pickle_checkpoint_is_never_run(tmp_path):
    """A pickle placed where a checkpoint belongs runs no code (issue 30 item 2):
    it is set aside and the run starts over."""
    import pickle

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "md-x.ckpt"
    path.write_bytes(pickle.dumps({"key": "k", "evil": Evil()}))
    assert read_checkpoint(path, "k") is None
    assert not marker.exists()
    assert (tmp_path / "md-x.ckpt.corrupt").exists()
