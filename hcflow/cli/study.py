"""`hcflow study ...`: run a transport study locally or through jobflow-remote.

hcflow study run STUDY.yaml              run locally (jobflow run_locally)
hcflow study submit STUDY.yaml --project P --worker W
hcflow study status [STUDY_ID] [--project P]
hcflow study collect [STUDY_ID]          outputs -> md_tasks
hcflow study init-remote --project P     write the jobflow-remote project file
hcflow study plan STUDY.yaml             what run/submit would do
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcflow.cli.options import format_option, json_alias, output_format


def _service():
    """hcflow.services.study, imported when a command runs (a fast --help)."""
    from hcflow.services import study

    return study


def _json_text(*args, **kwargs) -> str:
    from hcflow.services.data import json_text

    return json_text(*args, **kwargs)


study_app = typer.Typer(
    help="Transport studies: density x loading x temperature grids of MLIP MD.",
    no_args_is_help=True,
)


@study_app.command("run")
def run_cmd(
    study: Path = typer.Argument(..., help="Study YAML file."),
    progress: bool = typer.Option(
        True, "--progress/--no-progress", help="Progress bar inside each MD job."
    ),
) -> None:
    """Run a study locally; points already done (same settings) are skipped."""
    summary = _service().run_study(study, echo=typer.echo, progress=progress)
    typer.echo(
        f"study {summary['study_id']}: {summary['points_done']}/{summary['points']} "
        f"points done ({summary['ran']} run now, {summary['skipped']} skipped), "
        f"{summary['md_tasks']} md_tasks, {summary['seconds']:.1f} s"
    )


@study_app.command("submit")
def submit_cmd(
    study: Path = typer.Argument(..., help="Study YAML file."),
    project: str = typer.Option(..., "--project", "-p", help="jobflow-remote project."),
    worker: str = typer.Option(..., "--worker", "-w", help="Worker of the project."),
) -> None:
    """Submit a study through jobflow-remote (then run `jf -p PROJECT runner start`)."""
    _service().submit_study(study, project, worker, echo=typer.echo)
    typer.echo(f"start the runner with: jf -p {project} runner start")


@study_app.command("status")
def status_cmd(
    study_id: str = typer.Argument(None, help="Study id (default: all studies)."),
    project: str = typer.Option(
        None, "--project", "-p", help="Also show jobflow-remote job states."
    ),
    fmt: str = format_option(),
    as_json: bool = json_alias(),
) -> None:
    """Points done per study (collects finished outputs first)."""
    fmt = output_format(fmt, as_json)
    rows = _service().study_status(study_id, project, announce=typer.echo)
    if fmt == "json":
        typer.echo(_json_text(rows, indent=2))
        return
    if not rows:
        typer.echo("no studies yet")
    for r in rows:
        jobs = ""
        if "jobs" in r:
            jobs = "  jobs: " + ", ".join(
                f"{k}={v}" for k, v in sorted(r["jobs"].items())
            )
        typer.echo(
            f"{r['study_id']}: {r['done']}/{r['points']} points done, "
            f"{r['md_tasks']} md_tasks{jobs}"
        )


@study_app.command("collect")
def collect_cmd(
    study_id: str = typer.Argument(None, help="Study id (default: all studies)."),
    old_study: str = typer.Option(None, "--study", hidden=True),
) -> None:
    """Copy finished MD outputs (local or jobflow-remote) into md_tasks."""
    c = _service().collect_outputs(study_id or old_study, announce=typer.echo)
    md, st = c["md_tasks"], c["structures"]
    typer.echo(
        f"{md['new']} new md_tasks from {md['seen']} finished MD outputs; "
        f"{md['md_tasks']} md_tasks in total; {st['new']} new structures"
    )


@study_app.command("init-remote")
def init_remote_cmd(
    project: str = typer.Option(..., "--project", "-p", help="Project name."),
    work_dir: Path = typer.Option(None, "--work-dir", help="Worker job folder."),
    delay: float = typer.Option(5.0, "--delay", help="Runner polling delay, s."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Rewrite hcflow's sections; added workers stay."
    ),
) -> None:
    """Write a jobflow-remote project for the current database + a local worker."""
    path = _service().init_remote(
        project, work_dir, delay, overwrite=overwrite, announce=typer.echo
    )
    typer.echo(f"wrote {path} (worker: local_shell); see docs/jobflow-remote.md")


@study_app.command("plan")
def plan_cmd(
    study: Path = typer.Argument(..., help="Study YAML file."),
    remote: bool = typer.Option(
        False,
        "--remote",
        help="The MD runs on other machines: md.device is resolved on them, not here.",
    ),
    fmt: str = format_option(),
) -> None:
    """Validate a study file and list its points and jobs (no database needed)."""
    fmt = output_format(fmt)
    spec, points = _service().plan_study(study, local=not remote)
    jobs = _service().md_jobs(spec)
    if fmt == "json":
        plan = {
            "study_id": spec.id,
            "ensemble": spec.md.ensemble,
            "device": spec.md.device,
            "batch": spec.batch,
            "points": [{"name": p.md_name, "task_id": p.task_id} for p in points],
            "md_jobs": [[p.task_id for p in j] for j in jobs],
        }
        typer.echo(_json_text(plan, indent=2))
        return
    typer.echo(
        f"study {spec.id}: {len(points)} points; production {spec.md.ensemble}, "
        f"device {spec.md.device}"
    )
    for p in points:
        typer.echo(f"  {p.md_name:45s} {p.task_id}")
    batched = [j for j in jobs if len(j) > 1]
    line = f"MD jobs: {len(jobs)} (batch: {spec.batch}"
    if batched:
        sizes = ", ".join(
            f"{len(j)} points / {sum(p.n_carbon + p.n_na for p in j)} atoms"
            for j in batched
        )
        line += f"; batched: {sizes}"
    typer.echo(line + ")")
    from hcflow.analysis.arrhenius_design import design_interval, design_line

    typer.echo(design_line(design_interval(spec.temperatures, spec.replicas)))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(study_app, name="study")
