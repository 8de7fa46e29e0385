"""Physics gates of a potential: small ASE calculations against cited numbers.

Each gate function takes an ASE calculator and returns :class:`GateResult`
values (the model's number, the reference and window of
:mod:`hcflow.potentials.references`, pass/fail). Structures are fixed and
small (2-atom bcc Na, a dimer, 2- and 4-atom carbon cells); minima are found
by scans with a parabola through the three lowest points, never by
relaxation, so a gate costs 5-20 energy calls. A scan whose lowest point is
at its edge has no minimum in range: the gate fails and says so. The Na/C
gates are in :mod:`hcflow.potentials.gates_nac`, the MD gates in
:mod:`hcflow.potentials.gates_md`, the runner in
:mod:`hcflow.potentials.gate_runner`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from ase import Atoms
from ase.build import bulk, graphene

from hcflow.potentials.references import REFERENCES

GRAPHENE_A = 2.46  # A, in-plane lattice constant used by every carbon cell
VACUUM_BOX = 16.0  # A, box of free atoms, dimers and sheets


class NoMinimum(ValueError):
    """A scan whose lowest energy lies at its edge."""


@dataclass
class GateResult:
    """One gate's outcome."""

    name: str
    family: str
    value: float | None
    unit: str
    reference: float | None
    window: str
    source: str
    status: str  # pass | fail | not applicable | error
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def result(name: str, value: float | None, note: str = "") -> GateResult:
    """A GateResult judged against the gate's reference."""
    ref = REFERENCES[name]
    v = None if value is None else float(value)
    return GateResult(
        name=name,
        family=ref.family,
        value=None if v is None else round(v, 4),
        unit=ref.unit,
        reference=ref.value,
        window=ref.window(),
        source=ref.source,
        status=ref.judge(v),
        note=note,
    )


def skipped(name: str, status: str, note: str) -> GateResult:
    """A GateResult without a value (``not applicable`` or ``error``)."""
    r = result(name, None, note)
    r.status = status
    return r


def energy(atoms: Atoms, calc: Any) -> float:
    """Potential energy (eV) of a copy of ``atoms`` with ``calc``."""
    a = atoms.copy()
    a.calc = calc
    return float(a.get_potential_energy())


def _parabola(xs, es) -> tuple[float, float] | None:
    c2, c1, c0 = np.polyfit(xs, es, 2)
    if c2 <= 0:
        return None
    x0 = -c1 / (2 * c2)
    return float(x0), float(c0 + c1 * x0 + c2 * x0**2)


def scan_minimum(xs, energies, what: str = "scan", fn=None) -> tuple[float, float]:
    """(x, E) of the minimum: a parabola through the lowest point and its
    neighbours; with ``fn`` (x -> E) a second parabola through three points a
    third of the spacing apart around the first estimate.
    :class:`NoMinimum` when the lowest point is at an edge."""
    xs, es = np.asarray(xs, float), np.asarray(energies, float)
    if not np.all(np.isfinite(es)):
        raise NoMinimum(f"{what}: non-finite energy")
    i = int(np.argmin(es))
    if i == 0 or i == len(xs) - 1:
        raise NoMinimum(
            f"{what}: no minimum between {xs[0]:g} and {xs[-1]:g} (lowest at {xs[i]:g})"
        )
    best = _parabola(xs[i - 1 : i + 2], es[i - 1 : i + 2])
    if best is None:
        return float(xs[i]), float(es[i])
    if fn is None:
        return best
    x0 = min(max(best[0], xs[i - 1]), xs[i + 1])
    h = min(xs[i] - xs[i - 1], xs[i + 1] - xs[i]) / 3
    fine = np.array([x0 - h, x0, x0 + h])
    refined = _parabola(fine, [fn(x) for x in fine])
    return refined if refined is not None else best


def free_atom(symbol: str) -> Atoms:
    """One atom in a periodic box large enough to be alone."""
    return Atoms(symbol, positions=[[0, 0, 0]], cell=[VACUUM_BOX] * 3, pbc=True)


def na_metal(calc: Any) -> tuple[list[GateResult], dict]:
    """bcc Na: lattice constant and bulk modulus from a Birch-Murnaghan fit
    of E(V) on the 2-atom cubic cell, cohesive energy against a free atom.

    Returns the results and ``{"e_atom", "e_bulk"}`` (eV per Na; ``e_bulk``
    is the lowest scanned energy when there is no minimum)."""
    from ase.eos import EquationOfState
    from ase.units import GPa

    lattice = np.linspace(3.85, 4.65, 9)
    es = [energy(bulk("Na", "bcc", a=a, cubic=True), calc) for a in lattice]
    e_atom = energy(free_atom("Na"), calc)
    shared = {"e_atom": e_atom, "e_bulk": min(es) / 2}
    try:
        a0, _ = scan_minimum(lattice, es, "bcc Na a")
    except NoMinimum as exc:
        out = [result("na_bcc_a", None, str(exc))]
        out.append(result("na_cohesive", e_atom - min(es) / 2, "at the lowest a"))
        out.append(skipped("na_bulk_modulus", "fail", str(exc)))
        return out, shared
    eos = EquationOfState(lattice**3, es, eos="birchmurnaghan")
    v0, e0, b = eos.fit()
    shared["e_bulk"] = e0 / 2
    return [
        result("na_bcc_a", v0 ** (1 / 3)),
        result("na_cohesive", e_atom - e0 / 2),
        result("na_bulk_modulus", b / GPa),
    ], shared


def na_dimer(calc: Any, e_atom: float) -> list[GateResult]:
    """Na2: bond length and binding energy (2 E(Na) - E(Na2)) from a scan."""
    ds = np.arange(2.6, 4.61, 0.2)
    box = [VACUUM_BOX] * 3

    def e_of(d: float) -> float:
        return energy(Atoms("Na2", [[0, 0, 0], [d, 0, 0]], cell=box, pbc=True), calc)

    es = [e_of(d) for d in ds]
    try:
        d0, e0 = scan_minimum(ds, es, "Na2 bond", fn=e_of)
    except NoMinimum as exc:
        return [
            result("na2_bond", None, str(exc)),
            result("na2_binding", 2 * e_atom - min(es), "at the lowest d"),
        ]
    return [result("na2_bond", d0), result("na2_binding", 2 * e_atom - e0)]


def graphene_cell(a: float = GRAPHENE_A, size=(1, 1, 1)) -> Atoms:
    """Graphene with ``VACUUM_BOX`` A between sheets."""
    sheet = graphene("C2", a=a, size=size, vacuum=VACUUM_BOX / 2)
    sheet.pbc = True
    return sheet


def graphite_ab(c_half: float, a: float = GRAPHENE_A) -> Atoms:
    """AB (Bernal) graphite, 4 atoms, interlayer spacing ``c_half``."""
    cell = [[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, 2 * c_half]]
    frac = [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25], [0, 0, 0.75], [2 / 3, 1 / 3, 0.75]]
    return Atoms("C4", scaled_positions=frac, cell=cell, pbc=True)


def carbon(calc: Any) -> tuple[list[GateResult], dict]:
    """Graphene C-C (scan of a), AB graphite spacing and interlayer binding
    (E at c/2 = 10 A minus E at the minimum, per atom; needs dispersion).

    Returns the results and ``{"e_graphite_c"}``: eV per C of the lowest
    graphite energy scanned (the reference of the intercalation gates)."""
    lattice = np.linspace(2.38, 2.54, 9)
    es = [energy(graphene_cell(a), calc) for a in lattice]
    out = []
    try:
        a0, _ = scan_minimum(
            lattice, es, "graphene a", fn=lambda a: energy(graphene_cell(a), calc)
        )
        out.append(result("graphene_cc", a0 / np.sqrt(3)))
    except NoMinimum as exc:
        out.append(result("graphene_cc", None, str(exc)))
    spacing = np.array([2.9, 3.1, 3.3, 3.5, 3.7, 3.9, 4.2, 4.6, 5.0])
    es = [energy(graphite_ab(c), calc) for c in spacing]
    e_far = energy(graphite_ab(10.0), calc)
    shared = {"e_graphite_c": min(min(es), e_far) / 4}
    try:
        c0, e0 = scan_minimum(
            spacing, es, "graphite c/2", fn=lambda c: energy(graphite_ab(c), calc)
        )
        out.append(result("graphite_spacing", c0))
    except NoMinimum as exc:
        e0 = min(es)
        out.append(result("graphite_spacing", None, str(exc)))
    out.append(result("graphite_binding", 1000 * (e_far - e0) / 4))
    return out, shared
