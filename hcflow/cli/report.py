"""``hcflow report``: HTML page + PNG figures + CSV of the numbers behind them."""

from __future__ import annotations

from pathlib import Path

import typer

from hcflow.cli.options import filter_option


def report(
    study: str = typer.Option(None, "--study", help="Study id to report on."),
    query: str = filter_option("md_tasks filter: inline JSON or a saved query file."),
    out: Path = typer.Option(
        Path("hcflow-report"), "--out", "-o", help="Output folder."
    ),
) -> None:
    """Draw the figures a scientist would put in a paper, and an HTML page."""
    from hcflow.services.report import make_report

    res = make_report(out, study_id=study, query=query, announce=typer.echo)
    typer.echo(f"wrote {len(res.figures)} figures + CSV to {res.out_dir}")
    for key, why in res.skipped.items():
        typer.echo(f"  not drawn: {key}: {why}")
    typer.echo(f"open {res.html}")
    if getattr(res, "interactive", None):
        typer.echo(f"interactive page (plotly, 3D structure view): {res.interactive}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
