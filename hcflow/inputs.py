"""Reading and validating user input: one JSON/YAML reader, one validation style.

Every entry point (command line, study and query files, store files, the
notebook API, maggma runner JSON) reads user input through these functions
(:func:`read_yaml_file`, :func:`read_mapping`, :func:`parse_model`,
:func:`known_keys`). Settings are pydantic models with ``extra="forbid"``
(:class:`StrictModel`); all errors are one line and name the input (``what``).

Details: docs/services.md.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from hcflow.errors import HcflowError
from hcflow.limits import (
    MAX_INGEST_ATOMS,
    MAX_INPUT_DEPTH,
    MAX_INPUT_FILE_BYTES,
    MAX_INPUT_VALUES,
)

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base of hcflow's settings models: unknown keys and NaN/infinity are errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_bounds(raw: Any, what: str) -> Any:
    """``raw`` itself, or a one-line error when it nests deeper than
    MAX_INPUT_DEPTH or holds more than MAX_INPUT_VALUES values with shared
    (YAML alias) parts counted each time they appear."""
    sizes: dict[int, int] = {}

    def size(obj: Any, depth: int) -> int:
        if depth > MAX_INPUT_DEPTH:
            raise HcflowError(f"{what}: nested deeper than {MAX_INPUT_DEPTH} levels")
        if isinstance(obj, str) and _has_lone_surrogate(obj):
            raise HcflowError(
                f"{what}: text {obj[:40]!r} holds an unpaired UTF-16 surrogate"
            )
        if not isinstance(obj, dict | list | tuple):
            return 1
        if id(obj) not in sizes:
            children = obj.values() if isinstance(obj, dict) else obj
            sizes[id(obj)] = 1 + sum(size(c, depth + 1) for c in children)
            if sizes[id(obj)] > MAX_INPUT_VALUES:
                raise HcflowError(
                    f"{what}: more than {MAX_INPUT_VALUES:,} values once "
                    "aliases are expanded"
                )
        return sizes[id(obj)]

    size(raw, 0)
    return raw


def _load_text(text: str, what: str, kind: str) -> Any:
    """JSON or YAML text parsed and bounded, every failure one line."""
    try:
        raw = json.loads(text) if kind == "JSON" else yaml.safe_load(text)
    except RecursionError:
        raise HcflowError(
            f"{what}: nested deeper than {MAX_INPUT_DEPTH} levels"
        ) from None
    except json.JSONDecodeError as exc:
        raise HcflowError(f"{what}: not JSON ({exc.msg})") from None
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())[:150]
        raise HcflowError(f"{what} is not valid YAML: {reason}") from None
    return check_bounds(raw, what)


def read_yaml_file(path: str | Path, what: str = "file") -> Any:
    """The parsed content of a JSON or YAML file (one-line errors, bounded)."""
    path = Path(path)
    if not path.is_file():
        raise HcflowError(f"{what} not found: {path}")
    if path.stat().st_size > MAX_INPUT_FILE_BYTES:
        raise HcflowError(
            f"{what} {path} is larger than {MAX_INPUT_FILE_BYTES:,} bytes"
        )
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise HcflowError(f"{what} {path} cannot be read: {exc}") from None
    # JSON first where it looks like JSON: YAML reads the escaped surrogate
    # pairs json.dump writes ("\\ud83d\\udd0b") as two unpaired halves
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    return _load_text(text, f"{what} {path}", kind)


def read_mapping(
    value: str | Path | dict | None, what: str, unwrap: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A dict from inline JSON, a JSON/YAML file, a dict, or None (``{}``).

    Parameters
    ----------
    value
        What the user gave: text starting with ``{`` is JSON, other text a
        file path; a dict is returned as a copy.
    what
        Name of the input in error messages (``query``, ``settings``...).
    unwrap
        Keys whose dict value replaces the file's content when present (the
        saved-query files of ``queries/`` hold ``{"filter": {...}}``).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, dict):
        return dict(check_bounds(value, what))
    text = str(value).strip()
    if text.startswith("{"):
        if len(text) > MAX_INPUT_FILE_BYTES:
            raise HcflowError(f"invalid {what}: longer than {MAX_INPUT_FILE_BYTES:,}")
        raw = _load_text(text, f"invalid {what}", "JSON")
    else:
        path = Path(text)
        if not path.is_file():
            raise HcflowError(f"invalid {what}: {text!r} is neither JSON nor a file")
        raw = read_yaml_file(path, f"{what} file") or {}
        if isinstance(raw, dict):
            for key in unwrap:
                if isinstance(raw.get(key), dict):
                    raw = raw[key]
                    break
    if not isinstance(raw, dict):
        raise HcflowError(f"invalid {what}: must be a JSON/YAML object")
    return raw


def error_location(loc: tuple) -> str:
    """A pydantic error location as dotted text, list indices left out."""
    return ".".join(str(x) for x in loc if not isinstance(x, int))


def non_finite_key(raw: Any, prefix: str = "") -> tuple[str, float] | None:
    """(dotted key, value) of the first NaN or infinity anywhere in ``raw``."""
    if isinstance(raw, float) and not math.isfinite(raw):
        return prefix, raw
    items: Any = ()
    if isinstance(raw, dict):
        items = raw.items()
    elif isinstance(raw, list | tuple):
        items = enumerate(raw)
    for key, value in items:
        name = f"{prefix}.{key}" if prefix and isinstance(key, str) else prefix
        found = non_finite_key(value, name or str(key))
        if found is not None:
            return found
    return None


def parse_model(model: type[M], raw: Any, what: str) -> M:
    """``model(**raw)`` with the first validation error as a one-line HcflowError.

    NaN and infinities are refused anywhere in ``raw`` (also inside free-form
    mappings such as a study's ``structure`` parameters or calculator kwargs).

    The messages: ``<what>: unknown key 'a.b'``, ``<what>: missing required
    key 'a'``, ``<what>: bad value for 'a': <reason>``.
    """
    if isinstance(raw, model):
        return raw
    if not isinstance(raw, dict):
        raise HcflowError(f"{what}: must be a mapping, not {type(raw).__name__}")
    check_bounds(raw, what)
    bad = non_finite_key(raw)  # also inside free-form dicts (params, kwargs)
    if bad is not None:
        raise HcflowError(
            f"{what}: bad value for {bad[0]!r}: must be a finite number, not {bad[1]}"
        )
    try:
        return model(**raw)
    except HcflowError:
        raise
    except ValidationError as exc:
        err = exc.errors()[0]
        where = error_location(err["loc"]) or what
        if err["type"] == "extra_forbidden":
            raise HcflowError(f"{what}: unknown key {where!r}") from None
        if err["type"] == "missing":
            raise HcflowError(f"{what}: missing required key {where!r}") from None
        msg = err["msg"].removeprefix("Value error, ")
        raise HcflowError(f"{what}: bad value for {where!r}: {msg}") from None


def known_keys(d: dict | None, cls: type, what: str) -> dict:
    """A copy of ``d`` whose keys are all fields of the dataclass ``cls``.

    Raises
    ------
    HcflowError
        ``unknown <what> a, b; known: ...`` (one line) for any other key.
    """
    d = dict(d or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(d) - known)
    if unknown:
        raise HcflowError(
            f"unknown {what} {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return d


#: smallest plausible bytes per atom line of an XYZ / LAMMPS dump ("C 0 0 0\n")
_MIN_BYTES_PER_ATOM = 8


def check_trajectory_header(path: Path, fmt: str | None = None) -> None:
    """Refuse an XYZ/extxyz or LAMMPS-dump file whose header claims more atoms
    than MAX_INGEST_ATOMS or than the file can hold, before any reader
    allocates for them (one line)."""
    kind = (fmt or path.suffix.lstrip(".")).lower()
    with open(path, "rb") as fh:
        head = [fh.readline(200) for _ in range(10)]
    claimed = None
    if kind in ("xyz", "extxyz"):
        first = head[0].strip()
        claimed = int(first) if first.isdigit() else None
    elif kind in ("lammps-dump-text", "dump", "lammpstrj"):
        for i, line in enumerate(head[:-1]):
            if (
                line.startswith(b"ITEM: NUMBER OF ATOMS")
                and head[i + 1].strip().isdigit()
            ):
                claimed = int(head[i + 1])
                break
    if claimed is None:
        return
    if claimed > MAX_INGEST_ATOMS:
        raise HcflowError(
            f"{path}: header claims {claimed:,} atoms per frame; the limit is "
            f"{MAX_INGEST_ATOMS:,}"
        )
    if claimed * _MIN_BYTES_PER_ATOM > path.stat().st_size:
        raise HcflowError(
            f"{path}: header claims {claimed:,} atoms but the file has only "
            f"{path.stat().st_size:,} bytes (truncated or not a trajectory)"
        )
