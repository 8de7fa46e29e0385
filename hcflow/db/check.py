"""Find (and with ``repair``, remove) data that an interrupted write left behind.

Orphan blobs (no document refers to them), broken blobs (missing chunks),
md_tasks whose blob is missing or broken (repair deletes the document: its
source is the truth, and re-running the ingest or collection rewrites it
under the same task id), jobflow outputs whose blob is missing (repair
deletes the output, so the next ``study run`` redoes that job), orphan chunks
(aged by their newest chunk), and superseded blobs of a rerun job
(:func:`remove_superseded_blobs`). Duplicate keys are reported, never changed.
Objects younger than ``min_age_s`` are left alone (a write may be in
progress). The reasons in full: docs/db.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import gridfs
from bson import ObjectId
from pymongo.database import Database

from hcflow.db.stores import (
    COLLECTIONS,
    DATA_COLLECTION,
    JOBS_COLLECTION,
    database_errors,
    open_database,
)
from hcflow.settings import Settings


@dataclass
class CheckReport:
    """What :func:`check_database` found (ids) and what it removed (counts)."""

    orphan_blobs: list[str] = field(default_factory=list)
    broken_blobs: list[str] = field(default_factory=list)
    orphan_chunks: int = 0
    tasks_without_blob: list[str] = field(default_factory=list)
    outputs_without_blob: list[str] = field(default_factory=list)
    duplicate_keys: dict[str, int] = field(default_factory=dict)
    repaired: dict[str, int] = field(default_factory=dict)
    young: int = 0

    @property
    def problems(self) -> int:
        """Number of problems found."""
        return (
            len(self.orphan_blobs)
            + len(self.broken_blobs)
            + self.orphan_chunks
            + len(self.tasks_without_blob)
            + len(self.outputs_without_blob)
            + sum(self.duplicate_keys.values())
        )

    @property
    def remaining(self) -> int:
        """Problems still there after the repairs."""
        return self.problems - sum(self.repaired.values())

    def lines(self) -> list[str]:
        """One line per finding, for people."""

        def ids(values: list[str]) -> str:
            shown = ", ".join(values[:5])
            return shown + (f" (+{len(values) - 5} more)" if len(values) > 5 else "")

        out = []
        for name, values in (
            ("orphan blobs (no document refers to them)", self.orphan_blobs),
            ("broken blobs (chunks missing)", self.broken_blobs),
            ("md_tasks without their trajectory blob", self.tasks_without_blob),
            ("outputs referring to a missing blob", self.outputs_without_blob),
        ):
            if values:
                out.append(f"{name}: {len(values)}: {ids(values)}")
        if self.orphan_chunks:
            out.append(f"orphan GridFS chunks (no file): {self.orphan_chunks}")
        for coll, n in self.duplicate_keys.items():
            out.append(f"{coll}: {n} duplicated key(s)")
        for what, n in self.repaired.items():
            out.append(f"repaired: removed {n} {what}")
        if self.young:
            out.append(
                f"left alone: {self.young} object(s) younger than --min-age "
                "(a write may be in progress); check again later"
            )
        if not out:
            out.append("no problems found")
        repairable = self.problems - sum(self.duplicate_keys.values())
        if self.remaining and repairable > sum(self.repaired.values()):
            out.append("fix: hcflow db check --repair")
        return out


def _walk_blob_uuids(value: Any) -> Iterator[str]:
    """Every ``blob_uuid`` string anywhere in a document (jobflow references)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key == "blob_uuid" and isinstance(sub, str):
                yield sub
            else:
                yield from _walk_blob_uuids(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _walk_blob_uuids(sub)


def _older(moment: datetime | None, cutoff: datetime) -> bool:
    if moment is None:
        return True
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment < cutoff


def check_database(
    db: Database, repair: bool = False, min_age_s: float = 300.0
) -> CheckReport:
    """Check one hcflow database for orphans and dangling references.

    Parameters
    ----------
    db
        The hcflow database (pymongo).
    repair
        Remove orphan blobs, broken blobs, orphan chunks and md_tasks without
        their blob (see the module docstring for why each).
    min_age_s
        Leave alone what is younger than this (seconds): a write in progress.
    """
    report = CheckReport()
    cutoff = datetime.now(UTC) - timedelta(seconds=min_age_s)
    files = db[f"{DATA_COLLECTION}.files"]
    chunks = db[f"{DATA_COLLECTION}.chunks"]
    fs = gridfs.GridFS(db, DATA_COLLECTION)

    n_chunks, newest = {}, {}
    for g in chunks.aggregate(
        [{"$group": {"_id": "$files_id", "n": {"$sum": 1}, "last": {"$max": "$_id"}}}]
    ):
        n_chunks[g["_id"]], newest[g["_id"]] = g["n"], g["last"]
    healthy: set[str] = set()
    blob_files: dict[str, list] = {}
    broken_ids = []
    for f in files.find(
        {}, {"length": 1, "chunkSize": 1, "uploadDate": 1, "metadata": 1}
    ):
        uuid = (f.get("metadata") or {}).get("blob_uuid")
        expected = math.ceil(f.get("length", 0) / max(f.get("chunkSize", 1), 1))
        if n_chunks.get(f["_id"], 0) < expected:
            broken_ids.append(f["_id"])
            report.broken_blobs.append(str(uuid or f["_id"]))
            continue
        if uuid is not None:
            healthy.add(uuid)
            blob_files.setdefault(uuid, []).append(f)

    file_ids = set(files.distinct("_id"))
    orphan_chunk_ids = []
    for fid in n_chunks:
        if fid in file_ids:
            continue
        # aged by the newest chunk: a slow upload keeps adding chunks
        last = newest[fid]
        if _older(last.generation_time if isinstance(last, ObjectId) else None, cutoff):
            orphan_chunk_ids.append(fid)
        else:
            report.young += 1
    report.orphan_chunks = sum(n_chunks[fid] for fid in orphan_chunk_ids)

    tasks = db["md_tasks"]
    referenced: set[str] = set()
    for doc in tasks.find(
        {"trajectory.blob_uuid": {"$exists": True}},
        {"task_id": 1, "trajectory.blob_uuid": 1},
    ):
        uuid = doc["trajectory"]["blob_uuid"]
        referenced.add(uuid)
        if uuid not in healthy:
            report.tasks_without_blob.append(doc["task_id"])
    broken_outputs = []
    for doc in db[JOBS_COLLECTION].find({}, {"uuid": 1, "output": 1}):
        uuids = set(_walk_blob_uuids(doc.get("output")))
        referenced |= uuids
        if uuids - healthy:
            report.outputs_without_blob.append(str(doc.get("uuid")))
            broken_outputs.append(doc["_id"])

    orphan_files = []
    for uuid, fdocs in blob_files.items():
        if uuid in referenced:
            continue
        if all(_older(f.get("uploadDate"), cutoff) for f in fdocs):
            report.orphan_blobs.append(uuid)
            orphan_files.extend(f["_id"] for f in fdocs)
        else:
            report.young += 1

    for name, (key, _) in COLLECTIONS.items():
        dup = list(
            db[name].aggregate(
                [
                    {"$group": {"_id": f"${key}", "n": {"$sum": 1}}},
                    {"$match": {"n": {"$gt": 1}}},
                    {"$count": "keys"},
                ]
            )
        )
        if dup and dup[0]["keys"]:
            report.duplicate_keys[name] = int(dup[0]["keys"])

    if repair:
        for fid in orphan_files + broken_ids:
            fs.delete(fid)
        if orphan_files:
            report.repaired["orphan blobs"] = len(report.orphan_blobs)
        if broken_ids:
            report.repaired["broken blobs"] = len(broken_ids)
        if orphan_chunk_ids:
            chunks.delete_many({"files_id": {"$in": orphan_chunk_ids}})
            report.repaired["orphan chunks"] = report.orphan_chunks
        if report.tasks_without_blob:
            res = tasks.delete_many({"task_id": {"$in": report.tasks_without_blob}})
            report.repaired["md_tasks without blob"] = res.deleted_count
        if broken_outputs:
            # jobflow writes blobs before the output that refers to them, so
            # such an output is never a write in progress: its job is redone
            res = db[JOBS_COLLECTION].delete_many({"_id": {"$in": broken_outputs}})
            report.repaired["outputs without blob"] = res.deleted_count
    return report


def remove_superseded_blobs(db: Database) -> int:
    """Delete the blobs an earlier run of the same job left; how many.

    jobflow stores each run's blobs under a new random ``blob_uuid`` with the
    job's key (``job_uuid``, ``job_index``) in their metadata, and replaces the
    job's ``outputs`` document (same key). So after ``jf job rerun`` (or any
    second completion of one job) the first run's trajectory stays, referred
    to by nothing: stored twice. Here, per job key with blobs of more than one
    run, the blobs its ``outputs`` document does not refer to and that were
    uploaded before every blob it refers to are deleted -- never a blob of a
    write in progress (newer), never one an ``md_tasks`` document refers to,
    and nothing while the document's own blobs are not all there yet.
    """
    files = db[f"{DATA_COLLECTION}.files"]
    groups: dict[tuple, list[dict]] = {}
    for f in files.find(
        {"metadata.job_uuid": {"$exists": True}},
        {"uploadDate": 1, "metadata": 1},
    ):
        meta = f.get("metadata") or {}
        key = (meta.get("job_uuid"), meta.get("job_index"))
        groups.setdefault(key, []).append(f)
    fs = gridfs.GridFS(db, DATA_COLLECTION)
    removed = 0
    for (uuid, index), fdocs in groups.items():
        by_blob = {(f["metadata"] or {}).get("blob_uuid"): f for f in fdocs}
        if len(by_blob) < 2:
            continue
        out = db[JOBS_COLLECTION].find_one({"uuid": uuid, "index": index})
        referenced = set(_walk_blob_uuids((out or {}).get("output")))
        if not referenced or not referenced <= set(by_blob):
            continue  # no output yet, or its blobs are still being written
        oldest_current = min(by_blob[u]["uploadDate"] for u in referenced)
        for blob_uuid, f in by_blob.items():
            if blob_uuid in referenced or f["uploadDate"] >= oldest_current:
                continue
            if db["md_tasks"].find_one({"trajectory.blob_uuid": blob_uuid}, {"_id": 1}):
                continue
            for fid in [
                g["_id"] for g in fdocs if g["metadata"].get("blob_uuid") == blob_uuid
            ]:
                fs.delete(fid)
            removed += 1
    return removed


def run_check(
    settings: Settings, repair: bool = False, min_age_s: float = 300.0
) -> CheckReport:
    """:func:`check_database` on the configured database (one-line errors)."""
    with open_database(settings) as db, database_errors(settings.uri, "db check"):
        return check_database(db, repair=repair, min_age_s=min_age_s)
