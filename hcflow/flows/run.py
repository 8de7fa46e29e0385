"""Run, submit and inspect studies (what ``hcflow study ...`` calls).

Restart semantics: before building the flow, finished outputs already in the
JobStore are collected into md_tasks (a run killed after some MD jobs finished
left them there), and every point whose md_tasks document exists with the same
settings hash is left out of the new flow; for ``submit``, so are points whose
MD job is still queued or running in jobflow-remote. Each point has a
deterministic task id, so md_tasks can never hold two documents for one point.
Structures that an interrupted run already made (found by the hash of their
inputs in their jobs' metadata) are used as they are, not made again: no
duplicate structure outputs, and structure ids are content hashes anyway.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hcflow.errors import HcflowError
from hcflow.flows.checks import check_device, check_loadings, check_potential
from hcflow.flows.collect import (
    collect_md_tasks,
    collect_structures,
    completed_tasks,
    finished_structures,
)
from hcflow.flows.spec import StudySpec
from hcflow.schemas.common import utcnow
from hcflow.settings import Settings


@dataclass
class StudyPlan:
    """What a (re)run of a study will do."""

    spec: StudySpec
    todo: list = field(default_factory=list)
    done: list = field(default_factory=list)
    in_flight: list = field(default_factory=list)
    flow: Any = None

    @property
    def n_jobs(self) -> int:
        return len(self.flow.jobs) if self.flow is not None else 0


def plan_study(
    spec: StudySpec,
    settings: Settings,
    in_flight: set[str] | frozenset[str] = frozenset(),
    checkpoint_dir: str | None = None,
    progress: bool = False,
    maker: Any = None,
) -> StudyPlan:
    """Collect, find completed points, and build the flow of the rest."""
    from hcflow.flows.study import TransportStudyMaker

    collect_md_tasks(settings, study_id=spec.id)
    completed = completed_tasks(settings, study_id=spec.id)
    plan = StudyPlan(spec)
    for p in spec.points():
        if completed.get(p.task_id) == p.settings_hash:
            plan.done.append(p)
        elif p.task_id in in_flight:
            plan.in_flight.append(p)
        else:
            plan.todo.append(p)
    skip = {p.task_id for p in plan.done + plan.in_flight}
    if plan.todo:
        maker = maker or TransportStudyMaker(
            checkpoint_dir=checkpoint_dir, progress=progress
        )
        done = finished_structures(settings, spec.id)  # not made twice
        plan.flow = maker.make(spec, skip=skip, done=done)
    return plan


def record_study(spec: StudySpec, settings: Settings, **extra: Any) -> None:
    """Upsert the study document (its spec and point hashes) into ``studies``."""
    from hcflow.db.stores import get_store

    store = get_store("studies", settings)
    store.connect()
    try:
        doc = {
            "study_id": spec.id,
            "name": spec.name,
            "spec": spec.model_dump(),
            "n_points": len(spec.points()),
            "points": {p.point_id: p.task_id for p in spec.points()},
            "last_updated": utcnow(),
            **extra,
        }
        store.update([doc], key="study_id")
    finally:
        store.close()


_LOCAL = "jobflow.managers.local"


class _JobProgress(logging.Handler):
    """Turns jobflow's 'Starting/Finished job' log lines into progress output."""

    def __init__(self, total: int, echo: Callable[[str], None]):
        super().__init__(logging.INFO)
        self.total, self.echo, self.done = total, echo, 0
        self.t0: dict[str, float] = {}
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if " failed with exception:" in msg:
            name, tb = msg.split(" failed with exception:", 1)
            last = [ln for ln in tb.strip().splitlines() if ln.strip()][-1:]
            line = f"{name} failed: {last[0].strip() if last else 'error'}"
            self.errors.append(line)
            self.echo(line)
            self.log_tb = getattr(self, "log_tb", []) + [msg]
            return
        for tag in ("Starting job - ", "Finished job - "):
            if msg.startswith(tag):
                name = msg[len(tag) :].rsplit(" (", 1)[0]
                if tag.startswith("Starting"):
                    self.t0[name] = time.perf_counter()
                    self.echo(f"[{self.done + 1}/{self.total}] {name} ...")
                else:
                    self.done += 1
                    dt = time.perf_counter() - self.t0.get(name, time.perf_counter())
                    self.echo(f"[{self.done}/{self.total}] {name} done ({dt:.1f} s)")


def run_study_locally(
    spec: StudySpec,
    settings: Settings,
    echo: Callable[[str], None] | None = print,
    progress: bool = False,
) -> dict[str, Any]:
    """Run the missing points of a study with jobflow's run_locally.

    Returns a summary: points total/done before/run now, md_tasks, seconds.
    """
    from jobflow import run_locally

    from hcflow.db.stores import ensure_database, get_jobstore

    check_potential(spec, local=True)
    check_device(spec, local=True)
    check_loadings(spec)
    settings = ensure_database(settings, announce=echo)
    echo = echo or (lambda _m: None)
    t0 = time.perf_counter()
    ckpt_root = settings.checkpoint_dir or settings.data_dir / "checkpoints"
    ckpt_path = (Path(ckpt_root) / spec.id).resolve()
    if not ckpt_path.is_relative_to(Path(ckpt_root).resolve()):
        raise HcflowError(f"study id {spec.id!r} leaves the checkpoint folder")
    ckpt = str(ckpt_path)
    plan = plan_study(spec, settings, checkpoint_dir=ckpt, progress=progress)
    record_study(spec, settings, last_run="local")
    echo(
        f"study {spec.id}: {len(spec.points())} points, {len(plan.done)} already "
        f"done, {len(plan.todo)} to run ({plan.n_jobs} jobs)"
    )
    failed, first_error = 0, ""
    if plan.flow is not None:
        handler = _JobProgress(plan.n_jobs, echo)
        loggers = [logging.getLogger(n) for n in ("jobflow.core.job", _LOCAL)]
        levels = [lg.level for lg in loggers]
        for lg in loggers:
            lg.setLevel(logging.INFO)
            lg.addHandler(handler)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # jobflow's cd()
                responses = run_locally(
                    plan.flow,
                    store=get_jobstore(settings),
                    log=False,
                    ensure_success=False,
                )
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.removeHandler(handler)
                lg.setLevel(level)
        failed = sum(1 for j in plan.flow.jobs if j.uuid not in responses)
        first_error = handler.errors[0] if handler.errors else ""
    collected = collect_md_tasks(settings, study_id=spec.id)
    collect_structures(settings, study_id=spec.id)
    done_now = completed_tasks(settings, study_id=spec.id)
    n_done = sum(1 for p in spec.points() if done_now.get(p.task_id) == p.settings_hash)
    summary = {
        "study_id": spec.id,
        "points": len(spec.points()),
        "skipped": len(plan.done),
        "ran": len(plan.todo),
        "jobs": plan.n_jobs,
        "failed_jobs": failed,
        "points_done": n_done,
        "new_md_tasks": collected["new"],
        "md_tasks": collected["md_tasks"],
        "seconds": round(time.perf_counter() - t0, 2),
    }
    if failed:
        raise HcflowError(
            f"study {spec.id}: {failed} of {plan.n_jobs} jobs failed; "
            f"{n_done}/{len(spec.points())} points done (run again to retry); "
            f"first: {first_error}"
        )
    return summary


def submit_study(
    spec: StudySpec,
    project: str,
    worker: str,
    settings: Settings,
    echo: Callable[[str], None] | None = print,
) -> dict[str, Any]:
    """Submit the missing points of a study to a jobflow-remote project."""
    from hcflow.db.stores import ensure_database
    from hcflow.flows import remote

    remote.check_worker(project, worker)
    check_potential(spec, local=False)
    check_loadings(spec)
    settings = ensure_database(settings, announce=echo)
    in_flight = remote.in_flight_task_ids(project, spec.id)
    # HCFLOW_CHECKPOINT_DIR where the flow is made (None: the worker's
    # <work_dir>/hcflow-checkpoints, hcflow.md.checkpoint.checkpoint_folder)
    ckpt = str(settings.checkpoint_dir) if settings.checkpoint_dir else None
    plan = plan_study(spec, settings, in_flight=in_flight, checkpoint_dir=ckpt)
    db_ids: list[str] = []
    if plan.flow is not None:
        db_ids = remote.submit(plan.flow, project, worker)
    record_study(spec, settings, last_run=f"jobflow-remote:{project}/{worker}")
    summary = {
        "study_id": spec.id,
        "points": len(spec.points()),
        "skipped": len(plan.done),
        "in_flight": len(plan.in_flight),
        "submitted_points": len(plan.todo),
        "submitted_jobs": len(db_ids),
    }
    if echo:
        echo(
            f"study {spec.id}: {summary['submitted_points']} points "
            f"({len(db_ids)} jobs) submitted to {project}/{worker}; "
            f"{len(plan.done)} done, {len(plan.in_flight)} already queued"
        )
    return summary


def study_status(
    settings: Settings,
    study_id: str | None = None,
    project: str | None = None,
) -> list[dict[str, Any]]:
    """Per study: points, points done (md_tasks with the right hash), job states."""
    from hcflow.db.stores import get_store

    collect_md_tasks(settings, study_id=study_id)
    collect_structures(settings, study_id=study_id)
    store = get_store("studies", settings)
    store.connect()
    try:
        crit = {"study_id": study_id} if study_id else {}
        studies = list(store.query(crit, properties=["study_id", "name", "points"]))
    finally:
        store.close()
    if study_id and not studies:
        raise HcflowError(f"unknown study {study_id!r}")
    rows = []
    for s in studies:
        done = completed_tasks(settings, study_id=s["study_id"])
        points = s.get("points") or {}
        n_done = sum(1 for task_id in points.values() if task_id in done)
        row = {
            "study_id": s["study_id"],
            "name": s.get("name"),
            "points": len(points),
            "done": n_done,
            "md_tasks": len(done),
        }
        if project:
            from hcflow.flows.remote import job_states

            row["jobs"] = job_states(project, s["study_id"])
        rows.append(row)
    return rows
