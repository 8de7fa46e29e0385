"""Convert the vendored AIMD test trajectories to compact .npz files.

Run once (not part of the tests) with the original files from the source
repositories (see README.md here):

    python tests/data/transport/make_npz.py cNa3PS4_pda.json \
        DiffusionAnalyzer.json example_XDATCAR.gz

Each .npz holds: ``species`` (element symbols), ``lattice`` (3x3, A, rows),
``frac0`` (fractional coordinates of the first frame), ``displacements``
((n_atoms, n_frames, 3) float32, unwrapped Cartesian displacements from the
first frame, A), ``time_step_fs``, ``step_skip`` (frame interval =
time_step_fs * step_skip), ``temperature_K`` (NaN when not published),
``source``.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
PMG = "materialsvirtuallab/pymatgen-analysis-diffusion@d613b5ec"
KINISI = "bjmorgan/kinisi@e199363a"


def _save(name, species, lattice, frac0, disp, time_step, step_skip, temp, source):
    np.savez_compressed(
        HERE / name,
        species=np.array(species),
        lattice=np.asarray(lattice, float),
        frac0=np.asarray(frac0, float),
        displacements=np.asarray(disp, np.float32),
        time_step_fs=float(time_step),
        step_skip=int(step_skip),
        temperature_K=float(temp),
        source=source,
    )


def from_pymatgen_json(path, name, source):
    from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer

    d = json.loads(Path(path).read_text())
    da = DiffusionAnalyzer.from_dict(d)
    s = da.structure
    _save(
        name,
        [str(sp) for sp in s.species],
        s.lattice.matrix,
        s.frac_coords,
        np.asarray(d["displacements"]),
        da.time_step,
        da.step_skip,
        da.temperature,
        source,
    )


def from_xdatcar(path, name, source):
    from pymatgen.io.vasp import Xdatcar

    with gzip.open(path, "rt") as fh, open("/tmp/XDATCAR", "w") as out:
        out.write(fh.read())
    structures = Xdatcar("/tmp/XDATCAR").structures
    frac = np.array([s.frac_coords for s in structures])
    step = np.diff(frac, axis=0)
    step -= np.round(step)  # unwrap (no atom moves half a cell in 0.1 ps)
    dfrac = np.concatenate([np.zeros((1, *frac.shape[1:])), np.cumsum(step, 0)])
    lattice = structures[0].lattice.matrix
    disp = np.transpose(dfrac @ lattice, (1, 0, 2))
    species = [str(sp) for sp in structures[0].species]
    _save(name, species, lattice, frac[0], disp, 2.0, 50, np.nan, source)


if __name__ == "__main__":
    na3ps4, lgps, xdatcar = sys.argv[1:4]
    from_pymatgen_json(
        na3ps4,
        "cNa3PS4_800K.npz",
        f"{PMG}:tests/pymatgen/analysis/diffusion/aimd/cNa3PS4_pda.json",
    )
    from_pymatgen_json(
        lgps,
        "Li10GeP2S12_600K.npz",
        f"{PMG}:tests/pymatgen/analysis/diffusion/DiffusionAnalyzer.json",
    )
    from_xdatcar(
        xdatcar,
        "Li6PS5Cl_kinisi.npz",
        f"{KINISI}:kinisi/tests/inputs/example_XDATCAR.gz",
    )
