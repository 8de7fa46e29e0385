"""jobflow-remote: render the project template, submit studies, read job states.

``hcflow study init-remote --project NAME`` fills ``stores/jobflow-remote.yaml``
for the current settings: the queue store in its own database
(``<db_name>_queue``) on the same server, the job store on the ``outputs`` /
``outputs_blobs`` collections of the hcflow database, so jobs run by the
jobflow-remote runner land where ``hcflow study run`` puts them. It writes
``NAME.yaml`` to ``$JFREMOTE_PROJECTS_FOLDER`` (default ``~/.jfremote``) and
initialises the queue database once (never touching outputs). Then
``hcflow study submit``, ``jf -p NAME runner start``, ``hcflow study status``
and ``hcflow study collect``. Known snags (root workers, ``pre_run``, JSON-safe
outputs) are in ``docs/jobflow-remote.md``.
"""

from __future__ import annotations

import os
import string
import sys
from pathlib import Path
from typing import Any

import yaml

from hcflow.credentials import write_private_text
from hcflow.errors import HcflowError
from hcflow.inputs import read_yaml_file
from hcflow.settings import Settings

TEMPLATE = Path(__file__).resolve().parents[2] / "stores" / "jobflow-remote.yaml"


def projects_folder() -> Path:
    """Where jobflow-remote reads project files (and keep its SETTINGS in sync)."""
    folder = Path(
        os.environ.get("JFREMOTE_PROJECTS_FOLDER", Path.home() / ".jfremote")
    ).expanduser()
    try:
        import jobflow_remote

        jobflow_remote.SETTINGS.projects_folder = str(folder)
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    return folder


def render_project(
    project: str,
    settings: Settings,
    work_dir: str | Path | None = None,
    pre_run: str | None = None,
    delay: float = 5.0,
    max_jobs: int = 2,
) -> dict[str, Any]:
    """The project dict for ``project`` from the template and the settings."""
    if not project or not all(c.isalnum() or c in "_-" for c in project):
        raise HcflowError(f"bad project name {project!r}: use letters, digits, _ -")
    if not TEMPLATE.is_file():
        raise HcflowError(f"jobflow-remote template not found: {TEMPLATE}")
    base = Path(settings.data_dir).resolve() / "jfremote" / project
    activate = Path(sys.prefix) / "bin" / "activate"
    values = {
        "project": project,
        "base_dir": str(base),
        "work_dir": str(Path(work_dir).resolve() if work_dir else base / "jobs"),
        "pre_run": pre_run if pre_run is not None else f"source {activate}",
        "max_jobs": str(int(max_jobs)),
        "uri": settings.uri,
        "database": settings.db_name,
        "queue_database": f"{settings.db_name}_queue",
        "delay": str(float(delay)),
    }
    quoted = {
        k: yaml.safe_dump(v, default_style='"').strip() for k, v in values.items()
    }
    quoted["max_jobs"] = values["max_jobs"]
    quoted["delay"] = values["delay"]
    text = string.Template(TEMPLATE.read_text()).substitute(quoted)
    return yaml.safe_load(text)


#: The worker the template defines (the others in a project file are the user's).
LOCAL_WORKER = "local_shell"
#: Template sections merged key by key with the user's (the others are replaced).
_MERGED = ("workers", "runner")


def merge_project(existing: dict[str, Any], rendered: dict[str, Any]) -> dict:
    """The rendered project with everything the user added to ``existing`` kept.

    hcflow owns the template's keys: the name, ``base_dir``, the queue and job
    stores (they must point at the current database) and the ``local_shell``
    worker; for ``runner`` only the template's keys. Everything else in
    ``existing`` stays: workers the user added (a SLURM cluster), their
    ``exec_config``, ``runner`` options, any other key (YAML comments are
    not kept).
    """
    merged = {}
    for key, value in rendered.items():
        old = existing.get(key)
        merged[key] = (
            {**old, **value} if key in _MERGED and isinstance(old, dict) else value
        )
    return merged | {k: v for k, v in existing.items() if k not in rendered}


def init_project(
    project: str,
    settings: Settings,
    overwrite: bool = False,
    **kwargs: Any,
) -> Path:
    """Write the rendered project file and initialise its queue database.

    Returns the path of the project file. An existing file keeps what the
    user added (:func:`merge_project`: other workers, other keys); it is
    rewritten only with ``overwrite`` when hcflow's own sections changed. The
    queue database is reset only when it was never initialised (outputs are
    never touched).
    """
    data = render_project(project, settings, **kwargs)
    folder = projects_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{project}.yaml"
    if path.exists():
        existing = read_yaml_file(path, "project file") or {}
        merged = merge_project(existing, data)
        if merged != existing and not overwrite:
            raise HcflowError(
                f"project file {path} exists with other settings; use --overwrite"
            )
        data = merged
    write_private_text(path, yaml.safe_dump(data, sort_keys=False))  # has the URI
    Path(data["base_dir"]).mkdir(parents=True, exist_ok=True)
    Path(data["workers"][LOCAL_WORKER]["work_dir"]).mkdir(parents=True, exist_ok=True)
    jc = job_controller(project)
    if jc.auxiliary.find_one({"next_id": {"$exists": True}}) is None:
        jc.reset(reset_output=False, max_limit=0)
    return path


def get_project(project: str):
    """The jobflow-remote Project, or a one-line HcflowError."""
    projects_folder()
    from jobflow_remote import ConfigManager
    from jobflow_remote.config.base import ConfigError

    try:
        return ConfigManager().get_project(project)
    except ConfigError as exc:
        known = ", ".join(sorted(ConfigManager().projects)) or "none"
        raise HcflowError(
            f"unknown jobflow-remote project {project!r} (known: {known}); "
            "create it with `hcflow study init-remote --project NAME`"
        ) from exc


def job_controller(project: str):
    """A JobController of the project's queue."""
    proj = get_project(project)
    from jobflow_remote import JobController

    return JobController.from_project(proj)


def check_worker(project: str, worker: str) -> None:
    """One-line HcflowError when the project has no such worker."""
    proj = get_project(project)
    if worker not in proj.workers:
        known = ", ".join(sorted(proj.workers)) or "none"
        raise HcflowError(
            f"unknown worker {worker!r} in project {project!r} (known: {known})"
        )


def in_flight_task_ids(project: str, study_id: str) -> set[str]:
    """Task ids of the study's MD jobs queued or running.

    Not in flight: failed, errored or stopped jobs, and jobs still WAITING in a
    flow that has FAILED or STOPPED (their parent will never finish), so
    submitting again re-runs those points.
    """
    from jobflow_remote.jobs.state import FlowState, JobState

    jc = job_controller(project)
    stuck = set()
    for flow in jc.flows.find(
        {"state": {"$in": [FlowState.FAILED.value, FlowState.STOPPED.value]}},
        projection={"jobs": 1},
    ):
        stuck.update(flow.get("jobs") or [])
    dead = [
        JobState.FAILED.value,
        JobState.REMOTE_ERROR.value,
        JobState.STOPPED.value,
        JobState.USER_STOPPED.value,
    ]
    docs = jc.jobs.find(
        {
            "job.metadata.study_id": study_id,
            "job.metadata.kind": "md",
            "state": {"$nin": dead},
        },
        projection={
            "job.metadata.task_id": 1,
            "job.metadata.task_ids": 1,  # a batched MD job runs several points
            "uuid": 1,
            "state": 1,
        },
    )
    ids: set[str] = set()
    for d in docs:
        if d["state"] == JobState.WAITING.value and d["uuid"] in stuck:
            continue
        meta = d["job"]["metadata"]
        ids.update(meta.get("task_ids") or [meta.get("task_id")])
    ids.discard(None)
    return ids


def job_states(project: str, study_id: str | None = None) -> dict[str, int]:
    """Count of the study's jobs per jobflow-remote state."""
    jc = job_controller(project)
    query = {"job.metadata.study_id": study_id} if study_id else {}
    counts: dict[str, int] = {}
    for d in jc.jobs.find(query, projection={"state": 1}):
        counts[d["state"]] = counts.get(d["state"], 0) + 1
    return counts


def submit(flow, project: str, worker: str) -> list[str]:
    """submit_flow with one-line errors; returns the db ids."""
    check_worker(project, worker)
    from jobflow_remote import submit_flow

    try:
        return submit_flow(flow, worker=worker, project=project)
    except Exception as exc:  # noqa: BLE001 - jobflow-remote raises many kinds
        line = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise HcflowError(f"submission to project {project!r} failed: {line}") from exc
