"""``hcflow demo``: the small end-to-end study."""

from __future__ import annotations

from pathlib import Path

import typer


def demo(
    out: Path = typer.Option(Path("hcflow-report"), "--out", help="Report folder."),
) -> None:
    """Run a small study end to end on the local database, then the report."""
    from hcflow.report.build import check_writable
    from hcflow.services.demo import run_demo

    check_writable(out)
    run_demo(out, echo=typer.echo, warn=lambda m: typer.echo(m, err=True))


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
