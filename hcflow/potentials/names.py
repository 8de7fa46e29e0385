"""Universal MLIPs by name, beyond MACE files: CHGNet's models, SevenNet.

CHGNet models run in this process; SevenNet models run in SevenNet's own venv
(:mod:`hcflow.potentials.external`, ``HCFLOW_SEVENN_PYTHON``). atomate2's
force-field names resolve to these or to MACE-MP files. Each name carries the
functional of its training data (``pbe`` or ``r2scan``), which selects the
D3(BJ) parameters of :mod:`hcflow.potentials.dispersion`.

Details (the names): docs/potentials.md.
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


#: atomate2's MLFF names (lower case) -> the hcflow spec they resolve to.
ATOMATE2_ALIASES: dict[str, str] = {
    "chgnet": "chgnet",
    "sevennet": "sevennet-0",
    "mace-mp-0": "mace-mp:medium",
    "mace-mpa-0": "mace-mp:medium-mpa-0",
    "mace-mp-0b3": "mace-mp:medium-0b3",
    "matpes-pbe": "mace-mp:mace-matpes-pbe-0",
    "matpes-r2scan": "mace-mp:mace-matpes-r2scan-0",
}

#: atomate2's MLFF names hcflow cannot run here: what a compute node needs.
NOT_HERE: dict[str, str] = {
    "mace": "a MACE model file: give its path",
    "m3gnet": "the matgl package and its M3GNet-MP-2021.2.8-PES weights "
    "pre-cached in ~/.cache/matgl",
    "mattersim": "the mattersim package and MatterSim-v1.0.0-1M.pth pre-cached "
    "in ~/.local/mattersim/pretrained_models",
    "fairchem": "the fairchem-core package and a checkpoint file (Hugging Face "
    "login) pre-cached on the node",
    "upet": "the upet package and its checkpoint pre-cached on the node",
    "gap": "a GAP potential file (quippy): no universal weights",
    "nep": "a NEP potential file (calorine): no universal weights",
    "nequip": "a deployed NequIP model file: no universal weights",
    "allegro": "a deployed Allegro model file: no universal weights",
    "deepmd": "a DeePMD model file: no universal weights",
    "forcefield": "a concrete model name",
}


def named_models() -> list[str]:
    """The model names this module resolves (for error messages)."""
    return list(NAMED)


def is_named(text: str) -> bool:
    """Whether a spec names a non-MACE model (or an atomate2 name hcflow
    cannot run), so batched MACE MD does not apply."""
    key = str(text).strip().lower()
    return key in NAMED or ATOMATE2_ALIASES.get(key) in NAMED or key in NOT_HERE


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
    if key in NOT_HERE:
        raise HcflowError(
            f"potential {text!r} (an atomate2 name) needs {NOT_HERE[key]}; "
            f"hcflow runs offline: {', '.join(sorted(NAMED))}, MACE files, "
            "and MACE-MP names once their file is cached"
        )
    if key in ATOMATE2_ALIASES and ATOMATE2_ALIASES[key] not in NAMED:
        from hcflow.potentials import resolve_potential

        return resolve_potential(ATOMATE2_ALIASES[key])
    spec = NAMED.get(ATOMATE2_ALIASES.get(key, key))
    key = ATOMATE2_ALIASES.get(key, key)
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
    if "r2scan" in info.name.lower():
        return "r2scan"
    if info.kind in ("chgnet", "mace-foundation") or teacher.startswith("chgnet"):
        return "pbe"
    return None
