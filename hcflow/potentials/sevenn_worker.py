"""Labelling worker run by another environment's python (SevenNet's venv).

Run as a script (``python sevenn_worker.py MODEL [MODAL]``): it imports
neither hcflow nor mace, only ase, numpy and sevenn, because sevenn needs
e3nn 0.6 and mace-torch e3nn 0.4.4. Protocol on stdin/stdout, one JSON
object per line: it first writes ``{"ready": ..., "elements": [...]}``; each
request ``{"numbers", "positions", "cell", "pbc"}`` is answered with
``{"energy", "forces", "stress"}`` (eV, eV/A, eV/A3 Voigt) or
``{"error": "one line"}``. End of input ends it.
"""

from __future__ import annotations

import json
import sys


def serve(calc, stdin=sys.stdin, stdout=sys.stdout) -> None:
    """Answer requests on ``stdin`` with ``calc`` until end of input."""
    import numpy as np
    from ase import Atoms

    for line in stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            atoms = Atoms(
                numbers=req["numbers"],
                positions=req["positions"],
                cell=req["cell"],
                pbc=req["pbc"],
            )
            atoms.calc = calc
            out = {
                "energy": float(atoms.get_potential_energy()),
                "forces": np.asarray(atoms.get_forces()).tolist(),
            }
            if all(req["pbc"]):
                out["stress"] = np.asarray(atoms.get_stress()).tolist()
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            out = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0:1]}"}
        stdout.write(json.dumps(out) + "\n")
        stdout.flush()


def main(argv: list[str]) -> int:
    """Load a SevenNet model by name (optional modal) and serve it."""
    import torch
    from sevenn.calculator import SevenNetCalculator

    torch.set_num_threads(int(argv[3]) if len(argv) > 3 else 1)
    modal = argv[2] if len(argv) > 2 and argv[2] != "-" else None
    calc = SevenNetCalculator(argv[1], device="cpu", modal=modal)
    import sevenn

    elements = list(getattr(calc, "chemical_species", []) or [])
    ready = {"ready": f"sevenn {sevenn.__version__}", "elements": elements}
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    serve(calc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
