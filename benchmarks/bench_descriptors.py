"""Per-ion descriptors: speed, memory, neighbour search, and tracer D vs pymatgen.

System: 2,000 frames x 1,000 atoms (900 C vibrating around random sites at
1.5 g/cm3, 100 Na diffusing, D = 5e-6 cm2/s), frames every 0.1 ps, stored as
a CompactTrajectory blob in a data store (maggma MemoryStore, same JSON blob
as in GridFS) and loaded from there.

Measured:
1. the whole descriptor set (load + structural every 10th frame + dynamic +
   transport: MSD, fit window, GLS fit, interval, verdict, centre-of-mass D);
   target <= 30 s on 2 cores;
   peak memory (tracemalloc peak of the analysis, and process max RSS);
2. the neighbour search behind the structural descriptors, per frame, for
   four libraries (chosen: the padded cKDTree);
3. tracer D of Na from the stored trajectory (load + transport) against
   the route a pymatgen user takes: every frame as a pymatgen Structure into
   ``DiffusionAnalyzer.from_structures`` (default smoothed="max"), and its
   constructor alone given precomputed displacements; ratios printed.
   ``--pmg-frames N`` runs the pymatgen route on the first N frames only (the
   full route takes ~30-60 s on a shared machine) and says so.

Run: .venv/bin/python benchmarks/bench_descriptors.py [--pmg-frames N]
Results: benchmarks/results/descriptors.json
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results" / "descriptors.json"
N_FRAMES, N_C, N_NA, DT = 2000, 900, 100, 0.1
BOX = (N_C * 12.011 * 1.66053906660e-24 / 1.5 / 1e-24) ** (1 / 3)


def md_like(seed: int = 0):
    """Wrapped positions, cells, numbers: vibrating C, diffusing Na."""
    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, BOX, (N_C, 3))
    vib = np.zeros((N_C, 3))
    c = np.empty((N_FRAMES, N_C, 3))
    for f in range(N_FRAMES):
        vib = 0.7 * vib + rng.normal(0, 0.07, vib.shape)
        c[f] = sites + vib
    steps = rng.normal(0, np.sqrt(2 * 0.05 * DT), (N_FRAMES, N_NA, 3))
    steps[0] = 0
    na = rng.uniform(0, BOX, (N_NA, 3)) + np.cumsum(steps, axis=0)
    pos = np.concatenate([c, na], axis=1) % BOX
    cells = np.broadcast_to(np.eye(3) * BOX, (N_FRAMES, 3, 3)).copy()
    return pos, cells, np.array([6] * N_C + [11] * N_NA)


def stored(pos, cells, numbers):
    from maggma.stores import MemoryStore

    from hcflow.md.trajectory import CompactTrajectory, unwrap_positions
    from hcflow.md.trajectory_store import save_trajectory

    traj = CompactTrajectory(
        numbers, unwrap_positions(pos, cells), cells, np.arange(N_FRAMES) * DT
    )
    store = MemoryStore(key="blob_uuid")
    store.connect()
    ref = save_trajectory(traj, store)
    return store, ref


def bench_full(store, ref) -> dict:
    from hcflow.descriptors import compute as comp
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.md.trajectory_store import load_trajectory

    settings = DescriptorSettings()
    t0 = time.perf_counter()
    traj = load_trajectory(ref, store)
    t_load = time.perf_counter() - t0
    res = comp.compute_from_trajectory(traj, settings)
    t_total = time.perf_counter() - t0
    # parts, separately
    from hcflow.descriptors.structural import structural_descriptors

    t1 = time.perf_counter()
    structural_descriptors(traj.positions, traj.cells, traj.numbers, settings)
    t_struct = time.perf_counter() - t1
    tracemalloc.start()
    traj2 = load_trajectory(ref, store)
    comp.compute_from_trajectory(traj2, settings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds_total": t_total,
        "seconds_load": t_load,
        "seconds_structural": t_struct,
        "peak_traced_MB": peak / 2**20,
        "max_rss_MB_after": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "structural_frames": res.info["structural_frames"],
        "pore_status": res.info.get("pore_status"),
        "D_cm2_s": res.collective["D_cm2_s"],
        "D_ci95": [res.collective["D_ci95_low"], res.collective["D_ci95_high"]],
        "D_true_cm2_s": 5e-6,
    }


def bench_neighbours(pos, cells, numbers, n_frames: int = 50) -> dict:
    """Na-centred counts within 3, 4 and 6 A per frame, four ways (ms/frame)."""
    import freud
    from ase import Atoms
    from ase.neighborlist import neighbor_list as ase_nl
    from matscipy.neighbours import neighbour_list as msp_nl

    from hcflow.descriptors.neighbors import PaddedTree

    na, c = numbers == 11, numbers == 6
    frames = range(0, N_FRAMES, N_FRAMES // n_frames)
    out, ref = {}, None

    def timed(name, fn):
        nonlocal ref
        t0 = time.perf_counter()
        counts = [fn(pos[f], cells[f]) for f in frames]
        out[name] = 1000 * (time.perf_counter() - t0) / len(frames)
        if ref is None:
            ref = counts
        else:
            assert all(np.array_equal(a, b) for a, b in zip(ref, counts, strict=True))

    def padded(p, cell):
        tree = PaddedTree(p[c], cell, 6.0)
        return np.stack([tree.count(p[na], r) for r in (3.0, 6.0)])

    def matscipy(p, cell):
        i, j, d = msp_nl("ijd", positions=p, cell=cell, pbc=[1, 1, 1], cutoff=6.0)
        keep = na[i] & c[j]
        return np.stack(
            [np.bincount(i[keep & (d < r)], minlength=len(p))[na] for r in (3.0, 6.0)]
        )

    def ase(p, cell):
        atoms = Atoms(numbers=numbers, positions=p, cell=cell, pbc=True)
        i, j, d = ase_nl("ijd", atoms, 6.0)
        keep = na[i] & c[j]
        return np.stack(
            [np.bincount(i[keep & (d < r)], minlength=len(p))[na] for r in (3.0, 6.0)]
        )

    def freud_q(p, cell):
        box = freud.box.Box.from_matrix(cell.T)
        q = freud.locality.AABBQuery(box, box.wrap(p[c] - BOX / 2))
        pts = box.wrap(p[na] - BOX / 2)
        res = []
        for r in (3.0, 6.0):
            nl = q.query(pts, {"r_max": r, "exclude_ii": False}).toNeighborList()
            res.append(np.bincount(nl.query_point_indices, minlength=na.sum()))
        return np.stack(res)

    timed("padded_ckdtree", padded)
    timed("matscipy_neighbour_list", matscipy)
    timed("freud_aabbquery", freud_q)
    timed("ase_neighbor_list", ase)
    return {"ms_per_frame": out, "frames_timed": len(frames)}


def tracer_d_ours(store, ref) -> tuple[float, float]:
    """Load + drift-correct + MSD + window + GLS fit + interval: tracer D only."""
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.descriptors.transport import analyse_transport
    from hcflow.md.trajectory_store import load_trajectory

    t0 = time.perf_counter()
    traj = load_trajectory(ref, store)
    s = DescriptorSettings()
    win = s.resolve(traj.n_frames, traj.frame_dt_ps)
    pos = traj.positions
    na = traj.numbers == 11
    x = pos[:, na] - (pos[:, ~na] - pos[:1, ~na]).mean(axis=1)[:, None]
    c = analyse_transport(x, win, s).trajectory
    return time.perf_counter() - t0, c["D_cm2_s"]


def bench_pymatgen(pos, cells, numbers, store, ref, pmg_frames: int) -> dict:
    from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer
    from pymatgen.core import Lattice, Structure

    t_ours, d_ours = tracer_d_ours(store, ref)
    n = pmg_frames
    species = ["Na" if z == 11 else "C" for z in numbers]
    t0 = time.perf_counter()
    structures = [
        Structure(Lattice(cells[f]), species, pos[f], coords_are_cartesian=True)
        for f in range(n)
    ]
    t_structs = time.perf_counter() - t0
    da = DiffusionAnalyzer.from_structures(
        structures, "Na", 300, time_step=1, step_skip=int(round(DT * 1000))
    )
    t_route = time.perf_counter() - t0
    del structures
    from hcflow.md.trajectory import unwrap_positions

    un = unwrap_positions(pos[:n], cells[:n])
    disp = np.transpose(un - un[:1], (1, 0, 2))
    t1 = time.perf_counter()
    da2 = DiffusionAnalyzer(
        Structure(Lattice(cells[0]), species, pos[0], coords_are_cartesian=True),
        disp,
        "Na",
        300,
        1,
        int(round(DT * 1000)),
    )
    t_ctor = time.perf_counter() - t1
    return {
        "pymatgen_frames": n,
        "full_size": n == N_FRAMES,
        "hcflow_seconds": t_ours,
        "hcflow_D_cm2_s": d_ours,
        "pymatgen_route_seconds": t_route,
        "pymatgen_structures_seconds": t_structs,
        "pymatgen_D_cm2_s": float(da.diffusivity),
        "pymatgen_constructor_seconds": t_ctor,
        "pymatgen_constructor_D_cm2_s": float(da2.diffusivity),
        "ratio_route_over_hcflow": t_route / t_ours,
        "ratio_constructor_over_hcflow": t_ctor / t_ours,
    }


def bench_accuracy(n_seeds: int = 40) -> dict:
    """Brownian D error and 95 % CI coverage over seeds (default settings)."""
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.descriptors.synthetic import brownian
    from hcflow.descriptors.transport import analyse_transport
    from hcflow.md.trajectory import unwrap_positions

    s, out = DescriptorSettings(), {}
    for n_na, n_frames in ((100, 2000), (400, 800)):
        err, cov, width = [], 0, []
        for seed in range(n_seeds):
            w, _, cells, _ = brownian(
                n_na=n_na, n_c=0, n_frames=n_frames, box=15.0, seed=1000 + seed
            )
            x = unwrap_positions(w, cells)  # wrapped input, as from an MD code
            win = s.resolve(n_frames, 0.1)
            c = analyse_transport(x, win, s).trajectory
            err.append(c["D_cm2_s"] / 5e-6 - 1)
            cov += c["D_ci95_low"] <= 5e-6 <= c["D_ci95_high"]
            width.append((c["D_ci95_high"] - c["D_ci95_low"]) / 5e-6)
        e = np.array(err)
        out[f"{n_na}Na_{n_frames}frames"] = {
            "seeds": n_seeds,
            "mean_error": float(e.mean()),
            "rms_error": float(np.sqrt(np.mean(e**2))),
            "max_abs_error": float(np.abs(e).max()),
            "ci95_coverage": cov / n_seeds,
            "mean_ci95_width_rel": float(np.mean(width)),
        }
    return out


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pmg-frames", type=int, default=N_FRAMES)
    args = parser.parse_args()
    pos, cells, numbers = md_like()
    store, ref = stored(pos, cells, numbers)
    results = {
        "system": {
            "n_frames": N_FRAMES,
            "n_atoms": N_C + N_NA,
            "n_na": N_NA,
            "frame_dt_ps": DT,
            "box_A": BOX,
        },
        "full_descriptors": bench_full(store, ref),
        "neighbour_search": bench_neighbours(pos, cells, numbers),
        "tracer_D": bench_pymatgen(pos, cells, numbers, store, ref, args.pmg_frames),
        "brownian_accuracy": bench_accuracy(),
    }
    f, nb, td = (
        results["full_descriptors"],
        results["neighbour_search"],
        results["tracer_D"],
    )
    print(f"system: {N_FRAMES} frames x {N_C + N_NA} atoms ({N_NA} Na)")
    print(f"{'whole descriptor set':40s} {f['seconds_total']:8.2f} s  (target <= 30 s)")
    print(f"{'  of which load from store':40s} {f['seconds_load']:8.2f} s")
    print(
        f"{'  of which structural (every 10th)':40s} {f['seconds_structural']:8.2f} s"
    )
    print(f"{'peak traced memory of the analysis':40s} {f['peak_traced_MB']:8.0f} MB")
    print(f"{'process max RSS so far':40s} {f['max_rss_MB_after']:8.0f} MB")
    print(
        f"D = {f['D_cm2_s']:.3e} cm2/s, 95% CI "
        f"{f['D_ci95'][0]:.3e}..{f['D_ci95'][1]:.3e} (true 5.000e-06)"
    )
    print("neighbour search, Na-centred counts within 3 and 6 A (ms/frame):")
    for name, ms in nb["ms_per_frame"].items():
        print(f"  {name:38s} {ms:8.2f}")
    size = (
        ""
        if td["full_size"]
        else f" (pymatgen on the first {td['pymatgen_frames']} frames)"
    )
    print(f"tracer D{size}:")
    print(
        f"  {'hcflow (stored trajectory)':38s} {td['hcflow_seconds']:8.2f} s  "
        f"D={td['hcflow_D_cm2_s']:.3e}"
    )
    print(
        f"  {'pymatgen from_structures route':38s} "
        f"{td['pymatgen_route_seconds']:8.2f} s  "
        f"D={td['pymatgen_D_cm2_s']:.3e}  ratio {td['ratio_route_over_hcflow']:.1f}x"
    )
    print(
        f"  {'  of which building Structures':38s} "
        f"{td['pymatgen_structures_seconds']:8.2f} s"
    )
    print(
        f"  {'pymatgen constructor alone':38s} "
        f"{td['pymatgen_constructor_seconds']:8.2f} s  "
        f"D={td['pymatgen_constructor_D_cm2_s']:.3e}  ratio "
        f"{td['ratio_constructor_over_hcflow']:.1f}x"
    )
    print("Brownian tracer D (default settings: auto window, GLS), over seeds:")
    for name, a in results["brownian_accuracy"].items():
        print(
            f"  {name:20s} rms error {100 * a['rms_error']:.1f} %, max "
            f"{100 * a['max_abs_error']:.1f} %, mean {100 * a['mean_error']:+.1f} %, "
            f"CI95 coverage {100 * a['ci95_coverage']:.0f} % "
            f"(width {100 * a['mean_ci95_width_rel']:.0f} % of D)"
        )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    print(f"results -> {OUT}")
    return results


if __name__ == "__main__":
    main()
