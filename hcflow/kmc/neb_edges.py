"""NEB barriers on the most-visited hops of a site network, beside MD's.

For the ``budget`` hop pairs seen most often in MD, the mobile ion nearest to
the source site in a stored frame is put on that site and moved to the target
(:func:`hcflow.kmc.neb.neb_barrier`); the record holds both barriers: NEB's
(a static, 0 K saddle of one configuration of the host) and the exit barrier
fitted from MD rates for the source site (finite temperature, every host
configuration). A band that fails or does not converge is recorded with its
one-line reason; the network keeps the MD barrier in every case.
"""

from __future__ import annotations

import numpy as np

from hcflow.errors import HcflowError
from hcflow.kmc.from_md import ObservedNetwork
from hcflow.kmc.neb import neb_barrier


def md_barrier_of(site: int, fits: list[dict]) -> float | None:
    """The exit barrier the MD-rate fit gives a site (its own, else pooled)."""
    own = [f for f in fits if f.get("label") == f"site {site}"]
    pooled = [f for f in fits if f.get("label") == "all"]
    chosen = own or pooled
    return float(chosen[0]["barrier_eV"]) if chosen else None


def neb_for_edges(
    obs: ObservedNetwork,
    frame,
    calculator,
    budget: int,
    fits: list[dict],
    mobile_number: int = 11,
    **neb_kwargs,
) -> list[dict]:
    """NEB records of the ``budget`` most-visited hop pairs (see module doc)."""
    if budget <= 0 or len(obs.source) == 0:
        return []
    counts = sum(obs.pair_counts(t) for t in obs.temperatures)
    order = [k for k in np.argsort(-counts, kind="stable") if counts[k] > 0]
    done, out = set(), []
    ions = np.flatnonzero(frame.numbers == mobile_number)
    for k in order:
        a, b = int(obs.source[k]), int(obs.target[k])
        img = tuple(int(v) for v in obs.image[k])
        if (b, a, tuple(-v for v in img)) in done or len(out) >= budget:
            continue
        done.add((a, b, img))
        end = obs.sites[b] + np.asarray(img) @ obs.cell
        atoms = frame.copy()
        d = np.linalg.norm(atoms.positions[ions] - obs.sites[a], axis=1)
        ion = int(ions[int(np.argmin(d))])
        atoms.positions[ion] = obs.sites[a]
        rec = {
            "source": a,
            "target": b,
            "image": list(img),
            "hop_length_A": float(np.linalg.norm(end - obs.sites[a])),
            "hops_seen": int(counts[k]),
            "md_barrier_eV": md_barrier_of(a, fits),
        }
        try:
            r = neb_barrier(atoms, ion, end, calculator, **neb_kwargs)
            rec.update(
                neb_barrier_eV=r.barrier_eV,
                neb_reverse_barrier_eV=r.reverse_barrier_eV,
                converged=r.converged,
                steps=r.steps,
                wall_s=round(r.wall_s, 1),
                note=r.note or "converged",
            )
        except HcflowError as exc:
            rec.update(neb_barrier_eV=None, converged=False, note=str(exc))
        out.append(rec)
    return out
