"""Physics gates on analytic potentials (known answers), not applicable,
errors, references, dispersion."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.lj import LennardJones
from ase.calculators.morse import MorsePotential

from hcflow.errors import HcflowError
from hcflow.potentials import gates, gates_nac
from hcflow.potentials.gate_runner import STATIC, run_gates, summary
from hcflow.potentials.references import REFERENCES, meyer_nachtrieb


def test_dimer_gate_recovers_the_morse_minimum():
    calc = MorsePotential(epsilon=0.73, r0=3.08, rho0=6.0)
    bond, binding = gates.na_dimer(calc, e_atom=0.0)
    assert bond.value == pytest.approx(3.08, abs=0.03) and bond.status == "pass"
    assert binding.value == pytest.approx(0.73, abs=0.02) and binding.status == "pass"
    long = MorsePotential(epsilon=0.3, r0=3.8, rho0=6.0)
    bond, binding = gates.na_dimer(long, e_atom=0.0)
    assert bond.value == pytest.approx(3.8, abs=0.03) and bond.status == "fail"
    assert binding.status == "fail"


def test_bcc_gate_matches_a_dense_scan_of_lennard_jones():
    from scipy.optimize import minimize_scalar

    calc = LennardJones(sigma=3.35, epsilon=0.1, rc=12.0, smooth=True)
    results, shared = gates.na_metal(calc)
    a, coh, b = results

    def e(x):
        return gates.energy(bulk("Na", "bcc", a=x, cubic=True), calc) / 2

    best = minimize_scalar(e, bounds=(3.9, 4.6), method="bounded")
    assert a.value == pytest.approx(best.x, abs=0.01)
    assert coh.value == pytest.approx(shared["e_atom"] - best.fun, abs=2e-3)
    # B = V d2E/dV2 by finite differences on the volume per atom
    v0, h = best.x**3 / 2, 0.3
    ev = [e((2 * (v0 + k * h)) ** (1 / 3)) for k in (-1, 0, 1)]
    b_fd = v0 * (ev[0] - 2 * ev[1] + ev[2]) / h**2 * 160.2177
    assert b.value == pytest.approx(b_fd, rel=0.05)


def test_a_scan_without_a_minimum_fails_and_says_so():
    with pytest.raises(gates.NoMinimum, match="no minimum between 1 and 3"):
        gates.scan_minimum([1, 2, 3], [3.0, 2.0, 1.0])
    assert gates.scan_minimum([1, 2, 3], [1.0, 0.0, 1.0]) == pytest.approx((2.0, 0.0))
    repulsive = MorsePotential(epsilon=0.5, r0=1.0, rho0=6.0)  # minimum below scan
    bond, _ = gates.na_dimer(repulsive, 0.0)
    assert bond.value is None and bond.status == "fail" and "no minimum" in bond.note


def test_sites_of_a_sheet_are_where_geometry_puts_them():
    sheet = gates.graphene_cell(size=(4, 4, 1))
    sites = gates_nac._sites(sheet)
    d = np.linalg.norm(sheet.positions[:, :2] - sites["hollow"][:2], axis=1)
    # six atoms at a/sqrt3 around the hollow site (mic across the cell edge)
    probe = gates_nac.with_na(sheet, sites["hollow"], 0.0)
    dist = probe.get_distances(len(probe) - 1, range(len(sheet)), mic=True)
    assert np.sum(np.isclose(dist, gates.GRAPHENE_A / np.sqrt(3), atol=1e-6)) == 6
    assert d.min() > 0.1
    n6 = gates_nac.intercalated(6, 4.5)
    n8 = gates_nac.intercalated(8, 4.5)
    assert n6.get_chemical_formula() == "C6Na" and n8.get_chemical_formula() == "C8Na"


class _NoCarbon(Calculator):
    """Morse for Na; raises on any cell with carbon (a gate that breaks)."""

    implemented_properties = ["energy", "forces"]

    def __init__(self):
        super().__init__()
        self.inner = MorsePotential(epsilon=0.73, r0=3.08, rho0=6.0)

    def calculate(self, atoms=None, properties=("energy",), changes=all_changes):
        super().calculate(atoms, properties, changes)
        if "C" in self.atoms.get_chemical_symbols():
            raise RuntimeError("carbon is not supported\nsecond line")
        a = self.atoms.copy()
        a.calc = self.inner
        self.results = {"energy": a.get_potential_energy(), "forces": a.get_forces()}


def test_missing_elements_are_not_applicable_and_errors_are_one_line():
    res = {r.name: r for r in run_gates(_NoCarbon(), elements=["Na"])}
    assert list(res) == STATIC
    assert res["na2_bond"].status == "pass"
    assert res["graphene_cc"].status == "not applicable"
    assert res["nac6_formation"].note == "model lacks C"
    res = {r.name: r for r in run_gates(_NoCarbon(), elements=None)}
    assert res["graphite_binding"].status == "error"
    assert res["graphite_binding"].note == "RuntimeError: carbon is not supported"
    assert res["na2_binding"].status == "pass"  # the others still reported
    # the Na/C gates need the graphite energy, which the error left out
    assert res["nac6_formation"].status == "error"
    c_only = {r.name: r for r in run_gates(_NoCarbon(), elements=["C"])}
    assert {r.status for n, r in c_only.items() if n.startswith("na")} == {
        "not applicable"
    }
    assert summary(c_only.values())["not applicable"] == 13


def test_references_are_cited_and_judge_their_windows():
    assert meyer_nachtrieb(450) == pytest.approx(7.15e-5, rel=0.01)
    assert REFERENCES["na_liquid_D_450K"].value == pytest.approx(-4.146, abs=1e-3)
    ref = REFERENCES["na_graphene_vs_metal"]
    assert ref.judge(0.6) == "pass" and ref.judge(-0.37) == "fail"
    assert REFERENCES["nac6_formation"].window() == "> 0"
    assert all(r.source for r in REFERENCES.values())
    assert "205404" in REFERENCES["na_graphene_height"].source


def test_d3_binds_graphite_and_refuses_unknown_parameters():
    from hcflow.potentials.dispersion import d3_calculator, with_dispersion

    calc = with_dispersion(LennardJones(epsilon=0.0, sigma=1.0, rc=3.0), "pbe")
    near = gates.energy(gates.graphite_ab(3.35), calc)
    far = gates.energy(gates.graphite_ab(10.0), calc)
    assert 20 < 1000 * (far - near) / 4 < 120  # meV/atom, D3(BJ)-PBE territory
    with pytest.raises(HcflowError, match="no D3.BJ. parameters"):
        d3_calculator("b3lyp-ish")
    with pytest.raises(HcflowError, match="unknown dispersion"):
        d3_calculator("pbe", "d4")


@pytest.mark.slow
def test_shipped_model_static_gates_run():
    from hcflow.potentials import load_calculator

    calc, info = load_calculator("hcflow-nac-small", threads=1)
    res = {r.name: r for r in run_gates(calc, info["elements"])}
    assert list(res) == STATIC
    assert {r.status for r in res.values()} <= {"pass", "fail"}
    assert 1.40 < res["graphene_cc"].value < 1.45
