"""Documents and tables out of the database: query, export, stored trajectories.

What ``hcflow query``, ``export`` and ``export-trajectory`` and the notebook
API do. Database errors become one-line :class:`~hcflow.errors.HcflowError`.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hcflow.errors import HcflowError, os_error_message
from hcflow.services.common import Echo, check_reachable, connect, to_stderr
from hcflow.settings import Settings, get_settings

FORMATS = ("table", "json", "csv")
EXPORT_FORMATS = ("csv", "parquet", "json")
#: formats of export-trajectory (hcflow.md.trajectory_export, kept in step)
TRAJECTORY_FORMATS = ("extxyz", "traj", "xyz", "xdatcar", "lammps-dump")


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
    from hcflow.db.filters import check_filter
    from hcflow.db.stores import check_collection, database_errors, open_database

    check_collection(collection)  # before the database is reached
    check_filter(criteria)
    connect(settings, announce=announce)
    sort_spec = None
    if sort:
        sort_spec = [(sort.lstrip("-+"), -1 if sort.startswith("-") else 1)]
    projection = {f: 1 for f in fields} if fields else None
    # pymongo directly (not a maggma store): the query starts without maggma
    with (
        open_database(settings) as db,
        database_errors(settings.uri, f"query on {collection}"),
    ):
        cursor = db[collection].find(criteria or {}, projection, sort=sort_spec)
        return list(cursor.limit(limit))


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
                from hcflow.schemas.common import json_safe

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

    from hcflow.schemas.common import json_safe

    clean = json_safe(jsanitize(obj, strict=False, allow_bson=False))
    return json.dumps(clean, indent=indent, default=str, allow_nan=False)


def documents_json(docs: list[dict]) -> str:
    """Documents as a JSON array (no ``_id``; NaN and infinities as null)."""
    return json_text([{k: v for k, v in d.items() if k != "_id"} for d in docs]) + "\n"


def format_documents(docs: list[dict], fmt: str, fields: list[str] | None) -> str:
    """Documents as a text table, JSON or CSV."""
    if fmt not in FORMATS:
        raise HcflowError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "json":
        return documents_json(docs)
    if fmt == "table" and not docs:
        return "(no documents)\n"  # without importing pandas
    import pandas as pd

    frame = documents_frame(docs, fields)
    if fmt == "csv":
        return frame.to_csv(index=False)
    if frame.empty:
        return "(no documents)\n"
    with pd.option_context("display.max_columns", 40, "display.width", 200):
        text = frame.to_string(index=False, max_colwidth=28)
    return f"{text}\n({len(frame)} documents)\n"


def check_writable(path: Path) -> None:
    """One-line error unless ``path`` can be written: its folder exists and is
    writable, and it is not a folder or a read-only file."""
    path = Path(path)
    if path.is_dir():
        raise HcflowError(f"--out {path} is a folder; give a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise HcflowError(f"output file is read-only: {path}")
    if path.exists() and not path.is_file():
        return  # a device or pipe (/dev/stdout): written in place
    parent = path.resolve().parent
    if not parent.is_dir():
        raise HcflowError(f"output folder does not exist: {parent}")
    if not os.access(parent, os.W_OK):
        raise HcflowError(f"output folder is not writable: {parent}")


def write_output(out: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(path)`` so that ``out`` is whole or untouched.

    A regular file is written to a temporary file beside it and renamed over
    it; a device or pipe is written in place. An OS error (a full disk,
    ENOSPC) is one line, and the temporary file is removed.
    """
    check_writable(out)
    if out.exists() and not stat.S_ISREG(out.stat().st_mode):
        try:
            write(out)
        except OSError as exc:
            raise HcflowError(os_error_message(exc, out)) from None
        return
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except OSError as exc:
        raise HcflowError(os_error_message(exc, out)) from None
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
        text = documents_json(docs)
        write_output(out, lambda p: Path(p).write_text(text))
        return out, len(docs)
    frame = documents_frame(docs, keep_long=True)  # arrays as JSON text
    if fmt == "csv":
        write_output(out, lambda p: frame.to_csv(p, index=False))
    else:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise HcflowError(
                "parquet needs pyarrow: pip install 'hcflow[parquet]'"
            ) from None
        write_output(out, lambda p: frame.to_parquet(p, index=False))
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
    check_writable(out)
    traj = load_trajectory(task_id, settings)
    write_output(out, lambda p: write(traj, p, fmt, wrap))
    return out, traj
