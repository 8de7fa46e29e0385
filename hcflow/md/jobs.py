"""``NaMDMaker``: equilibration + production MLIP MD of a Na/C cell as a jobflow job.

A plain jobflow ``Maker`` dataclass with its own fields. It does not subclass
atomate2's ``ForceFieldMDMaker``: that class has 23 fields and this job would
honour only 8 of them (``ionic_step_data``, ``store_trajectory``,
``traj_file``, ``traj_file_fmt``, ``pressure``, ``ase_md_kwargs``,
``calculator_kwargs``, ``force_field_name``, ``dynamics``... would be
silently ignored). atomate2 stays usable with hcflow's models:
:func:`hcflow.potentials.atomate2_kwargs` gives ``force_field_name`` and
``calculator_kwargs`` for the stock ``ForceFieldMDMaker``.

The MD fields have the names of the study file's ``md:`` section
(:class:`hcflow.md.settings.MDSettings`: ``timestep_fs``,
``equilibration_steps``, ``equilibration_max_steps``,
``equilibration_ensemble``, ``production_steps``, ``frame_interval``,
``ensemble``, ``friction_per_ps``, ``taut_fs``, ``threads``, ``device``,
``dtype``) and of :func:`hcflow.md.runner.run_md`, and are checked against the
same limits before the job runs:

- the potential is picked by one field, ``potential`` (a shipped model name
  such as ``hcflow-nac-small`` or a model file path), resolved on the machine
  that runs the job (so a study submitted from a laptop resolves the model on
  the cluster);
- the MD loop is hcflow's runner: equilibration (``equilibration_ensemble``,
  not stored) until temperature and potential energy are stationary
  (between ``equilibration_steps`` and ``equilibration_max_steps``), then
  ``production_steps`` of production in ``ensemble`` (default ``nvt-bussi``),
  one frame every ``frame_interval`` steps, with a checkpoint file so a killed
  run resumes;
- the document records the production thermostat and its parameters
  (``thermostat``, ``taut_fs``, ``friction_per_ps``), the equilibration
  outcome (``equilibration``) and the device the model ran on (``device``);
- the output is the ``md_tasks`` document (:class:`hcflow.schemas.md_task.MDTaskDoc`,
  built by :func:`hcflow.md.taskdoc.make_md_task_doc`, the same function
  ``hcflow ingest`` uses), whose ``trajectory`` is a
  :class:`~hcflow.md.trajectory.CompactTrajectory`. ``@job(data=[CompactTrajectory])``
  makes jobflow put it in the JobStore's GridFS ``data`` store and leave the
  reference ``{"@class", "@module", "blob_uuid", "store"}`` in the document,
  which :func:`hcflow.md.trajectory_store.load_trajectory` reads. atomate2's
  ForceFieldTaskDocument stores every ionic step as a Structure and hits
  MongoDB's 16 MB limit on long runs; this document stays a few kB.

:func:`hcflow.flows.collect.collect_md_tasks` copies finished outputs from the
JobStore's ``outputs`` collection into ``md_tasks``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from jobflow import Maker, job

from hcflow.errors import HcflowError
from hcflow.inputs import parse_model
from hcflow.md.checkpoint import checkpoint_folder
from hcflow.md.dynamics import (
    DEFAULT_ENSEMBLE,
    DEFAULT_EQUILIBRATION_ENSEMBLE,
    DEFAULT_FRICTION_PER_PS,
    DEFAULT_TAUT_FS,
)
from hcflow.md.settings import MDSettings, check_temperature
from hcflow.md.trajectory import CompactTrajectory
from hcflow.settings import get_settings
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
    timestep_fs, equilibration_steps, equilibration_max_steps
        MD settings (:class:`~hcflow.md.settings.MDSettings`).
    equilibration_ensemble, production_steps, frame_interval, ensemble
        MD settings (:class:`~hcflow.md.settings.MDSettings`).
    friction_per_ps, taut_fs
        Langevin friction (ps^-1) and Bussi time constant (fs).
    seed
        Seeds the initial velocities and the thermostat noise.
    threads
        torch threads (None: the cores the scheduler gave the job, 1 for small
        cells; :func:`hcflow.md.runner.thread_count`). The count used and
        its source are in the document's ``metadata``.
    device, dtype
        Where (cpu, cuda, cuda:N, auto) and in which precision the model runs;
        the device used is the document's ``device``.
    study_id, point_id, task_id, replica, settings_hash, label, tags
        Study metadata copied into the md_tasks document; ``task_id`` defaults
        to the job uuid.
    md_settings
        Extra entries for the document's ``md_settings``.
    checkpoint_dir
        Folder for restart files (default: ``HCFLOW_CHECKPOINT_DIR``, else a
        jobflow-remote job's ``<worker work_dir>/hcflow-checkpoints``, else
        the job's working directory; see
        :func:`hcflow.md.checkpoint.checkpoint_folder`).
    checkpoint_every
        Steps between restart files.
    progress
        Show a progress bar (local runs).
    """

    name: str = "na md"
    potential: str | dict = "hcflow-nac-small"
    temperature_K: float = 300.0
    timestep_fs: float = 1.0
    equilibration_steps: int = 0
    equilibration_max_steps: int | None = None
    equilibration_ensemble: str = DEFAULT_EQUILIBRATION_ENSEMBLE
    production_steps: int = 1000
    frame_interval: int = 10
    ensemble: str = DEFAULT_ENSEMBLE
    friction_per_ps: float = DEFAULT_FRICTION_PER_PS
    taut_fs: float = DEFAULT_TAUT_FS
    seed: int = 0
    threads: int | None = None
    device: str = "auto"
    dtype: str = "float32"
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

    def settings(self) -> MDSettings:
        """The MD fields, validated (one-line error on a bad value)."""
        check_temperature(self.temperature_K)
        fields = {name: getattr(self, name) for name in MDSettings.model_fields}
        return parse_model(MDSettings, fields, f"MD maker {self.name!r}")

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

        md = self.settings()
        atoms, meta = as_atoms(structure)
        task_id = self.resolved_task_id()
        result = run_md(
            atoms,
            self.potential,
            temperature_K=float(self.temperature_K),
            seed=int(self.seed),
            checkpoint_path=self.checkpoint_path(task_id),
            checkpoint_every=self.checkpoint_every,
            progress=self.progress,
            **md.model_dump(),  # the MDSettings fields are run_md's parameters
        )
        return self.output(task_id, md, meta, result)

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
            self.checkpoint_dir,
            get_settings().checkpoint_dir,
            job=getattr(CURRENT_JOB, "job", None),
        )
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        return str(ckpt_dir / f"md-{_safe(task_id)}.ckpt")

    def output(self, task_id: str, md: MDSettings, meta: dict, result) -> dict:
        """The job output of a finished run: its md_tasks document with the
        :class:`~hcflow.md.trajectory.CompactTrajectory` (jobflow moves it to
        the data store). A run with no frame is an error."""
        if result.trajectory is None:
            raise HcflowError(
                f"MD of {task_id} stopped before its first frame: {result.reason}"
            )
        out = self._document(task_id, md, meta, result).model_dump(by_alias=True)
        out["trajectory"] = result.trajectory
        return out

    def _document(self, task_id: str, md: MDSettings, meta: dict, result):
        """The md_tasks document of a finished run (trajectory not stored yet)."""
        from hcflow.md.taskdoc import make_md_task_doc
        from hcflow.schemas.common import Provenance
        from hcflow.schemas.md_task import TrajectoryRef

        md_settings = {
            "potential": self.potential,
            "temperature_K": float(self.temperature_K),
            **md.model_dump(exclude={"threads", "device"}),
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
