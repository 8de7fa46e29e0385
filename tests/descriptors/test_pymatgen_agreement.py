"""D from hcflow vs pymatgen-analysis-diffusion's DiffusionAnalyzer, same lags.

Settings on both sides (frames every 0.1 ps = time_step 1 fs x step_skip 100):
pymatgen ``smoothed="max"`` fits lags ``min_dt .. max_dt - 1`` with
``min_dt = 1000 fs / 100 fs = 10`` frames (1 ps) and ``max_dt = n_ions *
n_frames // min_obs = 200`` frames (``min_obs = n_ions * 5``: 19.9 ps), every
lag (stride ``max(int(190 / 200), 1) = 1``), weights 1/lag, framework drift
removed. hcflow: ``fit_start_ps=1.0, fit_stop_ps=19.9``, drift correction on;
``fit_weighting="inverse_lag"`` reproduces pymatgen to rounding, the default
unweighted fit agrees within 2 %.
"""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer
from pymatgen.core import Lattice, Structure

from hcflow.descriptors.compute import compute_descriptors
from hcflow.descriptors.synthetic import brownian

DT = 0.1
N_FRAMES = 1000
N_NA = 40


@pytest.fixture(scope="module")
def system():
    wrapped, pos, cells, numbers = brownian(
        n_na=N_NA,
        n_c=30,
        n_frames=N_FRAMES,
        box=16.0,
        d_A2_ps=0.05,
        dt_ps=DT,
        seed=7,
        framework_drift_A=0.05,
    )
    structure = Structure(
        Lattice(cells[0]),
        ["C" if z == 6 else "Na" for z in numbers],
        wrapped[0],
        coords_are_cartesian=True,
    )
    disp = np.transpose(pos - pos[:1], (1, 0, 2))  # (atoms, frames, 3)
    da = DiffusionAnalyzer(
        structure,
        disp,
        "Na",
        temperature=300,
        time_step=1,
        step_skip=100,
        smoothed="max",
        min_obs=N_NA * 5,
    )
    assert da.dt[0] == pytest.approx(1000.0) and da.dt[-1] == pytest.approx(19900.0)
    assert len(da.dt) == 190
    return pos, cells, numbers, da


def _ours(system, weighting):
    pos, cells, numbers, _ = system
    settings = {
        "fit_start_ps": 1.0,
        "fit_stop_ps": 19.9,
        "fit_weighting": weighting,
        "structural_stride": 200,
    }
    return compute_descriptors(pos, cells, numbers, DT, settings).collective["D_cm2_s"]


def test_same_weights_reproduce_pymatgen(system):
    assert _ours(system, "inverse_lag") == pytest.approx(
        system[3].diffusivity, rel=1e-6
    )


def test_unweighted_fit_within_two_percent(system):
    assert _ours(system, "none") == pytest.approx(system[3].diffusivity, rel=0.02)


def test_from_structures_route_agrees(system):
    """pymatgen's user route (wrapped Structures per frame) gives the same D."""
    pos, cells, numbers, da = system
    species = ["C" if z == 6 else "Na" for z in numbers]
    lattice = Lattice(cells[0])
    structures = [
        Structure(lattice, species, p % 16.0, coords_are_cartesian=True)
        for p in pos[:300]
    ]
    da2 = DiffusionAnalyzer.from_structures(
        structures,
        "Na",
        300,
        time_step=1,
        step_skip=100,
        smoothed="max",
        min_obs=N_NA * 300 // 100,
    )
    ours = compute_descriptors(
        pos[:300],
        cells[:300],
        numbers,
        DT,
        {
            "fit_start_ps": 1.0,
            "fit_stop_ps": 9.9,
            "fit_weighting": "inverse_lag",
            "structural_stride": 100,
        },
    ).collective["D_cm2_s"]
    assert ours == pytest.approx(da2.diffusivity, rel=1e-3)
