"""Reference D from kinisi for the vendored trajectories (run once, not a test).

kinisi pulls scipp, emcee, dynesty and statsmodels, so it runs in a separate
virtual environment, not hcflow's:

    python -m venv /tmp/kinisi-venv
    /tmp/kinisi-venv/bin/pip install kinisi==2.1.0 ase
    /tmp/kinisi-venv/bin/python tests/data/transport/kinisi_reference.py

Prints the median and 95 % credible interval of D (cm2/s) and the seconds
taken, with ``start_dt`` = 1 ps (pymatgen's window start) and, for Li6PS5Cl,
2 ps (the start chosen in kinisi's own documentation for this file).
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
import scipp as sc
from ase import Atoms
from kinisi.analyze import DiffusionAnalyzer

HERE = Path(__file__).parent
CASES = [
    ("cNa3PS4_800K", "Na", [1.0]),
    ("Li10GeP2S12_600K", "Li", [1.0]),
    ("Li6PS5Cl_kinisi", "Li", [1.0, 2.0]),
]


def main() -> dict:
    warnings.filterwarnings("ignore")
    out = {}
    for name, specie, starts in CASES:
        d = np.load(HERE / f"{name}.npz")
        lattice = d["lattice"]
        x0 = d["frac0"] @ lattice
        disp = d["displacements"].astype(float)
        frames = []
        for i in range(disp.shape[1]):
            atoms = Atoms(list(d["species"]), x0 + disp[:, i], cell=lattice, pbc=True)
            atoms.wrap()
            frames.append(atoms)
        t0 = time.time()
        da = DiffusionAnalyzer.from_ase(
            frames,
            specie=specie,
            time_step=sc.scalar(float(d["time_step_fs"]), unit="fs"),
            step_skip=sc.scalar(int(d["step_skip"])),
            progress=False,
        )
        for start in starts:
            da.diffusion(
                start_dt=sc.scalar(start * 1000.0, unit="fs"),
                progress=False,
                random_state=np.random.RandomState(0),
            )
            samples = da.D.values
            out[f"{name}@{start}ps"] = {
                "D_median_cm2_s": float(np.median(samples)),
                "ci95": [float(v) for v in np.percentile(samples, [2.5, 97.5])],
                "unit": str(da.D.unit),
                "seconds": time.time() - t0,
            }
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
