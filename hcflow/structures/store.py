"""StructureDocs made outside jobflow (the CLI, the notebook API) into ``structures``.

Structure outputs of jobs are copied from the JobStore by
:func:`hcflow.flows.collect.collect_structures`.
"""

from __future__ import annotations

from hcflow.db.stores import get_store
from hcflow.settings import Settings


def save_structure_docs(docs, settings: Settings) -> int:
    """Upsert StructureDocs into ``structures``; returns how many."""
    docs = list(docs)
    if not docs:
        return 0
    store = get_store("structures", settings)
    store.connect()
    try:
        store.update([d.to_store_dict() for d in docs], key="structure_id")
    finally:
        store.close()
    return len(docs)
