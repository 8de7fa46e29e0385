"""Content hashes: of settings (keys and provenance) and of files.

Two JSON spellings are in use and must stay as they are, because stored ids
are made from them: :func:`settings_hash` (``json.dumps(sort_keys=True)``,
12 hex characters: settings hashes of studies, descriptors and provenance)
and :func:`stable_hash` (compact separators, 16 by default: analysis result
ids and query hashes).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def settings_hash(settings: dict[str, Any]) -> str:
    """A 12-character hash of a settings dict (key order does not matter)."""
    return _sha256(json.dumps(settings, sort_keys=True, default=str))[:12]


def stable_hash(obj: Any, n: int = 16) -> str:
    """sha256 of canonical JSON (sorted keys), first ``n`` hex characters."""
    return _sha256(json.dumps(obj, sort_keys=True, default=str, separators=(",", ":")))[
        :n
    ]


def file_digest(path: str | Path) -> str:
    """sha256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def structure_key(
    numbers: Any, positions: Any, cell: Any, inputs: dict[str, Any]
) -> str:
    """A structure's id from its content and the inputs that made it.

    sha256 of the atomic numbers, the positions and cell rounded to 1e-5 A
    (``-0.0`` made ``0.0``) and :func:`stable_hash`'s JSON of ``inputs``
    (kind, method, seed, parent, study...): the same generation, sodiation or
    import run twice (an interrupted study started again) gives the same id,
    so the ``structures`` collection (keyed on it) gets no duplicate.
    """
    import numpy as np

    h = hashlib.sha256()
    h.update(np.ascontiguousarray(numbers, dtype=np.int64).tobytes())
    for array in (positions, cell):
        rounded = np.round(np.asarray(array, dtype=np.float64), 5) + 0.0
        h.update(np.ascontiguousarray(rounded).tobytes())
    h.update(json.dumps(inputs, sort_keys=True, default=str).encode())
    return f"hcs-{h.hexdigest()[:16]}"
