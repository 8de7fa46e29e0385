"""Content-addressed store of generated cells: shipped library + local cache.

A melt-quench cell is keyed by
:func:`hcflow.structures.meltquench.content_hash`. :func:`lookup` finds it in
the **shipped library** (``hcflow/structures/library/<key>.json``, made by
``benchmarks/build_structure_library.py``, with provenance) or the **local
cache** (:func:`cache_dir`), where :func:`store` puts every new cell. A cell
file is JSON (cell lengths, symbols, positions rounded to 5 decimals as at
generation, info), so a cell read back is the very cell generated.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from ase import Atoms

from hcflow.errors import HcflowError

LIBRARY_DIR = Path(__file__).with_name("library")


def cache_dir() -> Path:
    """Folder of locally generated cells (created on first store).

    ``settings.structure_cache`` (``HCFLOW_STRUCTURE_CACHE``), else
    ``<settings.data_dir>/structures-md``.
    """
    from hcflow.settings import get_settings

    s = get_settings()
    folder = s.structure_cache or Path(s.data_dir) / "structures-md"
    return Path(folder).expanduser().resolve()


def to_json(atoms: Atoms) -> dict:
    """JSON-safe dict of a cell with its ``info["hcflow"]``."""
    info = dict(atoms.info.get("hcflow", {}))
    key = info.get("content_hash")
    if not key:
        raise HcflowError("cell has no content_hash: not a melt-quench cell")
    return {
        "content_hash": key,
        "cell": [float(x) for x in atoms.cell.lengths()],
        "symbols": atoms.get_chemical_symbols(),
        "positions": np.round(atoms.positions, 5).tolist(),
        "info": info,
    }


def from_json(d: dict) -> Atoms:
    """The cell of :func:`to_json`."""
    atoms = Atoms(d["symbols"], positions=d["positions"], cell=d["cell"], pbc=True)
    atoms.info["hcflow"] = dict(d["info"])
    return atoms


def _read(path: Path, source: str) -> Atoms | None:
    if not path.is_file():
        return None
    try:
        atoms = from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError) as exc:
        raise HcflowError(f"stored cell {path} is unreadable: {exc}") from None
    atoms.info["hcflow"]["source"] = source
    return atoms


def lookup(key: str) -> Atoms | None:
    """The stored cell with this content hash (library first), or None."""
    found = _read(LIBRARY_DIR / f"{key}.json", "library")
    if found is None:
        found = _read(cache_dir() / f"{key}.json", "cache")
    return found


def store(atoms: Atoms, folder: Path | None = None) -> Path:
    """Write a generated cell under its content hash (atomically); its path."""
    d = to_json(atoms)
    folder = Path(folder) if folder is not None else cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{d['content_hash']}.json"
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(d, separators=(",", ":")))
    tmp.replace(path)
    return path


def library_index() -> list[dict]:
    """Summary of the shipped cells (hash, n, density, seed, provenance)."""
    rows = []
    for path in sorted(LIBRARY_DIR.glob("*.json")):
        d = json.loads(path.read_text())
        info = d["info"]
        rows.append(
            {
                "content_hash": d["content_hash"],
                "n_carbon": info.get("n_carbon"),
                "density_g_cm3": info.get("density_g_cm3"),
                "seed": info.get("seed"),
                "potential": info.get("params", {}).get("potential"),
                "provenance": info.get("provenance"),
            }
        )
    return rows
