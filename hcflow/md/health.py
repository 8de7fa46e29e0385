"""Is an MD run still sane? Finite energy, forces and positions; no overlaps.

:func:`blow_up_reason` is checked by the runner at every stored frame (and
every ``CHECK_EVERY`` equilibration steps): a run that blows up stops at once
with the reason instead of silently continuing.
"""

from __future__ import annotations

import numpy as np


def min_pair_distance_below(atoms, cutoff: float) -> float | None:
    """The shortest interatomic distance when it is below ``cutoff`` (A), else None."""
    from matscipy.neighbours import neighbour_list

    d = neighbour_list("d", atoms, cutoff)
    return float(d.min()) if len(d) else None


def blow_up_reason(atoms, min_distance: float) -> str | None:
    """Why the run blew up, or None when it is fine."""
    try:
        e = atoms.get_potential_energy()
        f = atoms.get_forces()
    except Exception as exc:  # noqa: BLE001 - a calculator failing = blow-up
        return f"calculator failed: {str(exc).splitlines()[0][:120]}"
    return state_problem(e, f, atoms, min_distance)


def state_problem(energy, forces, atoms, min_distance: float) -> str | None:
    """:func:`blow_up_reason` on an energy and forces already computed."""
    if not np.isfinite(energy) or not np.all(np.isfinite(forces)):
        return "NaN or infinite energy/forces"
    if not np.all(np.isfinite(atoms.positions)):
        return "NaN positions"
    dmin = min_pair_distance_below(atoms, min_distance)
    if dmin is not None:
        return f"atoms overlap ({dmin:.2f} A < {min_distance} A)"
    return None
