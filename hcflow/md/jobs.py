"""``NaMDMaker``: equilibration + production MLIP MD of a Na/C cell as a jobflow job.

Built on atomate2's :class:`~atomate2.forcefields.md.ForceFieldMDMaker` (a
subclass, not a fork): the inherited fields keep their meaning
(``time_step`` fs, ``n_steps`` production steps, ``temperature`` K,
``ensemble``, ``traj_interval`` = steps between stored frames,
``mb_velocity_seed`` = seed, ``calculator_kwargs``). What changes:

- the potential is picked by one field, ``potential`` (a shipped model name
  such as ``hcflow-nac-small`` or a model file path), resolved on the machine
  that runs the job by :func:`hcflow.potentials.get_calculator` (so a study
  submitted from a laptop resolves the model on the cluster);
- the MD loop is hcflow's fast runner (:func:`hcflow.md.runner.run_md`):
  ``equilibration_steps`` of thermalisation (not stored), then ``n_steps`` of
  production, one frame every ``traj_interval`` steps, with a checkpoint file
  so a killed run resumes;
- the output is the ``md_tasks`` document (:class:`hcflow.schemas.md_task.MDTaskDoc`,
  built by :func:`hcflow.md.taskdoc.make_md_task_doc`, the same function
  ``hcflow ingest`` uses), whose ``trajectory`` is a
  :class:`~hcflow.md.trajectory.CompactTrajectory`. ``@job(data=[CompactTrajectory])``
  makes jobflow put it in the JobStore's GridFS ``data`` store and leave the
  reference ``{"@class", "@module", "blob_uuid", "store"}`` in the document,
  which :func:`hcflow.db.trajectories.load_trajectory` reads. atomate2's
  ForceFieldTaskDocument stores every ionic step as a Structure and hits
  MongoDB's 16 MB limit on long runs; this document stays a few kB.

:func:`hcflow.flows.collect.collect_md_tasks` copies finished outputs from the
JobStore's ``outputs`` collection into ``md_tasks``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from atomate2.forcefields.md import ForceFieldMDMaker
from jobflow import job

from hcflow.errors import HcflowError
from hcflow.md.trajectory import CompactTrajectory

SOURCE = "hcflow-md"


def structure_input(obj: Any) -> tuple[Any, dict[str, Any]]:
    """(ASE Atoms, metadata) from a Structure, Atoms, StructureDoc or its dict.

    Metadata carries ``structure_id``, ``density_g_cm3``, ``na_content`` when
    the input is a structure document.
    """
    from ase import Atoms
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    meta: dict[str, Any] = {}
    if hasattr(obj, "model_dump") and not isinstance(obj, Structure | Atoms):
        obj = obj.model_dump()
    if isinstance(obj, dict) and "@class" in obj and obj["@class"] == "Structure":
        obj = Structure.from_dict(obj)
    if isinstance(obj, dict):
        for key in ("structure_id", "density_g_cm3", "na_content", "na_per_c"):
            if obj.get(key) is not None:
                meta[key] = obj[key]
        inner = obj.get("structure", obj.get("atoms"))
        if inner is None:
            raise HcflowError("MD input has no structure")
        atoms, inner_meta = structure_input(inner)
        return atoms, {**inner_meta, **meta}
    if isinstance(obj, Structure):
        return AseAtomsAdaptor.get_atoms(obj), meta
    if isinstance(obj, Atoms):
        return obj.copy(), meta
    raise HcflowError(f"cannot use a {type(obj).__name__} as an MD input structure")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


@dataclass
class NaMDMaker(ForceFieldMDMaker):
    """Equilibration then production MD with an hcflow potential.

    Parameters (beyond atomate2's ForceFieldMDMaker)
    ------------------------------------------------
    potential
        Potential spec: a shipped model name or a model file path.
    equilibration_steps
        Thermalisation steps before production (frames not stored).
    study_id, point_id, task_id, replica, settings_hash, tags_extra
        Study metadata copied into the md_tasks document; ``task_id`` defaults
        to the job uuid.
    checkpoint_dir
        Folder for restart files (default: the job's working directory).
    threads
        torch threads (None: all cores; 1 is much faster for small cells on
        shared cores).
    progress
        Show a progress bar (local runs).
    """

    name: str = "na md"
    force_field_name: str = "Forcefield"
    potential: str | dict = "hcflow-nac-small"
    time_step: float | None = 1.0
    n_steps: int = 1000
    temperature: float = 300.0
    traj_interval: int = 10
    equilibration_steps: int = 0
    mb_velocity_seed: int | None = 0
    study_id: str | None = None
    point_id: str | None = None
    task_id: str | None = None
    replica: int = 0
    settings_hash: str | None = None
    md_settings: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    checkpoint_dir: str | None = None
    progress: bool = False
    threads: int | None = None

    @job(data=[CompactTrajectory])
    def make(self, structure: Any, prev_dir: str | Path | None = None) -> dict:
        """Run the MD; returns the md_tasks document (trajectory to the data store).

        Parameters
        ----------
        structure
            pymatgen Structure, ASE Atoms, or a structure document (its
            ``structure_id``, ``density_g_cm3``, ``na_content`` are recorded).
        prev_dir
            Unused (atomate2 signature).
        """
        return self.run(structure)

    def run(self, structure: Any) -> dict:
        """The job body, callable without jobflow (tests, notebooks)."""
        from jobflow import CURRENT_JOB

        from hcflow.md.runner import run_md
        from hcflow.md.taskdoc import make_md_task_doc
        from hcflow.schemas.common import Provenance
        from hcflow.schemas.md_task import TrajectoryRef

        atoms, meta = structure_input(structure)
        current = getattr(CURRENT_JOB, "job", None)
        task_id = self.task_id or (current.uuid if current is not None else None)
        if task_id is None:
            from jobflow.utils.uid import suid

            task_id = suid()
        ckpt_dir = Path(self.checkpoint_dir) if self.checkpoint_dir else Path.cwd()
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        checkpoint = ckpt_dir / f"md-{_safe(task_id)}.ckpt"
        seed = int(self.mb_velocity_seed or 0)
        ensemble = str(getattr(self.ensemble, "value", self.ensemble))
        result = run_md(
            atoms,
            self.potential,
            temperature_K=float(self.temperature),
            timestep_fs=float(self.time_step),
            n_steps=int(self.n_steps),
            frame_interval=int(self.traj_interval),
            seed=seed,
            ensemble=ensemble,
            equilibration_steps=int(self.equilibration_steps),
            checkpoint_path=str(checkpoint),
            progress=self.progress,
            threads=self.threads,
        )
        traj: CompactTrajectory | None = result.trajectory
        if traj is None:
            raise HcflowError(
                f"MD of {task_id} stopped before its first frame: {result.reason}"
            )
        md_settings = {
            "potential": self.potential,
            "temperature_K": float(self.temperature),
            "timestep_fs": float(self.time_step),
            "equilibration_steps": int(self.equilibration_steps),
            "production_steps": int(self.n_steps),
            "frame_interval": int(self.traj_interval),
            "ensemble": ensemble,
            "seed": seed,
            **self.md_settings,
        }
        potential_id = result.potential_id
        timing = asdict(result.timing)
        state = result.state if result.state in ("successful", "failed") else "failed"
        metadata = {
            "timing": timing,
            "potential": {k: v for k, v in result.potential.items() if k != "path"},
            "resumed_from_step": result.resumed_from_step,
        }
        if result.reason:
            metadata["failure_reason"] = result.reason
        inputs = [x for x in (meta.get("structure_id"), potential_id) if x]
        doc = make_md_task_doc(
            traj,
            TrajectoryRef(blob_uuid="pending"),
            task_id=task_id,
            source=SOURCE,
            temperature_K=float(self.temperature),
            timestep_fs=float(self.time_step),
            frame_interval=int(self.traj_interval),
            density_g_cm3=meta.get("density_g_cm3"),
            na_content=meta.get("na_content", meta.get("na_per_c")),
            provenance=Provenance.make(SOURCE, md_settings, inputs),
            state=state,
            label=self.label,
            tags=list(self.tags or []),
            study_id=self.study_id,
            point_id=self.point_id,
            structure_id=meta.get("structure_id"),
            potential_id=potential_id,
            forcefield_name=str(result.potential.get("name") or self.potential),
            replica=int(self.replica),
            ensemble=ensemble,
            settings_hash=self.settings_hash,
            md_settings=md_settings,
            metadata=metadata,
        )
        out = doc.model_dump(by_alias=True)
        out["trajectory"] = traj
        return out
