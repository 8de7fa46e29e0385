"""MD restart files: what a killed run needs to continue bit for bit.

A checkpoint holds positions, momenta, the step, the frames and energies so
far and the random generator's state, keyed by a hash of everything that
decides the run (:func:`run_key`): a checkpoint of another run is ignored.
Written atomically (temporary file, then rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np


def run_key(atoms, potential_info: dict, *settings: Any) -> str:
    """Hash of the start structure, the potential and the run's settings."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(atoms.numbers).tobytes())
    h.update(np.round(atoms.positions, 6).tobytes())
    name = potential_info.get("file_hash") or potential_info.get("name")
    h.update(json.dumps([name, *settings], default=str).encode())
    return h.hexdigest()[:16]


def write_checkpoint(path: Path, key, atoms, rng, step, frames, energies) -> None:
    """Write the restart state of a run at ``step``."""
    payload = {
        "key": key,
        "positions": atoms.positions.copy(),
        "momenta": atoms.get_momenta().copy(),
        "rng": rng.bit_generator.state,
        "step": step,
        "frames": list(frames),
        "energies": list(energies),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(payload, fh)
    os.replace(tmp, path)


def read_checkpoint(path: Path | None, key: str) -> dict | None:
    """The restart state in ``path`` when it belongs to the run ``key``."""
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except Exception:  # noqa: BLE001 - a corrupt checkpoint: start over
        return None
    return payload if payload.get("key") == key else None
