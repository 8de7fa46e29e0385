"""Which interlayer term gives hard carbon stacked layers and a (002) peak?

Issue 28 screen. The default melt-quench protocol (REBO-II, melt 6000 K,
anneal 4000 K for 100 ps, cool at 100 K/ps) is run with:

- ``rebo``: REBO-II alone (``interlayer: none``, the protocol before issue 28);
- ``rebo+lj-cool``: REBO-II for melt/quench/anneal, then REBO-II + AIREBO's
  Lennard-Jones term (``airebo 2.5 1 0``, no torsion) for cool, hold and
  the final minimisation;
- ``rebo+lj-quench``: the LJ term from the quench on (anneal included);
- ``rebo+lj-below1500``: the LJ term once the cool reaches 1500 K (the cool
  runs as two ramps: 4000-1500 K with REBO-II, 1500-300 K with the LJ term);

and measures sp/sp2/sp3, the (002) peak of S(q) (d002, prominence, Lc, La:
:mod:`hcflow.structures.xrd`), the stacking distance and stacked share, and
the cost (atom-steps/s per pair style). Kolmogorov-Crespi/ILP/DRIP need layer
labels (molecule IDs); ``fragments`` measures whether labels from connected
sp2 fragments could work: the share of sp2 C in the largest fragment and the
share of stacked sp2 pairs inside one fragment (which KC would not see).

Writes results/screen_potentials.json. Cells are cached by content hash
(``HCFLOW_STRUCTURE_CACHE``), so a rerun only re-analyses. Run (one at a
time, nice): nice -n 10 .venv/bin/python benchmarks/screen_potentials.py \
    --n-carbon 500 --densities 1.0 1.3 [--only rebo+lj-cool]
``--issue15`` reruns the potential/anneal screen of issue 15
(results/meltquench_screening.json).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from hcflow.structures.meltquench import generate_melt_quench, run_melt_quench
from hcflow.structures.validation import validate_structure

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "screen_potentials.json"
CONFIGS = {
    "rebo": {"interlayer": "none"},
    "rebo+lj-cool": {"interlayer": "airebo-lj", "interlayer_from": "cool"},
    "rebo+lj-quench": {"interlayer": "airebo-lj", "interlayer_from": "quench"},
    "rebo+lj-below1500": {
        "interlayer": "airebo-lj",
        "interlayer_from": "cool",
        "interlayer_below_K": 1500.0,
    },
}
ISSUE15_BASE = {
    "interlayer": "none",
    "melt_temperature_K": 6000.0,
    "melt_ps": 5.0,
    "quench_rate_K_per_ps": 1000.0,
    "anneal_temperature_K": 3500.0,
    "anneal_ps": 50.0,
    "cool_rate_K_per_ps": 100.0,
    "final_ps": 2.0,
}
ISSUE15 = [
    {"potential": "tersoff"},
    {"potential": "rebo"},
    {"potential": "lcbop"},
    {"potential": "tersoff", "anneal_ps": 200.0},
    {"potential": "rebo", "anneal_ps": 200.0},
    {"potential": "rebo", "anneal_ps": 100.0, "anneal_temperature_K": 4000.0},
]


def fragments(atoms, cutoff: float = 1.85) -> dict:
    """Connected sp2 fragments: could they serve as KC/ILP layer labels?"""
    from matscipy.neighbours import neighbour_list
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from hcflow.structures.validation import stacking_distance

    n = len(atoms)
    i, j = neighbour_list("ij", atoms, cutoff)
    cn = np.bincount(i, minlength=n)
    sp2 = cn == 3
    keep = sp2[i] & sp2[j]
    g = coo_matrix((np.ones(keep.sum()), (i[keep], j[keep])), shape=(n, n))
    _, label = connected_components(g, directed=False)
    sizes = np.bincount(label[sp2])
    st = stacking_distance(atoms)
    # stacked sp2 pairs (as stacking_distance counts them) in one fragment
    same = _stacked_pairs_same_fragment(atoms, label, cutoff)
    return {
        "n_fragments": int((sizes > 0).sum()),
        "largest_fragment_share_of_sp2": float(sizes.max() / sp2.sum()),
        "stacked_pairs_in_same_fragment": same,
        "stacked_fraction": st["stacked_fraction"],
        "atoms_over_3_neighbours": int((cn > 3).sum()),
    }


def _stacked_pairs_same_fragment(atoms, label, cutoff) -> float | None:
    from matscipy.neighbours import neighbour_list

    i, j, dv = neighbour_list("ijD", atoms, cutoff)
    cn = np.bincount(i, minlength=len(atoms))
    order = np.argsort(i, kind="stable")
    dv = dv[order]
    start = np.concatenate([[0], np.cumsum(cn)])
    nrm = np.full((len(atoms), 3), np.nan)
    for a in np.flatnonzero(cn == 3):
        b = dv[start[a] : start[a] + 3]
        v = np.cross(b[1] - b[0], b[2] - b[0])
        nrm[a] = v / np.linalg.norm(v)
    pi, pj, pd = neighbour_list("ijD", atoms, 5.5)
    ok = np.isfinite(nrm[pi, 0]) & np.isfinite(nrm[pj, 0])
    pi, pj, pd = pi[ok], pj[ok], pd[ok]
    perp = np.abs(np.einsum("ij,ij->i", pd, nrm[pi]))
    lat = np.sqrt(np.maximum((pd**2).sum(1) - perp**2, 0))
    par = np.abs((nrm[pi] * nrm[pj]).sum(1)) >= np.cos(np.radians(30))
    sel = (perp >= 2.8) & (lat <= 1.6) & par
    if not sel.any():
        return None
    return float(np.mean(label[pi[sel]] == label[pj[sel]]))


def _rates(atoms) -> dict:
    """Atom-steps/s per pair style from the stage timings of a cell."""
    n = atoms.info["hcflow"]["n_carbon"]
    acc: dict[str, list[float]] = {}
    for s in atoms.info["hcflow"]["stages"]:
        if s["steps"]:
            a = acc.setdefault(s["potential"], [0.0, 0.0])
            a[0] += s["steps"] * n
            a[1] += s["wall_s"]
    return {k: round(v[0] / v[1]) for k, v in acc.items() if v[1] > 0}


def _state(lc) -> tuple[np.ndarray, np.ndarray]:
    ids = lc.lmp.numpy.extract_atom("id")[: lc.n].copy()
    x = lc.lmp.numpy.extract_atom("x")[: lc.n].copy()
    v = lc.lmp.numpy.extract_atom("v")[: lc.n].copy()
    o = np.argsort(ids)
    return x[o], v[o]


def _restore(lc, state) -> None:
    ids = lc.lmp.numpy.extract_atom("id")[: lc.n].copy() - 1
    lc.lmp.numpy.extract_atom("x")[: lc.n] = state[0][ids]
    lc.lmp.numpy.extract_atom("v")[: lc.n] = state[1][ids]


def branched(n: int, rho: float, seed: int, names: list[str]) -> dict:
    """Cells of several configs that share their first stages, run once.

    The stages before the first one where the configs' pair styles differ
    are run once; each config continues from a copy of that state (positions
    and velocities) with the same stage seeds as ``run_melt_quench``.
    """
    from ase import Atoms

    from hcflow.structures.lammps_engine import LammpsCarbon
    from hcflow.structures.meltquench import (
        check_inputs,
        content_hash,
        initial_positions,
        parse_protocol,
    )
    from hcflow.structures.mq_protocol import STAGES
    from hcflow.units import cubic_cell_length_A

    ps = {k: parse_protocol(CONFIGS[k]) for k in names}
    p0 = ps[names[0]]
    n, rho = check_inputs(n, rho)
    L = cubic_cell_length_A(n, rho)
    rng = np.random.default_rng(seed)
    pos = initial_positions(n, L, p0.start, rng)
    md_seeds = rng.integers(1, 2**31 - 1, 8)
    steps = p0.stage_steps()
    t = (p0.melt_temperature_K, p0.anneal_temperature_K, p0.final_temperature_K)
    temps = dict(
        zip(
            STAGES,
            [(t[0], t[0]), (t[0], t[1]), (t[1], t[1]), (t[1], t[2]), (t[2], t[2])],
            strict=True,
        )
    )
    shared = 0
    while (
        shared < len(STAGES)
        and len({p.stage_potential(STAGES[shared]) for p in ps.values()}) == 1
    ):
        shared += 1
    out = {}
    with LammpsCarbon(pos, [L] * 3, p0.potential, p0.timestep_fs) as lc:
        lc.minimize("start", 200)
        lc.velocities(t[0], int(md_seeds[0]))

        def run(p, k):
            lc.set_potential(p.stage_potential(STAGES[k]))
            a, b = temps[STAGES[k]]
            lc.nvt(
                STAGES[k],
                a,
                b,
                steps[STAGES[k]],
                int(md_seeds[k + 1]),
                p.thermostat_damp_ps,
            )

        for k in range(shared):
            run(p0, k)
        common = list(lc.timings)
        state = _state(lc)
        for name, p in ps.items():
            _restore(lc, state)
            lc.set_potential(p.stage_potential(STAGES[max(shared, 1) - 1]))
            lc.timings = list(common)
            for k in range(shared, len(STAGES)):
                run(p, k)
            lc.set_potential(p.stage_potential("minimize"))
            lc.minimize("minimize")
            x = np.round(np.mod(lc.positions(), L), 5)
            x[x >= L] = 0.0
            atoms = Atoms(["C"] * n, positions=x, cell=[L] * 3, pbc=True)
            stages = [dict(s) for s in lc.timings]
            atoms.info["hcflow"] = {
                "seed": seed,
                "density_g_cm3": rho,
                "n_carbon": n,
                "params": p.model_dump(),
                "content_hash": content_hash(n, rho, seed, p),
                "wall_s": round(sum(s["wall_s"] for s in stages), 1),
                "stages": stages,
                "energy_eV_atom": float(lc.lmp.get_thermo("pe")) / n,
                "branched_after": STAGES[shared - 1] if shared else None,
            }
            out[name] = atoms
    return out


def screen(name: str, n: int, rho: float, seed: int, atoms=None) -> dict:
    t0 = time.perf_counter()
    if atoms is None:
        atoms = generate_melt_quench(n, rho, seed, CONFIGS[name])
    info = atoms.info["hcflow"]
    v = validate_structure(atoms, pore_spacing=None)
    h, x, st = v["hybridisation"], v["d002"], v["stacking"]
    return {
        "config": name,
        "protocol": CONFIGS[name],
        "n_carbon": n,
        "density_g_cm3": rho,
        "seed": seed,
        "content_hash": info["content_hash"],
        "branched_after": info.get("branched_after"),
        "generation_wall_s": info["wall_s"],
        "lookup_wall_s": round(time.perf_counter() - t0, 1),
        "atom_steps_per_s": _rates(atoms),
        "sp": h["sp_fraction"],
        "sp2": h["sp2_fraction"],
        "sp3": h["sp3_fraction"],
        "ring_share_5_6_7": v["rings"]["share_5_6_7"],
        "xrd": {k: x[k] for k in x if k != "experiment"},
        "stacking_A": st["stacking_A"],
        "stacked_fraction": st["stacked_fraction"],
        "fragments": fragments(atoms),
        "energy_eV_atom": info["energy_eV_atom"],
        "meets_targets": bool(
            h["sp2_fraction"] >= 0.85
            and h["sp_fraction"] <= 0.05
            and x["peak_002_visible"]
            and 3.5 <= (x["d002_A"] or 0) <= 4.0
        ),
    }


def issue15() -> None:
    rows = []
    for cfg in ISSUE15:
        proto = {**ISSUE15_BASE, **cfg}
        atoms = run_melt_quench(512, 1.2, 1, proto)
        h = validate_structure(atoms, pore_spacing=None)["hybridisation"]
        rows.append({"config": cfg, "protocol": proto, **h})
        print(json.dumps(rows[-1]), flush=True)
    out = RESULTS / "meltquench_screening.json"
    out.write_text(json.dumps({"n_carbon": 512, "density_g_cm3": 1.2, "rows": rows}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-carbon", type=int, default=500)
    ap.add_argument("--densities", type=float, nargs="+", default=[1.0, 1.3])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", nargs="+", default=None, choices=list(CONFIGS))
    ap.add_argument("--issue15", action="store_true")
    ap.add_argument(
        "--branch",
        action="store_true",
        help="run the shared first stages once (not cached)",
    )
    ap.add_argument("--save-cells", type=Path, default=None)
    args = ap.parse_args()
    if args.issue15:
        return issue15()
    old = json.loads(OUT.read_text()) if OUT.exists() else {"rows": []}
    rows = {
        (r["config"], r["n_carbon"], r["density_g_cm3"], r["seed"]): r
        for r in old["rows"]
    }
    names = args.only or list(CONFIGS)
    for rho in args.densities:
        split = [k for k in names if CONFIGS[k].get("interlayer_below_K")]
        together = [k for k in names if k not in split]  # branched() can't split
        cells = (
            branched(args.n_carbon, rho, args.seed, together)
            if args.branch and together
            else {}
        )
        for name in names:
            if name in cells and args.save_cells:
                from ase.io import write

                args.save_cells.mkdir(parents=True, exist_ok=True)
                write(
                    args.save_cells / f"{name}_{args.n_carbon}_{rho}.extxyz",
                    cells[name],
                )
            r = screen(name, args.n_carbon, rho, args.seed, cells.get(name))
            rows[(name, args.n_carbon, rho, args.seed)] = r
            print(
                json.dumps(
                    {
                        k: r[k]
                        for k in (
                            "config",
                            "density_g_cm3",
                            "sp",
                            "sp2",
                            "stacking_A",
                            "stacked_fraction",
                            "atom_steps_per_s",
                        )
                    }
                ),
                "xrd",
                json.dumps(r["xrd"]),
                flush=True,
            )
            OUT.write_text(
                json.dumps(
                    {
                        "load_average": os.getloadavg()[0],
                        "rows": sorted(
                            rows.values(),
                            key=lambda r: (
                                r["n_carbon"],
                                r["density_g_cm3"],
                                r["config"],
                            ),
                        ),
                    },
                    indent=1,
                )
            )


if __name__ == "__main__":
    main()
