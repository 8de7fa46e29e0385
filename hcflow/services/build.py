"""Run the maggma builders: descriptors, then the query-driven analyses.

What ``hcflow build ...``, the demo and the notebook API do. Every input
(query, settings) is validated before the database is touched; the builders
are made here once (:func:`make_builder`), so ``hcflow build``, ``builder.run()``
and maggma's ``mrun`` (:func:`write_builder_json`) run the same builder with
the same settings.

The Arrhenius builder (:func:`run_arrhenius`) fits the trajectory summaries
over temperature, per system and (after ``modes``) per mode.

Targets, in build order (``hcflow build all`` runs them all): see
:data:`TARGETS`. To add one, write ``(query, retry_failed, echo) -> Any`` and
add it there (and a command in :mod:`hcflow.cli.build`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hcflow.errors import HcflowError
from hcflow.inputs import read_mapping
from hcflow.services.build_text import (
    describe_arrhenius,
    describe_result,
    descriptor_failures,
    failure_summary,
)
from hcflow.services.common import Echo, check_reachable, connect, quiet
from hcflow.settings import Settings, get_settings

ANALYSES = ("modes", "drivers", "correlations")


def _saved_query(query: Any):
    from hcflow.analysis.query import SavedQuery, load_query

    return query if isinstance(query, SavedQuery) else load_query(query)


def make_builder(
    kind: str,
    query: Any = None,
    overrides: dict | str | Path | None = None,
    settings: Settings | None = None,
    retry_failed: bool = False,
):
    """A ready builder of one kind on the configured database (not run).

    Parameters
    ----------
    kind
        ``descriptors``, ``modes``, ``drivers``, ``correlations`` or
        ``arrhenius``.
    query
        descriptors: an md_tasks filter (dict, inline JSON or a JSON/YAML file);
        arrhenius: a trajectory_summaries filter (the same forms);
        analyses: a saved query (:mod:`hcflow.analysis.query`).
    overrides
        descriptors: DescriptorSettings overrides (unset cutoffs default to
        the hcflow settings' ``na_c_cutoff`` / ``na_na_cutoff``); arrhenius:
        :class:`~hcflow.analysis.arrhenius_groups.ArrheniusSettings`
        overrides; analyses: overrides of the query's own settings. A dict,
        inline JSON or a file.
    settings
        hcflow Settings (which database, default cutoffs); default: the
        process settings.

    Raises
    ------
    HcflowError
        A bad kind, query or setting, before any database is touched.
    """
    overrides = read_mapping(overrides, "settings")
    settings = settings or get_settings()
    if kind == "descriptors":
        from hcflow.builders.descriptors import DescriptorBuilder

        return DescriptorBuilder.from_settings(
            settings,
            overrides,
            query=read_mapping(query, "query", unwrap=("filter", "query")),
            retry_failed=retry_failed,
        )
    if kind == "arrhenius":
        return _arrhenius_builder(
            read_mapping(query, "query", unwrap=("filter", "query")),
            overrides,
            settings,
        )
    if kind not in ANALYSES:
        known = ", ".join(("descriptors", *ANALYSES, "arrhenius"))
        raise HcflowError(f"unknown builder {kind!r}; use {known}")
    from hcflow.builders.analysis import make_builder as make_analysis

    return make_analysis(kind, _saved_query(query), overrides, settings)


def _arrhenius_builder(query: dict, overrides: dict, settings: Settings):
    from hcflow.builders.arrhenius import ArrheniusBuilder
    from hcflow.db.stores import get_store

    return ArrheniusBuilder(
        *(
            get_store(name, settings)
            for name in (
                "trajectory_summaries",
                "md_tasks",
                "arrhenius",
                "ion_descriptors",
                "ion_modes",
                "modes",
            )
        ),
        query=query,
        settings=overrides,
    )


def write_builder_json(
    kind: str, path: str | Path, query: Any = None, overrides: Any = None
) -> Path:
    """Write the builder as the JSON file maggma's runner reads (``mrun FILE``).

    The file holds the builder's stores (collection names, database name, no
    URI and so no credentials: ``mrun`` connects to the database its own
    environment names), its query and its fully resolved settings, so it
    runs the same settings (and gives the same settings hash) wherever it runs.
    """
    builder = make_builder(kind, query, overrides)
    path = Path(path)
    try:
        path.write_text(json.dumps(builder.as_dict(), default=str, indent=1))
    except OSError as exc:
        raise HcflowError(f"cannot write {path}: {exc.strerror}") from None
    return path


def run_descriptors(
    query: Any = None,
    overrides: Any = None,
    retry_failed: bool = False,
    progress: bool = True,
    echo: Echo = print,
    warn: Echo | None = None,
    settings: Settings | None = None,
) -> dict[str, int]:
    """Build ion_descriptors + trajectory_summaries; returns the counts.

    ``warn`` gets the lines about failed trajectories and a started server
    (default: ``echo``). Returns ``{"processed", "failed", "ions"}``; the
    line printed also says how many processed trajectories are diffusive.
    """
    warn = warn or echo
    settings = settings or get_settings()
    check_reachable(settings)  # a database that is down: said before heavy imports
    # bad input fails here, before anything is written or a server started
    builder = make_builder("descriptors", query, overrides, settings, retry_failed)
    connect(settings, announce=warn)
    stats = builder.build(progress=progress)
    n_done = stats["processed"] + stats["failed"] + stats.get("not_estimable", 0)
    done = "; already up to date" if not n_done else ""
    hashes = ", ".join(sorted(builder.hashes or {builder.descriptor_settings.hash}))
    n_not = stats["processed"] - builder.n_diffusive
    echo(
        f"descriptors (settings {hashes}): "
        f"{stats['processed']} trajectories processed, {stats['failed']} failed, "
        f"{stats['ions']} ion documents written{done}"
        + (
            f"; {stats['not_estimable']} too short to analyse (not estimable)"
            if stats.get("not_estimable")
            else ""
        )
        + (
            f"; {builder.n_diffusive} of {stats['processed']} diffusive"
            + (" (the others' D is an upper bound)" if n_not else "")
            if stats["processed"]
            else ""
        )
    )
    for task_id, error in builder.errors.items():
        warn(f"  failed {task_id}: {error}")
    for task_id, error in builder.too_short.items():
        warn(f"  not estimable {task_id}: {error}")
    hashes = sorted(builder.hashes or {builder.descriptor_settings.hash})
    if not retry_failed:
        earlier = _failed_earlier(builder.query, hashes, settings) - stats["failed"]
        if earlier > 0:  # failed in an earlier build and skipped now
            stats["failed_earlier"] = earlier
    short = _failed_earlier(builder.query, hashes, settings, not_estimable=True)
    if short > stats.get("not_estimable", 0):  # too short, found in an earlier build
        stats["not_estimable_earlier"] = short - stats.get("not_estimable", 0)
    return stats


def _failed_earlier(
    query: dict, hashes: list[str], settings: Settings, not_estimable: bool = False
) -> int:
    """Failed (or, ``not_estimable``, too short) trajectory summaries of the
    selection with these settings."""
    from hcflow.db.stores import get_store

    crit: dict = {
        "state": "failed",
        "settings_hash": {"$in": hashes},
        "not_estimable": True if not_estimable else {"$ne": True},
    }
    if query:
        with get_store("md_tasks", settings) as md:
            ids = [d["task_id"] for d in md.query(query, properties=["task_id"])]
        crit["task_id"] = {"$in": ids}
    with get_store("trajectory_summaries", settings) as summaries:
        return summaries.count(crit)


def run_analysis(
    kind: str,
    query: Any = None,
    overrides: Any = None,
    echo: Echo = print,
    settings: Settings | None = None,
) -> list[str]:
    """Run one query-driven analysis builder; the result ids.

    ``query``: a SavedQuery, a filter dict, a saved-query file or inline JSON;
    ``overrides`` replace the query's own settings for this analysis. Both
    are validated before the database is touched.
    """
    settings = settings or get_settings()
    check_reachable(settings)  # a database that is down: said before heavy imports
    from hcflow.builders.analysis import check_analysis
    from hcflow.db.stores import get_store

    saved = _saved_query(query)
    overrides = read_mapping(overrides, "settings")
    check_analysis(kind, saved, overrides)  # bad input fails before any database
    settings = connect(settings, announce=echo)
    builder = make_builder(kind, saved, overrides, settings)
    ids = builder.build()
    store = get_store(kind, settings)
    with store:
        doc = store.query_one({"result_id": ids[-1]}) if ids else None
    state = "new result" if builder.new_results else "up to date"
    echo(
        f"{kind}: {state} {ids[-1] if ids else ''}"
        + (f" ({describe_result(kind, doc)})" if doc else "")
    )
    return ids


def run_arrhenius(
    query: Any = None,
    overrides: Any = None,
    echo: Echo = print,
    settings: Settings | None = None,
) -> list[dict]:
    """Build the ``arrhenius`` collection; the system documents of the query.

    ``query``: a trajectory_summaries filter (dict, inline JSON or a JSON/YAML
    file); ``overrides``: ArrheniusSettings overrides. Both are validated
    before the database is touched. Prints one line per system (and per
    mode): Ea and the extrapolated D with their intervals and the verdict,
    or why there is no fit.
    """
    settings = settings or get_settings()
    builder = make_builder("arrhenius", query, overrides, settings)
    connect(settings, announce=echo)
    docs = [d for d in builder.build() if d]
    n_new = len(builder.new_keys)
    echo(
        f"arrhenius: {len(docs)} system(s), {n_new} fitted now, "
        f"{len(docs) - n_new} up to date"
    )
    for doc in docs:
        echo("  " + describe_arrhenius(doc))
    return docs


def _analysis_target(kind: str) -> Callable:
    def target(query: Any, retry_failed: bool = False, echo: Echo = print):
        return run_analysis(kind, query, echo=echo)

    target.__name__ = f"build_{kind}"
    return target


def _descriptors_target(query: Any, retry_failed: bool = False, echo: Echo = print):
    return run_descriptors(query=query, retry_failed=retry_failed, echo=echo)


def _arrhenius_target(query: Any, retry_failed: bool = False, echo: Echo = print):
    return run_arrhenius(query, echo=echo)


#: name -> ``(query, retry_failed, echo)`` builder function, in build order.
TARGETS: dict[str, Callable[..., Any]] = {
    "descriptors": _descriptors_target,
    **{kind: _analysis_target(kind) for kind in ANALYSES},
    "arrhenius": _arrhenius_target,
}


def run_all(
    query: Any = None, retry_failed: bool = False, echo: Echo = print
) -> dict[str, str]:
    """Every target in order with the same query; returns name -> outcome.

    The descriptors must succeed (their error propagates); an analysis that
    cannot run on the selected ions (too few ions, no mobility values...) is
    reported (``skipped: <reason>``) and the next one runs. Trajectories too
    short for the settings are not estimable, not failed; an analysis with
    nothing left to analyse is then ``not estimable: <reason>``, not skipped.
    """
    parsed = read_mapping(query, "query", unwrap=("filter", "query"))
    outcome: dict[str, str] = {}
    n_short = 0  # trajectories too short for the settings: analyses may skip
    for name, func in TARGETS.items():
        echo(f"== build {name}")
        try:
            result = func(parsed, retry_failed, echo)
        except HcflowError as exc:
            if name == "descriptors":
                raise
            if n_short:  # explained by short runs: a result, not a failure
                outcome[name] = f"not estimable ({n_short} too short): {exc}"
                echo(f"  not estimable {name} ({n_short} trajectories too short)")
                continue
            outcome[name] = f"skipped: {exc}"
            echo(f"  skipped {name}: {exc}")
            continue
        stats = result if isinstance(result, dict) else {}
        failed = stats.get("failed", 0)
        if name == "descriptors":
            n_short = stats.get("not_estimable", 0)
            n_short += stats.get("not_estimable_earlier", 0)
        note = f"{failed} failed" if failed else ""
        if n_short and name == "descriptors":
            note += f"{', ' if note else ''}{n_short} not estimable"
        outcome[name] = f"done, {note}" if note else "done"
    return outcome


__all__ = [
    "ANALYSES",
    "TARGETS",
    "describe_arrhenius",
    "describe_result",
    "descriptor_failures",
    "failure_summary",
    "make_builder",
    "quiet",
    "run_all",
    "run_analysis",
    "run_arrhenius",
    "run_descriptors",
    "write_builder_json",
]
