"""Physical constants and the one density formula (A, g/cm3, amu).

Every density hcflow reports or targets -- the generator's cell size, the
``density_g_cm3`` of structures and md_tasks documents, the local carbon
density around an ion -- comes from :func:`mass_density_g_cm3`, so they all
use the same constants.
"""

from __future__ import annotations

import numpy as np

AVOGADRO = 6.02214076e23  #: 1/mol
G_PER_AMU = 1.0 / AVOGADRO  #: g per atomic mass unit (molar masses in g/mol)
CM3_PER_A3 = 1e-24
C_MASS_AMU = 12.011  #: molar mass of carbon, g/mol (= ase.data.atomic_masses[6])
CARBON, SODIUM = 6, 11  #: atomic numbers
#: The diffusing ion when nothing names one (hard-carbon anodes: Na).
DEFAULT_MOBILE_SPECIES = "Na"


def species_number(symbol: str, what: str = "mobile_species") -> int:
    """Atomic number of an element symbol (``"Li"``, ``"Na"``, ``"K"``...).

    Raises a one-line HcflowError for anything that is not an element symbol
    (the right spelling is suggested for a wrong case, e.g. ``"na"``).
    """
    from ase.data import atomic_numbers, chemical_symbols

    from hcflow.errors import HcflowError

    if isinstance(symbol, str) and symbol in atomic_numbers and symbol != "X":
        return int(atomic_numbers[symbol])
    hint = ""
    if isinstance(symbol, str) and symbol.strip().capitalize() in chemical_symbols[1:]:
        hint = f" (did you mean {symbol.strip().capitalize()!r}?)"
    raise HcflowError(
        f"unknown {what} {symbol!r}{hint}: give an element symbol such as Li, Na or K"
    )


def mass_density_g_cm3(mass_amu: float | np.ndarray, volume_A3: float | np.ndarray):
    """Density (g/cm3) of ``mass_amu`` atomic mass units in ``volume_A3`` A^3."""
    return mass_amu * G_PER_AMU / (volume_A3 * CM3_PER_A3)


def carbon_mass_amu(n_carbon: int | np.ndarray):
    """Mass of ``n_carbon`` carbon atoms, amu."""
    return n_carbon * C_MASS_AMU


def cell_volume_A3(cell) -> float:
    """Volume of a cell (3x3 rows, A) in A^3 (absolute value)."""
    return abs(float(np.linalg.det(np.asarray(cell, dtype=float))))


def densities_g_cm3(numbers, cell) -> tuple[float, float]:
    """(carbon-framework density, density of all atoms) of one cell, g/cm3."""
    from ase.data import atomic_masses

    from hcflow.errors import HcflowError

    volume = cell_volume_A3(cell)
    if volume <= 0:
        raise HcflowError("cell has zero volume; cannot compute a density")
    numbers = np.asarray(numbers)
    carbon = carbon_mass_amu(int(np.sum(numbers == CARBON)))
    total = float(np.sum(atomic_masses[numbers]))
    return (
        float(mass_density_g_cm3(carbon, volume)),
        float(mass_density_g_cm3(total, volume)),
    )


def cubic_cell_length_A(n_carbon: int, density_g_cm3: float) -> float:
    """Edge (A) of the cubic cell holding ``n_carbon`` C at ``density_g_cm3``."""
    volume_cm3 = n_carbon * C_MASS_AMU / AVOGADRO / density_g_cm3
    return (volume_cm3 * 1e24) ** (1.0 / 3.0)
