"""``NaMDMaker``: equilibration + production MLIP MD of a Na/C cell as a jobflow job.

A plain jobflow ``Maker`` (not atomate2's ``ForceFieldMDMaker``, whose 23
fields this job would mostly ignore; :func:`hcflow.potentials.atomate2_kwargs`
serves that one). Its MD parameters are one field, ``md``
(:class:`~hcflow.md.settings.MDSettings`, the study file's ``md:`` section),
handed to :func:`hcflow.md.runner.run_md` as it is. The potential is one field
(a shipped model name or a model file path), resolved on the machine that runs
the job. The output is the md_tasks document
(:func:`hcflow.md.taskdoc.make_md_task_doc`, as ``hcflow ingest``) with its
:class:`~hcflow.md.trajectory.CompactTrajectory`, which
``@job(data=[CompactTrajectory])`` sends to the JobStore's data store: the
document stays a few kB whatever the run length. The checkpoint folder is
resolved when the flow is made (``checkpoint_dir``) or on the worker
(:func:`hcflow.md.checkpoint.checkpoint_folder`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from jobflow import Maker, job

from hcflow.errors import HcflowError
from hcflow.md.checkpoint import checkpoint_folder
from hcflow.md.settings import MDSettings, as_md_settings, check_temperature
from hcflow.md.trajectory import CompactTrajectory
from hcflow.structures.convert import as_atoms

SOURCE = "hcflow-md"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


@dataclass
class NaMDMaker(Maker):
    """Equilibration then production MD with an hcflow potential.

    Parameters
    ----------
    name
        Job name.
    potential
        Potential spec: a shipped model name or a model file path.
    temperature_K
        Thermostat temperature, K.
    md
        The MD settings (:class:`~hcflow.md.settings.MDSettings`, or a dict of
        its fields, validated when the maker is made); the threads used and
        their source are in the document's ``metadata``, the device in
        ``device``.
    seed
        Seeds the initial velocities and the thermostat noise.
    study_id, point_id, task_id, replica, settings_hash, label, tags
        Study metadata copied into the md_tasks document; ``task_id`` defaults
        to the job uuid.
    md_settings
        Extra entries for the document's ``md_settings``.
    checkpoint_dir
        Folder for restart files (the study flow sets it from
        ``HCFLOW_CHECKPOINT_DIR`` where the flow is made; None: a
        jobflow-remote job's ``<worker work_dir>/hcflow-checkpoints``, else the
        job's working directory; :func:`hcflow.md.checkpoint.checkpoint_folder`).
    checkpoint_every
        Steps between restart files.
    progress
        Show a progress bar (local runs).
    """

    name: str = "na md"
    potential: str | dict = "hcflow-nac-small"
    temperature_K: float = 300.0
    md: MDSettings = field(default_factory=MDSettings)
    seed: int = 0
    study_id: str | None = None
    point_id: str | None = None
    task_id: str | None = None
    replica: int = 0
    settings_hash: str | None = None
    label: str | None = None
    tags: list[str] = field(default_factory=list)
    md_settings: dict[str, Any] = field(default_factory=dict)
    checkpoint_dir: str | None = None
    checkpoint_every: int = 200
    progress: bool = False

    def __post_init__(self):
        """``md`` as MDSettings (a dict is validated: one-line error)."""
        self.md = as_md_settings(self.md, f"MD maker {self.name!r}")

    @job(data=[CompactTrajectory])
    def make(self, structure: Any) -> dict:
        """Run the MD; returns the md_tasks document (trajectory to the data store).

        Parameters
        ----------
        structure
            pymatgen Structure, ASE Atoms, or a structure document (its
            ``structure_id``, ``density_g_cm3``, ``na_content`` are recorded).
        """
        return self.run(structure)

    def run(self, structure: Any) -> dict:
        """The job body, callable without jobflow (tests, notebooks)."""
        from hcflow.md.runner import run_md

        temperature_K = check_temperature(self.temperature_K)
        atoms, meta = as_atoms(structure)
        task_id = self.resolved_task_id()
        result = run_md(
            atoms,
            self.potential,
            self.md,
            temperature_K,
            int(self.seed),
            checkpoint_path=self.checkpoint_path(task_id),
            checkpoint_every=self.checkpoint_every,
            progress=self.progress,
        )
        return self.output(task_id, meta, result)

    def resolved_task_id(self, suffix: str = "") -> str:
        """``task_id``, else the running job's uuid (+ ``suffix``), else a new id."""
        from jobflow import CURRENT_JOB

        if self.task_id:
            return self.task_id
        current = getattr(CURRENT_JOB, "job", None)
        if current is not None:
            return f"{current.uuid}{suffix}"
        from jobflow.utils.uid import suid

        return suid()

    def checkpoint_path(self, task_id: str) -> str:
        """This run's restart file (:func:`~hcflow.md.checkpoint.checkpoint_folder`)."""
        from jobflow import CURRENT_JOB

        ckpt_dir, _ = checkpoint_folder(
            self.checkpoint_dir, job=getattr(CURRENT_JOB, "job", None)
        )
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        return str(ckpt_dir / f"md-{_safe(task_id)}.ckpt")

    def output(self, task_id: str, meta: dict, result) -> dict:
        """The job output of a finished run: its md_tasks document with the
        :class:`~hcflow.md.trajectory.CompactTrajectory` (jobflow moves it to
        the data store). A run with no frame is an error."""
        if result.trajectory is None:
            raise HcflowError(
                f"MD of {task_id} stopped before its first frame: {result.reason}"
            )
        doc = self._document(task_id, meta, result)
        doc.model_deviation = self.deviation(result)
        out = doc.model_dump(by_alias=True)
        out["trajectory"] = result.trajectory
        return out

    def deviation(self, result) -> dict | None:
        """The run's model-deviation figure against the reference potential
        (:func:`hcflow.md.model_deviation.run_model_deviation`; never raises)."""
        from hcflow.md.model_deviation import run_model_deviation

        return run_model_deviation(result.trajectory, None, result.potential, self.md)

    def _document(self, task_id: str, meta: dict, result):
        """The md_tasks document of a finished run (trajectory not stored yet)."""
        from hcflow.md.taskdoc import make_md_task_doc
        from hcflow.schemas.common import Provenance
        from hcflow.schemas.md_task import TrajectoryRef

        md = self.md
        md_settings = {
            "potential": self.potential,
            "temperature_K": float(self.temperature_K),
            **md.hashed(),
            "seed": int(self.seed),
            **self.md_settings,
        }
        metadata = {
            "timing": asdict(result.timing),
            "potential": {
                k: v for k, v in result.potential.items() if k not in ("path", "device")
            },
            "resumed_from_step": result.resumed_from_step,
            "threads": result.threads[0],
            "threads_source": result.threads[1],
        }
        if result.reason:
            metadata["failure_reason"] = result.reason
        potential_id = result.potential_id
        inputs = [x for x in (meta.get("structure_id"), potential_id) if x]
        return make_md_task_doc(
            result.trajectory,
            TrajectoryRef(blob_uuid="pending"),
            task_id=task_id,
            source=SOURCE,
            temperature_K=float(self.temperature_K),
            timestep_fs=md.timestep_fs,
            frame_interval=md.frame_interval,
            density_g_cm3=meta.get("density_g_cm3"),
            na_content=meta.get("na_content", meta.get("na_per_c")),
            provenance=Provenance.make(SOURCE, md_settings, inputs),
            state=result.state,
            label=self.label,
            tags=list(self.tags or []),
            study_id=self.study_id,
            point_id=self.point_id,
            structure_id=meta.get("structure_id"),
            potential_id=potential_id,
            forcefield_name=str(result.potential.get("name") or self.potential),
            replica=int(self.replica),
            ensemble=md.ensemble,
            thermostat=result.thermostat.get("thermostat"),
            taut_fs=result.thermostat.get("taut_fs"),
            friction_per_ps=result.thermostat.get("friction_per_ps"),
            equilibration=result.equilibration or None,
            device=result.potential.get("device"),
            dtype=md.dtype,
            settings_hash=self.settings_hash,
            md_settings=md_settings,
            metadata=metadata,
        )
