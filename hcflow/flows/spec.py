"""The study file: a grid of densities x Na loadings x temperatures x replicas.

A study is a YAML file read into :class:`StudySpec` (unknown keys are an error
that names the key; an empty grid is an error). Each grid point is a
:class:`StudyPoint` with a readable ``point_id`` and a ``settings_hash`` over
everything that changes its result (potential, MD settings, structure and
sodiation parameters, the point's own values and seeds); the study id is not
part of the hash. ``hcflow study run`` skips points whose md_tasks document
with the same study id, point id and settings hash already exists.

Units: g/cm3 (density), Na:C atom ratio (loading), K, fs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hcflow.errors import HcflowError
from hcflow.schemas.common import settings_hash
from hcflow.structures.meltquench import MeltQuenchProtocol


class MDSettings(BaseModel):
    """MD settings shared by every point of a study."""

    model_config = ConfigDict(extra="forbid")

    timestep_fs: float = Field(1.0, gt=0, le=10, description="Time step, fs.")
    equilibration_steps: int = Field(
        1000, ge=0, description="NVT steps before production (not stored)."
    )
    production_steps: int = Field(10000, ge=1, description="Production MD steps.")
    frame_interval: int = Field(10, ge=1, description="Steps between stored frames.")
    ensemble: Literal["nvt", "nve"] = Field("nvt", description="Ensemble.")
    threads: int | None = Field(
        None,
        ge=1,
        description="torch threads per MD job (null: all cores). Not part of the "
        "settings hash. 1 is far faster on small cells or shared cores.",
    )


class SodiationSettings(BaseModel):
    """Sodiation parameters shared by every point (see hcflow.structures.sodiation)."""

    model_config = ConfigDict(extra="forbid")

    min_na_c: float = Field(2.3, gt=0, description="Minimum Na-C distance, A.")
    min_na_na: float = Field(3.0, gt=0, description="Minimum Na-Na distance, A.")
    spacing: float = Field(0.4, gt=0, description="Candidate-site grid spacing, A.")
    mode: Literal["largest", "random", "energy"] = Field(
        "largest",
        description="largest: biggest empty space first; random; energy: lowest "
        "MLIP insertion energy first (the study's potential scores the sites).",
    )


class StudySpec(BaseModel):
    """A transport study: the grid, the potential and the MD settings."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Human-readable study name.")
    study_id: str | None = Field(
        None, description="Id stored in every document (default: slug of name)."
    )
    description: str = Field("", description="Free text.")
    densities: list[float] = Field(description="Carbon densities, g/cm3.")
    na_per_c: list[float] = Field(description="Na:C atom ratios, e.g. 0.1667.")
    temperatures: list[float] = Field(description="MD temperatures, K.")
    replicas: int = Field(1, ge=1, le=100, description="Independent replicas.")
    n_carbon: list[int] = Field(description="Carbon atoms per cell (cell sizes).")
    potential: str | dict[str, Any] = Field(
        "hcflow-nac-small",
        description="Potential spec: shipped model name, model file path, MACE-MP "
        "name, 'chgnet', or an ASE calculator dict (see hcflow.potentials).",
    )
    md: MDSettings = Field(default_factory=MDSettings, description="MD settings.")
    seed: int = Field(0, ge=0, description="Base seed of every random choice.")
    seeds: list[int] | None = Field(
        None, description="Explicit seed per replica (overrides seed)."
    )
    structure: dict[str, Any] = Field(
        default_factory=dict, description="Extra generate_hard_carbon parameters."
    )
    structure_method: Literal["md", "quick"] = Field(
        "md",
        description="md: melt-quench-anneal on LAMMPS (protocol in 'meltquench'); "
        "quick: the domain packer (parameters in 'structure').",
    )
    meltquench: MeltQuenchProtocol = Field(
        default_factory=MeltQuenchProtocol,
        description="Melt-quench-anneal protocol (hcflow.structures.meltquench).",
    )
    sodiation: SodiationSettings = Field(
        default_factory=SodiationSettings, description="Sodiation parameters."
    )
    pore_spacing: float | None = Field(
        0.5,
        description="Grid of the pore statistics in structure docs, A (null: none).",
    )
    tags: list[str] = Field(default_factory=list, description="Tags on every doc.")

    @field_validator("n_carbon", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, int | float) else v

    @field_validator("densities")
    @classmethod
    def _check_densities(cls, v):
        for d in v:
            if not 0.3 <= d <= 3.0:
                raise ValueError(f"density {d} outside 0.3-3.0 g/cm3")
        return v

    @field_validator("na_per_c")
    @classmethod
    def _check_loadings(cls, v):
        for x in v:
            if not 0 < x <= 1.0:
                raise ValueError(f"Na:C ratio {x} outside (0, 1]")
        return v

    @field_validator("temperatures")
    @classmethod
    def _check_temperatures(cls, v):
        for t in v:
            if not 0 < t <= 5000:
                raise ValueError(f"temperature {t} outside (0, 5000] K")
        return v

    @field_validator("n_carbon")
    @classmethod
    def _check_ncarbon(cls, v):
        for n in v:
            if not 8 <= n <= 200_000:
                raise ValueError(f"n_carbon {n} outside 8-200000")
        return v

    @property
    def id(self) -> str:
        """The study id (explicit, or a slug of the name)."""
        if self.study_id:
            return self.study_id
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", self.name.strip()).strip("-").lower()

    def structure_settings(self) -> dict[str, Any]:
        """What decides the structures besides the grid values (for hashes)."""
        if self.structure_method == "quick":
            return {"structure_method": "quick"}
        return {"structure_method": "md", "meltquench": self.meltquench.hashed()}

    def replica_seed(self, replica: int) -> int:
        """Seed of one replica."""
        if self.seeds is not None:
            return int(self.seeds[replica])
        return int(self.seed) + 1000 * replica

    def points(self) -> list[StudyPoint]:
        """Every grid point, in a stable order."""
        pts = []
        for n_c in self.n_carbon:
            for rho in self.densities:
                for r in range(self.replicas):
                    for x in self.na_per_c:
                        for t in self.temperatures:
                            pts.append(StudyPoint(self, rho, x, t, n_c, r))
        return pts


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

    spec: StudySpec
    density: float
    na_per_c: float
    temperature: float
    n_carbon: int
    replica: int

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
        return (self.n_carbon, round(self.density, 6), self.replica)

    @property
    def sodiation_key(self) -> tuple:
        return (*self.structure_key, round(self.na_per_c, 6))

    @property
    def point_id(self) -> str:
        """Readable, unique id inside a study."""
        return (
            f"rho{self.density:.2f}-na{self.na_per_c:.4f}-T{self.temperature:g}"
            f"-n{self.n_carbon}-r{self.replica}"
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
            "md": self.spec.md.model_dump(exclude={"threads"}),
            "structure": self.spec.structure,
            **self.spec.structure_settings(),
            "sodiation": self.spec.sodiation.model_dump(),
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


def _pretty_loc(loc: tuple) -> str:
    return ".".join(str(x) for x in loc if not isinstance(x, int)) or "study"


def parse_study(raw: Any, source: str = "study") -> StudySpec:
    """A StudySpec from a dict; one-line HcflowError on bad input."""
    if not isinstance(raw, dict):
        raise HcflowError(f"{source}: a study file must be a YAML mapping")
    try:
        spec = StudySpec(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _pretty_loc(err["loc"])
        if err["type"] == "extra_forbidden":
            raise HcflowError(f"{source}: unknown key {where!r}") from None
        if err["type"] == "missing":
            raise HcflowError(f"{source}: missing required key {where!r}") from None
        msg = err["msg"].removeprefix("Value error, ")
        raise HcflowError(f"{source}: bad value for {where!r}: {msg}") from None
    for key in ("densities", "na_per_c", "temperatures", "n_carbon"):
        if not getattr(spec, key):
            raise HcflowError(f"{source}: empty grid: {key!r} has no values")
    if spec.seeds is not None and len(spec.seeds) != spec.replicas:
        raise HcflowError(
            f"{source}: seeds has {len(spec.seeds)} values for {spec.replicas} replicas"
        )
    for p in spec.points():
        if p.n_na < 1:
            raise HcflowError(
                f"{source}: Na:C={p.na_per_c} with n_carbon={p.n_carbon} gives no Na "
                "atom; raise the loading or the cell size"
            )
    if spec.structure_method == "md" and spec.structure:
        raise HcflowError(
            f"{source}: 'structure' holds quick-packer parameters; with "
            "structure_method: md set the protocol under 'meltquench'"
        )
    if spec.structure_method == "md":
        from hcflow.structures.meltquench import check_inputs

        for n_c in spec.n_carbon:
            for rho in spec.densities:
                try:
                    check_inputs(n_c, rho)
                except HcflowError as exc:
                    raise HcflowError(f"{source}: {exc}") from None
    ids = [p.point_id for p in spec.points()]
    if len(set(ids)) != len(ids):
        raise HcflowError(f"{source}: grid has duplicate points")
    return spec


def load_study(path: str | Path) -> StudySpec:
    """Read a study YAML file."""
    path = Path(path)
    if not path.is_file():
        raise HcflowError(f"study file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        line = str(exc).replace("\n", " ")[:150]
        raise HcflowError(f"study file {path} is not valid YAML: {line}") from None
    return parse_study(raw, source=str(path))


def check_potential(spec: StudySpec, local: bool = True) -> None:
    """One-line error when the potential spec cannot be resolved.

    ``local=False`` (a submission): a file path is not checked, it only has to
    exist on the worker.
    """
    from hcflow.potentials import resolve_potential

    pot = spec.potential
    if not local and isinstance(pot, str) and ("/" in pot or pot.endswith(".model")):
        return
    resolve_potential(pot)


def check_loadings(spec: StudySpec) -> None:
    """Build every structure of the study and insert its largest Na loading.

    Runs the same pure, seeded functions the structure jobs run (hard-carbon
    generation, then sodiation), so a loading that cannot fit is a one-line
    HcflowError before anything is submitted. Seconds for small cells.
    With ``structure_method: md`` only the cells already stored (library or
    cache, by content hash) are checked: MD is not run here.
    """
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    by_structure: dict[tuple, StudyPoint] = {}
    for p in spec.points():
        best = by_structure.get(p.structure_key)
        if best is None or p.na_per_c > best.na_per_c:
            by_structure[p.structure_key] = p
    for p in by_structure.values():
        try:
            if spec.structure_method == "md":  # only cells already generated
                from hcflow.structures.library import lookup
                from hcflow.structures.meltquench import content_hash

                atoms = lookup(
                    content_hash(
                        p.n_carbon, p.density, p.structure_seed, spec.meltquench
                    )
                )
                if atoms is None:
                    continue
            else:
                atoms = generate_hard_carbon(
                    p.n_carbon, p.density, seed=p.structure_seed, **spec.structure
                )
            sod = spec.sodiation.model_dump()
            if sod["mode"] == "energy":  # capacity check without the MLIP
                sod["mode"] = "largest"
            sodiate(atoms, p.na_per_c, seed=p.sodiation_seed, **sod)
        except HcflowError as exc:
            raise HcflowError(
                f"point rho={p.density:g} n_carbon={p.n_carbon} r{p.replica}: {exc}"
            ) from None
        except TypeError as exc:
            raise HcflowError(f"bad structure/sodiation parameter: {exc}") from None
