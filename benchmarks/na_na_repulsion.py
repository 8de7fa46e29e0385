"""Na-Na short-range repulsion inside dense carbon: CHGNet vs MACE models.

Takes the last stored frame of the 1.3 g/cm3, 600 K re-validation run
(benchmarks/out/revalidate/<model sha>/, written by
revalidate_model_meltquench.py; C130Na13), moves one Na along the line to its
nearest Na (``hcflow.services.distill.close_contact``: every other atom
stays) to each distance, and prints E(d) - E(3.4 A) for CHGNet (the teacher)
and every model given. Writes results/na_na_repulsion.json.

The previous shipped model is in git history:
    git show 9ccaeab:hcflow/potentials/models/hcflow-nac-small.model > /tmp/old.model
    .venv/bin/python benchmarks/na_na_repulsion.py \
        --models hcflow-nac-small /tmp/old.model
"""

from __future__ import annotations

import argparse
import glob
import json
from pathlib import Path

import numpy as np

import hcflow  # noqa: F401

OUT = Path(__file__).parent / "results" / "na_na_repulsion.json"
DISTANCES = [1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.4]


def main() -> None:
    import ase.io

    from hcflow.potentials import get_calculator, resolve_potential
    from hcflow.services.distill import close_contact

    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["hcflow-nac-small"])
    args = ap.parse_args()
    here = Path(__file__).parent / "out" / "revalidate"
    found = sorted(glob.glob(str(here / "*" / "frames_1.30_600_*.extxyz")))
    if not found:
        raise SystemExit(
            f"no 1.3 g/cm3 600 K frames under {here}: run the revalidation"
        )
    base = ase.io.read(found[-1], ":")[-1]
    specs = ["chgnet", *args.models]
    calcs = {s: get_calculator(s) for s in specs}
    energies = {}
    for d in DISTANCES:
        atoms = close_contact(base, "Na-Na", d, np.random.default_rng(3))
        energies[d] = {}
        for spec, calc in calcs.items():
            atoms.calc = calc
            energies[d][spec] = float(atoms.get_potential_energy())
    ref = energies[DISTANCES[-1]]
    rows = {
        f"{d:.1f}": {s: round(e[s] - ref[s], 4) for s in specs}
        for d, e in energies.items()
    }
    print("d (A)  " + "  ".join(f"{Path(s).name:>18}" for s in specs))
    for d, row in rows.items():
        print(f"{d:>5}  " + "  ".join(f"{row[s]:18.2f}" for s in specs))
    OUT.write_text(
        json.dumps(
            {
                "what": "E(d) - E(3.4 A), eV, one Na moved to distance d of its "
                "nearest Na in a C130Na13 melt-quench cell at 1.3 g/cm3",
                "frame_file": str(Path(found[-1]).relative_to(Path(__file__).parent)),
                "models": {
                    s: (resolve_potential(s).as_dict().get("file_hash") or "")[:12]
                    for s in specs
                },
                "energy_eV": rows,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
