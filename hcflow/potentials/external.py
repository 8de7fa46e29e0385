"""Models that run in another Python environment, behind an ASE calculator.

SevenNet needs e3nn 0.6 while mace-torch needs e3nn 0.4.4, so SevenNet runs
in its own venv: :class:`ExternalCalculator` starts that venv's python on
:mod:`hcflow.potentials.sevenn_worker` and sends it one JSON line per
structure (numbers, positions, cell, pbc); the worker answers energy,
forces and stress. Unlike ASE's i-PI socket calculator, the atom count and
species may change from call to call, which the gates need. The process
lives as long as the calculator (``close()`` or garbage collection ends it).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

from hcflow.errors import HcflowError

WORKER = Path(__file__).with_name("sevenn_worker.py")
SEVENN_ENV_HINT = (
    "create it with `python3.11 -m venv ~/.hcflow/sevenn && "
    "~/.hcflow/sevenn/bin/pip install torch 'sevenn==0.13.*' ase` and set "
    "HCFLOW_SEVENN_PYTHON=~/.hcflow/sevenn/bin/python"
)


def check_python(python: str | Path, what: str = "SevenNet") -> Path:
    """The interpreter path, or a one-line HcflowError saying how to make it."""
    path = Path(python).expanduser()
    if not path.is_file():
        raise HcflowError(f"{what} environment not found at {path}: {SEVENN_ENV_HINT}")
    return path


class ExternalCalculator(Calculator):
    """An ASE calculator served by a worker process (stdin/stdout JSON lines).

    Parameters
    ----------
    command
        The worker's command line, e.g. ``[python, WORKER, "7net-0"]``.
    name
        Shown in errors and tables.
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress"]

    def __init__(self, command: list[str], name: str = "external", **kwargs):
        super().__init__(**kwargs)
        self.command = [str(c) for c in command]
        self.label_name = name
        self.elements: list[str] = []
        self._proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self._proc = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        ready = self._read()
        if "ready" not in ready:
            raise HcflowError(f"{self.label_name}: worker did not start: {ready}")
        self.elements = list(ready.get("elements") or [])
        return self._proc

    def _read(self) -> dict:
        assert self._proc is not None
        line = self._proc.stdout.readline()
        if not line:
            err = (self._proc.stderr.read() or "").strip().splitlines()
            last = err[-1] if err else f"exit code {self._proc.poll()}"
            self._proc = None
            raise HcflowError(f"{self.label_name}: worker stopped: {last}")
        return json.loads(line)

    def start(self) -> list[str]:
        """Start the worker (loads the model); the elements it knows."""
        self._start()
        return self.elements

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        proc = self._start()
        request = {
            "numbers": self.atoms.numbers.tolist(),
            "positions": self.atoms.positions.tolist(),
            "cell": np.asarray(self.atoms.cell).tolist(),
            "pbc": [bool(p) for p in self.atoms.pbc],
        }
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        reply = self._read()
        if "error" in reply:
            raise HcflowError(f"{self.label_name}: {reply['error']}")
        self.results["energy"] = self.results["free_energy"] = reply["energy"]
        self.results["forces"] = np.asarray(reply["forces"])
        if "stress" in reply:
            self.results["stress"] = np.asarray(reply["stress"])

    def close(self) -> None:
        """End the worker process."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._proc = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown
            pass
