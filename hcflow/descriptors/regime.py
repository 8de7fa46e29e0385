"""Physical-regime flags of one trajectory: is this the system we mean?

A D can be well measured and still describe another material. Flags (each a
``{"flag", "reason"}`` pair on the trajectory summary's ``regime`` list):
``above_boiling_point``, ``fluid_ions`` and ``small_cell``. Arrhenius fits
leave ``above_boiling_point`` points out and mark the others
(:mod:`hcflow.analysis.arrhenius`).

Details (criteria and thresholds): docs/descriptors.md.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: boiling points at 1 atm, K (CRC Handbook)
BOILING_POINT_K = {"Li": 1615.0, "Na": 1156.0, "K": 1032.0}
#: number density of the liquid metal at its melting point, 1/A^3
LIQUID_DENSITY_A3 = {"Li": 0.0444, "Na": 0.0243, "K": 0.0128}
#: every flag, in the order they are reported
FLAGS = ("above_boiling_point", "fluid_ions", "small_cell")


def _flag(name: str, reason: str) -> dict[str, str]:
    return {"flag": name, "reason": reason}


def regime_flags(
    temperature_K: float | None,
    species: str = "Na",
    void_radius_A: np.ndarray | None = None,
    pore_size_A: np.ndarray | None = None,
    cell_lengths_A: list[float] | None = None,
    min_fluid_ions: int = 4,
    cell_factor: float = 2.0,
) -> list[dict[str, str]]:
    """The regime flags of one trajectory (empty list: none).

    Parameters
    ----------
    temperature_K
        MD temperature (None: not judged).
    species
        Mobile element symbol.
    void_radius_A
        Per ion: radius of the void it sits in (NaN: not in a void); ions with
        the same radius share the void.
    pore_size_A
        Per ion: diameter of the largest carbon-free sphere containing it.
    cell_lengths_A
        Lengths of the three cell vectors.
    min_fluid_ions, cell_factor
        Thresholds (module docstring).
    """
    flags = []
    t_boil = BOILING_POINT_K.get(species)
    if temperature_K is not None and t_boil and float(temperature_K) > t_boil:
        flags.append(
            _flag(
                "above_boiling_point",
                f"T = {float(temperature_K):g} K is above the boiling point of "
                f"{species} at 1 atm ({t_boil:g} K): a vapour-like regime, not "
                "an ion in carbon",
            )
        )
    radii = np.asarray(void_radius_A if void_radius_A is not None else [], float)
    n = len(radii)
    inside = radii[np.isfinite(radii) & (radii > 0)]
    if len(inside):
        values, counts = np.unique(np.round(inside, 6), return_counts=True)
        k = int(np.argmax(counts))
        n_void, r = int(counts[k]), float(values[k])
        density = n_void / (4.0 / 3.0 * math.pi * r**3)
        liquid = LIQUID_DENSITY_A3.get(species, LIQUID_DENSITY_A3["Na"])
        if n_void >= min_fluid_ions and (n_void >= 0.5 * n or density >= 0.5 * liquid):
            flags.append(
                _flag(
                    "fluid_ions",
                    f"{n_void} of {n} {species} share one void (radius {r:.1f} "
                    f"A, {density / liquid:.2g}x the liquid-{species} number "
                    "density): a confined liquid, not ions in hard carbon",
                )
            )
    pores = np.asarray(pore_size_A if pore_size_A is not None else [], float)
    pores = pores[np.isfinite(pores)]
    if cell_lengths_A and len(pores):
        shortest, largest = float(min(cell_lengths_A)), float(pores.max())
        if shortest < cell_factor * largest:
            flags.append(
                _flag(
                    "small_cell",
                    f"shortest cell length {shortest:.1f} A < {cell_factor:g} x "
                    f"the largest pore ({largest:.1f} A): the pore size is set "
                    "by the cell",
                )
            )
    return flags


def regime_of_result(
    result: Any, temperature_K: float | None, species: str
) -> list[dict[str, str]]:
    """:func:`regime_flags` of a descriptor result (``values`` and ``info``)."""
    values = getattr(result, "values", {}) or {}
    info = getattr(result, "info", {}) or {}
    return regime_flags(
        temperature_K,
        species,
        values.get("void_radius_A"),
        values.get("pore_size"),
        info.get("cell_lengths_A"),
    )


def flag_names(regime: list[dict[str, str]] | None) -> list[str]:
    """The flag names of a ``regime`` list (None or empty: none)."""
    return [f.get("flag", "") for f in regime or []]
