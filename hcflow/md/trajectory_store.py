"""Store and load CompactTrajectory blobs in the GridFS data store.

Blobs have the shape jobflow writes for ``@job(data=...)`` outputs
(``blob_uuid``, ``data``, ``job_uuid``, ``job_index``), so a trajectory that
our MD job produced and one that ``hcflow ingest`` wrote are read the same way.
Only maggma Store methods are used, so any Store works (GridFSStore on the
database, MemoryStore in tests).
"""

from __future__ import annotations

from jobflow.utils.uid import suid
from maggma.core import Store

from hcflow.errors import HcflowError
from hcflow.md.trajectory import CompactTrajectory
from hcflow.schemas.md_task import TrajectoryRef


def save_trajectory(
    traj: CompactTrajectory, data_store: Store, job_uuid: str | None = None
) -> TrajectoryRef:
    """Write a trajectory blob; returns the reference to put in a document."""
    uuid = suid()
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
