"""Stability and energy conservation of the shipped model in long MD.

The MLIP issue's targets for the shipped model:

- 10 ps of NVT MD at 1000 K on a ~300-atom Na/C cell at 1.0 and at 1.8 g/cm3
  without any C-C pair closer than 1.0 A or any atom leaving the carbon graph;
- the NVE energy drift, in meV/atom/ps.

NVT runs through hcflow's own MD path (``run_md``: Langevin, FastMACE); every
stored frame is checked for the closest C-C pair and for carbon atoms with no
carbon neighbour within 1.9 A (an atom that left the graph). NVE continues
from the end of the 1.0 g/cm3 run with ASE's velocity Verlet at 0.5 fs and
fits a line to the total energy. Results go to results/model_validation.json.

Run: .venv/bin/python benchmarks/validate_model.py [--ps 10] [--timestep 2]
     [--nve-ps 1] [--nve-only]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import hcflow  # noqa: F401

OUT = Path(__file__).parent / "results" / "model_validation.json"
GRAPH_CUTOFF = 1.9  # A: a carbon with no carbon neighbour this close has left the graph


def make_cell(
    density: float, n_carbon: int = 273, na_per_c: float = 0.05, seed: int = 0
):
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    return sodiate(
        generate_hard_carbon(n_carbon, density, seed=seed), na_per_c, seed=seed
    )


def carbon_checks(atoms) -> tuple[float, int]:
    """(closest C-C distance in A, number of C atoms with no C neighbour
    within GRAPH_CUTOFF)."""
    from matscipy.neighbours import neighbour_list

    carbon = atoms[atoms.numbers == 6]
    i, d = neighbour_list("id", carbon, GRAPH_CUTOFF)
    isolated = len(carbon) - len(np.unique(i))
    return float(d.min()) if len(d) else float("inf"), int(isolated)


def nvt(density: float, ps: float, timestep: float) -> tuple[dict, object]:
    from hcflow.md.runner import run_md

    atoms = make_cell(density)
    n_steps = int(round(ps * 1000 / timestep))
    t0 = time.perf_counter()
    md = {
        "timestep_fs": timestep,
        "production_steps": n_steps,
        "frame_interval": 50,
        "equilibration_steps": 0,
        "ensemble": "nvt-langevin",  # as measured in model_validation.json
    }
    res = run_md(atoms, "hcflow-nac-small", md, 1000.0, seed=1)
    wall = time.perf_counter() - t0
    checks = [carbon_checks(f) for f in res.trajectory.iter_ase(wrap=True)]
    start = carbon_checks(atoms)
    return {
        "density_g_cm3": density,
        "n_atoms": len(atoms),
        "formula": atoms.get_chemical_formula(),
        "ps": ps,
        "timestep_fs": timestep,
        "state": res.state,
        "reason": res.reason,
        "frames_checked": len(checks),
        "min_cc_distance_A": min(c[0] for c in checks),
        "isolated_c_start": start[1],
        "isolated_c_max": max(c[1] for c in checks),
        "wall_s": wall,
        "ns_per_day": res.timing.ns_per_day,
    }, res.atoms


def nve(atoms, ps: float, timestep: float = 0.5) -> dict:
    from ase import units
    from ase.md.verlet import VelocityVerlet

    from hcflow.potentials import load_calculator

    atoms = atoms.copy()
    atoms.calc, _ = load_calculator("hcflow-nac-small")
    n_steps = int(round(ps * 1000 / timestep))
    times, energies, temperatures = [], [], []
    dyn = VelocityVerlet(atoms, timestep * units.fs)

    def record():
        times.append(dyn.nsteps * timestep / 1000)
        energies.append(atoms.get_potential_energy() + atoms.get_kinetic_energy())
        temperatures.append(atoms.get_temperature())

    dyn.attach(record, interval=10)
    dyn.run(n_steps)
    slope = np.polyfit(times, energies, 1)[0]  # eV/ps
    e = np.asarray(energies)
    return {
        "ps": ps,
        "timestep_fs": timestep,
        "n_atoms": len(atoms),
        "mean_temperature_K": float(np.mean(temperatures)),
        "drift_meV_atom_ps": float(slope / len(atoms) * 1000),
        "fluctuation_meV_atom": float(e.std() / len(atoms) * 1000),
        "max_excursion_meV_atom": float(np.abs(e - e[0]).max() / len(atoms) * 1000),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ps", type=float, default=10.0)
    ap.add_argument("--timestep", type=float, default=2.0)
    ap.add_argument("--nve-ps", type=float, default=1.0)
    ap.add_argument("--densities", type=float, nargs="+", default=[1.0, 1.8])
    ap.add_argument(
        "--nve-only",
        action="store_true",
        help="keep the stored NVT rows; 1 ps NVT then the NVE run",
    )
    args = ap.parse_args()
    if args.nve_only:
        _, start = nvt(args.densities[0], 1.0, args.timestep)
        drift = nve(start, args.nve_ps)
        print(
            f"NVE {args.nve_ps} ps: drift "
            f"{drift['drift_meV_atom_ps']:.4f} meV/atom/ps at "
            f"{drift['mean_temperature_K']:.0f} K"
        )
        old = json.loads(OUT.read_text()) if OUT.is_file() else {"nvt": []}
        OUT.write_text(json.dumps({"nvt": old["nvt"], "nve": drift}, indent=2))
        return
    rows, last = [], None
    for density in args.densities:
        row, final = nvt(density, args.ps, args.timestep)
        rows.append(row)
        last = last if last is not None else final
        print(
            f"NVT 1000 K {row['formula']} at {density} g/cm3, {args.ps} ps: "
            f"{row['state']}, "
            f"min C-C {row['min_cc_distance_A']:.2f} A, isolated C "
            f"{row['isolated_c_start']} -> max {row['isolated_c_max']}, "
            f"{row['ns_per_day']:.2f} ns/day",
            flush=True,
        )
    drift = nve(last, args.nve_ps)
    print(
        f"NVE {args.nve_ps} ps at {drift['timestep_fs']} fs from the "
        f"{args.densities[0]} g/cm3 "
        f"state: drift {drift['drift_meV_atom_ps']:.3f} meV/atom/ps, fluctuation "
        f"{drift['fluctuation_meV_atom']:.3f} meV/atom at "
        f"{drift['mean_temperature_K']:.0f} K"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"nvt": rows, "nve": drift}, indent=2))


if __name__ == "__main__":
    main()
