"""Ingest any ASE-readable MD trajectory as an ``md_tasks`` document.

``ingest_trajectory`` reads every frame, checks it (atom counts, species,
finite coordinates, cell, physical metadata) before anything is written,
unwraps wrapped coordinates, and writes the compact trajectory blob first and
the MDTaskDoc (the same function our MD Maker uses) last, under ids derived
from a hash of the file content and the metadata: ingesting a file twice
writes nothing the second time, and an interrupted ingest is completed by
running it again. :func:`ingest_files` goes on past a bad file (one
:class:`IngestOutcome` each); a database failure stops the batch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from hcflow.errors import HcflowError
from hcflow.hashing import file_digest
from hcflow.inputs import (
    StrictModel,
    check_trajectory_header,
    parse_model,
    read_mapping,
)
from hcflow.limits import (
    MAX_INGEST_DENSITY_G_CM3,
    MAX_INGEST_FRAMES,
    MAX_INGEST_TIMESTEP_FS,
    MAX_NA_PER_C,
    MAX_TEMPERATURE_K,
)
from hcflow.md.trajectory import CompactTrajectory
from hcflow.schemas.common import Provenance
from hcflow.schemas.md_task import MDTaskDoc
from hcflow.settings import Settings, get_settings
from hcflow.units import CARBON, DEFAULT_MOBILE_SPECIES, species_number

__all__ = [
    "IngestMetadata",
    "IngestOutcome",
    "check_species",
    "file_digest",
    "ingest_files",
    "ingest_trajectory",
    "parse_metadata",
    "read_frames",
]


class IngestMetadata(StrictModel):
    """What a trajectory file does not say about itself."""

    temperature_K: float = Field(
        ge=0, le=MAX_TEMPERATURE_K, description="Thermostat temperature, K."
    )
    timestep_fs: float = Field(
        gt=0, le=MAX_INGEST_TIMESTEP_FS, description="MD time step, fs."
    )
    frame_interval: int = Field(ge=1, description="MD steps between stored frames.")
    density_g_cm3: float | None = Field(
        None,
        gt=0,
        le=MAX_INGEST_DENSITY_G_CM3,
        description="Carbon density, g/cm3 (computed if absent).",
    )
    na_content: float | None = Field(
        None, ge=0, le=MAX_NA_PER_C, description="Na:C ratio (computed if absent)."
    )
    mobile_species: str = Field(
        DEFAULT_MOBILE_SPECIES,
        description="Element symbol of the diffusing ion (Li, Na, K...). Naming "
        "it also allows a host without carbon (e.g. a solid electrolyte).",
    )
    label: str | None = None
    tags: list[str] = Field(default_factory=list)
    study_id: str | None = None
    ensemble: str | None = None
    format: str | None = Field(None, description="ASE format name, if not guessed.")
    type_map: dict[int, str] | None = Field(
        None,
        description="LAMMPS atom type -> element, e.g. {1: C, 2: Na} (a dump "
        "with only id type x y z); every type in the file must be mapped.",
    )

    @field_validator("type_map")
    @classmethod
    def _type_map(cls, value: dict[int, str] | None) -> dict[int, str] | None:
        for symbol in (value or {}).values():
            species_number(symbol)  # one-line error for an unknown element
        return value

    @field_validator("mobile_species")
    @classmethod
    def _species(cls, value: str) -> str:
        species_number(value)  # one-line error for an unknown species
        return value


def check_species(traj: CompactTrajectory, meta: IngestMetadata, path: Path) -> int:
    """The number of mobile-species atoms; one-line errors for a trajectory
    without carbon when no species was named, or without the species."""
    species = meta.mobile_species
    named = "mobile_species" in meta.model_fields_set
    if not named and not any(traj.numbers == CARBON):
        raise HcflowError(
            f"{path} has no carbon atoms; hcflow expects Na in carbon unless the "
            "metadata name the mobile species (e.g. mobile_species: Li)"
        )
    n_mobile = int(sum(traj.numbers == species_number(species)))
    if n_mobile == 0:
        raise HcflowError(
            f"{path} has no {species} atoms (mobile_species={species!r}); name the "
            "ion that diffuses in it"
        )
    return n_mobile


def parse_metadata(value: str | Path | dict | IngestMetadata | None) -> IngestMetadata:
    """Metadata from a JSON string, a JSON/YAML file path or a dict."""
    if isinstance(value, IngestMetadata):
        return value
    if not value:
        raise HcflowError(
            "missing metadata: give --metadata with temperature_K, timestep_fs, "
            "frame_interval"
        )
    return parse_model(IngestMetadata, read_mapping(value, "metadata"), "metadata")


def guess_format(path: Path) -> str | None:
    """ASE format from a name ASE does not recognise: ``*.xdatcar`` and
    ``XDATCAR*`` (any case) are VASP XDATCAR; else ``None`` (ASE guesses)."""
    name = path.name.lower()
    if name.endswith(".xdatcar") or name.startswith("xdatcar"):
        return "vasp-xdatcar"
    if name.endswith((".lammpstrj", ".dump")):
        return "lammps-dump-text"
    return None


def parse_type_map(text: str) -> dict[int, str]:
    """``"1=C,2=Na"`` -> ``{1: "C", 2: "Na"}`` (one-line error when malformed)."""
    out: dict[int, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, symbol = part.partition("=")
        if not key.strip().isdigit() or not symbol.strip():
            raise HcflowError(f"bad --type-map entry {part!r}; use e.g. 1=C,2=Na")
        species_number(symbol.strip())
        out[int(key)] = symbol.strip()
    if not out:
        raise HcflowError("empty --type-map; use e.g. 1=C,2=Na")
    return out


def map_types(frames: list, type_map: dict[int, str], path: Path) -> list:
    """Set the elements of LAMMPS frames from their atom types (one-line error
    naming an unmapped type)."""
    for atoms in frames:
        types = atoms.arrays.get("type", atoms.numbers)
        missing = sorted(set(types.tolist()) - set(type_map))
        if missing:
            raise HcflowError(
                f"{path}: atom type {missing[0]} is not in the type map "
                f"{type_map}; add it, e.g. --type-map {missing[0]}=Na"
            )
        atoms.numbers = [species_number(type_map[int(t)]) for t in types]
    return frames


def read_frames(path: str | Path, fmt: str | None = None) -> list:
    """All frames of a trajectory file as ASE Atoms (one-line errors)."""
    import ase.io

    path = Path(path)
    if not path.exists():
        raise HcflowError(f"file not found: {path}")
    if not path.is_file() or path.stat().st_size == 0:
        raise HcflowError(f"not a readable, non-empty file: {path}")
    fmt = fmt or guess_format(path)
    check_trajectory_header(path, fmt)
    try:
        frames = ase.io.read(str(path), index=":", format=fmt)
    except Exception as exc:  # noqa: BLE001 - ASE raises many kinds
        reason = str(exc).splitlines()[0][:150] if str(exc) else type(exc).__name__
        raise HcflowError(f"cannot read trajectory {path}: {reason}") from None
    if not isinstance(frames, list):
        frames = [frames]
    if not frames:
        raise HcflowError(f"no frames in {path}")
    if len(frames) > MAX_INGEST_FRAMES:
        raise HcflowError(
            f"{path}: {len(frames):,} frames; the limit is {MAX_INGEST_FRAMES:,}"
        )
    return frames


@dataclass
class _Prepared:
    """A checked file, ready to write: its trajectory and document."""

    traj: CompactTrajectory
    doc: MDTaskDoc


def _prepare(path: Path, meta: IngestMetadata) -> _Prepared:
    """Read and check one file and build its document (touches no database)."""
    frames = read_frames(path, meta.format)
    source = {"file": str(path.resolve()), "n_frames_read": len(frames)}
    return prepare_frames(frames, meta, path, file_digest(path), source)


def prepare_frames(
    frames: list, meta: IngestMetadata, path: Path, digest: str, source: dict
) -> _Prepared:
    """Check ASE frames and build their document (touches no database).

    ``path``: the name shown in errors (its stem is the default label);
    ``digest``: identifies the content (same content and metadata: same id).
    """
    from hcflow.md.taskdoc import make_md_task_doc
    from hcflow.md.trajectory_store import trajectory_ref

    if not frames:
        raise HcflowError(f"no frames in {path}")
    if meta.type_map:
        frames = map_types(frames, meta.type_map, path)
    frame_dt_ps = meta.timestep_fs * meta.frame_interval / 1000.0
    traj = CompactTrajectory.from_ase(frames, frame_dt_ps=frame_dt_ps)
    n_mobile = check_species(traj, meta, path)
    meta_dict = meta.model_dump(exclude_none=True)
    if meta_dict["mobile_species"] == DEFAULT_MOBILE_SPECIES:
        del meta_dict["mobile_species"]  # task ids of Na files stay as they were
    digest = hashlib.sha256(
        (digest + json.dumps(meta_dict, sort_keys=True)).encode()
    ).hexdigest()
    task_id = f"ingest-{digest[:16]}"
    doc = make_md_task_doc(
        traj,
        trajectory_ref(task_id),
        task_id=task_id,
        source="ingest",
        temperature_K=meta.temperature_K,
        timestep_fs=meta.timestep_fs,
        frame_interval=meta.frame_interval,
        density_g_cm3=meta.density_g_cm3,
        na_content=meta.na_content,
        label=meta.label or path.stem,
        tags=meta.tags,
        study_id=meta.study_id,
        ensemble=meta.ensemble,
        mobile_species=meta.mobile_species,
        n_mobile=n_mobile,
        metadata=source,
        provenance=Provenance.make(f"ingest:{path.name}", meta_dict),
    )
    return _Prepared(traj, doc)


def write_prepared(prepared: _Prepared, settings: Settings) -> tuple[MDTaskDoc, bool]:
    from hcflow.db.stores import get_data_store, get_store
    from hcflow.md.trajectory_store import write_task_with_trajectory

    tasks, data = get_store("md_tasks", settings), get_data_store(settings)
    tasks.connect()
    data.connect()
    try:
        stored, new = write_task_with_trajectory(
            prepared.traj, prepared.doc.model_dump(by_alias=True), tasks, data
        )
        return MDTaskDoc(**stored), new
    finally:
        tasks.close()
        data.close()


def ingest_trajectory(
    path: str | Path, meta: IngestMetadata, settings: Settings | None = None
) -> tuple[MDTaskDoc, bool]:
    """Ingest one trajectory file; returns (document, newly_written)."""
    return write_prepared(_prepare(Path(path), meta), settings or get_settings())


@dataclass
class IngestOutcome:
    """What happened to one file of a batch ingest."""

    path: Path
    doc: MDTaskDoc | None = None
    new: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def ingest_files(
    paths: list[str | Path],
    metadata: str | Path | dict | IngestMetadata | None,
    settings: Settings | None = None,
    announce=print,
    each=None,
) -> list[IngestOutcome]:
    """Ingest trajectory files with one metadata set; one outcome per file.

    The metadata are checked before the database is reached; each file is
    checked completely before anything of it is written, and a bad file is
    recorded (``error``: its one-line reason) and the next one ingested.
    ``each(outcome)`` is called after every file (the CLI prints a line
    there). A database failure raises (one line) and stops the batch.
    """
    from hcflow.services.common import connect

    meta = parse_metadata(metadata)
    settings = connect(settings, announce=announce)
    out = []
    for path in paths:
        outcome = IngestOutcome(Path(path))
        try:
            prepared = _prepare(outcome.path, meta)
        except HcflowError as exc:
            outcome.error = str(exc)
        else:
            outcome.doc, outcome.new = write_prepared(prepared, settings)
        if each is not None:
            each(outcome)
        out.append(outcome)
    return out
