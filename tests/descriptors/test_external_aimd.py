"""Real AIMD trajectories from other projects' test data (tests/data/transport).

- c-Na3PS4, Na, 800 K, 2 ps (pymatgen-analysis-diffusion);
- Li10GeP2S12, Li, 600 K, 20 ps (pymatgen-analysis-diffusion);
- Li6PS5Cl, Li, 14 ps (kinisi).

With pymatgen's own fit window and weights (``smoothed="max"``: lags from 1 ps
to ``min(n_ions * n_frames // 30, n_frames)`` frames, weights 1/lag) hcflow's
D agrees with ``DiffusionAnalyzer`` within 1 %. With hcflow's defaults each D
is within 15 % of a published reference or flagged not diffusive.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer
from pymatgen.core import Lattice, Structure

from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.transport import analyse_transport

DATA = Path(__file__).parents[1] / "data" / "transport"

#: name -> (mobile species, reference D in cm2/s, where the reference comes from)
CASES = {
    "cNa3PS4_800K": ("Na", None, "pymatgen DiffusionAnalyzer smoothed='max'"),
    "Li10GeP2S12_600K": (
        "Li",
        1.16083658794e-06,
        "pymatgen-analysis-diffusion test_analyzer.py (smoothed='max')",
    ),
    "Li6PS5Cl_kinisi": ("Li", 1.358e-05, "kinisi 2.1.0 GLS, start_dt = 2 ps"),
}


def load(name: str):
    """(structure, displacements (atoms, frames, 3), frame fs, mobile x, dt ps)."""
    d = np.load(DATA / f"{name}.npz")
    species = [str(s) for s in d["species"]]
    structure = Structure(Lattice(d["lattice"]), species, d["frac0"])
    disp = d["displacements"].astype(float)
    frame_fs = float(d["time_step_fs"]) * int(d["step_skip"])
    mobile = np.array([s == CASES[name][0] for s in species])
    x = np.transpose(disp, (1, 0, 2)) + structure.cart_coords[None]
    drift = (x[:, ~mobile] - x[:1, ~mobile]).mean(axis=1)  # as pymatgen does
    return structure, disp, d, x[:, mobile] - drift[:, None], frame_fs / 1000


def pymatgen_d(name: str) -> DiffusionAnalyzer:
    structure, disp, d, _, _ = load(name)
    temperature = float(d["temperature_K"])
    return DiffusionAnalyzer(
        structure,
        disp,
        CASES[name][0],
        600.0 if np.isnan(temperature) else temperature,
        float(d["time_step_fs"]),
        int(d["step_skip"]),
        smoothed="max",
    )


def ours(name: str, **settings) -> dict:
    _, _, _, x, dt = load(name)
    s = DescriptorSettings(**settings)
    return analyse_transport(x, s.resolve(len(x), dt), s).trajectory


@pytest.mark.parametrize("name", list(CASES))
def test_pymatgen_window_and_weights_agree_within_one_percent(name):
    da = pymatgen_d(name)
    _, _, _, _, dt = load(name)
    frame_fs = dt * 1000
    window = {
        "fit_start_ps": round(da.dt[0] / frame_fs) * dt,
        "fit_stop_ps": round(da.dt[-1] / frame_fs) * dt,
        "fit_weighting": "inverse_lag",
    }
    assert ours(name, **window)["D_cm2_s"] == pytest.approx(da.diffusivity, rel=0.01)


@pytest.mark.parametrize("name", list(CASES))
def test_defaults_within_15_percent_of_reference_or_flagged(name):
    reference = CASES[name][1] or pymatgen_d(name).diffusivity
    t = ours(name)
    close = t["D_cm2_s"] == pytest.approx(reference, rel=0.15)
    assert close or t["diffusive"] is False
    assert t["diffusive_reason"] and "\n" not in t["diffusive_reason"]


def test_known_verdicts_on_the_real_trajectories():
    """2 ps of Na3PS4 and 20 ps of LGPS at 600 K: MSD < 2 A^2, not diffusive."""
    for name in ("cNa3PS4_800K", "Li10GeP2S12_600K"):
        t = ours(name)
        assert t["diffusive"] is False
        assert "MSD only" in t["diffusive_reason"]
    # the former default (OLS on 5-25 % of the run) overestimated Na3PS4 by ~90 %
    old = ours(
        "cNa3PS4_800K",
        fit_window="fraction",
        fit_stop_fraction=0.25,
        fit_weighting="none",
    )
    assert old["D_cm2_s"] > 1.8 * pymatgen_d("cNa3PS4_800K").diffusivity
    # Li6PS5Cl: within 15 % of kinisi; MSD 3.7 A^2 at the latest window start
    t = ours("Li6PS5Cl_kinisi")
    assert t["D_cm2_s"] == pytest.approx(CASES["Li6PS5Cl_kinisi"][1], rel=0.15)
