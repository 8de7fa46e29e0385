"""``hcflow db start|stop|status|check``: the local database server and its data."""

from __future__ import annotations

import json

import typer

from hcflow.cli.options import format_option, output_format
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
def status(fmt: str = format_option()) -> None:
    """Print URI, PID, data folder, collections and document counts.

    Exit 3 when the local server is not running.
    """
    from hcflow.db.connection import check_connection, collection_counts

    fmt = output_format(fmt)
    s = get_settings()
    out: dict = {"uri": s.safe_uri, "running": True}
    if s.uses_local_server:
        info = server_status(s.data_dir)
        if info is None:
            out = {"running": False, "data_dir": str(s.data_dir.resolve())}
            msg = f"not running (data dir {out['data_dir']})"
            typer.echo(json.dumps(out) if fmt == "json" else msg)
            raise typer.Exit(3)
        out |= {"uri": info.uri, "pid": info.pid, "data_dir": str(info.storage)}
        out |= {"log": str(info.log), "login": s.safe_uri}
    check_connection(s)
    out["database"] = s.db_name
    counts = collection_counts(s)
    if fmt == "json":
        typer.echo(json.dumps(out | {"collections": counts}, indent=2))
        return
    labels = {"data_dir": "data dir"}
    for key in ("uri", "pid", "data_dir", "log", "login", "database"):
        if key in out:
            typer.echo(f"{labels.get(key, key) + ':':<10}{out[key]}")
    if not counts:
        typer.echo("collections: none yet")
    for name, n in counts.items():
        typer.echo(f"  {name:<28} {n:>10d}")


@db_app.command("check")
def check(
    repair: bool = typer.Option(
        False,
        "--repair",
        help="Remove orphan and broken blobs, orphan chunks, md_tasks whose "
        "trajectory blob is missing (re-run the ingest/collection to restore them) "
        "and jobflow outputs whose blob is missing (study run redoes the job).",
    ),
    min_age: float = typer.Option(
        300.0,
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
