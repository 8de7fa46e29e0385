"""Test helpers: synthetic trajectories, a CLI runner, a subprocess environment."""

from __future__ import annotations

import os
import sys

import numpy as np
from ase import Atoms


def random_walk_frames(
    n_c: int = 40,
    n_na: int = 8,
    n_frames: int = 30,
    box: float = 10.0,
    step: float = 0.1,
    seed: int = 0,
    wrap: bool = True,
) -> tuple[list[Atoms], np.ndarray]:
    """Frames of fixed C and random-walking Na (``step`` A per axis per frame);
    returns (ASE frames, true unwrapped positions)."""
    from hcflow.descriptors.synthetic import brownian

    wrapped, truth, _, _ = brownian(n_na, n_c, n_frames, box, step**2 / 2, 1.0, seed)
    frames = [
        Atoms(f"C{n_c}Na{n_na}", positions=p, cell=[box] * 3, pbc=True)
        for p in (wrapped if wrap else truth)
    ]
    return frames, truth


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run ``hcflow ARGS`` in-process like the console script; (rc, out, err)."""
    from hcflow.cli.main import run

    old = sys.argv
    sys.argv = ["hcflow", *args]
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def settings_env(settings) -> dict[str, str]:
    """Environment that makes an `hcflow` subprocess use these settings."""
    env = dict(os.environ)
    env.update(
        HCFLOW_DATA_DIR=str(settings.data_dir),
        HCFLOW_DB_HOST=settings.db_host,
        HCFLOW_DB_PORT=str(settings.db_port),
        HCFLOW_DB_NAME=settings.db_name,
    )
    env.pop("HCFLOW_DB_URI", None)
    env.pop("HCFLOW_STORES", None)
    return env


#: maggma's runner (`mrun`) in this interpreter
MRUN = [sys.executable, "-c", "from maggma.cli import run; run()"]


def run_mrun(path, settings, *args: str, timeout: float = 120):
    """Run ``mrun ARGS PATH`` on the database of ``settings``; the process."""
    import subprocess

    return subprocess.run(
        [*MRUN, *args, str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=settings_env(settings),
    )
