"""Copy finished MD and structure outputs from the JobStore into their collections.

jobflow (``run_locally``) and jobflow-remote write a job's output to the
JobStore's ``outputs`` collection, its trajectory already moved to the GridFS
``data`` store. :func:`collect_md_tasks` upserts every finished ``NaMDMaker``
output, and every document inside a ``BatchedNaMDMaker`` output, into
md_tasks, keyed on ``task_id`` (deterministic per study point: a point run
twice still gives one document; the newest output wins). An output whose
trajectory blob was never written (a run killed in between) is ignored, so
the point runs again. Idempotent. The ``copy_*`` functions take maggma stores
(MemoryStores in tests); ``collect_*`` take hcflow settings.
"""

from __future__ import annotations

from typing import Any

from maggma.core import Store

from hcflow.db.stores import JOBS_COLLECTION, get_data_store, get_store
from hcflow.md.batched_jobs import BATCH_SOURCE, batch_output_docs
from hcflow.md.jobs import SOURCE
from hcflow.schemas.common import utcnow
from hcflow.schemas.md_task import MDTaskDoc
from hcflow.schemas.structure import StructureDoc
from hcflow.settings import Settings


def _clean(output: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in output.items() if not k.startswith("@")}
    out["last_updated"] = utcnow()
    doc = MDTaskDoc(**out)
    return doc.model_dump(by_alias=True)


def _blob_uuid(output: dict) -> str | None:
    ref = output.get("trajectory")
    return ref.get("blob_uuid") if isinstance(ref, dict) else None


def _present_blobs(data: Store, items: list[dict]) -> set[str]:
    """The trajectory blobs of these outputs that exist in the data store."""
    uuids = [u for u in (_blob_uuid(i.get("output") or {}) for i in items) if u]
    if not uuids:
        return set()
    return set(data.distinct("blob_uuid", {"blob_uuid": {"$in": uuids}}))


def _latest_outputs(items: list[dict], present: set[str]) -> dict[str, dict]:
    """task_id -> the newest finished output whose trajectory blob exists."""
    latest: dict[str, dict] = {}
    for item in items:
        out = item.get("output")
        if not isinstance(out, dict) or not out.get("task_id"):
            continue
        if _blob_uuid(out) not in present:
            continue
        out = dict(out)
        out["metadata"] = {
            **(out.get("metadata") or {}),
            "job_uuid": item.get("uuid"),
            "job_index": item.get("index"),
        }
        tid = out["task_id"]
        stamp = str(item.get("completed_at") or "")
        if tid not in latest or stamp >= latest[tid]["_stamp"]:
            latest[tid] = {**out, "_stamp": stamp}
    return latest


def copy_md_outputs(
    outputs: Store, data: Store, md_tasks: Store, study_id: str | None = None
) -> dict[str, int]:
    """Upsert finished MD outputs (connected stores) into md_tasks.

    Returns ``{"new": n written, "seen": n finished MD outputs, "md_tasks": n
    in the collection (for the study when given)}``.
    """
    criteria: dict[str, Any] = {"output.source": {"$in": [SOURCE, BATCH_SOURCE]}}
    if study_id:
        criteria["output.study_id"] = study_id
    items = [
        {**item, "output": doc}  # a batch job's output holds one doc per point
        for item in outputs.query(
            criteria, properties=["output", "completed_at", "uuid", "index"]
        )
        for doc in batch_output_docs(item.get("output"))
    ]
    latest = _latest_outputs(items, _present_blobs(data, items))
    existing = {
        d["task_id"]: (d.get("trajectory") or {}).get("blob_uuid")
        for d in md_tasks.query(
            {"task_id": {"$in": list(latest)}}, properties=["task_id", "trajectory"]
        )
    }
    docs = []
    for tid, out in latest.items():
        out.pop("_stamp")
        if existing.get(tid) == _blob_uuid(out):
            continue
        docs.append(_clean(out))
    if docs:
        md_tasks.update(docs, key="task_id")
    count_q = {"study_id": study_id} if study_id else {}
    return {"new": len(docs), "seen": len(latest), "md_tasks": md_tasks.count(count_q)}


def copy_structure_outputs(
    outputs: Store, structures: Store, study_id: str | None = None
) -> dict[str, int]:
    """Upsert StructureDoc outputs (connected stores) into ``structures``.

    So the ``structure_id`` of every md_tasks document resolves. Idempotent
    (keyed on structure_id; documents already there are skipped). Returns
    ``{"new": written, "seen": structure outputs found, "structures":
    documents in the collection (for the study when given)}``.
    """
    from pymatgen.core import Structure

    criteria: dict[str, Any] = {"output.@class": "StructureDoc"}
    if study_id:
        criteria["output.study_id"] = study_id
    items = list(outputs.query(criteria, properties=["output"]))
    ids = [i["output"].get("structure_id") for i in items]
    have = set(structures.distinct("structure_id", {"structure_id": {"$in": ids}}))
    docs = []
    for item in items:
        out = {k: v for k, v in item["output"].items() if not k.startswith("@")}
        if out.get("structure_id") in have:
            continue
        if isinstance(out.get("structure"), dict):
            out["structure"] = Structure.from_dict(out["structure"])
        doc = StructureDoc(**out).to_store_dict()
        doc["last_updated"] = utcnow()
        have.add(doc["structure_id"])
        docs.append(doc)
    if docs:
        structures.update(docs, key="structure_id")
    n = structures.count({"study_id": study_id} if study_id else {})
    return {"new": len(docs), "seen": len(items), "structures": n}


def stored_structures(outputs: Store, study_id: str) -> dict[str, StructureDoc]:
    """structure_hash -> StructureDoc of a study's finished structure jobs.

    The study flow tags each structure and sodiation job with the hash of its
    inputs (``metadata.structure_hash``); a re-run uses these documents
    instead of making them again. The newest output wins.
    """
    from pymatgen.core import Structure

    criteria = {
        "metadata.study_id": study_id,
        "metadata.structure_hash": {"$exists": True},
        "output.@class": "StructureDoc",
    }
    found: dict[str, tuple[str, StructureDoc]] = {}
    for item in outputs.query(
        criteria, properties=["output", "metadata", "completed_at"]
    ):
        key = item["metadata"]["structure_hash"]
        stamp = str(item.get("completed_at") or "")
        if key in found and found[key][0] > stamp:
            continue
        out = {k: v for k, v in item["output"].items() if not k.startswith("@")}
        if isinstance(out.get("structure"), dict):
            out["structure"] = Structure.from_dict(out["structure"])
        found[key] = (stamp, StructureDoc(**out))
    return {key: doc for key, (_, doc) in found.items()}


def finished_structures(
    settings: Settings, study_id: str = ""
) -> dict[str, StructureDoc]:
    """:func:`stored_structures` on the configured database."""
    return _with_stores([JOBS_COLLECTION], settings, stored_structures, study_id)


def _with_stores(names: list[str], settings: Settings, func, *args):
    """Connect the named stores of the database, call ``func(*stores, *args)``."""
    stores = [
        get_data_store(settings) if n == "data" else get_store(n, settings)
        for n in names
    ]
    for s in stores:
        s.connect()
    try:
        return func(*stores, *args)
    finally:
        for s in stores:
            s.close()


def collect_md_tasks(settings: Settings, study_id: str | None = None) -> dict[str, int]:
    """:func:`copy_md_outputs` on the configured database, then
    :func:`hcflow.db.check.remove_superseded_blobs` (an MD output is stored
    once, however often its job ran)."""
    from hcflow.db.check import remove_superseded_blobs
    from hcflow.db.stores import database_errors, open_database

    names = [JOBS_COLLECTION, "data", "md_tasks"]
    counts = _with_stores(names, settings, copy_md_outputs, study_id)
    # a job run twice (jf job rerun) stored its trajectory twice: keep the one
    # its output (and so md_tasks, just updated) refers to
    with open_database(settings) as db, database_errors(settings.uri, "collect"):
        counts["superseded_blobs_removed"] = remove_superseded_blobs(db)
    return counts


def collect_structures(
    settings: Settings, study_id: str | None = None
) -> dict[str, int]:
    """:func:`copy_structure_outputs` on the configured database."""
    names = [JOBS_COLLECTION, "structures"]
    return _with_stores(names, settings, copy_structure_outputs, study_id)


def completed_tasks(settings: Settings, study_id: str | None = None) -> dict[str, str]:
    """task_id -> settings_hash of the successful md_tasks of a study."""
    crit: dict[str, Any] = {"state": "successful"}
    if study_id:
        crit["study_id"] = study_id

    def read(store):
        return {
            d["task_id"]: d.get("settings_hash")
            for d in store.query(crit, properties=["task_id", "settings_hash"])
        }

    return _with_stores(["md_tasks"], settings, read)
