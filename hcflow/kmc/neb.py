"""Barriers of single hops by climbing-image NEB (ASE) with the study's MLIP.

One mobile ion moves from its site to a neighbouring one; every other atom
(the host and the other ions) relaxes with it. Both end points are relaxed
first (FIRE, ``relax_steps``), the path is interpolated linearly between
them (the end point given unwrapped, so a hop across the cell boundary is a
short path) and optimised with a climbing image (FIRE on the band, ``fmax``,
``max_steps``). A band that does not reach ``fmax`` is reported as not
converged, with its highest energy as an estimate; the caller keeps the
barrier from MD rates for that edge. Speed: benchmarks/bench_neb.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from hcflow.errors import HcflowError


@dataclass(frozen=True)
class NEBResult:
    """One hop's NEB: forward and reverse barriers (eV) and how it ran."""

    barrier_eV: float
    reverse_barrier_eV: float
    converged: bool
    energies_eV: tuple[float, ...]  #: band energies relative to the start
    steps: int
    wall_s: float
    note: str


def _relax(atoms, fmax: float, steps: int) -> int:
    from ase.optimize import FIRE

    opt = FIRE(atoms, logfile=None)
    opt.run(fmax=fmax, steps=steps)
    return opt.get_number_of_steps()


def neb_barrier(
    atoms,
    ion: int,
    end: np.ndarray,
    calculator,
    n_images: int = 7,
    fmax: float = 0.1,
    max_steps: int = 200,
    relax_steps: int = 100,
) -> NEBResult:
    """Climbing-image NEB of ion ``ion`` moving to the Cartesian ``end`` (A).

    ``atoms`` holds the start (ion at its site); ``calculator`` is shared by
    the images (evaluated one after the other).
    """
    from ase.mep import NEB
    from ase.optimize import FIRE

    if not 0 <= ion < len(atoms):
        raise HcflowError(f"NEB: ion index {ion} outside the {len(atoms)} atoms")
    if n_images < 3:
        raise HcflowError("NEB: at least 3 images (start, one moving, end)")
    t0 = time.perf_counter()
    start = atoms.copy()
    final = atoms.copy()
    final.positions[ion] = np.asarray(end, float)
    for a in (start, final):
        a.calc = calculator
        _relax(a, fmax, relax_steps)
    hop = np.linalg.norm(final.positions[ion] - start.positions[ion])
    if hop < 0.5:
        raise HcflowError(
            f"NEB: the two sites relax to the same place ({hop:.2f} A apart)"
        )
    images = [start] + [start.copy() for _ in range(n_images - 2)] + [final]
    for im in images:
        im.calc = calculator
    band = NEB(
        images, climb=True, allow_shared_calculator=True, method="improvedtangent"
    )
    band.interpolate(mic=False)
    opt = FIRE(band, logfile=None)
    converged = bool(opt.run(fmax=fmax, steps=max_steps))
    e = np.array([im.get_potential_energy() for im in images])
    e = e - e[0]
    top = float(e.max())
    return NEBResult(
        barrier_eV=top,
        reverse_barrier_eV=float(top - e[-1]),
        converged=converged,
        energies_eV=tuple(float(v) for v in e),
        steps=opt.get_number_of_steps(),
        wall_s=time.perf_counter() - t0,
        note=""
        if converged
        else f"NEB did not reach fmax {fmax} eV/A in {max_steps} steps",
    )
