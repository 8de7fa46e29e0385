"""Copy finished MD outputs from the JobStore into ``md_tasks``.

jobflow (``run_locally``) and jobflow-remote both write a job's output to the
JobStore's docs collection (``outputs``), with the trajectory already moved
to the GridFS ``data`` store and replaced by its reference. The md_tasks
collection is what builders and queries read: :func:`collect_md_tasks`
upserts every finished ``NaMDMaker`` output into it, keyed on ``task_id``.

jobflow writes the output document before the trajectory blob, so a run
killed in between leaves an output whose blob does not exist: such outputs are
ignored (the point counts as not done and runs again).

It is idempotent: a task already in md_tasks with the same trajectory blob is
left alone. The study flow gives every grid point a deterministic task id
(study, point, settings hash), so a point run twice (an interrupted study that
was started again) still gives one md_tasks document; the newest output wins.
"""

from __future__ import annotations

from typing import Any

from hcflow.db.stores import DATA_COLLECTION, JOBS_COLLECTION, get_store
from hcflow.md.jobs import SOURCE
from hcflow.schemas.common import utcnow
from hcflow.schemas.md_task import MDTaskDoc
from hcflow.settings import Settings, get_settings


def _clean(output: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in output.items() if not k.startswith("@")}
    out["last_updated"] = utcnow()
    doc = MDTaskDoc(**out)
    return doc.model_dump(by_alias=True)


def _blob_uuid(output: dict) -> str | None:
    ref = output.get("trajectory")
    return ref.get("blob_uuid") if isinstance(ref, dict) else None


def _present_blobs(settings: Settings, items: list[dict]) -> set[str]:
    """The trajectory blobs of these outputs that exist in the data store."""
    from pymongo import MongoClient

    uuids = [u for u in (_blob_uuid(i.get("output") or {}) for i in items) if u]
    if not uuids:
        return set()
    client = MongoClient(settings.uri, serverSelectionTimeoutMS=4000)
    try:
        files = client[settings.db_name][f"{DATA_COLLECTION}.files"]
        return {
            d["metadata"]["blob_uuid"]
            for d in files.find(
                {"metadata.blob_uuid": {"$in": uuids}}, {"metadata.blob_uuid": 1}
            )
        }
    finally:
        client.close()


def collect_md_tasks(
    settings: Settings | None = None, study_id: str | None = None
) -> dict[str, int]:
    """Upsert finished MD outputs into md_tasks.

    Parameters
    ----------
    settings
        Database settings (default: the process settings).
    study_id
        Only outputs of this study.

    Returns
    -------
    dict
        ``{"new": n written, "seen": n finished MD outputs, "md_tasks": n in the
        collection (for the study when given)}``.
    """
    settings = settings or get_settings()
    outputs = get_store(JOBS_COLLECTION, settings)
    md_tasks = get_store("md_tasks", settings)
    criteria: dict[str, Any] = {"output.source": SOURCE}
    if study_id:
        criteria["output.study_id"] = study_id
    outputs.connect()
    md_tasks.connect()
    try:
        latest: dict[str, dict] = {}
        items = list(
            outputs.query(
                criteria, properties=["output", "completed_at", "uuid", "index"]
            )
        )
        present = _present_blobs(settings, items)
        for item in items:
            out = item.get("output")
            if not isinstance(out, dict) or not out.get("task_id"):
                continue
            if _blob_uuid(out) not in present:
                continue
            out = dict(out)
            out.setdefault("metadata", {})
            out["metadata"] = {
                **out["metadata"],
                "job_uuid": item.get("uuid"),
                "job_index": item.get("index"),
            }
            tid = out["task_id"]
            stamp = str(item.get("completed_at") or "")
            if tid not in latest or stamp >= latest[tid]["_stamp"]:
                latest[tid] = {**out, "_stamp": stamp}
        existing = {
            d["task_id"]: (d.get("trajectory") or {}).get("blob_uuid")
            for d in md_tasks.query(
                {"task_id": {"$in": list(latest)}},
                properties=["task_id", "trajectory"],
            )
        }
        docs = []
        for tid, out in latest.items():
            out.pop("_stamp")
            blob = (out.get("trajectory") or {}).get("blob_uuid")
            if existing.get(tid) == blob:
                continue
            docs.append(_clean(out))
        if docs:
            md_tasks.update(docs, key="task_id")
        count_q = {"study_id": study_id} if study_id else {}
        return {
            "new": len(docs),
            "seen": len(latest),
            "md_tasks": md_tasks.count(count_q),
        }
    finally:
        outputs.close()
        md_tasks.close()


def completed_tasks(
    settings: Settings | None = None, study_id: str | None = None
) -> dict[str, str]:
    """task_id -> settings_hash of the successful md_tasks of a study."""
    settings = settings or get_settings()
    store = get_store("md_tasks", settings)
    store.connect()
    try:
        crit: dict[str, Any] = {"state": "successful"}
        if study_id:
            crit["study_id"] = study_id
        return {
            d["task_id"]: d.get("settings_hash")
            for d in store.query(crit, properties=["task_id", "settings_hash"])
        }
    finally:
        store.close()


def collect_structures(
    settings: Settings | None = None, study_id: str | None = None
) -> int:
    """Upsert StructureDoc outputs (hard carbon, sodiated) into ``structures``.

    So the ``structure_id`` of every md_tasks document resolves. Idempotent
    (keyed on structure_id; documents already there are skipped).
    """
    from pymatgen.core import Structure

    from hcflow.schemas.structure import StructureDoc

    settings = settings or get_settings()
    outputs = get_store(JOBS_COLLECTION, settings)
    target = get_store("structures", settings)
    criteria: dict[str, Any] = {"output.@class": "StructureDoc"}
    if study_id:
        criteria["output.study_id"] = study_id
    outputs.connect()
    target.connect()
    try:
        items = list(outputs.query(criteria, properties=["output"]))
        ids = [i["output"].get("structure_id") for i in items]
        have = set(target.distinct("structure_id", {"structure_id": {"$in": ids}}))
        docs = []
        for item in items:
            out = {k: v for k, v in item["output"].items() if not k.startswith("@")}
            if out.get("structure_id") in have:
                continue
            if isinstance(out.get("structure"), dict):
                out["structure"] = Structure.from_dict(out["structure"])
            doc = StructureDoc(**out).to_store_dict()
            have.add(doc["structure_id"])
            docs.append(doc)
        if docs:
            target.update(docs, key="structure_id")
        return len(docs)
    finally:
        outputs.close()
        target.close()
