"""Loading MACE model files (cached, one-line errors).

Its own module so the fast MACE calculator (:mod:`hcflow.potentials.fast_mace`) and
the factory in :mod:`hcflow.potentials` both use it without importing each
other. mace-torch 0.3.16 needs e3nn 0.4.4, whose ``torch.load`` calls (at import
and when a model file is unpickled) fail under torch >= 2.6 unless weights-only
loading is off: :func:`legacy_torch_load` turns it off for exactly those calls,
never for the whole process (a user's notebook keeps torch's safe loading).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from hcflow.errors import HcflowError

_KEY = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"


@contextmanager
def legacy_torch_load() -> Iterator[None]:
    """``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` inside the block only (imports of
    mace/e3nn, loading a MACE file); the previous value is put back after."""
    old = os.environ.get(_KEY)
    os.environ[_KEY] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(_KEY, None)
        else:
            os.environ[_KEY] = old


def import_mace() -> None:
    """Import mace (and e3nn, which loads its constants with torch.load) once."""
    with legacy_torch_load():
        import mace.calculators  # noqa: F401
        import mace.modules  # noqa: F401


@lru_cache(maxsize=16)
def _load_mace_module(path: str, mtime: float):
    import torch

    try:
        with legacy_torch_load():  # unpickling imports e3nn
            model = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise HcflowError(f"{path} is not a MACE model file ({reason})") from None
    if not isinstance(model, torch.nn.Module) or not hasattr(model, "atomic_numbers"):
        raise HcflowError(f"{path} is not a MACE model file (no atomic_numbers)")
    return model


def load_mace_module(path: str | Path):
    """The MACE torch module in a model file (cached; one-line errors)."""
    path = Path(path)
    return _load_mace_module(str(path.resolve()), path.stat().st_mtime)
