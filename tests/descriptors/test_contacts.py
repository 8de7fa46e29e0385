"""Closest ion-ion approach: hand-placed ions, periodic images, the verdict."""

from __future__ import annotations

import numpy as np
import pytest

from hcflow.analysis.arrhenius import fit_arrhenius
from hcflow.builders.descriptor_docs import ion_contacts
from hcflow.descriptors.compute import compute_descriptors
from hcflow.descriptors.contacts import closest_ion_pair, contact_limit


def _frames(pairs_A: list[float], box: float = 10.0) -> np.ndarray:
    """Two ions along x, their separation per frame (one across the boundary)."""
    pos = np.zeros((len(pairs_A), 3, 3))
    for k, d in enumerate(pairs_A):
        pos[k, 0] = [0.3, 5.0, 5.0]
        pos[k, 1] = [(0.3 - d) % box, 5.0, 5.0]  # d away through the boundary
        pos[k, 2] = [5.0, 1.0, 1.0]  # a carbon
    return pos


def test_closest_pair_through_the_boundary():
    cells = np.broadcast_to(np.eye(3) * 10.0, (4, 3, 3))
    pos = _frames([3.5, 2.9, 1.2, 3.0])
    assert closest_ion_pair(pos, cells, [0, 1]) == pytest.approx(1.2, abs=1e-9)
    assert closest_ion_pair(pos[:2], cells[:2], [0, 1]) == pytest.approx(2.9)
    assert closest_ion_pair(pos, cells, [0]) is None  # one ion: no pair
    far = _frames([4.5, 4.8])
    assert closest_ion_pair(far, cells[:2], [0, 1]) is None  # none within 4 A
    # not periodic: the two ions are 9.7-x A apart, not x
    assert closest_ion_pair(pos, cells, [0, 1], pbc=False) is None


def test_contact_limit_and_verdict():
    assert contact_limit(11) == pytest.approx(0.6 * 2 * 1.66)  # Na: 1.99 A
    assert contact_limit(3) < contact_limit(11) < contact_limit(19)  # Li, Na, K
    limit = contact_limit(11)
    assert ion_contacts({"min_ion_pair_A": 1.2, "ion_contact_limit_A": limit}) == {
        "min_ion_pair_A": 1.2,
        "ion_contacts_ok": False,
    }
    ok = ion_contacts({"min_ion_pair_A": 3.1, "ion_contact_limit_A": limit})
    assert ok["ion_contacts_ok"] is True
    assert ion_contacts({"min_ion_pair_A": None, "ion_contact_limit_A": limit})[
        "ion_contacts_ok"
    ]
    assert ion_contacts({})["ion_contacts_ok"] is None


def test_descriptors_record_merged_ions():
    rng = np.random.default_rng(0)
    n_frames, box = 120, 12.0
    pos = np.zeros((n_frames, 6, 3))
    pos[:, :4] = rng.uniform(2, 10, (1, 4, 3)) + np.cumsum(
        rng.normal(0, 0.15, (n_frames, 4, 3)), axis=0
    )
    pos[:, 4:] = [[3.0, 3.0, 3.0], [8.0, 8.0, 8.0]]  # two Na
    pos[60:, 5] = pos[60:, 4] + [1.1, 0.0, 0.0]  # the second Na merges at frame 60
    numbers = np.array([6, 6, 6, 6, 11, 11])
    res = compute_descriptors(pos, np.eye(3) * box, numbers, 0.01)
    assert res.info["min_ion_pair_A"] == pytest.approx(1.1, abs=1e-6)
    assert ion_contacts(res.info)["ion_contacts_ok"] is False


def test_arrhenius_leaves_out_runs_with_merged_ions():
    pts = [
        {
            "temperature_K": t,
            "D_cm2_s": 1e-3 * np.exp(-0.2 / (8.617e-5 * t)),
            "D_ci95_low": 0.8e-3 * np.exp(-0.2 / (8.617e-5 * t)),
            "D_ci95_high": 1.2e-3 * np.exp(-0.2 / (8.617e-5 * t)),
            "diffusive": True,
            "task_id": f"t{t:.0f}",
        }
        for t in (900.0, 1100.0, 1300.0, 1500.0)
    ]
    assert fit_arrhenius(pts)["n_points_used"] == 4
    pts[1]["ion_contacts_ok"] = False
    fit = fit_arrhenius(pts)
    assert fit["n_points_used"] == 3 and fit["temperatures_excluded_K"] == [1100.0]
    assert fit["points"][1]["reason"] == "unphysical: two mobile ions merged"
    # every run merged: no fit, and the reason says why the points were left out
    for q in pts:
        q["ion_contacts_ok"] = False
    none = fit_arrhenius(pts)
    assert none["state"] == "insufficient"
    assert none["reason"].endswith("left out: 4 unphysical: two mobile ions merged")
