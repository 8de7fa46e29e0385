"""Physical-regime flags: known answers."""

from __future__ import annotations

import numpy as np

from hcflow.descriptors.regime import BOILING_POINT_K, flag_names, regime_flags


def test_boiling_point_flag_per_species():
    assert flag_names(regime_flags(1155.0, "Na")) == []
    flags = regime_flags(1300.0, "Na")
    assert flag_names(flags) == ["above_boiling_point"]
    assert "1156 K" in flags[0]["reason"] and "\n" not in flags[0]["reason"]
    assert flag_names(regime_flags(1100.0, "K")) == ["above_boiling_point"]
    assert flag_names(regime_flags(1500.0, "Li")) == []
    assert BOILING_POINT_K == {"Li": 1615.0, "Na": 1156.0, "K": 1032.0}
    assert regime_flags(None, "Na") == []


def test_ions_sharing_one_void_are_a_fluid():
    shared = np.full(12, 5.2)  # 12 Na in one 5.2 A void: 0.8x liquid Na
    flags = regime_flags(900.0, "Na", shared)
    assert flag_names(flags) == ["fluid_ions"]
    assert "12 of 12 Na share one void" in flags[0]["reason"]
    # one ion per void, or ions outside voids: no flag
    assert regime_flags(900.0, "Na", np.linspace(3.0, 4.0, 12)) == []
    assert regime_flags(900.0, "Na", np.full(12, np.nan)) == []
    # 3 ions in a void: too few for a fluid
    assert regime_flags(900.0, "Na", np.full(3, 3.0)) == []


def test_cell_smaller_than_twice_its_largest_pore():
    pores = np.array([6.0, 11.5, 8.0])
    flags = regime_flags(900.0, "Na", None, pores, [12.3, 12.3, 12.3])
    assert flag_names(flags) == ["small_cell"]
    assert regime_flags(900.0, "Na", None, pores, [30.0, 30.0, 30.0]) == []
