"""Known answers for the realism statistics: planted graphite, graphene,
diamond, a Stone-Wales defect and an expanded stack."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk, graphene

from hcflow.structures.validation import (
    d002,
    radial_distribution,
    ring_summary,
    stacking_distance,
    validate_structure,
)


def graphite(spacing: float = 3.35, rep=(4, 4, 2)) -> Atoms:
    """AB-stacked graphite with the given interlayer spacing (A)."""
    a, c = 2.46, 2 * spacing
    cell = [[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]]
    frac = [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25], [0, 0, 0.75], [2 / 3, 1 / 3, 0.75]]
    return Atoms("C4", scaled_positions=frac, cell=cell, pbc=True).repeat(rep)


def test_graphite_is_all_sp2_hexagons_at_3_35():
    g = graphite()
    v = validate_structure(g, pore_spacing=None)
    assert v["hybridisation"]["sp2_fraction"] == 1.0
    assert v["hybridisation"]["sp_fraction"] == 0.0
    assert v["rings"]["share_5_6_7"] == {"5": 0.0, "6": 1.0, "7": 0.0}
    assert v["rings"]["per_atom"]["6"] == pytest.approx(0.5)  # 1 hexagon / 2 C
    assert v["stacking"]["stacking_A"] == pytest.approx(3.35, abs=1e-6)
    assert v["stacking"]["stacked_fraction"] == 1.0
    assert v["d002"]["d002_A"] == pytest.approx(3.35, abs=0.03)
    # graphite is denser-stacked than hard carbon: outside the 3.5-4.0 A range
    assert v["checks"]["interlayer_A"]["ok"] is False
    assert v["checks"]["sp2_fraction"]["ok"] is True


def test_expanded_stack_measures_its_spacing():
    g = graphite(3.8)
    assert stacking_distance(g)["stacking_A"] == pytest.approx(3.8, abs=1e-6)
    assert d002(g)["d002_A"] == pytest.approx(3.8, abs=0.05)
    v = validate_structure(g, pore_spacing=None, rings=False)
    assert v["checks"]["interlayer_A"]["ok"] is True


def test_single_sheet_has_no_stacking_and_diamond_is_sp3():
    sheet = graphene(a=2.46, vacuum=6.0).repeat((6, 6, 1))
    sheet.pbc = True
    st = stacking_distance(sheet)
    assert st["stacked_fraction"] == 0.0 and st["stacking_A"] is None
    dia = bulk("C", "diamond", a=3.567, cubic=True).repeat(3)
    v = validate_structure(dia, pore_spacing=None, rings=False)
    assert v["hybridisation"]["sp3_fraction"] == 1.0


def test_stone_wales_gives_two_pentagons_two_heptagons():
    sheet = graphene(a=2.46, vacuum=6.0).repeat((8, 8, 1))
    sheet.pbc = True
    d = sheet.get_all_distances(mic=True)
    i = 0
    j = int(np.flatnonzero((d[i] > 1.3) & (d[i] < 1.5))[0])
    vec = sheet.get_distance(i, j, mic=True, vector=True)
    mid = sheet.positions[i] + vec / 2
    rot = np.array([-vec[1], vec[0], 0.0]) / 2  # bond turned by 90 degrees
    sheet.positions[i], sheet.positions[j] = mid - rot, mid + rot
    counts = ring_summary(sheet)["counts"]
    assert counts["5"] == 2 and counts["7"] == 2


def test_rdf_of_graphite_first_peak():
    r, g = radial_distribution(graphite(), r_max=4.0)
    assert r[np.argmax(g)] == pytest.approx(1.42, abs=0.02)
