"""Na-carbon gates: Na on graphene, Na at a vacancy, NaC6 and NaC8.

Carbon is held at the ideal lattice (a = 2.46 A, no relaxation of the
sheet); only the Na height (or the interlayer spacing) is scanned. The
hollow-to-hollow barrier is the bridge-site energy minus the hollow-site
energy, each at its best height: by symmetry the bridge is the saddle of
the straight hollow-bridge-hollow path (no NEB, no lateral relaxation).
Energies against Na metal use the bcc Na minimum of
:func:`hcflow.potentials.gates.na_metal`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ase import Atoms
from ase.build import make_supercell

from hcflow.potentials.gates import (
    GRAPHENE_A,
    GateResult,
    NoMinimum,
    energy,
    graphene_cell,
    result,
    scan_minimum,
)

SITES = ("hollow", "bridge", "top")
HEIGHTS = np.array([1.6, 1.9, 2.2, 2.5, 2.8, 3.1, 3.5, 4.0])


def _sites(sheet: Atoms) -> dict[str, np.ndarray]:
    """xy positions of the hollow, bridge and top sites next to atom 0."""
    d = sheet.get_distances(0, range(1, len(sheet)), mic=True, vector=True)
    near = d[np.argmin(np.linalg.norm(d, axis=1))]
    top = sheet.positions[0]
    return {"hollow": top - near, "bridge": top + near / 2, "top": top}


def with_na(sheet: Atoms, xy: np.ndarray, height: float) -> Atoms:
    """The sheet with one Na ``height`` A above the plane at ``xy``."""
    z = sheet.positions[:, 2].mean()
    return sheet + Atoms("Na", positions=[[xy[0], xy[1], z + height]])


def _height_scan(calc: Any, sheet: Atoms, xy, heights=HEIGHTS, what="height"):

    def e_of(h: float) -> float:
        return energy(with_na(sheet, xy, h), calc)

    es = [e_of(h) for h in heights]
    try:
        return (*scan_minimum(heights, es, what, fn=e_of), "")
    except NoMinimum as exc:
        i = int(np.argmin(es))
        return float(heights[i]), float(es[i]), str(exc)


def na_on_graphene(
    calc: Any, e_atom: float, e_bulk: float, size: int = 4
) -> list[GateResult]:
    """Na adatom on a ``size`` x ``size`` graphene sheet: site, height,
    adsorption energy against the free atom and against Na metal, and the
    hollow-bridge-hollow barrier."""
    sheet = graphene_cell(size=(size, size, 1))
    e_sheet = energy(sheet, calc)
    sites = _sites(sheet)
    scans = {s: _height_scan(calc, sheet, sites[s], what=f"{s} height") for s in SITES}
    best = min(SITES, key=lambda s: scans[s][1])
    h, e, note = scans[best]
    e_ads = e - e_sheet
    order = ", ".join(f"{s} {scans[s][1] - e:+.3f} eV" for s in SITES)
    hollow_note = "" if best == "hollow" else f"best site is {best}"
    return [
        result("na_graphene_site", SITES.index(best), f"{best} ({order})"),
        result("na_graphene_height", h if not note else None, note or best),
        result("na_graphene_vs_atom", e_ads - e_atom, f"{best} site"),
        result("na_graphene_vs_metal", e_ads - e_bulk, f"{best} site"),
        result(
            "na_graphene_barrier",
            scans["bridge"][1] - scans["hollow"][1],
            "E(bridge) - E(hollow), heights scanned; " + hollow_note,
        ),
    ]


def na_at_vacancy(calc: Any, e_atom: float, e_bulk: float, size: int = 4):
    """Na above an unrelaxed single vacancy of a ``size`` x ``size`` sheet,
    against Na metal."""
    sheet = graphene_cell(size=(size, size, 1))
    xy = sheet.positions[0].copy()
    del sheet[0]
    e_sheet = energy(sheet, calc)
    heights = np.array([0.6, 1.0, 1.4, 1.8, 2.2, 2.6, 3.0])
    h, e, note = _height_scan(calc, sheet, xy, heights, "vacancy height")
    text = f"height {h:.2f} A, vs free atom {e - e_sheet - e_atom:+.3f} eV"
    return [result("na_vacancy_vs_metal", e - e_sheet - e_bulk, note or text)]


def intercalated(n_carbon: int, c: float, a: float = GRAPHENE_A) -> Atoms:
    """NaC6 (sqrt3 x sqrt3) or NaC8 (2 x 2): AA-stacked layers spaced ``c``
    with one Na per layer above a hexagon centre."""
    prim = Atoms(
        "C2",
        scaled_positions=[[0, 0, 0], [1 / 3, 2 / 3, 0]],
        cell=[[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]],
        pbc=True,
    )
    p = {6: [[2, 1, 0], [-1, 1, 0], [0, 0, 1]], 8: [[2, 0, 0], [0, 2, 0], [0, 0, 1]]}
    layer = make_supercell(prim, p[n_carbon])
    xy = _sites(layer)["hollow"]
    return layer + Atoms("Na", positions=[[xy[0], xy[1], c / 2]])


def intercalation(calc: Any, e_graphite_c: float, e_bulk: float):
    """Formation energy per Na of NaC6 and NaC8 against graphite + Na metal,
    at the best interlayer spacing of a scan."""
    out = []
    spacing = np.array([3.8, 4.1, 4.4, 4.7, 5.0, 5.4, 5.9])
    for n in (6, 8):
        es = [energy(intercalated(n, c), calc) for c in spacing]
        name = f"nac{n}_formation"
        try:
            c0, e0 = scan_minimum(
                spacing,
                es,
                f"NaC{n} spacing",
                fn=lambda c, n=n: energy(intercalated(n, c), calc),
            )
            note = f"spacing {c0:.2f} A"
        except NoMinimum as exc:
            e0, note = min(es), str(exc)
        out.append(result(name, e0 - n * e_graphite_c - e_bulk, note))
    return out
