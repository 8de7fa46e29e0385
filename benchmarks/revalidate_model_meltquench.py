"""Re-validate the shipped MACE model on melt-quench hard carbon with Na.

The shipped model (hcflow-nac-small) was distilled from CHGNet on cells of
the quick domain packer; melt-quench cells are held out by construction.

1. Cells: one melt-quench cell (default protocol, ``--n`` C, seeds 101...)
   per density 0.9 / 1.3 / 1.7 g/cm3, sodiated to Na:C ``--na`` (geometric
   insertion, min Na-C 2.1 A, min Na-Na 2.8 A as in the demo study).
2. NVT stability: hcflow's MD path (``run_md`` with its defaults, FastMACE,
   one torch thread) at each (density, temperature); the 1500 K runs for ``--long-ps``,
   the others for ``--short-ps``. Every stored frame is checked for
   * carbon that left the network: C with no C neighbour within 1.9 A, or in
     a C-C cluster (1.9 A bonds) of fewer than 5 atoms;
   * the closest Na-C distance (must stay >= 1.8 A) and C-C distance;
   * the closest Na-Na distance (``na_na_ok``: >= 2.5 A; for runs stored
     before this check, on the sampled frames only).
3. Forces against CHGNet (the teacher) on ``--frames`` frames per run (from
   its start to its end): MAE and RMSE per force component, eV/A, for all
   atoms, C and Na, and every atom off by more than 10 eV/A.

``--plan 0.9:1500:10 1.3:1500:20 ...`` runs a chosen subset; runs already in
the results file or in the ``--from`` files (same model file, cell, T, length,
step) are kept, not rerun (their sampled frames are in
benchmarks/out/revalidate/<model sha>/). Two processes with their own
``--out`` and ``--plan`` use both cores; a last run with ``--from`` both
files gathers them and compares the forces.

Writes results/model_validation_meltquench.json (``--out``). Run under ``nice``:
    nice -n 5 .venv/bin/python benchmarks/revalidate_model_meltquench.py \
        [--n 130] [--na 0.1] [--long-ps 20] [--short-ps 5] [--timestep 2]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

import hcflow  # noqa: F401

OUT = Path(__file__).parent / "results" / "model_validation_meltquench.json"
FRAMES = Path(__file__).parent / "out" / "revalidate"  # sampled frames (resume)
BOND = 1.9  # A: C-C bond for the network checks
MIN_CLUSTER = 5  # C atoms: smaller C-C clusters have left the network
BIG = 10.0  # eV/A: a force error this large is listed atom by atom
#: A: Na closer than this to another Na has collapsed onto it (Na2 bond 3.08 A,
#: Na metal 3.66 A); not one of the issue's criteria, checked since it failed
MIN_NA_NA = 2.5


def make_cell(density: float, n: int, na: float, seed: int):
    from hcflow.structures.meltquench import generate_melt_quench
    from hcflow.structures.sodiation import sodiate

    c = generate_melt_quench(n, density, seed)
    return sodiate(c, na, seed=seed, min_na_c=2.1, min_na_na=2.8), c.info["hcflow"]


def network_checks(atoms) -> dict:
    """Left-network C count and closest Na-C / C-C distances (A)."""
    from matscipy.neighbours import neighbour_list
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    c = atoms[atoms.numbers == 6]
    i, j, d = neighbour_list("ijd", c, BOND)
    n = len(c)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    left = int(np.sum(sizes[labels] < MIN_CLUSTER))
    na_c = na_na = float("inf")
    if np.any(atoms.numbers == 11):
        ii, jj, dd = neighbour_list("ijd", atoms, 4.0)
        na = atoms.numbers[ii] == 11
        m = na & (atoms.numbers[jj] == 6)
        na_c = float(dd[m].min()) if m.any() else float("inf")
        m = na & (atoms.numbers[jj] == 11)
        na_na = float(dd[m].min()) if m.any() else float("inf")
    return {
        "c_left_network": left,
        "min_na_c_A": na_c,
        "min_na_na_A": na_na,
        "min_cc_A": float(d.min()) if len(d) else float("inf"),
    }


def force_errors(frames, mace, chgnet) -> dict:
    """Force errors vs the teacher: all atoms, per species, and the atoms
    where the two disagree by more than ``BIG`` eV/A (with their closest
    carbon distance)."""
    from matscipy.neighbours import neighbour_list

    diffs: dict[str, list] = {"all": [], "C": [], "Na": []}
    big = []
    for k, f in enumerate(frames):
        a = f.copy()
        a.calc = mace
        fm = a.get_forces()
        a.calc = chgnet
        fc = a.get_forces()
        d = fm - fc
        diffs["all"].append(d.ravel())
        for sym, z in (("C", 6), ("Na", 11)):
            diffs[sym].append(d[a.numbers == z].ravel())
        norm = np.linalg.norm(d, axis=1)
        if np.any(norm > BIG):
            i, j, dist = neighbour_list("ijd", a, 4.0)
            for atom in np.flatnonzero(norm > BIG):
                m = (i == atom) & (a.numbers[j] == 6)
                big.append(
                    {
                        "frame": k,
                        "symbol": a.get_chemical_symbols()[atom],
                        "error_eV_A": float(norm[atom]),
                        "chgnet_eV_A": float(np.linalg.norm(fc[atom])),
                        "mace_eV_A": float(np.linalg.norm(fm[atom])),
                        "closest_c_A": float(dist[m].min()) if m.any() else None,
                    }
                )
    out = {
        "n_frames": len(frames),
        "n_atoms_total": int(sum(len(f) for f in frames)),
        "big_error_threshold_eV_A": BIG,
        "atoms_with_big_error": big,
    }
    for key, parts in diffs.items():
        d = np.concatenate(parts)
        tag = "" if key == "all" else f"_{key}"
        out[f"force_mae{tag}_eV_A"] = float(np.abs(d).mean())
        out[f"force_rmse{tag}_eV_A"] = float(np.sqrt((d**2).mean()))
    return out


def model_sha(spec: str) -> str:
    """The model file's sha256, first 12 hex (hcflow's ``file_hash``)."""
    from hcflow.potentials import resolve_potential

    return resolve_potential(spec).as_dict()["file_hash"][:12]


def _plan(args) -> list[tuple[float, float, float]]:
    """(density, temperature, ps) runs: --plan entries or the full grid."""
    if args.plan:
        out = []
        for item in args.plan:
            rho, temp, ps = (float(x) for x in item.split(":"))
            out.append((rho, temp, ps))
        return out
    hot = max(args.temperatures)
    return [
        (rho, t, args.long_ps if t == hot else args.short_ps)
        for rho in args.densities
        for t in args.temperatures
    ]


def main() -> None:
    from ase.io import read, write

    from hcflow.md.runner import run_md
    from hcflow.potentials import get_calculator

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=130)
    ap.add_argument("--na", type=float, default=0.1)
    ap.add_argument("--densities", type=float, nargs="+", default=[0.9, 1.3, 1.7])
    ap.add_argument("--temperatures", type=float, nargs="+", default=[600, 1000, 1500])
    ap.add_argument("--long-ps", type=float, default=20.0)
    ap.add_argument("--short-ps", type=float, default=5.0)
    ap.add_argument(
        "--plan", nargs="+", default=None, help="runs as DENSITY:T:PS (overrides)"
    )
    ap.add_argument("--timestep", type=float, default=2.0)
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--model", default="hcflow-nac-small")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--from", dest="sources", type=Path, nargs="*", default=[])
    args = ap.parse_args()
    sha = model_sha(args.model)
    frames_dir = FRAMES / sha
    frames_dir.mkdir(parents=True, exist_ok=True)
    old = []
    for source in [args.out, *args.sources]:
        if source.is_file():
            old += [
                r
                for r in json.loads(source.read_text()).get("nvt", [])
                if r.get("model_sha") == sha
            ]
    runs = []
    seeds = {rho: 101 + k for k, rho in enumerate(sorted(args.densities))}
    for rho, temp, ps in _plan(args):
        seed = seeds.get(rho, 101)
        cell, info = make_cell(rho, args.n, args.na, seed)
        frames_file = frames_dir / f"frames_{rho:.2f}_{temp:.0f}_{ps:g}.extxyz"
        done = [
            r
            for r in old
            if (r["density_g_cm3"], r["temperature_K"], r["ps"], r["timestep_fs"])
            == (rho, temp, ps, args.timestep)
            and r["structure_hash"] == info["content_hash"]
        ]
        if done:  # resume: keep the stored run
            runs.append(done[0])
            print(f"rho={rho} T={temp:.0f} K {ps} ps: stored", flush=True)
            continue
        n_steps = int(round(ps * 1000 / args.timestep))
        interval = max(1, n_steps // 50)
        t0 = time.perf_counter()
        md = {
            "timestep_fs": args.timestep,
            "production_steps": n_steps,
            "frame_interval": interval,
            "equilibration_steps": 0,
            "threads": 1,
        }
        res = run_md(cell, args.model, md, temp, seed=7, progress=False)
        wall = time.perf_counter() - t0
        frames = list(res.trajectory.iter_ase(wrap=True))
        checks = [network_checks(f) for f in frames]
        start = network_checks(cell)
        row = {
            "density_g_cm3": rho,
            "temperature_K": temp,
            "formula": cell.get_chemical_formula(),
            "n_atoms": len(cell),
            "structure_hash": info["content_hash"],
            "model_sha": sha,
            "ps": ps,
            "timestep_fs": args.timestep,
            "state": res.state,
            "reason": res.reason,
            "frames_checked": len(frames),
            "c_left_network_start": start["c_left_network"],
            "c_left_network_max": max(c["c_left_network"] for c in checks),
            "min_na_c_A": min(c["min_na_c_A"] for c in checks),
            "min_na_na_A": min(c["min_na_na_A"] for c in checks),
            "min_cc_A": min(c["min_cc_A"] for c in checks),
            "wall_s": round(wall, 1),
        }
        row["stable"] = bool(
            res.state == "successful"
            and row["c_left_network_max"] <= row["c_left_network_start"]
            and row["min_na_c_A"] >= 1.8
        )
        row["na_na_ok"] = bool(row["min_na_na_A"] >= MIN_NA_NA)
        runs.append(row)
        pick = np.linspace(0, len(frames) - 1, args.frames).round().astype(int)
        write(frames_file, [frames[i] for i in sorted(set(pick))])
        print(
            f"rho={rho} T={temp:.0f} K {ps} ps ({row['formula']}): {res.state}, "
            f"C left network {row['c_left_network_start']} -> max "
            f"{row['c_left_network_max']}, min Na-C {row['min_na_c_A']:.2f} A, "
            f"min C-C {row['min_cc_A']:.2f} A, stable={row['stable']} "
            f"[{wall:.0f} s]",
            flush=True,
        )
        args.out.write_text(json.dumps({"nvt": runs}, indent=1))
    sampled = []
    for (rho, temp, ps), row in zip(_plan(args), runs, strict=True):
        f = frames_dir / f"frames_{rho:.2f}_{temp:.0f}_{ps:g}.extxyz"
        if f.is_file():
            frames = read(f, index=":")
            sampled += frames
            if "min_na_na_A" not in row:  # runs stored before this check
                close = min(network_checks(a)["min_na_na_A"] for a in frames)
                row["min_na_na_sampled_A"] = close
                row["na_na_ok"] = bool(close >= MIN_NA_NA)
    mace = get_calculator(args.model)
    chgnet = get_calculator("chgnet")
    errs = force_errors(sampled, mace, chgnet)
    print(
        f"forces vs CHGNet on {errs['n_frames']} held-out melt-quench frames: "
        f"MAE {errs['force_mae_eV_A']:.3f} eV/A, RMSE {errs['force_rmse_eV_A']:.3f}"
        f" (C {errs['force_mae_C_eV_A']:.3f} / {errs['force_rmse_C_eV_A']:.3f}, Na "
        f"{errs['force_mae_Na_eV_A']:.3f} / {errs['force_rmse_Na_eV_A']:.3f}); "
        f"{len(errs['atoms_with_big_error'])} atoms off by > {BIG:g} eV/A"
    )
    from hcflow.potentials import resolve_potential

    meta = resolve_potential(args.model).as_dict().get("metadata") or {}
    args.out.write_text(
        json.dumps(
            {
                "model": args.model,
                "model_sha": sha,
                "distillation_test_force_mae_eV_A": (
                    meta.get("validation", {}).get("force_mae_eV_A")
                ),
                "load_average_end": os.getloadavg()[0],
                "args": vars(args),
                "nvt": runs,
                "forces_vs_chgnet": errs,
            },
            indent=1,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
