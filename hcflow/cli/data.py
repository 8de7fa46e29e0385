"""Data commands: ingest, query, export, export-trajectory (see hcflow.services)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from hcflow.cli.options import filter_option
from hcflow.errors import HcflowError
from hcflow.inputs import check_trajectory_header, read_mapping


def ingest(
    paths: list[Path] = typer.Argument(..., help="Trajectory file(s) ASE can read."),
    metadata: str = typer.Option(
        None,
        "--metadata",
        "-m",
        help="JSON or a JSON/YAML file: temperature_K, timestep_fs, frame_interval "
        "(required); mobile_species (default Na; Li, K... also for hosts "
        "without carbon), density_g_cm3, na_content, label, tags, study_id, "
        "format.",
    ),
    type_map: str = typer.Option(
        None,
        "--type-map",
        help="LAMMPS atom type -> element for a dump with only id type x y z, "
        "e.g. 1=C,2=Na (every type in the file must be mapped).",
    ),
) -> None:
    """Store trajectories as md_tasks documents + compact trajectories.

    Every file is reported (ingested / failed with its reason); a bad file
    does not stop the others, and the exit code is 1 when any failed.
    *.xdatcar and XDATCAR* files are read as VASP XDATCAR.
    """
    from hcflow.services.common import check_reachable

    meta = read_mapping(metadata, "metadata")  # bounded, read once, before anything
    if type_map:
        from hcflow.services.ingest import parse_type_map

        meta = {**(meta or {}), "type_map": parse_type_map(type_map)}
    for path in paths:
        if path.is_file():
            check_trajectory_header(path)
    check_reachable()  # a database that is down: said before the heavy imports
    from hcflow.services.ingest import ingest_files

    def report(outcome) -> None:
        doc = outcome.doc
        if doc is None:
            if len(paths) > 1:
                typer.echo(f"failed {outcome.path}: {outcome.error}", err=True)
            return
        verb = "ingested" if outcome.new else "already ingested"
        host = (
            f"rho_C={doc.density_g_cm3:.3f} g/cm3, Na:C={doc.na_content:.4f}"
            if doc.n_c
            else f"no carbon, {doc.n_mobile} {doc.mobile_species}"
        )
        typer.echo(
            f"{verb} {outcome.path} -> {doc.task_id}: {doc.formula} {doc.n_atoms} "
            f"atoms, {doc.n_frames} frames, {doc.duration_ps:g} ps, {host}, "
            f"mobile {doc.mobile_species}, "
            f"{doc.trajectory_nbytes / (doc.n_atoms * doc.n_frames):.2f} B/atom-frame"
        )

    outcomes = ingest_files(paths, meta, each=report)
    failed = [o for o in outcomes if not o.ok]
    if len(outcomes) == 1 and failed:
        raise HcflowError(failed[0].error)
    if failed:
        names = ", ".join(str(o.path) for o in failed[:5])
        more = f" (+{len(failed) - 5} more)" if len(failed) > 5 else ""
        raise HcflowError(
            f"{len(failed)} of {len(outcomes)} files failed: {names}{more}"
        )


def _fields(text: str | None) -> list[str] | None:
    return [f.strip() for f in text.split(",") if f.strip()] if text else None


def query(
    collection: str = typer.Argument(..., help="Collection name, e.g. md_tasks."),
    filter: str = filter_option("MongoDB filter: inline JSON or a saved query file."),
    fields: str = typer.Option(None, "--fields", help="Comma-separated fields."),
    sort: str = typer.Option(None, "--sort", help="Field to sort by (-field: desc)."),
    limit: int = typer.Option(20, "--limit", "-n", help="At most this many (0: all)."),
    fmt: str = typer.Option("table", "--format", help="table, json or csv."),
) -> None:
    """Query any collection and print a table, JSON or CSV."""
    from hcflow.services.data import FORMATS, fetch_documents, format_documents

    if fmt not in FORMATS:
        raise HcflowError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if limit < 0:
        raise HcflowError("--limit must be >= 0")
    criteria = read_mapping(filter, "filter", unwrap=("filter",))
    field_list = _fields(fields)
    docs = fetch_documents(collection, criteria, field_list, sort, limit)
    sys.stdout.write(format_documents(docs, fmt, field_list))


def export(
    collection: str = typer.Argument(..., help="Collection to export."),
    fmt: str = typer.Option("csv", "--format", help="csv, parquet or json."),
    out: Path = typer.Option(None, "--out", "-o", help="Output file."),
    filter: str = filter_option("MongoDB filter: inline JSON or a saved query file."),
) -> None:
    """Export a collection for pandas / spreadsheets."""
    from hcflow.services.data import EXPORT_FORMATS, export_collection

    if fmt not in EXPORT_FORMATS:
        raise HcflowError(f"unknown format {fmt!r}; use csv, parquet or json")
    path, n = export_collection(
        collection, fmt, out, read_mapping(filter, "filter", unwrap=("filter",))
    )
    typer.echo(f"wrote {n} documents to {path}")


def export_trajectory(
    task_id: str = typer.Argument(..., help="md_tasks task_id."),
    fmt: str = typer.Option(
        "extxyz", "--format", help="extxyz, traj, xyz, xdatcar or lammps-dump."
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="Output file (default: the task id, no colons)."
    ),
    wrap: bool = typer.Option(False, "--wrap", help="Wrap atoms into the cell."),
) -> None:
    """Write a stored trajectory for ASE / OVITO (unwrapped unless --wrap)."""
    from hcflow.services.data import export_trajectory as export_traj

    path, traj = export_traj(task_id, fmt, out, wrap)
    typer.echo(f"wrote {traj.n_frames} frames of {traj.n_atoms} atoms to {path}")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("query")(query)
    app.command("export")(export)
    app.command("export-trajectory")(export_trajectory)
