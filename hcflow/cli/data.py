"""Data commands: ingest, query, export, export-trajectory."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from hcflow.errors import HcflowError
from hcflow.settings import get_settings

FORMATS = ("table", "json", "csv")


def ingest(
    paths: list[Path] = typer.Argument(..., help="Trajectory file(s) ASE can read."),
    metadata: str = typer.Option(
        None,
        "--metadata",
        "-m",
        help="JSON or a JSON/YAML file: temperature_K, timestep_fs, frame_interval "
        "(required); density_g_cm3, na_content, label, tags, study_id, format.",
    ),
) -> None:
    """Store trajectories as md_tasks documents + compact trajectories."""
    from hcflow.db.stores import ensure_database
    from hcflow.ingest import ingest_trajectory, parse_metadata

    meta = parse_metadata(metadata)
    settings = ensure_database(get_settings())
    for path in paths:
        doc, new = ingest_trajectory(path, meta, settings)
        verb = "ingested" if new else "already ingested"
        typer.echo(
            f"{verb} {path} -> {doc.task_id}: {doc.formula} {doc.n_atoms} atoms, "
            f"{doc.n_frames} frames, {doc.duration_ps:g} ps, "
            f"rho_C={doc.density_g_cm3:.3f} g/cm3, Na:C={doc.na_content:.4f}, "
            f"{doc.trajectory_nbytes / (doc.n_atoms * doc.n_frames):.2f} B/atom-frame"
        )


def _parse_filter(text: str | None) -> dict:
    from hcflow.cli.build import parse_json_or_file

    return parse_json_or_file(text, "filter")


def fetch_documents(
    collection: str,
    criteria: dict | None = None,
    fields: list[str] | None = None,
    sort: str | None = None,
    limit: int = 0,
) -> list[dict]:
    """Documents of one collection (database errors become HcflowError)."""
    from pymongo.errors import PyMongoError

    from hcflow.db.stores import ensure_database, get_store

    settings = get_settings()
    store = get_store(collection, settings)  # checks the name first
    ensure_database(settings, announce=lambda m: typer.echo(m, err=True))
    sort_spec = None
    if sort:
        direction = -1 if sort.startswith("-") else 1
        sort_spec = {sort.lstrip("-+"): direction}
    store.connect()
    try:
        return list(
            store.query(
                criteria=criteria or {},
                properties=fields or None,
                sort=sort_spec,
                limit=limit,
            )
        )
    except PyMongoError as exc:
        reason = str(exc).split(", full error")[0].splitlines()[0][:200]
        raise HcflowError(f"query failed: {reason}") from None
    finally:
        store.close()


def _flatten(doc: dict, fields: list[str] | None) -> dict:
    from pydash import get

    doc = {k: v for k, v in doc.items() if k != "_id"}
    if fields:
        return {f: get(doc, f) for f in fields}
    out = {}
    for key, value in doc.items():
        if isinstance(value, dict | list) and len(json.dumps(value, default=str)) > 60:
            continue
        out[key] = value
    return out


def query(
    collection: str = typer.Argument(..., help="Collection name, e.g. md_tasks."),
    filter: str = typer.Option(None, "--filter", "-f", help="MongoDB filter (JSON)."),
    fields: str = typer.Option(None, "--fields", help="Comma-separated fields."),
    sort: str = typer.Option(None, "--sort", help="Field to sort by (-field: desc)."),
    limit: int = typer.Option(20, "--limit", "-n", help="At most this many (0: all)."),
    fmt: str = typer.Option("table", "--format", help="table, json or csv."),
) -> None:
    """Query any collection and print a table, JSON or CSV."""
    if fmt not in FORMATS:
        raise HcflowError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if limit < 0:
        raise HcflowError("--limit must be >= 0")
    criteria = _parse_filter(filter)
    field_list = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    docs = fetch_documents(collection, criteria, field_list, sort, limit)
    write_documents(docs, fmt, field_list, sys.stdout)


def write_documents(docs: list[dict], fmt: str, fields, out) -> None:
    """Print documents as a table, JSON lines array or CSV."""
    import pandas as pd

    if fmt == "json":
        from monty.json import jsanitize

        clean = [{k: v for k, v in d.items() if k != "_id"} for d in docs]
        out.write(json.dumps(jsanitize(clean), indent=1, default=str) + "\n")
        return
    rows = [_flatten(d, fields) for d in docs]
    frame = pd.DataFrame(rows)
    if fmt == "csv":
        frame.to_csv(out, index=False)
        return
    if frame.empty:
        out.write("(no documents)\n")
        return
    with pd.option_context("display.max_columns", 40, "display.width", 200):
        out.write(frame.to_string(index=False, max_colwidth=28) + "\n")
    out.write(f"({len(frame)} documents)\n")


def export(
    collection: str = typer.Argument(..., help="Collection to export."),
    fmt: str = typer.Option("csv", "--format", help="csv, parquet or json."),
    out: Path = typer.Option(None, "--out", "-o", help="Output file."),
    filter: str = typer.Option(None, "--filter", "-f", help="MongoDB filter (JSON)."),
) -> None:
    """Export a collection for pandas / spreadsheets."""
    import pandas as pd

    if fmt not in ("csv", "parquet", "json"):
        raise HcflowError(f"unknown format {fmt!r}; use csv, parquet or json")
    docs = fetch_documents(collection, _parse_filter(filter))
    out = out or Path(f"{collection}.{fmt}")
    _check_writable(out)
    if fmt == "json":
        with open(out, "w") as fh:
            write_documents(docs, "json", None, fh)
    else:
        frame = pd.DataFrame([_flatten(d, None) for d in docs])
        if fmt == "csv":
            frame.to_csv(out, index=False)
        else:
            try:
                frame.to_parquet(out, index=False)
            except ImportError:
                raise HcflowError(
                    "parquet needs pyarrow: pip install pyarrow"
                ) from None
    typer.echo(f"wrote {len(docs)} documents to {out}")


def _check_writable(path: Path) -> None:
    parent = path.resolve().parent
    if not parent.is_dir():
        raise HcflowError(f"output folder does not exist: {parent}")
    import os

    if not os.access(parent, os.W_OK):
        raise HcflowError(f"output folder is not writable: {parent}")


def export_trajectory(
    task_id: str = typer.Argument(..., help="md_tasks task_id."),
    fmt: str = typer.Option("extxyz", "--format", help="extxyz or traj."),
    out: Path = typer.Option(None, "--out", "-o", help="Output file."),
    wrap: bool = typer.Option(False, "--wrap", help="Wrap atoms into the cell."),
) -> None:
    """Write a stored trajectory for ASE / OVITO (unwrapped unless --wrap)."""
    import ase.io

    from hcflow.db.stores import get_data_store
    from hcflow.db.trajectories import load_trajectory

    if fmt not in ("extxyz", "traj"):
        raise HcflowError(f"unknown format {fmt!r}; use extxyz or traj")
    docs = fetch_documents("md_tasks", {"task_id": task_id}, ["task_id", "trajectory"])
    if not docs:
        raise HcflowError(f"no md_tasks document with task_id {task_id!r}")
    out = out or Path(f"{task_id}.{fmt}")
    _check_writable(out)
    data = get_data_store()
    data.connect()
    try:
        traj = load_trajectory(docs[0], data)
    finally:
        data.close()
    ase.io.write(str(out), list(traj.iter_ase(wrap=wrap)), format=fmt)
    typer.echo(f"wrote {traj.n_frames} frames of {traj.n_atoms} atoms to {out}")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("query")(query)
    app.command("export")(export)
    app.command("export-trajectory")(export_trajectory)
