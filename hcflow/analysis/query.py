"""Saved queries: which ions an analysis runs on, and with which settings.

A saved query is a YAML file under ``queries/`` (or the same as inline JSON)
with ``description``, ``filter`` (a MongoDB filter on ion_descriptors) and
optional per-analysis ``settings`` (``modes``, ``drivers``,
``correlations``); inline JSON may also be a bare filter. Validation gives a
one-line :class:`HcflowError`: unknown keys, filter fields that are not
ion_descriptors fields (a typo would silently match nothing), operators that
run code (:func:`hcflow.db.filters.check_filter`), unknown analyses.
``query_hash`` hashes the filter alone. Format in full: docs/analysis-methods.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hcflow.analysis.table import known_fields
from hcflow.db.filters import check_filter
from hcflow.errors import HcflowError
from hcflow.hashing import stable_hash
from hcflow.inputs import read_mapping

__all__ = ["SavedQuery", "load_query", "parse_query", "stable_hash", "validate_filter"]

ANALYSES = ("modes", "drivers", "correlations")
TOP_KEYS = {"description", "filter", "query", "settings", "name"}
OPERATORS = {
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$in",
    "$nin",
    "$exists",
    "$type",
    "$regex",
    "$options",
    "$not",
    "$mod",
    "$elemMatch",
    "$size",
    "$all",
}
LOGICAL = {"$and", "$or", "$nor"}


@dataclass(frozen=True)
class SavedQuery:
    """A validated filter on ion_descriptors plus per-analysis settings."""

    filter: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    description: str = ""
    name: str | None = None

    @property
    def hash(self) -> str:
        """Hash of the filter alone."""
        return stable_hash(self.filter)

    def settings_for(self, kind: str, override: dict | None = None) -> dict:
        """The query's settings for one analysis, updated by ``override``."""
        return {**self.settings.get(kind, {}), **dict(override or {})}


def _check_value(field_name: str, value: Any) -> None:
    if isinstance(value, dict) and any(str(k).startswith("$") for k in value):
        for op, arg in value.items():
            if op not in OPERATORS:
                raise HcflowError(f"query: unknown operator {op} on {field_name}")
            if op in ("$in", "$nin", "$all") and not isinstance(arg, list):
                raise HcflowError(f"query: {op} on {field_name} needs a list")
            if op == "$not":
                _check_value(field_name, arg)


def validate_filter(flt: Any, fields: list[str] | None = None) -> dict:
    """Return ``flt`` when it is a valid ion_descriptors filter, else raise."""
    if not isinstance(flt, dict):
        raise HcflowError(f"query filter must be an object, not {type(flt).__name__}")
    check_filter(flt, "query filter")
    known = set(fields or known_fields())
    for key, value in flt.items():
        if key in LOGICAL:
            if not isinstance(value, list) or not value:
                raise HcflowError(f"query: {key} needs a non-empty list of filters")
            for sub in value:
                validate_filter(sub, fields)
        elif key.startswith("$"):
            raise HcflowError(f"query: unsupported top-level operator {key}")
        else:
            base = key.split(".")[0]
            if base not in known:
                raise HcflowError(
                    f"query: unknown field {key!r}; ion_descriptors fields: "
                    f"{', '.join(sorted(known))}"
                )
            _check_value(key, value)
    return flt


def parse_query(raw: Any, name: str | None = None) -> SavedQuery:
    """A :class:`SavedQuery` from a parsed YAML/JSON object."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise HcflowError("a saved query must be an object (filter, settings, ...)")
    if "filter" in raw or "query" in raw or "settings" in raw:
        unknown = sorted(set(raw) - TOP_KEYS)
        if unknown:
            raise HcflowError(
                f"saved query: unknown key(s) {', '.join(unknown)}; "
                f"use {', '.join(sorted(TOP_KEYS))}"
            )
        flt = raw.get("filter", raw.get("query")) or {}
        settings = raw.get("settings") or {}
        description = str(raw.get("description") or "")
        name = raw.get("name") or name
    elif set(raw) <= {"description", "name"}:
        flt, settings = {}, {}
        description, name = str(raw.get("description") or ""), raw.get("name") or name
    else:  # a bare filter
        flt, settings, description = raw, {}, ""
    validate_filter(flt)
    if not isinstance(settings, dict):
        raise HcflowError("saved query: settings must be an object per analysis")
    bad = sorted(set(settings) - set(ANALYSES))
    if bad:
        raise HcflowError(
            f"saved query: settings for unknown analysis {', '.join(bad)}; "
            f"use {', '.join(ANALYSES)}"
        )
    for kind, val in settings.items():
        if not isinstance(val, dict):
            raise HcflowError(f"saved query: settings.{kind} must be an object")
    return SavedQuery(
        filter=dict(flt),
        settings={k: dict(v) for k, v in settings.items()},
        description=description,
        name=name,
    )


def load_query(spec: str | Path | dict | None) -> SavedQuery:
    """Load a saved query from a YAML/JSON file, inline JSON, or a dict.

    ``None`` or an empty string is every ion.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return SavedQuery(name="all")
    if isinstance(spec, dict):
        return parse_query(spec)
    text = str(spec).strip()
    name = "inline" if text.startswith("{") else Path(text).stem
    return parse_query(read_mapping(text, "query"), name=name)
