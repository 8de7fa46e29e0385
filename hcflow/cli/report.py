"""``hcflow report``: HTML page + PNG figures + CSV of the numbers behind them."""

from __future__ import annotations

from pathlib import Path

import typer

from hcflow.settings import get_settings


def report(
    study: str = typer.Option(None, "--study", help="Study id to report on."),
    query: str = typer.Option(
        None, "--query", help="Saved query (YAML file) or JSON filter on md_tasks."
    ),
    out: Path = typer.Option(Path("hcflow-report"), "--out", help="Output folder."),
) -> None:
    """Draw the figures a scientist would put in a paper, and an HTML page."""
    from hcflow.db.stores import ensure_database
    from hcflow.report.build import build_report, check_writable

    check_writable(out)
    settings = ensure_database(get_settings(), announce=lambda m: typer.echo(m))
    flt = None
    if query:
        from hcflow.cli.data import _parse_filter

        path = Path(query)
        if path.suffix in (".yaml", ".yml") and path.is_file():
            import yaml

            flt = (yaml.safe_load(path.read_text()) or {}).get("filter", {})
        else:
            flt = _parse_filter(query)
    res = build_report(out, study_id=study, query=flt, settings=settings)
    typer.echo(f"wrote {len(res.figures)} figures + CSV to {res.out_dir}")
    for key, why in res.skipped.items():
        typer.echo(f"  not drawn: {key}: {why}")
    typer.echo(f"open {res.html}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
