"""Content-addressed store of generated cells: shipped library + local cache.

A melt-quench cell is keyed by
:func:`hcflow.structures.meltquench.content_hash` (method version, protocol,
seed, density, n_carbon). :func:`lookup` returns a stored cell for a key from

1. the **shipped library**: ``hcflow/structures/library/<key>.json``, package
   data made by ``benchmarks/build_structure_library.py`` (the cells of the
   demo study, so the demo needs no LAMMPS run), each with its provenance
   (command, versions, wall time);
2. the **local cache**: ``<settings.data_dir>/structures-md/<key>.json``
   (override with :func:`cache_dir`'s ``HCFLOW_STRUCTURE_CACHE``), where
   :func:`store` puts every newly generated cell.

A cell file is JSON: ``{"content_hash", "cell" (3 lengths, A), "symbols",
"positions" (A, 5 decimals), "info"}`` -- a 130-atom cell is ~5 kB.
Generation rounds positions to the same 5 decimals, so a cell read back is
the very cell that was generated.
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
    """Folder of locally generated cells (created on first store)."""
    env = os.environ.get("HCFLOW_STRUCTURE_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    from hcflow.settings import get_settings

    return (Path(get_settings().data_dir) / "structures-md").resolve()


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


def build_for_study(spec, folder: Path | None = None, command: str = "") -> list[dict]:
    """Generate (or reuse) every melt-quench cell of a study into ``folder``.

    ``spec`` is a :class:`~hcflow.flows.spec.StudySpec` with
    ``structure_method: md``; each cell is made by the same call the study's
    structure jobs make (:func:`~hcflow.structures.meltquench.generate_melt_quench`
    with the point's structure seed) and written with its provenance
    (``command``, versions, wall time) to ``folder`` (default: the shipped
    library). Returns one summary row per cell.
    """
    import datetime
    import time

    from hcflow import __version__
    from hcflow.structures.meltquench import generate_melt_quench

    folder = Path(folder) if folder is not None else LIBRARY_DIR
    seen, rows = set(), []
    for p in spec.points():
        if p.structure_key in seen:
            continue
        seen.add(p.structure_key)
        t0 = time.perf_counter()
        atoms = generate_melt_quench(
            p.n_carbon, p.density, p.structure_seed, spec.meltquench
        )
        info = atoms.info["hcflow"]
        info["provenance"] = {
            "command": command,
            "study": spec.id,
            "hcflow_version": __version__,
            "made_at": datetime.datetime.now(datetime.UTC).isoformat(
                timespec="seconds"
            ),
            "lookup_wall_s": round(time.perf_counter() - t0, 2),
        }
        info.pop("source", None)
        path = store(atoms, folder)
        rows.append(
            {
                "file": path.name,
                "n_carbon": p.n_carbon,
                "density_g_cm3": p.density,
                "seed": p.structure_seed,
                "md_wall_s": info.get("wall_s"),
                "kB": round(path.stat().st_size / 1024, 1),
            }
        )
    return rows
