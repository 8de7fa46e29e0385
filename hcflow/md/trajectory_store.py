"""Store and load CompactTrajectory blobs in the GridFS data store.

Blobs have the shape jobflow writes for ``@job(data=...)`` outputs
(``blob_uuid``, ``data``, ``job_uuid``, ``job_index``), so a trajectory that
our MD job produced and one that ``hcflow ingest`` wrote are read the same way.
Only maggma Store methods are used, so any Store works (GridFSStore on the
database, MemoryStore in tests).

:func:`write_task_with_trajectory` checks the document's size, then writes a
blob and the document that refers to it so that a refusal leaves nothing and
an interruption anywhere leaves nothing a re-run does not take over (see its
docstring); ``hcflow db check --repair`` removes what is left if nobody re-runs.
"""

from __future__ import annotations

from typing import Any

from jobflow.utils.uid import suid
from maggma.core import Store

from hcflow.errors import HcflowError
from hcflow.limits import MAX_DOCUMENT_BYTES
from hcflow.md.trajectory import CompactTrajectory
from hcflow.schemas.md_task import TrajectoryRef


def save_trajectory(
    traj: CompactTrajectory,
    data_store: Store,
    job_uuid: str | None = None,
    blob_uuid: str | None = None,
) -> TrajectoryRef:
    """Write a trajectory blob; returns the reference to put in a document.

    A ``blob_uuid`` decided beforehand replaces any blob of that uuid (the
    store keeps the newest); without one a random uuid is drawn.
    """
    uuid = blob_uuid or suid()
    blob = {
        "@class": "CompactTrajectory",
        "@module": "hcflow.md.trajectory",
        "blob_uuid": uuid,
        "data": traj.as_dict(),
        "job_uuid": job_uuid or f"ingest-{uuid}",
        "job_index": 1,
    }
    data_store.update([blob], key="blob_uuid")
    return TrajectoryRef(blob_uuid=uuid)


def load_trajectory(ref: TrajectoryRef | dict, data_store: Store) -> CompactTrajectory:
    """Load a trajectory from a reference or an md_tasks document."""
    if isinstance(ref, dict) and "trajectory" in ref:
        ref = ref["trajectory"]
    uuid = ref.blob_uuid if isinstance(ref, TrajectoryRef) else ref.get("blob_uuid")
    if not uuid:
        raise HcflowError("document has no trajectory reference (blob_uuid)")
    blob = data_store.query_one({"blob_uuid": uuid}, properties=["data"])
    if blob is None:
        raise HcflowError(f"trajectory blob {uuid} not found in the data store")
    data = blob["data"]
    if isinstance(data, CompactTrajectory):
        return data
    return CompactTrajectory.from_dict(data)


def delete_trajectory(ref: TrajectoryRef | dict, data_store: Store) -> None:
    """Remove a trajectory blob (used to undo a half-finished write)."""
    uuid = ref.blob_uuid if isinstance(ref, TrajectoryRef) else ref["blob_uuid"]
    data_store.remove_docs({"blob_uuid": uuid})


def trajectory_ref(task_id: str) -> TrajectoryRef:
    """The reference of a task's trajectory blob, decided from the task id."""
    return TrajectoryRef(blob_uuid=f"{task_id}-trajectory")


def check_document_size(doc: dict[str, Any], what: str = "document") -> int:
    """Encoded size of ``doc`` in bytes; one-line error above the limit."""
    import bson

    try:
        size = len(bson.encode(doc))
    except (bson.errors.InvalidDocument, TypeError, OverflowError):
        import json

        size = len(json.dumps(doc, default=str).encode())
    if size > MAX_DOCUMENT_BYTES:
        raise HcflowError(
            f"{what} is {size / 1e6:.1f} MB, over the {MAX_DOCUMENT_BYTES / 1e6:.0f}"
            " MB a database document may hold (shorten its labels, tags or "
            "metadata); nothing was written"
        )
    return size


def write_task_with_trajectory(
    traj: CompactTrajectory, doc: dict[str, Any], tasks: Store, data_store: Store
) -> tuple[dict[str, Any], bool]:
    """Write a trajectory blob, then the task document that refers to it.

    ``doc`` is built before anything is written, with ``trajectory_ref`` of its
    ``task_id`` (bad input, an oversized document included, fails before the
    database is touched). Then:

    - a task document always refers to a complete blob (blob first);
    - an interruption between the two leaves a blob of that same uuid, which a
      re-run replaces (not a second blob beside it) before writing the
      document; ``hcflow db check --repair`` removes it if nobody re-runs;
    - two writers of one task write one blob uuid and one document (the task
      key index is unique: the loser finds the winner's document);
    - a document the database refuses takes its new blob with it.

    Returns
    -------
    (document as stored, newly_written)
        ``newly_written`` is False when the task and its blob were there already.
    """
    check_document_size(doc, f"md_tasks document {doc['task_id']}")
    task_id = doc["task_id"]
    uuid = doc["trajectory"]["blob_uuid"]
    existing = tasks.query_one({"task_id": task_id})
    if existing is not None:
        stored_uuid = (existing.get("trajectory") or {}).get("blob_uuid")
        if stored_uuid and data_store.count({"blob_uuid": stored_uuid}):
            return existing, False
    save_trajectory(traj, data_store, job_uuid=task_id, blob_uuid=uuid)
    try:
        tasks.update([doc], key="task_id")
    except Exception:
        if tasks.query_one({"task_id": task_id, "trajectory.blob_uuid": uuid}) is None:
            data_store.remove_docs({"blob_uuid": uuid})  # refused: no orphan
            raise
        return doc, False  # a concurrent writer stored the same document
    return doc, True
