"""Hop detection on planted data: the site detector against the old one.

The old detector (before issue 14, copied below for this comparison only):
positions coarse-grained over 1 ps windows; a hop whenever the coarse
position is more than 1.5 A from the running mean of the current site. The
new one: :mod:`hcflow.descriptors.sites` with its default settings.

Planted data (200 ps at 0.1 ps per frame, 20 ions each):

- two-site hoppers (back and forth, residences of ``tau`` x U(0.5, 1.5), jumps
  of 0.2-1 ps, vibration 0.15-0.4 A per coordinate): planted hops vs found;
- rattlers in small closed voids (Brownian, reflected inside 1.0 A), Brownian
  ions in a large closed void (4.5 A) and free Brownian ions, D = 0.05-0.5
  A^2/ps: every hop found is false.

Run: ``.venv/bin/python benchmarks/bench_hops.py`` (about a minute); writes
``benchmarks/results/hops.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hcflow.descriptors.sites import SiteParams, site_descriptors
from hcflow.descriptors.synthetic import confined_brownian, two_site_hoppers

OUT = Path(__file__).parent / "results" / "hops.json"
DT, N, IONS = 0.1, 2000, 20


def old_hops(x: np.ndarray, coarse_ps: float = 1.0, threshold: float = 1.5):
    """Hops per ion by the pre-issue-14 running-mean detector (verbatim logic)."""
    frames = max(1, int(round(coarse_ps / DT)))
    n_win = x.shape[0] // frames
    coarse = x[: n_win * frames].reshape(n_win, frames, *x.shape[1:]).mean(axis=1)
    n_ions = coarse.shape[1]
    hops = np.zeros((n_win, n_ions), bool)
    site_sum, site_n = coarse[0].copy(), np.ones(n_ions)
    skip = np.zeros(n_ions, bool)
    for w in range(1, n_win):
        pos = coarse[w]
        site_sum[skip] = pos[skip]
        site_n[skip] = 1.0
        active = ~skip
        dist = np.linalg.norm(pos - site_sum / site_n[:, None], axis=1)
        hop = active & (dist > threshold)
        stay = active & ~hop
        site_sum[stay] += pos[stay]
        site_n[stay] += 1.0
        hops[w] = hop
        skip = hop
    return hops.sum(axis=0)


def new_hops(x: np.ndarray) -> np.ndarray:
    return site_descriptors(x, DT, SiteParams())[0]["n_hops"]


def main() -> dict:
    out: dict = {"hoppers": [], "no_hops": []}
    cases = [
        (6.0, 2.5, 0.15, 0.2),
        (6.0, 2.5, 0.3, 0.5),
        (6.0, 3.0, 0.4, 1.0),
        (3.0, 2.5, 0.3, 0.5),
        (15.0, 2.5, 0.3, 0.5),
    ]
    for tau, spacing, noise, transit in cases:
        x, truth = two_site_hoppers(
            IONS, tau, N, DT, spacing, noise, transit_ps=transit, seed=1
        )
        planted = int(sum(len(t) for t in truth))
        row = {
            "residence_ps": tau,
            "spacing_A": spacing,
            "noise_A": noise,
            "transit_ps": transit,
            "planted_per_ion": planted / IONS,
            "old_per_ion": float(old_hops(x).mean()),
            "new_per_ion": float(new_hops(x).mean()),
        }
        out["hoppers"].append(row)
        print(row)
    for d in (0.05, 0.1, 0.2, 0.5):
        for kind, x in (
            ("rattler R=1.0 A", confined_brownian(IONS, 1.0, d, N, DT, seed=2)),
            ("large void R=4.5 A", confined_brownian(IONS, 4.5, d, N, DT, seed=3)),
            (
                "free",
                np.cumsum(
                    np.random.default_rng(4).normal(
                        0, np.sqrt(2 * d * DT), (N, IONS, 3)
                    ),
                    axis=0,
                ),
            ),
        ):
            row = {
                "kind": kind,
                "D_A2_ps": d,
                "old_false_per_ion": float(old_hops(x).mean()),
                "new_false_per_ion": float(new_hops(x).mean()),
            }
            out["no_hops"].append(row)
            print(row)
    OUT.write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
