"""``hcflow db start|stop|status|check``: the local database server and its data."""

from __future__ import annotations

import typer

from hcflow.db.server import server_status, start_server, stop_server
from hcflow.settings import get_settings

db_app = typer.Typer(
    help="Run the local database server (SecantusDB).", no_args_is_help=True
)


@db_app.command("start")
def start() -> None:
    """Start the local server (does nothing if it already runs)."""
    s = get_settings()
    if not s.uses_local_server:
        typer.echo(f"HCFLOW_DB_URI is set ({s.safe_uri}); no local server to start")
        return
    info, started = start_server(s.data_dir, s.db_host, s.db_port, auth=s.db_auth)
    verb = "started" if started else "already running"
    auth = "with authentication" if info.auth else "WITHOUT authentication"
    typer.echo(f"{verb}: {info.uri} pid {info.pid} data {info.storage} ({auth})")


@db_app.command("stop")
def stop() -> None:
    """Stop the local server cleanly."""
    s = get_settings()
    info = stop_server(s.data_dir)
    if info is None:
        typer.echo(f"no local server running for {s.data_dir.resolve()}")
    else:
        typer.echo(f"stopped: {info.uri} pid {info.pid}")


@db_app.command("status")
def status() -> None:
    """Print URI, PID, data folder, collections and document counts."""
    from hcflow.db.connection import check_connection, collection_counts

    s = get_settings()
    if s.uses_local_server:
        info = server_status(s.data_dir)
        if info is None:
            typer.echo(f"not running (data dir {s.data_dir.resolve()})")
            raise typer.Exit(3)
        typer.echo(f"uri:      {info.uri}")
        typer.echo(f"pid:      {info.pid}")
        typer.echo(f"data dir: {info.storage}")
        typer.echo(f"log:      {info.log}")
        typer.echo(f"login:    {s.safe_uri}")
    else:
        typer.echo(f"uri:      {s.safe_uri}")
    check_connection(s)
    typer.echo(f"database: {s.db_name}")
    counts = collection_counts(s)
    if not counts:
        typer.echo("collections: none yet")
    for name, n in counts.items():
        typer.echo(f"  {name:<28} {n:>10d}")


@db_app.command("check")
def check(
    repair: bool = typer.Option(
        False,
        "--repair",
        help="Remove orphan and broken blobs, orphan chunks, and md_tasks whose "
        "trajectory blob is missing (re-run the ingest/collection to restore them).",
    ),
    min_age: float = typer.Option(
        600.0,
        "--min-age",
        min=0,
        help="Seconds: leave younger objects alone (a write may be in progress).",
    ),
) -> None:
    """Find data an interrupted write left behind (exit 2 while any remains)."""
    from hcflow.services.common import connect

    s = connect(get_settings(), announce=lambda m: typer.echo(m, err=True))
    from hcflow.db.check import run_check

    report = run_check(s, repair=repair, min_age_s=min_age)
    for line in report.lines():
        typer.echo(line)
    if report.remaining:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
