"""Universal MLIPs by name, beyond MACE files: CHGNet's models, SevenNet.

- ``chgnet`` (CHGNet 0.3.0) and ``chgnet-r2scan`` (CHGNet's r2SCAN transfer
  model): weights inside the chgnet wheel, run in this process.
- ``sevennet-0``, ``sevennet-0-22may2024``, ``sevennet-l3i5``,
  ``sevennet-mf-0`` (its PBE head) and ``sevennet-mf-0:r2scan``: weights
  inside the sevenn 0.13 wheel, run in SevenNet's own venv
  (:mod:`hcflow.potentials.external`), whose python is
  ``HCFLOW_SEVENN_PYTHON`` (default ``~/.hcflow/sevenn/bin/python``).

Each name carries the functional its training data used (``pbe`` or
``r2scan``): the D3(BJ) parameters of :mod:`hcflow.potentials.dispersion`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hcflow.errors import HcflowError


@dataclass(frozen=True)
class NamedModel:
    """A model known by name."""

    kind: str  # chgnet-model | external
    model: str  # chgnet model_name, or sevenn pretrained name
    functional: str  # pbe | r2scan
    label: str
    modal: str | None = None
    checkpoint: str | None = None  # path inside the sevenn package


NAMED: dict[str, NamedModel] = {
    "chgnet": NamedModel("chgnet-model", "0.3.0", "pbe", "CHGNet 0.3.0 (MPtrj)"),
    "chgnet-r2scan": NamedModel(
        "chgnet-model", "r2scan", "r2scan", "CHGNet r2SCAN (MP r2SCAN transfer)"
    ),
    "sevennet-0": NamedModel(
        "external",
        "7net-0",
        "pbe",
        "SevenNet-0 11Jul2024 (MPtrj)",
        checkpoint="SevenNet_0__11Jul2024/checkpoint_sevennet_0.pth",
    ),
    "sevennet-0-22may2024": NamedModel(
        "external",
        "7net-0_22May2024",
        "pbe",
        "SevenNet-0 22May2024 (MPtrj)",
        checkpoint="SevenNet_0__22May2024/checkpoint_sevennet_0.pth",
    ),
    "sevennet-l3i5": NamedModel(
        "external",
        "7net-l3i5",
        "pbe",
        "SevenNet-l3i5 (MPtrj)",
        checkpoint="SevenNet_l3i5/checkpoint_l3i5.pth",
    ),
    "sevennet-mf-0": NamedModel(
        "external",
        "7net-mf-0",
        "pbe",
        "SevenNet-MF-0, PBE head",
        "PBE",
        checkpoint="SevenNet_MF_0/checkpoint_sevennet_mf_0.pth",
    ),
    "sevennet-mf-0:r2scan": NamedModel(
        "external",
        "7net-mf-0",
        "r2scan",
        "SevenNet-MF-0, r2SCAN head",
        "R2SCAN",
        checkpoint="SevenNet_MF_0/checkpoint_sevennet_mf_0.pth",
    ),
}


def sevenn_python() -> Path:
    """SevenNet's interpreter: ``HCFLOW_SEVENN_PYTHON`` or the default path."""
    value = os.environ.get("HCFLOW_SEVENN_PYTHON", "~/.hcflow/sevenn/bin/python")
    return Path(value).expanduser()


def _sevenn_checkpoint(python: Path, relative: str) -> Path | None:
    for site in sorted((python.parent.parent / "lib").glob("python3*/site-packages")):
        path = site / "sevenn" / "pretrained_potentials" / relative
        if path.is_file():
            return path
    return None


def named_info(text: str):
    """PotentialInfo of a known name, or None (no calculator built)."""
    from hcflow.hashing import file_digest
    from hcflow.potentials import PotentialInfo

    key = text.strip().lower()
    spec = NAMED.get(key)
    if spec is None:
        return None
    meta = {"functional": spec.functional, "label": spec.label, "model": spec.model}
    if spec.kind == "chgnet-model":
        import chgnet

        folder = Path(chgnet.__file__).parent / "pretrained" / spec.model
        weights = next(iter(sorted(folder.glob("*.pth.tar"))), None)
        return PotentialInfo(
            name=key,
            kind="chgnet" if key == "chgnet" else "chgnet-model",
            path=str(weights) if weights else None,
            file_hash=file_digest(weights) if weights else None,
            metadata=meta,
        )
    from hcflow.potentials.external import check_python

    python = check_python(sevenn_python())
    ckpt = _sevenn_checkpoint(python, spec.checkpoint or "")
    meta.update(python=str(python), modal=spec.modal)
    return PotentialInfo(
        name=key,
        kind="external",
        path=str(ckpt) if ckpt else None,
        file_hash=file_digest(ckpt) if ckpt else None,
        metadata=meta,
    )


def named_calculator(info, device: str = "cpu", threads: int | None = None) -> Any:
    """The ASE calculator of a named model's PotentialInfo."""
    spec = NAMED[info.name]
    if spec.kind == "chgnet-model":
        from chgnet.model import CHGNet
        from chgnet.model.dynamics import CHGNetCalculator

        model = CHGNet.load(model_name=spec.model, use_device=device, verbose=False)
        return CHGNetCalculator(model=model, use_device=device)
    if device != "cpu":
        raise HcflowError(f"{info.name} runs on the CPU here (device {device})")
    from hcflow.potentials.external import WORKER, ExternalCalculator, check_python

    python = check_python(info.metadata.get("python") or sevenn_python())
    command = [python, WORKER, spec.model, spec.modal or "-", str(threads or 1)]
    return ExternalCalculator(command, name=info.name)


def functional_of(info) -> str | None:
    """The functional a model was trained on (for D3 parameters), if known."""
    meta = dict(getattr(info, "metadata", None) or {})
    if meta.get("functional"):
        return str(meta["functional"])
    teacher = str(meta.get("teacher") or "").lower()
    if info.kind in ("chgnet", "mace-foundation") or teacher.startswith("chgnet"):
        return "pbe"
    return None
