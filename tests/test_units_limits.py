"""One density formula; each limit defined once and applied by every entry point."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from hcflow.errors import HcflowError
from hcflow.limits import MAX_N_CARBON, MAX_TIMESTEP_FS
from hcflow.units import (
    cubic_cell_length_A,
    densities_g_cm3,
    mass_density_g_cm3,
)


def test_density_known_answers():
    # 1000 C at 1 g/cm3: V = 1000 * 12.011 / 6.02214076e23 cm3 = 19944.7 A^3
    assert cubic_cell_length_A(1000, 1.0) ** 3 == pytest.approx(19944.7, abs=0.1)
    assert mass_density_g_cm3(12.011 * 1000, 19944.7) == pytest.approx(1.0, 1e-5)
    # diamond: 8 C in a 3.567 A cube = 3.51 g/cm3; with 2 Na the carbon part stays
    cell = np.eye(3) * 3.567
    rho_c, rho_all = densities_g_cm3([6] * 8 + [11] * 2, cell)
    assert rho_c == pytest.approx(3.51, abs=0.01)
    assert rho_all == pytest.approx(
        rho_c * (8 * 12.011 + 2 * 22.98977) / (8 * 12.011), rel=1e-6
    )
    with pytest.raises(HcflowError, match="zero volume"):
        densities_g_cm3([6], np.zeros((3, 3)))


def test_every_density_uses_the_one_formula():
    from hcflow.structures.docs import make_structure_doc
    from hcflow.structures.hardcarbon import density_of, generate_hard_carbon

    atoms = generate_hard_carbon(60, 1.3, seed=2)
    doc = make_structure_doc(atoms, "generated", "t", pore_spacing=None, rings=False)
    assert density_of(atoms) == pytest.approx(1.3, rel=1e-12)
    assert doc.density_g_cm3 == pytest.approx(1.3, rel=1e-12)


def test_a_6_fs_study_fails_at_plan_like_its_md_jobs(tmp_path):
    """The bug: the study file allowed 10 fs, the runner 5 fs."""
    from ase.calculators.emt import EMT

    from hcflow.flows.spec import parse_study
    from hcflow.md.runner import run_md

    assert MAX_TIMESTEP_FS == 5.0
    raw = {
        "name": "t",
        "densities": [1.0],
        "na_per_c": [0.1],
        "temperatures": [300],
        "n_carbon": [40],
        "md": {"timestep_fs": 6},
    }
    with pytest.raises(HcflowError, match="md.timestep_fs"):
        parse_study(raw)
    atoms = Atoms("Cu2", positions=[[0, 0, 0], [1.8, 1.8, 0]], cell=[4] * 3, pbc=True)
    with pytest.raises(HcflowError, match="timestep_fs"):
        run_md(atoms, EMT(), {"timestep_fs": 6}, progress=False)
    raw["md"]["timestep_fs"] = 5
    parse_study(raw)  # the limit itself passes both


def test_n_carbon_limit_is_the_generators():
    """The bug: the study file allowed 200,000 C, the generator 100,000."""
    from hcflow.flows.spec import parse_study
    from hcflow.structures.hardcarbon import generate_hard_carbon

    raw = {
        "name": "t",
        "densities": [1.0],
        "na_per_c": [0.1],
        "temperatures": [300],
        "n_carbon": [MAX_N_CARBON + 1],
    }
    with pytest.raises(HcflowError, match="n_carbon"):
        parse_study(raw)
    with pytest.raises(HcflowError, match="too large"):
        generate_hard_carbon(MAX_N_CARBON + 1, 1.0)
