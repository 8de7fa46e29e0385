"""One point of a study grid: its seeds, ids, names and settings hash.

A :class:`StudyPoint` is (cell size, density, replica, loading, temperature)
of a :class:`~hcflow.flows.spec.StudySpec`, plus ``source``: the index of a
user structure (``structures:``) when the study runs on its own files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from hcflow.hashing import settings_hash


def loading_label(na_per_c: float) -> str:
    """NaC6 for 1/6, NaC20 for 0.05, else Na0.123C."""
    inv = 1.0 / na_per_c
    if abs(inv - round(inv)) < 0.02 * inv:
        return f"NaC{round(inv)}"
    return f"Na{na_per_c:.3f}C"


def _stable_int(*parts: Any) -> int:
    text = "|".join(str(p) for p in parts)
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


@dataclass(frozen=True)
class StudyPoint:
    """One (cell size, density, replica, loading, temperature) point."""

    spec: Any  # the StudySpec (hcflow.flows.spec imports this module)
    density: float
    na_per_c: float
    temperature: float
    n_carbon: int
    replica: int
    source: int | None = None  # index into spec.structures (user structures)

    @property
    def n_na(self) -> int:
        """Na atoms inserted (rounded)."""
        return int(round(self.na_per_c * self.n_carbon))

    @property
    def structure_seed(self) -> int:
        """Seed of the hard-carbon structure (shared by loadings and T)."""
        seed = self.spec.replica_seed(self.replica)
        return _stable_int("hc", seed, f"{self.density:.4f}", self.n_carbon)

    @property
    def sodiation_seed(self) -> int:
        """Seed of the Na insertion (shared by temperatures)."""
        return _stable_int("na", self.structure_seed, f"{self.na_per_c:.5f}")

    @property
    def md_seed(self) -> int:
        """Seed of the initial velocities and thermostat."""
        return _stable_int("md", self.sodiation_seed, f"{self.temperature:g}")

    @property
    def structure_key(self) -> tuple:
        if self.source is None:
            return (self.n_carbon, round(self.density, 6), self.replica)
        return (self.n_carbon, round(self.density, 6), self.replica, self.source)

    @property
    def sodiation_key(self) -> tuple:
        return (*self.structure_key, round(self.na_per_c, 6))

    @property
    def point_id(self) -> str:
        """Readable, unique id inside a study."""
        return (
            f"rho{self.density:.2f}-na{self.na_per_c:.4f}-T{self.temperature:g}"
            f"-n{self.n_carbon}-r{self.replica}"
            + ("" if self.source is None else f"-s{self.source}")
        )

    def settings(self) -> dict[str, Any]:
        """Everything that decides this point's result."""
        return {
            "density_g_cm3": round(self.density, 6),
            "na_per_c": round(self.na_per_c, 6),
            "temperature_K": float(self.temperature),
            "n_carbon": self.n_carbon,
            "replica": self.replica,
            "structure_seed": self.structure_seed,
            "sodiation_seed": self.sodiation_seed,
            "md_seed": self.md_seed,
            "potential": self.spec.potential,
            "md": self.spec.md.hashed(),
            "structure": self.spec.structure,
            **self.spec.structure_settings(),
            "sodiation": self.spec.sodiation.model_dump(),
            **self.spec.relax_settings(),
            **self.spec.user_structure_settings(self.source),
        }

    @property
    def settings_hash(self) -> str:
        return settings_hash(self.settings())

    @property
    def task_id(self) -> str:
        """Deterministic md_tasks id: one document per (study, point, settings)."""
        return f"{self.spec.id}:{self.point_id}:{self.settings_hash}"

    @property
    def hc_name(self) -> str:
        if self.source is not None:
            return f"structure {self.source} rho={self.density:.2f} n={self.n_carbon}"
        return f"hc rho={self.density:.2f} n={self.n_carbon} r{self.replica}"

    @property
    def na_name(self) -> str:
        return (
            f"na rho={self.density:.2f} {loading_label(self.na_per_c)} "
            f"n={self.n_carbon} r{self.replica}"
        )

    @property
    def md_name(self) -> str:
        return (
            f"md rho={self.density:.2f} {loading_label(self.na_per_c)} "
            f"T={self.temperature:g}K n={self.n_carbon} r{self.replica}"
        )
