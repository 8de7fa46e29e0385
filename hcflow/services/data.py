"""Documents and tables out of the database: query, export, stored trajectories.

What ``hcflow query``, ``export`` and ``export-trajectory`` and the notebook
API do. Database errors become one-line :class:`~hcflow.errors.HcflowError`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hcflow.errors import HcflowError
from hcflow.md.trajectory_export import TRAJECTORY_FORMATS as _TRAJ_FORMATS
from hcflow.schemas.common import json_safe
from hcflow.services.common import Echo, check_reachable, connect, to_stderr
from hcflow.settings import Settings, get_settings

FORMATS = ("table", "json", "csv")
EXPORT_FORMATS = ("csv", "parquet", "json")
TRAJECTORY_FORMATS = tuple(_TRAJ_FORMATS)


def fetch_documents(
    collection: str,
    criteria: dict | None = None,
    fields: list[str] | None = None,
    sort: str | None = None,
    limit: int = 0,
    settings: Settings | None = None,
    announce: Echo | None = to_stderr,
) -> list[dict]:
    """Documents of one collection.

    Parameters
    ----------
    collection
        A collection name (checked before the database is reached).
    criteria
        MongoDB filter.
    fields
        Fields to return (all when None).
    sort
        A field to sort by; ``-field`` sorts descending.
    limit
        At most this many (0: all).
    """
    settings = settings or get_settings()
    check_reachable(settings)  # a database that is down: said before heavy imports
    from pymongo.errors import PyMongoError

    from hcflow.db.stores import get_store

    store = get_store(collection, settings)  # checks the name first
    connect(settings, announce=announce)
    sort_spec = None
    if sort:
        sort_spec = {sort.lstrip("-+"): -1 if sort.startswith("-") else 1}
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


def flatten(
    doc: dict, fields: list[str] | None = None, keep_long: bool = False
) -> dict:
    """A table row of a document: the named (dotted) fields, or every field
    whose value is short (long nested values are left out, or with
    ``keep_long`` kept as compact JSON text, e.g. ``msd_A2`` in a CSV export)."""
    from pydash import get

    doc = {k: v for k, v in doc.items() if k != "_id"}
    if fields:
        return {f: get(doc, f) for f in fields}
    out = {}
    for key, value in doc.items():
        if isinstance(value, dict | list) and len(json.dumps(value, default=str)) > 60:
            if keep_long:
                out[key] = json.dumps(
                    json_safe(value), separators=(",", ":"), default=str
                )
            continue
        out[key] = value
    return out


def documents_frame(
    docs: list[dict], fields: list[str] | None = None, keep_long: bool = False
):
    """Documents as a pandas DataFrame of :func:`flatten` rows."""
    import pandas as pd

    return pd.DataFrame([flatten(d, fields, keep_long) for d in docs])


def json_text(obj: Any, indent: int | None = 1) -> str:
    """Strict JSON of any document: numpy and dates made JSON-safe, NaN and
    infinities as ``null`` (Python's ``NaN``/``Infinity`` are not JSON)."""
    from monty.json import jsanitize

    clean = json_safe(jsanitize(obj, strict=False, allow_bson=False))
    return json.dumps(clean, indent=indent, default=str, allow_nan=False)


def documents_json(docs: list[dict]) -> str:
    """Documents as a JSON array (no ``_id``; NaN and infinities as null)."""
    return json_text([{k: v for k, v in d.items() if k != "_id"} for d in docs]) + "\n"


def format_documents(docs: list[dict], fmt: str, fields: list[str] | None) -> str:
    """Documents as a text table, JSON or CSV."""
    import pandas as pd

    if fmt not in FORMATS:
        raise HcflowError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "json":
        return documents_json(docs)
    frame = documents_frame(docs, fields)
    if fmt == "csv":
        return frame.to_csv(index=False)
    if frame.empty:
        return "(no documents)\n"
    with pd.option_context("display.max_columns", 40, "display.width", 200):
        text = frame.to_string(index=False, max_colwidth=28)
    return f"{text}\n({len(frame)} documents)\n"


def check_writable(path: Path) -> None:
    """One-line error unless ``path``'s folder exists and is writable."""
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise HcflowError(f"output folder does not exist: {parent}")
    if not os.access(parent, os.W_OK):
        raise HcflowError(f"output folder is not writable: {parent}")


def export_collection(
    collection: str,
    fmt: str = "csv",
    out: str | Path | None = None,
    criteria: dict | None = None,
    settings: Settings | None = None,
) -> tuple[Path, int]:
    """Write a collection to a csv, parquet or json file; (path, documents)."""
    if fmt not in EXPORT_FORMATS:
        raise HcflowError(f"unknown format {fmt!r}; use csv, parquet or json")
    if fmt == "parquet":
        import importlib.util

        if importlib.util.find_spec("pyarrow") is None:
            raise HcflowError("parquet needs pyarrow: pip install 'hcflow[parquet]'")
    docs = fetch_documents(collection, criteria, settings=settings)
    out = Path(out or f"{collection}.{fmt}")
    check_writable(out)
    if fmt == "json":
        out.write_text(documents_json(docs))
        return out, len(docs)
    frame = documents_frame(docs, keep_long=True)  # arrays as JSON text
    if fmt == "csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_parquet(out, index=False)
    return out, len(docs)


def load_trajectory(task_id: str, settings: Settings | None = None):
    """The stored trajectory (CompactTrajectory) of an md_tasks document."""
    from hcflow.db.stores import get_data_store
    from hcflow.md.trajectory_store import load_trajectory as load_blob

    settings = settings or get_settings()
    docs = fetch_documents(
        "md_tasks", {"task_id": task_id}, ["task_id", "trajectory"], settings=settings
    )
    if not docs:
        raise HcflowError(f"no md_tasks document with task_id {task_id!r}")
    data = get_data_store(settings)
    data.connect()
    try:
        return load_blob(docs[0], data)
    finally:
        data.close()


def export_trajectory(
    task_id: str,
    fmt: str = "extxyz",
    out: str | Path | None = None,
    wrap: bool = False,
    settings: Settings | None = None,
) -> tuple[Path, Any]:
    """Write a stored trajectory for ASE / OVITO / LAMMPS; (path, trajectory).

    ``fmt``: one of :data:`TRAJECTORY_FORMATS`; the default file name is the
    task id without characters that break scp or Windows. Positions are
    unwrapped unless ``wrap``. Nothing is written on an error.
    """
    from hcflow.md.trajectory_export import check_format, default_path
    from hcflow.md.trajectory_export import write_trajectory as write

    check_format(fmt)
    out = Path(out) if out else default_path(task_id, fmt)
    traj = load_trajectory(task_id, settings)
    check_writable(out)
    try:
        write(traj, out, fmt, wrap)
    except Exception:
        out.unlink(missing_ok=True)  # nothing half-written
        raise
    return out, traj
