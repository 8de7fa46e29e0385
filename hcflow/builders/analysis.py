"""The query-driven analysis builders, and how to make one on the database.

``ModeBuilder`` (:mod:`hcflow.builders.modes`), ``DriverBuilder``
(:mod:`hcflow.builders.drivers`) and ``CorrelationBuilder``
(:mod:`hcflow.builders.correlations`) share :mod:`hcflow.builders.base`.
:func:`make_builder` wires one to the configured database's stores from a
saved query (:mod:`hcflow.analysis.query`) and settings. For maggma's runner:
``hcflow build modes --query queries/all.yaml --write-json modes.json``, then
``mrun modes.json`` (:func:`hcflow.services.build.write_builder_json`).
"""

from __future__ import annotations

from pathlib import Path

from hcflow.analysis.query import SavedQuery, load_query
from hcflow.builders.base import AnalysisBuilder, result_key
from hcflow.builders.correlations import CorrelationBuilder
from hcflow.builders.drivers import DriverBuilder
from hcflow.builders.modes import ModeBuilder
from hcflow.errors import HcflowError
from hcflow.settings import Settings

KINDS = ("modes", "drivers", "correlations")

__all__ = [
    "KINDS",
    "AnalysisBuilder",
    "CorrelationBuilder",
    "DriverBuilder",
    "ModeBuilder",
    "check_analysis",
    "make_builder",
    "result_key",
]


def check_analysis(
    kind: str,
    query: SavedQuery | dict | str | Path | None = None,
    settings: dict | None = None,
) -> dict:
    """Validate an analysis request without a database; its resolved settings.

    Raises a one-line HcflowError for an unknown kind, a bad query or a bad
    setting (e.g. an unknown descriptor), so nothing is started or written.
    """
    if kind not in KINDS:
        raise HcflowError(f"unknown analysis {kind!r}; use {', '.join(KINDS)}")
    q = query if isinstance(query, SavedQuery) else load_query(query)
    cls = {
        "modes": ModeBuilder,
        "drivers": DriverBuilder,
        "correlations": CorrelationBuilder,
    }[kind]
    return cls.resolve_settings(q.settings_for(kind, settings))


def make_builder(
    kind: str,
    query: SavedQuery | dict | str | Path | None,
    overrides: dict | None,
    settings: Settings,
) -> AnalysisBuilder:
    """A ready builder of one kind on the configured database.

    Parameters
    ----------
    kind
        modes, drivers or correlations.
    query
        A SavedQuery, a filter dict, a saved-query file or inline JSON.
    overrides
        Overrides of the query's own settings for this analysis.
    settings
        hcflow Settings: the database the stores point to.
    """
    from hcflow.db.stores import get_store

    if kind not in KINDS:
        raise HcflowError(f"unknown analysis {kind!r}; use {', '.join(KINDS)}")
    q = query if isinstance(query, SavedQuery) else load_query(query)
    common = {
        "query": q.filter,
        "settings": q.settings_for(kind, overrides),
        "query_name": q.name,
        "query_description": q.description,
    }
    ions = get_store("ion_descriptors", settings)
    target = get_store(kind, settings)
    if kind == "modes":
        return ModeBuilder(ions, target, get_store("ion_modes", settings), **common)
    if kind == "drivers":
        return DriverBuilder(ions, target, **common)
    return CorrelationBuilder(
        ions,
        target,
        get_store("modes", settings),
        get_store("ion_modes", settings),
        get_store("trajectory_summaries", settings),
        **common,
    )
