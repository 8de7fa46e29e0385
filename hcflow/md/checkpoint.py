"""MD restart files: what a killed run needs to continue bit for bit.

A checkpoint holds positions, momenta, the step, the frames and energies so
far and the random generator's state, keyed by a hash of everything that
decides the run (:func:`run_key`); a checkpoint of another run is ignored.
Written atomically (temporary file, then rename). Where it goes
(:func:`checkpoint_folder`) decides whether a rerun finds it: ``jf job
rerun`` deletes a jobflow-remote job's folder before the job starts again, so
the default for such a job is ``<worker work_dir>/hcflow-checkpoints``, on the
filesystem jobflow-remote already shares between login and compute nodes. The
file is named after the task id (a rerun or a resubmission finds it) and is
deleted when the run completes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from hcflow.errors import HcflowError, os_error_message

LOG = logging.getLogger("hcflow.md")
#: Restart file layout (arrays + one JSON string in an .npz; never a pickle).
CHECKPOINT_FORMAT = "hcflow-md-checkpoint-1"
#: Folder under a jobflow-remote worker's work_dir that holds MD restart files.
REMOTE_SUBDIR = "hcflow-checkpoints"


def remote_work_dir(run_dir: Path, uuid: str, index: int) -> Path | None:
    """The worker ``work_dir`` when ``run_dir`` is jobflow-remote's folder of a job.

    jobflow-remote runs job ``uuid`` (index ``index``) in
    ``<work_dir>/<uuid[0:2]>/<uuid[2:4]>/<uuid[4:6]>/<uuid>_<index>``; any
    other folder gives None.
    """
    try:
        from jobflow_remote.utils.data import uuid_to_path

        layout = Path(uuid_to_path(uuid, index)).parts
    except (ImportError, ValueError):  # not installed, or not a uuid
        return None
    run_dir = Path(run_dir)
    if run_dir.parts[-len(layout) :] != layout:
        return None
    return run_dir.parents[len(layout) - 1]


def checkpoint_folder(
    explicit: str | os.PathLike | None = None,
    run_dir: str | os.PathLike | None = None,
    job: Any = None,
) -> tuple[Path, str]:
    """Where an MD job keeps its restart file, and why: (folder, source).

    In order: ``explicit`` (the Maker's ``checkpoint_dir``, which a study flow
    sets from ``HCFLOW_CHECKPOINT_DIR`` where the flow is made), the
    jobflow-remote worker's ``<work_dir>/hcflow-checkpoints`` when ``job``
    runs in its jobflow-remote folder ``run_dir``, else ``run_dir`` itself
    (default: the current folder).
    """
    if explicit:
        return Path(explicit), "checkpoint_dir"
    run_dir = Path(run_dir) if run_dir else Path.cwd()
    if job is not None:
        work_dir = remote_work_dir(run_dir, str(job.uuid), int(job.index))
        if work_dir is not None:
            return work_dir / REMOTE_SUBDIR, "jobflow-remote work_dir"
    return run_dir, "working directory"


def run_key(atoms, potential_info: dict, *settings: Any) -> str:
    """Hash of the start structure, the potential and the run's settings."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(atoms.numbers).tobytes())
    h.update(np.round(atoms.positions, 6).tobytes())
    name = potential_info.get("file_hash") or potential_info.get("name")
    h.update(json.dumps([name, *settings], default=str).encode())
    return h.hexdigest()[:16]


def write_checkpoint(
    path: Path, key, atoms, rng, step, frames, energies, extra: dict | None = None
) -> None:
    """Write the restart state of a run at ``step`` (``extra``: more state, e.g.
    the equilibration samples) as plain arrays + JSON in an ``.npz``: loading
    it runs no code (no pickle)."""
    meta = {
        "format": CHECKPOINT_FORMAT,
        "key": key,
        "rng": rng.bit_generator.state,
        "step": int(step),
        "extra": dict(extra or {}),
    }
    n_atoms = len(atoms)
    arrays = {
        "positions": np.asarray(atoms.positions, float),
        "momenta": np.asarray(atoms.get_momenta(), float),
        "frames": np.asarray(list(frames), float).reshape(-1, n_atoms, 3),
        "energies": np.asarray(list(energies), float),
        "meta": np.array(json.dumps(meta, default=_json_default)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except OSError as exc:  # a full disk: one line, the last checkpoint kept
        tmp.unlink(missing_ok=True)
        raise HcflowError("checkpoint: " + os_error_message(exc, path)) from None


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a checkpoint")


def read_checkpoint(path: Path | None, key: str) -> dict | None:
    """The restart state in ``path`` when it belongs to the run ``key``.

    A file that does not load as a checkpoint (corrupt, truncated, an old
    pickle, anything else) is set aside as ``<name>.corrupt`` with one logged
    line, and the run starts over.
    """
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != CHECKPOINT_FORMAT:
                raise ValueError(f"format {meta.get('format')!r}")
            payload = {
                "key": meta["key"],
                "positions": data["positions"],
                "momenta": data["momenta"],
                "rng": meta["rng"],
                "step": int(meta["step"]),
                "frames": list(data["frames"]),
                "energies": [float(e) for e in data["energies"]],
                "extra": meta.get("extra", {}),
            }
    except Exception as exc:  # noqa: BLE001 - anything unreadable: start over
        aside = path.with_name(path.name + ".corrupt")
        os.replace(path, aside)
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        LOG.warning("checkpoint %s unreadable (%s): set aside as %s, the run "
                    "starts over", path, reason, aside.name)  # fmt: skip
        return None
    return payload if payload["key"] == key else None


def restore_checkpoint(saved: dict, atoms, rng, run) -> None:
    """Put a checkpoint's state back: positions, momenta and the generator into
    ``atoms`` / ``rng``; step, frames, energies and the equilibration samples
    into ``run`` (any object with ``step``, ``frames``, ``energies``, ``eq``)."""
    atoms.positions = saved["positions"]
    atoms.set_momenta(saved["momenta"])
    rng.bit_generator.state = saved["rng"]
    run.step, run.frames, run.energies = (
        saved["step"],
        saved["frames"],
        saved["energies"],
    )
    run.eq.restore(saved.get("extra", {}).get("equilibration"))
