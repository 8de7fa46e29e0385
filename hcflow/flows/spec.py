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

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator

from hcflow.errors import HcflowError
from hcflow.flows.study_point import StudyPoint, loading_label
from hcflow.inputs import StrictModel, parse_model, read_yaml_file
from hcflow.limits import (
    MAX_DENSITY_G_CM3,
    MAX_N_CARBON,
    MAX_NA_PER_C,
    MAX_STUDY_POINTS,
    MAX_TEMPERATURE_K,
    MIN_DENSITY_G_CM3,
    MIN_STUDY_N_CARBON,
)
from hcflow.md.settings import MDSettings
from hcflow.structures.meltquench import MeltQuenchProtocol, check_inputs
from hcflow.structures.relax import RelaxSettings
from hcflow.structures.sodiation import SodiationSettings
from hcflow.structures.user import UserStructure
from hcflow.units import species_number

__all__ = [
    "MDSettings",
    "SodiationSettings",
    "StudyPoint",
    "StudySpec",
    "load_study",
    "loading_label",
    "parse_study",
]


#: grid key -> (name, unit, low, high, low end open) from hcflow.limits
_GRID_LIMITS = {
    "densities": ("density", " g/cm3", MIN_DENSITY_G_CM3, MAX_DENSITY_G_CM3, False),
    "na_per_c": ("Na:C ratio", "", 0, MAX_NA_PER_C, True),
    "temperatures": ("temperature", " K", 0, MAX_TEMPERATURE_K, True),
    "n_carbon": ("n_carbon", "", MIN_STUDY_N_CARBON, MAX_N_CARBON, False),
}


#: study ids: they name checkpoint folders, so no path separators or '..'
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class StudySpec(StrictModel):
    """A transport study: the grid, the potential and the MD settings."""

    name: str = Field(description="Human-readable study name.")
    study_id: str | None = Field(
        None, description="Id stored in every document (default: slug of name)."
    )
    description: str = Field("", description="Free text.")
    densities: list[float] = Field(
        default_factory=list,
        description="Carbon densities, g/cm3 (with 'structures': read from the "
        "files; if given, one per structure, checked against the file).",
    )
    na_per_c: list[float] = Field(description="Na:C atom ratios, e.g. 0.1667.")
    temperatures: list[float] = Field(description="MD temperatures, K.")
    mobile_species: str = Field(
        "Na",
        description="Diffusing ion. Studies build Na in hard carbon only (the "
        "structure and sodiation code is Na-only); trajectories of other ions "
        "come in through `hcflow ingest` with mobile_species in the metadata.",
    )
    replicas: int = Field(1, ge=1, le=100, description="Independent replicas.")
    n_carbon: list[int] = Field(
        default_factory=list,
        description="Carbon atoms per cell (cell sizes; with 'structures': "
        "read from the files).",
    )
    structures: list[UserStructure] | None = Field(
        None,
        description="Your own structures instead of generated ones: files "
        "(CIF, POSCAR, extxyz; relative to the study file) or {file, sodiate} "
        "(sodiate: true, false or a Na count; hcflow.structures.user).",
    )
    potential: str | dict[str, Any] = Field(
        "hcflow-nac-small",
        description="Potential spec: shipped model name, model file path, MACE-MP "
        "name, 'chgnet', or a dict naming an allow-listed ASE calculator class "
        "(hcflow.potentials.ALLOWED_CALCULATORS).",
    )
    md: MDSettings = Field(default_factory=MDSettings, description="MD settings.")
    batch: Literal["auto", "off"] = Field(
        "auto",
        description="auto: MD points of small cells run batched, several cells "
        "per job and one model call per step, where that was measured faster "
        "(hcflow.md.batch_plan.plan_batches: on a CPU cells under 200 atoms, up "
        "to 1,000 atoms per batch; on a GPU every cell); off: one MD job per "
        "point. Same results either way (float32 round-off); not hashed.",
    )
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
    relax: RelaxSettings = Field(
        default_factory=RelaxSettings,
        description="MLIP relaxation (FIRE, fixed cell) of the host and the "
        "sodiated cell before Na MD; {steps: 0}: none (hashed only when on).",
    )
    pore_spacing: float | None = Field(
        0.5,
        description="Grid of the pore statistics in structure docs, A (null: none).",
    )
    tags: list[str] = Field(default_factory=list, description="Tags on every doc.")

    _cells: list[dict] | None = PrivateAttr(None)
    _base: Path | None = PrivateAttr(None)

    @field_validator("structures", mode="before")
    @classmethod
    def _entries(cls, v):
        if isinstance(v, list):
            return [{"file": e} if isinstance(e, str) else e for e in v]
        return v

    @field_validator("study_id")
    @classmethod
    def _safe_id(cls, value: str | None) -> str | None:
        # the id names folders (checkpoints) and documents: a safe name only
        if value is not None and not SAFE_ID.fullmatch(value):
            raise ValueError(
                "must be 1-64 letters, digits, '_', '-' or '.', starting with a "
                "letter or digit (it names folders)"
            )
        return value

    @field_validator("n_carbon", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, int | float) else v

    @field_validator("potential")
    @classmethod
    def _allowed_potential(cls, value):
        """A calculator dict must name an allow-listed class (nothing imported)."""
        if isinstance(value, dict):
            from hcflow.potentials import check_calculator_dict

            try:
                check_calculator_dict(value)
            except HcflowError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("densities", "na_per_c", "temperatures", "n_carbon")
    @classmethod
    def _in_limits(cls, values, info):
        what, unit, lo, hi, open_lo = _GRID_LIMITS[info.field_name]
        for v in values:
            if not ((lo < v) if open_lo else (lo <= v)) or not v <= hi:
                low = f"({lo}" if open_lo else f"{lo}"
                raise ValueError(f"{what} {v} outside {low}-{hi}{unit}")
        return values

    @field_validator("mobile_species")
    @classmethod
    def _na_only(cls, value: str) -> str:
        species_number(value)  # unknown symbol: its own one-line error
        if value != "Na":
            raise HcflowError(
                f"mobile_species {value!r}: studies build Na in hard carbon only; "
                "ingest trajectories of other ions with `hcflow ingest` "
                f"(metadata mobile_species: {value})"
            )
        return value

    @property
    def id(self) -> str:
        """The study id (explicit, or a slug of the name)."""
        if self.study_id:
            return self.study_id
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.name.strip()).strip("-.").lower()
        return slug[:64] or "study"

    def structure_settings(self) -> dict[str, Any]:
        """What decides the structures besides the grid values (for hashes)."""
        if self.structure_method == "quick":
            return {"structure_method": "quick"}
        return {"structure_method": "md", "meltquench": self.meltquench.hashed()}

    def relax_settings(self) -> dict[str, Any]:
        """The MLIP relaxation for hashes: nothing when off (older hashes)."""
        return {"relax": self.relax.model_dump()} if self.relax.enabled else {}

    def user_cells(self) -> list[dict]:
        """The checked cells of ``structures`` (read once; hcflow.structures.user)."""
        from hcflow.structures.user import read_user_cell

        if self._cells is None:
            self._cells = [read_user_cell(e, self._base) for e in self.structures or []]
        return self._cells

    def user_structure_settings(self, source: int | None) -> dict[str, Any]:
        """A user structure's content key and sodiation choice (for hashes)."""
        if source is None:
            return {}
        entry = self.structures[source]
        return {"user_structure": [self.user_cells()[source]["key"], entry.sodiate]}

    def replica_seed(self, replica: int) -> int:
        """Seed of one replica."""
        if self.seeds is not None:
            return int(self.seeds[replica])
        return int(self.seed) + 1000 * replica

    def points(self) -> list[StudyPoint]:
        """Every grid point, in a stable order."""
        pts = []
        if self.structures:
            from hcflow.structures.user import loadings

            cells = self.user_cells()
            for i, (e, c) in enumerate(zip(self.structures, cells, strict=True)):
                rho, n_c = round(c["density_g_cm3"], 6), c["n_carbon"]
                for r in range(self.replicas):
                    for x in loadings(e, c, self.na_per_c):
                        for t in self.temperatures:
                            pts.append(StudyPoint(self, rho, x, t, n_c, r, i))
            return pts
        for n_c in self.n_carbon:
            for rho in self.densities:
                for r in range(self.replicas):
                    for x in self.na_per_c:
                        for t in self.temperatures:
                            pts.append(StudyPoint(self, rho, x, t, n_c, r))
        return pts


def parse_study(raw: Any, source: str = "study", base: Path | None = None) -> StudySpec:
    """A StudySpec from a dict; one-line HcflowError on bad input.

    ``base``: the folder relative ``structures`` files are read from (the
    study file's; None: the working directory).
    """
    if not isinstance(raw, dict):
        raise HcflowError(f"{source}: a study file must be a YAML mapping")
    spec = parse_model(StudySpec, raw, source)
    spec._base = base
    grid = ("densities", "na_per_c", "temperatures", "n_carbon")
    for key in grid[1:3] if spec.structures else grid:
        if not getattr(spec, key):
            raise HcflowError(f"{source}: empty grid: {key!r} has no values")
    if spec.seeds is not None and len(spec.seeds) != spec.replicas:
        raise HcflowError(
            f"{source}: seeds has {len(spec.seeds)} values for {spec.replicas} replicas"
        )
    n_points = spec.replicas * len(spec.n_carbon) * len(spec.densities)
    if spec.structures:
        n_points = spec.replicas * len(spec.structures)
    n_points *= len(spec.na_per_c) * len(spec.temperatures)
    if n_points > MAX_STUDY_POINTS:  # counted before any point is built
        raise HcflowError(
            f"{source}: {n_points:,} grid points; the limit is "
            f"{MAX_STUDY_POINTS:,} (split it into several studies)"
        )
    if spec.structures:
        _check_user_structures(spec, source)
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
    if spec.structure_method == "md" and not spec.structures:
        _check_potential_files(spec.meltquench, source)
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
    raw = read_yaml_file(path, "study file")
    return parse_study(raw, source=str(path), base=Path(path).resolve().parent)


def _check_potential_files(p: MeltQuenchProtocol, source: str) -> None:
    """The LAMMPS files of the protocol (interlayer term included) exist."""
    from hcflow.structures.lammps_engine import checked_potential_dir

    try:
        for name in {p.potential, p.stage_potential("minimize")}:
            checked_potential_dir(name)
    except HcflowError as exc:
        raise HcflowError(f"{source}: meltquench: {exc}") from None


def _check_user_structures(spec: StudySpec, source: str) -> None:
    """Read every user structure; densities and n_carbon given must agree."""
    from hcflow.structures.user import check_density

    try:
        cells = spec.user_cells()
        if spec.densities and len(spec.densities) not in (1, len(cells)):
            raise HcflowError(
                f"{len(spec.densities)} densities for {len(cells)} structures "
                "(give one per structure, or leave densities out)"
            )
        for i, c in enumerate(cells):
            if spec.densities:
                check_density(spec.densities[min(i, len(spec.densities) - 1)], c)
            if spec.n_carbon and c["n_carbon"] not in spec.n_carbon:
                raise HcflowError(
                    f"{c['path']} has {c['n_carbon']} C, not n_carbon "
                    f"{spec.n_carbon} (leave n_carbon out: it is read from the file)"
                )
    except HcflowError as exc:
        raise HcflowError(f"{source}: {exc}") from None
