"""Model deviation of demo-like runs: the shipped 120-C melt-quench cells.

Each shipped 120-atom carbon cell at 0.9 and 1.3 g/cm3 gets Na:C 0.05 (6 Na),
then a short NaMDMaker run (2 fs, 50 equilibration + 200 production steps,
frames every 10 steps) at 800 and 1100 K with the default model deviation
(the model's teacher, CHGNet 0.3.0, on 8 frames). Prints one JSON line per
run: the figures and the seconds of MD and of the deviation.

Run: PYTHONPATH=. .venv/bin/python benchmarks/model_deviation_demo.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

KEYS = (
    "reference",
    "frames",
    "force_mae_eV_A",
    "force_max_eV_A",
    "force_mae_by_element",
    "energy_dev_meV_atom",
    "energy_offset_meV_atom",
    "frames_above_threshold",
    "forces_ok",
    "reason",
    "seconds",
)


def main() -> None:
    """Run the points and print their figures."""
    import hcflow
    from hcflow.md.jobs import NaMDMaker
    from hcflow.structures.library import from_json
    from hcflow.structures.sodiation import sodiate
    from hcflow.units import densities_g_cm3

    lib = Path(hcflow.__file__).parent / "structures" / "library"
    done = set()
    for path in sorted(lib.glob("*.json")):
        atoms = from_json(json.loads(path.read_text()))
        if len(atoms) != 120 or set(atoms.get_chemical_symbols()) != {"C"}:
            continue
        rho = round(densities_g_cm3(atoms.numbers, atoms.cell.array)[0], 1)
        if rho not in (0.9, 1.3) or rho in done:
            continue
        done.add(rho)
        cell = sodiate(atoms, 0.05, seed=3)
        for temperature in (800, 1100):
            md = dict(
                timestep_fs=2.0,
                equilibration_steps=50,
                equilibration_max_steps=50,
                production_steps=200,
                frame_interval=10,
                threads=1,
                device="cpu",
            )
            t0 = time.perf_counter()
            maker = NaMDMaker(
                temperature_K=temperature,
                md=md,
                task_id=f"m{rho}-{temperature}",
                seed=3,
            )
            out = maker.run(cell)
            dev = out["model_deviation"] or {}
            row = {
                "rho": rho,
                "T": temperature,
                "n_atoms": len(cell),
                "md_s": round(out["metadata"]["timing"]["seconds"], 1),
                "total_s": round(time.perf_counter() - t0, 1),
                **{k: dev.get(k) for k in KEYS},
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
