"""Model deviation: known answers (self 0, planted offsets), threshold
counting, off by setting, a missing reference, and a real MD job storing it."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.lj import LennardJones

from hcflow.errors import HcflowError
from hcflow.md.model_deviation import (
    deviation_figures,
    frame_indices,
    model_deviation,
    reference_of,
    run_model_deviation,
    teacher_spec,
)
from hcflow.md.settings import MDSettings
from hcflow.md.trajectory import CompactTrajectory


class Offset(Calculator):
    """LJ plus a planted force offset on one element and an energy offset."""

    implemented_properties = ["energy", "forces"]

    def __init__(self, shift, element="Na", energy_shift=0.0):
        super().__init__()
        self.shift, self.element, self.energy_shift = shift, element, energy_shift
        self.lj = LennardJones(sigma=2.5, epsilon=0.01, rc=6.0)

    def calculate(self, atoms=None, properties=None, system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        a = atoms.copy()
        a.calc = self.lj
        forces = a.get_forces().copy()
        mask = np.array(a.get_chemical_symbols()) == self.element
        forces[mask] += np.asarray(self.shift)
        self.results = {
            "energy": a.get_potential_energy() + self.energy_shift,
            "forces": forces,
        }


def frames(n=4, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        pos = rng.uniform(0, 8, (6, 3))
        out.append(Atoms("Na2C4", positions=pos, cell=[8, 8, 8], pbc=True))
    return out


def test_self_deviation_is_zero():
    lj = LennardJones(sigma=2.5, epsilon=0.01, rc=6.0)
    d = model_deviation(frames(), lj, Offset([0, 0, 0]))
    assert d["force_mae_eV_A"] == pytest.approx(0, abs=1e-12)
    assert d["force_max_eV_A"] == pytest.approx(0, abs=1e-12)
    assert d["forces_ok"] is True and d["frames_above_threshold"] == 0
    assert d["energy_dev_meV_atom"] == pytest.approx(0, abs=1e-9)


def test_planted_offset_is_recovered():
    lj = LennardJones(sigma=2.5, epsilon=0.01, rc=6.0)
    ref = Offset([0.3, 0.0, 0.4], energy_shift=0.06)  # |dF| 0.5 on each Na
    d = model_deviation(frames(), lj, ref, threshold_eV_A=1.0)
    assert d["force_max_eV_A"] == pytest.approx(0.5)
    assert d["force_mae_by_element"]["Na"] == pytest.approx(0.7 / 3)
    assert d["force_mae_by_element"]["C"] == pytest.approx(0, abs=1e-12)
    assert d["force_mae_eV_A"] == pytest.approx(0.7 / 3 * 2 / 6)
    # energies: model - reference = -60 meV over 6 atoms, a constant offset
    assert d["energy_offset_meV_atom"] == pytest.approx(-10.0)
    assert d["energy_mae_raw_meV_atom"] == pytest.approx(10.0)
    assert d["energy_dev_meV_atom"] == pytest.approx(0, abs=1e-9)
    assert d["forces_ok"] is True


def test_threshold_counting():
    fm = np.zeros((4, 3, 3))
    fr = np.zeros((4, 3, 3))
    fr[1, 0] = [2.0, 0, 0]  # frame 1: 2.0 eV/A on atom 0 (Na)
    fr[3, 2] = [0, 1.5, 0]  # frame 3: 1.5 on atom 2 (C)
    fr[2, 1] = [0, 0, 0.9]  # below
    d = deviation_figures(["Na", "C", "C"], fm, fr, threshold_eV_A=1.0)
    assert d["frames_above_threshold"] == 2
    assert d["frame_max_eV_A"] == pytest.approx([0, 2.0, 0.9, 1.5])
    assert d["forces_ok"] is False
    assert d["reason"].startswith("2/4 frames") and "on Na" in d["reason"]
    assert deviation_figures(["Na", "C", "C"], fm, fr, threshold_eV_A=3)["forces_ok"]
    with pytest.raises(HcflowError):
        deviation_figures(["Na"], fm, fr[:, :2])


def test_frame_indices_and_teacher_names():
    assert frame_indices(100, 8)[0] == 0 and frame_indices(100, 8)[-1] == 99
    assert len(frame_indices(100, 8)) == 8
    assert frame_indices(3, 8) == [0, 1, 2] and frame_indices(5, 0) == []
    assert teacher_spec("CHGNet 0.3.0 (pretrained, shipped in the chgnet wheel)") == (
        "chgnet"
    )
    assert teacher_spec("SevenNet-0 11Jul2024 (MPtrj)") == "sevennet-0"
    assert teacher_spec("my own DFT") is None
    info = {"name": "m", "metadata": {"teacher": "CHGNet 0.3.0"}}
    assert reference_of(None, info)[0] == "chgnet"
    assert reference_of("none", info)[0] is None
    assert reference_of("sevennet-0", info)[0] == "sevennet-0"
    assert "no teacher" in reference_of(None, {"name": "m"})[1]


def traj():
    fs = frames(5)
    return CompactTrajectory(
        fs[0].numbers,
        np.stack([a.positions for a in fs]),
        np.stack([a.cell.array for a in fs]),
        np.arange(5) * 0.01,
    )


def test_off_by_setting_and_missing_reference_never_raise():
    lj = LennardJones(sigma=2.5, epsilon=0.01, rc=6.0)
    info = {"name": "m", "metadata": {"teacher": "CHGNet 0.3.0"}}
    off = MDSettings(reference_potential="none")
    assert run_model_deviation(traj(), lj, info, off) is None
    assert (
        run_model_deviation(traj(), lj, info, MDSettings(model_deviation_frames=0))
        is None
    )
    # an atomate2 name hcflow cannot run offline: one line, forces_ok null
    missing = MDSettings(reference_potential="m3gnet")
    d = run_model_deviation(traj(), lj, info, missing)
    assert d["forces_ok"] is None and d["frames"] == 0
    assert (
        d["reason"].startswith("reference m3gnet not computed")
        and "\n" not in d["reason"]
    )
    d = run_model_deviation(traj(), lj, {"name": "m"}, MDSettings())
    assert d["forces_ok"] is None and "no teacher" in d["reason"]


def test_new_settings_keep_published_hashes():
    hashed = MDSettings().hashed()
    for name in ("reference_potential", "model_deviation_frames"):
        assert name not in hashed
    assert MDSettings(model_deviation_frames=4).hashed()["model_deviation_frames"] == 4


def test_md_job_stores_model_deviation(tmp_path, monkeypatch):
    """A real short MD job of the shipped model with itself as reference: 0."""
    from hcflow.md.jobs import NaMDMaker
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    monkeypatch.chdir(tmp_path)
    atoms = sodiate(generate_hard_carbon(32, 1.0, seed=3), 0.125, seed=3)
    md = dict(
        production_steps=8,
        equilibration_steps=0,
        frame_interval=2,
        threads=1,
        device="cpu",
        reference_potential="hcflow-nac-small",
        model_deviation_frames=3,
    )
    out = NaMDMaker(temperature_K=600, md=md, task_id="t1").run(atoms)
    d = out["model_deviation"]
    assert d["reference"] == "hcflow-nac-small" and d["frames"] == 3
    assert d["frame_indices"] == [0, 2, 4]
    assert d["force_mae_eV_A"] == pytest.approx(0, abs=1e-5)
    assert d["forces_ok"] is True
    assert set(d["force_mae_by_element"]) == {"C", "Na"}
    assert out["md_settings"]["model_deviation_frames"] == 3


def test_summary_arrhenius_and_demo_honour_forces_ok():
    """The summary copies it, the Arrhenius fit leaves forces_ok false out,
    the demo table shows the MAE ('!' when not ok), flat_row flattens it."""
    import pandas as pd

    from hcflow.analysis.arrhenius import ArrheniusPoint, _check
    from hcflow.builders.descriptor_docs import deviation_fields
    from hcflow.md.model_deviation import flat_row
    from hcflow.services.demo import summary_table

    dev = {
        "reference": "chgnet",
        "frames": 8,
        "force_mae_eV_A": 0.31,
        "force_max_eV_A": 2.4,
        "force_mae_by_element": {"Na": 0.2, "C": 0.33},
        "forces_ok": False,
        "reason": "3/8 frames",
    }
    assert deviation_fields({"model_deviation": dev})["forces_ok"] is False
    assert deviation_fields({}) == {"model_deviation": None, "forces_ok": None}
    point = dict(
        temperature_K=1000.0,
        D_cm2_s=1e-5,
        D_ci95_low=5e-6,
        D_ci95_high=2e-5,
        diffusive=True,
        diffusion_outcome="diffusive",
    )
    assert _check(ArrheniusPoint(**point), 1.96)[1] is None
    bad = ArrheniusPoint.from_any({**point, "forces_ok": False})
    assert _check(bad, 1.96)[1].startswith("model deviation")
    row = flat_row(dev)
    assert row["dF_mae_Na_eV_A"] == 0.2 and row["forces_ok"] is False
    assert flat_row(None)["dF_mae_eV_A"] is None
    base = {**point, "density_g_cm3": 0.9, "na_content": 0.05, "n_ions": 6}
    table = summary_table(pd.DataFrame([{**base, **row}]))
    assert "dF MAE eV/A" in table.splitlines()[0]
    assert "0.310!" in table.splitlines()[1]
    assert "dF MAE" not in summary_table(pd.DataFrame([base]))
