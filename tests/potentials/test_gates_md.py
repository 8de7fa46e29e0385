"""MD gates (liquid Na density and diffusion, NVE drift) and the worker loop."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from ase.calculators.lj import LennardJones

from hcflow.potentials import gates_md, sevenn_worker


def test_liquid_na_cell_has_the_experimental_density():
    assert gates_md.liquid_na_density(371) == pytest.approx(0.927, abs=0.003)
    assert gates_md.liquid_na_density(700) == pytest.approx(0.852, abs=0.003)
    atoms = gates_md.liquid_na(450)
    rho = atoms.get_masses().sum() / atoms.get_volume() / 0.602214
    assert len(atoms) == 54 and rho == pytest.approx(gates_md.liquid_na_density(450))


def test_na_c_cell_keeps_atoms_apart():
    atoms = gates_md.na_c_cell()
    d = atoms.get_all_distances(mic=True)[np.triu_indices(len(atoms), 1)]
    assert d.min() >= 1.4 and atoms.get_chemical_formula() == "C40Na4"


@pytest.mark.slow
def test_nve_drift_of_a_smooth_pair_potential_is_small():
    calc = LennardJones(sigma=1.2, epsilon=0.02, rc=4.0, smooth=True)
    r1, r2 = gates_md.nve_drift(calc, ps=0.2)
    assert r1.name == "nve_drift_1fs" and r2.name == "nve_drift_2fs"
    assert abs(r1.value) < 1.0 and r1.status == "pass"


def test_worker_loop_answers_one_line_per_request():
    request = {
        "numbers": [11, 11],
        "positions": [[0, 0, 0], [3.4, 0, 0]],
        "cell": [10, 10, 10],
        "pbc": [True] * 3,
    }
    bad = {"numbers": [11], "positions": [[0, 0, 0]]}
    stdin = io.StringIO(json.dumps(request) + "\n\n" + json.dumps(bad) + "\n")
    out = io.StringIO()
    sevenn_worker.serve(LennardJones(sigma=3.0, rc=6.0), stdin, out)
    first, second = (json.loads(x) for x in out.getvalue().splitlines())
    assert first["energy"] < 0 and len(first["forces"]) == 2 and "stress" in first
    assert second["error"].startswith("KeyError")


@pytest.mark.slow
def test_shipped_model_liquid_na_diffusion_gate():
    from hcflow.potentials import load_calculator

    calc, _ = load_calculator("hcflow-nac-small", threads=1)
    r = gates_md.diffusion(calc, 700, steps=500, equil_steps=100)
    assert r.name == "na_liquid_D_700K" and r.value is not None
    assert -5.0 < r.value < -2.5  # log10 cm2/s: a liquid, not a solid or a gas
