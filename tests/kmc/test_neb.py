"""NEB known answer: an adatom hopping on a Cu(100) slab with EMT."""

import numpy as np
import pytest

from hcflow.errors import HcflowError
from hcflow.kmc.neb import neb_barrier


@pytest.fixture(scope="module")
def slab():
    from ase.build import add_adsorbate, fcc100
    from ase.calculators.emt import EMT
    from ase.constraints import FixAtoms

    s = fcc100("Cu", (3, 3, 3), vacuum=6.0)
    add_adsorbate(s, "Cu", 1.7, "hollow")
    s.set_constraint(FixAtoms(indices=list(range(9))))
    return s, EMT()


def test_hollow_to_hollow_hop_on_cu100(slab):
    s, calc = slab
    a = 3.61 / np.sqrt(2)  # Cu(100) surface lattice constant (EMT ~ exp.)
    end = s.positions[-1] + np.array([a, 0.0, 0.0])
    r = neb_barrier(s, len(s) - 1, end, calc, n_images=5, fmax=0.05)
    assert r.converged and len(r.energies_eV) == 5
    # ASE's own NEB tutorial: 0.37 eV with EMT for this hop (hollow-bridge-hollow)
    assert 0.30 < r.barrier_eV < 0.45
    assert r.reverse_barrier_eV == pytest.approx(r.barrier_eV, abs=0.02)
    assert int(np.argmax(r.energies_eV)) == 2  # the saddle in the middle


def test_bad_input(slab):
    s, calc = slab
    with pytest.raises(HcflowError, match="outside"):
        neb_barrier(s, 999, np.zeros(3), calc)
    with pytest.raises(HcflowError, match="same place"):
        neb_barrier(s, len(s) - 1, s.positions[-1] + 0.1, calc, relax_steps=50)
