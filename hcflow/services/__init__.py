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

from hcflow.services.build import (
    make_builder,
    run_all,
    run_analysis,
    run_arrhenius,
    run_descriptors,
    write_builder_json,
)
from hcflow.services.data import (
    export_collection,
    export_trajectory,
    fetch_documents,
    load_trajectory,
)
from hcflow.services.ingest import ingest_files, ingest_trajectory
from hcflow.services.study import (
    collect_outputs,
    init_remote,
    plan_study,
    run_study,
    study_status,
    submit_study,
)

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
