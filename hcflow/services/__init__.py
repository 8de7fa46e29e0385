"""The service layer: what each hcflow command does, callable from Python.

The command line (:mod:`hcflow.cli`), the demo and the notebook API
(:mod:`hcflow.api`) call these functions; they call the layers below
(flows, builders, report -> md, structures, descriptors, analysis ->
potentials -> schemas -> db, settings). Every function validates its input
before the database is touched and raises a one-line
:class:`~hcflow.errors.HcflowError` on bad input. Functions that report
progress take ``echo`` (one line at a time; ``print`` by default).

Modules: :mod:`.ingest` (trajectory files -> md_tasks), :mod:`.data`
(documents, tables, exports, stored trajectories), :mod:`.build` (the
builders, and their JSON for maggma's ``mrun``), :mod:`.study` (plan, run,
submit, status, collect), :mod:`.structure`, :mod:`.potential`,
:mod:`.report`, :mod:`.demo`.
"""

import importlib
from typing import Any

#: public name -> the module that defines it. Imported on first use, so that a
#: command loads only what it runs (and says "database down" quickly).
_HOMES = {
    "make_builder": "build",
    "run_all": "build",
    "run_analysis": "build",
    "run_arrhenius": "build",
    "run_descriptors": "build",
    "write_builder_json": "build",
    "export_collection": "data",
    "export_trajectory": "data",
    "fetch_documents": "data",
    "load_trajectory": "data",
    "ingest_files": "ingest",
    "ingest_trajectory": "ingest",
    "collect_outputs": "study",
    "init_remote": "study",
    "plan_study": "study",
    "run_study": "study",
    "study_status": "study",
    "submit_study": "study",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'hcflow.services' has no attribute {name!r}")
    module = importlib.import_module(f"hcflow.services.{_HOMES[name]}")
    return getattr(module, name)


__all__ = [
    "collect_outputs",
    "export_collection",
    "export_trajectory",
    "fetch_documents",
    "ingest_files",
    "ingest_trajectory",
    "init_remote",
    "load_trajectory",
    "make_builder",
    "plan_study",
    "run_all",
    "run_analysis",
    "run_arrhenius",
    "run_descriptors",
    "run_study",
    "study_status",
    "submit_study",
    "write_builder_json",
]
