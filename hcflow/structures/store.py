"""StructureDocs into the ``structures`` collection.

Jobs write their outputs to the JobStore (``outputs``);
:func:`collect_structures` upserts every finished structure output
(HardCarbonMaker, SodiationMaker, ImportStructureMaker) into ``structures``,
keyed on ``structure_id`` (idempotent). :func:`save_structure_docs` writes
documents made outside jobflow (the CLI).
"""

from __future__ import annotations

from typing import Any

from pymatgen.core import Structure

from hcflow.db.stores import JOBS_COLLECTION, get_store
from hcflow.schemas.common import utcnow
from hcflow.schemas.structure import StructureDoc
from hcflow.settings import Settings, get_settings


def _doc_from_output(output: dict[str, Any]) -> StructureDoc:
    out = {k: v for k, v in output.items() if not k.startswith("@")}
    st = out["structure"]
    out["structure"] = st if isinstance(st, Structure) else Structure.from_dict(st)
    return StructureDoc(**out)


def save_structure_docs(docs, settings: Settings | None = None) -> int:
    """Upsert StructureDocs into ``structures``; returns how many."""
    docs = list(docs)
    if not docs:
        return 0
    store = get_store("structures", settings or get_settings())
    store.connect()
    try:
        store.update([d.to_store_dict() for d in docs], key="structure_id")
    finally:
        store.close()
    return len(docs)


def collect_structures(
    settings: Settings | None = None, study_id: str | None = None
) -> dict[str, int]:
    """Copy finished structure outputs from the JobStore into ``structures``.

    Returns ``{"new": written, "seen": structure outputs found,
    "structures": documents in the collection (for the study when given)}``.
    """
    settings = settings or get_settings()
    outputs = get_store(JOBS_COLLECTION, settings)
    target = get_store("structures", settings)
    outputs.connect()
    target.connect()
    try:
        crit: dict[str, Any] = {"output.structure_id": {"$exists": True}}
        if study_id:
            crit["output.study_id"] = study_id
        items = list(outputs.query(crit, properties=["output"]))
        ids = [i["output"]["structure_id"] for i in items]
        have = {
            d["structure_id"]
            for d in target.query({"structure_id": {"$in": ids}}, ["structure_id"])
        }
        docs = []
        for item in items:
            if item["output"]["structure_id"] in have:
                continue
            d = _doc_from_output(item["output"]).to_store_dict()
            d["last_updated"] = utcnow()
            docs.append(d)
        if docs:
            target.update(docs, key="structure_id")
        n = target.count({"study_id": study_id} if study_id else {})
    finally:
        outputs.close()
        target.close()
    return {"new": len(docs), "seen": len(items), "structures": n}
