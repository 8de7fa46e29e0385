"""Loading MACE model files (cached, one-line errors).

Its own module so the fast MACE calculator (:mod:`hcflow.potentials.fast_mace`) and
the factory in :mod:`hcflow.potentials` both use it without importing each
other.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import hcflow  # noqa: F401 - sets TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD before mace
from hcflow.errors import HcflowError


@lru_cache(maxsize=16)
def _load_mace_module(path: str, mtime: float):
    import torch

    try:
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
