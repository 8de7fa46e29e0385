"""Transport studies: plan, run locally, submit, status, collect, remote projects.

What ``hcflow study ...`` and the demo do, on top of :mod:`hcflow.flows`.
A study is a :class:`~hcflow.flows.spec.StudySpec` or the path of its YAML
file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hcflow.services.common import Echo, check_reachable, connect
from hcflow.settings import Settings, get_settings


def load(study) -> Any:
    """A StudySpec from a spec, a dict or a study file path."""
    from hcflow.flows.spec import StudySpec, load_study, parse_study

    if isinstance(study, StudySpec):
        return study
    if isinstance(study, dict):
        return parse_study(study)
    return load_study(study)


def plan_study(study, local: bool = True) -> tuple[Any, list]:
    """Validate a study (no database needed); (spec, its points).

    ``local``: the MD device is resolved on this machine (``cuda`` without a
    GPU is a one-line error); False for a study meant for other machines.
    """
    from hcflow.flows.checks import check_device, check_potential

    spec = load(study)
    check_potential(spec, local=local)
    check_device(spec, local=local)
    return spec, spec.points()


def md_jobs(spec) -> list[list]:
    """The study's MD jobs: the points each runs (several for a batched job;
    :meth:`hcflow.flows.study.TransportStudyMaker.batches`)."""
    from hcflow.flows.study import TransportStudyMaker

    points = spec.points()
    return [[points[i] for i in b] for b in TransportStudyMaker().batches(spec, points)]


def run_study(
    study,
    settings: Settings | None = None,
    echo: Echo | None = print,
    progress: bool = False,
) -> dict[str, Any]:
    """Run the missing points of a study locally (jobflow run_locally).

    Returns the summary of :func:`hcflow.flows.run.run_study_locally`.
    """
    from hcflow.flows.run import run_study_locally

    return run_study_locally(
        load(study), settings or get_settings(), echo=echo, progress=progress
    )


def submit_study(
    study,
    project: str,
    worker: str,
    settings: Settings | None = None,
    echo: Echo | None = print,
) -> dict[str, Any]:
    """Submit the missing points of a study to a jobflow-remote project."""
    from hcflow.flows.run import submit_study as submit

    return submit(load(study), project, worker, settings or get_settings(), echo=echo)


def study_status(
    study_id: str | None = None,
    project: str | None = None,
    settings: Settings | None = None,
    announce: Echo | None = print,
) -> list[dict[str, Any]]:
    """Per study: points, points done, md_tasks (and job states with a project)."""
    check_reachable(settings)
    from hcflow.flows.run import study_status as status

    return status(connect(settings, announce=announce), study_id, project)


def collect_outputs(
    study_id: str | None = None,
    settings: Settings | None = None,
    announce: Echo | None = print,
) -> dict[str, dict[str, int]]:
    """Copy finished MD and structure outputs into md_tasks and structures.

    Returns ``{"md_tasks": {...}, "structures": {...}}`` (the counts of
    :mod:`hcflow.flows.collect`).
    """
    check_reachable(settings)
    from hcflow.flows.collect import collect_md_tasks, collect_structures

    settings = connect(settings, announce=announce)
    return {
        "md_tasks": collect_md_tasks(settings, study_id=study_id),
        "structures": collect_structures(settings, study_id=study_id),
    }


def init_remote(
    project: str,
    work_dir: str | Path | None = None,
    delay: float = 5.0,
    overwrite: bool = False,
    settings: Settings | None = None,
    announce: Echo | None = print,
) -> Path:
    """Write a jobflow-remote project for the current database; its file."""
    check_reachable(settings)
    from hcflow.flows.remote import init_project

    settings = connect(settings, announce=announce)
    return init_project(
        project, settings, overwrite=overwrite, work_dir=work_dir, delay=delay
    )
