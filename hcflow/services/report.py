"""The report: figures, CSV and an HTML page from the database.

What ``hcflow report`` and the demo do; drawing is in :mod:`hcflow.report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hcflow.inputs import read_mapping
from hcflow.services.common import Echo, check_reachable, connect
from hcflow.settings import Settings


def make_report(
    out: str | Path,
    study_id: str | None = None,
    query: Any = None,
    settings: Settings | None = None,
    announce: Echo | None = print,
):
    """Draw every figure the data allow; the ReportResult.

    ``query``: an md_tasks filter (dict, inline JSON, or a saved-query file
    whose ``filter`` is used).
    """
    check_reachable(settings)
    from hcflow.report.build import build_report, check_writable

    check_writable(Path(out))
    settings = connect(settings, announce=announce)
    flt = read_mapping(query, "filter", unwrap=("filter",)) if query else None
    return build_report(out, study_id=study_id, query=flt, settings=settings)
