"""One place that turns a potential spec into an ASE calculator.

A spec is one of: ``"hcflow-nac-small"`` (the default: the small Na/C MACE
model shipped in ``hcflow/potentials/models`` with its metadata JSON); a path
to a MACE model file; a MACE-MP foundation name (``"small"``,
``"mace-mp:medium"``...; offline, a one-line error names the file to fetch);
``"chgnet"``; or a dict naming an allow-listed ASE calculator class and plain
JSON keyword arguments. Only classes in :data:`ALLOWED_CALCULATORS` may be
named (extended by code, :func:`allow_calculator`, never by a file), so a data
file cannot make hcflow import and run arbitrary code.

:func:`load_calculator` is the one calculator factory: a MACE model file runs
on the fast CPU/GPU path (:mod:`hcflow.potentials.fast_mace`), everything else
on its stock ASE calculator. ``atomate2_kwargs(spec)`` gives atomate2's
``force_field_name`` + ``calculator_kwargs`` for the same model.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hcflow.errors import HcflowError
from hcflow.potentials.mace_files import (
    import_mace,
    legacy_torch_load,
    load_mace_module,
)

MODELS_DIR = Path(__file__).parent / "models"
SHIPPED = "hcflow-nac-small"
REQUIRED_ELEMENTS = ("C", "Na")


@dataclass
class PotentialInfo:
    """What a spec resolves to (no calculator built yet)."""

    name: str
    kind: str  # mace-file | mace-foundation | chgnet | ase-dict
    path: str | None = None
    file_hash: str | None = None
    elements: list[str] = field(default_factory=list)
    r_max: float | None = None
    dtype: str = "float32"
    metadata: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def shipped_model_path(name: str = SHIPPED) -> Path:
    """Path of a model shipped inside the package."""
    return MODELS_DIR / f"{name}.model"


def _foundation_names() -> dict[str, str]:
    import_mace()
    from mace.calculators.foundations_models import mace_mp_urls

    return dict(mace_mp_urls)


def _mace_file_info(path: Path, name: str | None = None) -> PotentialInfo:
    from ase.data import chemical_symbols

    from hcflow.hashing import file_digest

    if not path.is_file():
        raise HcflowError(f"model file not found: {path}")
    model = load_mace_module(path)
    elements = [chemical_symbols[int(z)] for z in model.atomic_numbers]
    meta_file = path.with_suffix(".json")
    metadata = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    dtype = str(next(model.parameters()).dtype).replace("torch.", "")
    return PotentialInfo(
        name=name or path.stem,
        kind="mace-file",
        path=str(path.resolve()),
        file_hash=file_digest(path),
        elements=elements,
        r_max=float(model.r_max),
        dtype=dtype,
        metadata=metadata,
    )


def _foundation_cache_path(url: str) -> Path:
    import_mace()
    from mace.calculators.foundations_models import get_cache_dir

    stem = "".join(c for c in os.path.basename(url) if c.isalnum() or c in "_")
    return Path(get_cache_dir()) / stem


def _online(host: str = "github.com", timeout: float = 3.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


#: ``module.Class`` of every calculator a calculator dict may name. ASE's
#: analytic potentials (no files, no code) and hcflow's own fast MACE
#: calculator (its one argument, a model file, is what a path spec gives too).
ALLOWED_CALCULATORS: set[str] = {
    "ase.calculators.emt.EMT",
    "ase.calculators.lj.LennardJones",
    "ase.calculators.morse.MorsePotential",
    "hcflow.potentials.fast_mace.FastMACECalculator",
}


def allow_calculator(qualname: str) -> None:
    """Let calculator dicts name one more class (``"package.module.Class"``).

    Code only: nothing read from a file calls this.
    """
    module, _, cls = qualname.rpartition(".")
    if not module or not cls.isidentifier():
        raise HcflowError(f"not a module.Class name: {qualname!r}")
    ALLOWED_CALCULATORS.add(qualname)


def _plain_json(value: Any) -> bool:
    """True for JSON scalars, lists and mappings without monty class markers."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list | tuple):
        return all(_plain_json(v) for v in value)
    if isinstance(value, dict):
        return all(
            isinstance(k, str) and not k.startswith("@") and _plain_json(v)
            for k, v in value.items()
        )
    return False


def check_calculator_dict(spec: dict) -> str:
    """``module.Class`` of an allowed calculator dict, or a one-line HcflowError.

    Pure: imports nothing, so a refused dict never reaches ``importlib``.
    """
    module, cls = spec.get("@module"), spec.get("@class")
    if not isinstance(module, str) or not isinstance(cls, str):
        raise HcflowError("a calculator dict needs '@module' and '@class'")
    qualname = f"{module}.{cls}"
    if qualname not in ALLOWED_CALCULATORS:
        allowed = ", ".join(sorted(ALLOWED_CALCULATORS))
        raise HcflowError(
            f"calculator {qualname!r} is not allowed in a potential spec; "
            f"use a model name or file, or one of: {allowed}"
        )
    kwargs = {k: v for k, v in spec.items() if k not in ("@module", "@class")}
    bad = [k for k, v in kwargs.items() if k.startswith("@") or not _plain_json(v)]
    if bad:
        raise HcflowError(
            f"calculator {qualname}: argument {bad[0]!r} must be a plain JSON value"
        )
    return qualname


def is_mace_spec(spec: Any) -> bool:
    """Whether a potential spec names a MACE model (shipped, file or
    foundation name), without resolving it: what batched MD can run."""
    from hcflow.potentials.names import is_named

    return not isinstance(spec, dict) and not is_named(str(spec))


def resolve_potential(spec: str | dict | os.PathLike) -> PotentialInfo:
    """Resolve a spec to a PotentialInfo (checks files; builds no calculator)."""
    if isinstance(spec, dict):
        name = check_calculator_dict(spec)
        return PotentialInfo(name=name, kind="ase-dict", metadata=dict(spec))
    text = str(spec).strip()
    if not text:
        raise HcflowError("empty potential spec")
    from hcflow.potentials.names import named_info, named_models  # CHGNet, 7net

    if (named := named_info(text)) is not None:
        return named
    if text.lower() == "chgnet":
        return PotentialInfo(name="chgnet", kind="chgnet", elements=[], dtype="float32")
    if text == SHIPPED or (MODELS_DIR / f"{text}.model").is_file():
        path = shipped_model_path(text)
        if not path.is_file():
            raise HcflowError(
                f"shipped model {text} is missing from {MODELS_DIR}; "
                "reinstall hcflow or run `hcflow potential distill`"
            )
        return _mace_file_info(path, name=text)
    path = Path(text).expanduser()
    if path.suffix in (".model", ".pt", ".pth") or os.sep in text:
        return _mace_file_info(path)
    name = text.split(":", 1)[1] if text.lower().startswith("mace-mp:") else text
    urls = _foundation_names()
    if name in urls:
        cached = _foundation_cache_path(urls[name])
        if not cached.is_file() and not _online():
            raise HcflowError(
                f"foundation model {name!r} is not cached and this machine is "
                f"offline: download {urls[name]} and save it as {cached}"
            )
        info = PotentialInfo(name=f"mace-mp:{name}", kind="mace-foundation")
        info.path = str(cached)
        info.metadata = {"url": urls[name]}
        if cached.is_file():
            return _mace_file_info(cached, name=f"mace-mp:{name}") | info
        return info
    raise HcflowError(
        f"unknown potential {text!r}: give a model file path, {SHIPPED!r}, "
        f"{', '.join(named_models())}, or a MACE-MP name ({', '.join(sorted(urls))})"
    )


def _merge(a: PotentialInfo, b: PotentialInfo) -> PotentialInfo:
    a.kind, a.name = b.kind, b.name
    a.metadata = {**a.metadata, **b.metadata}
    return a


PotentialInfo.__or__ = _merge  # type: ignore[attr-defined]


def check_elements(atoms, info: PotentialInfo) -> None:
    """One-line error when the structure has elements the model does not know."""
    if not info.elements:
        return
    unknown = sorted(set(atoms.get_chemical_symbols()) - set(info.elements))
    if unknown:
        raise HcflowError(
            f"potential {info.name} knows {', '.join(info.elements)} but the "
            f"structure has {', '.join(unknown)}"
        )


def check_na_c(info: PotentialInfo) -> None:
    """One-line error when a model lacks Na or C."""
    if info.elements:
        missing = [e for e in REQUIRED_ELEMENTS if e not in info.elements]
        if missing:
            raise HcflowError(f"potential {info.name} lacks {', '.join(missing)}")


def _stock_calculator(info: PotentialInfo, device: str, default_dtype: str):
    """The library's own ASE calculator of a resolved spec."""
    if info.kind == "ase-dict":
        import importlib

        from ase.calculators.calculator import BaseCalculator

        spec_d = dict(info.metadata)
        check_calculator_dict(spec_d)  # again: info may not come from resolve
        kwargs = {k: v for k, v in spec_d.items() if not k.startswith("@")}
        try:
            cls = getattr(importlib.import_module(spec_d["@module"]), spec_d["@class"])
            calc = cls(**kwargs)
        except Exception as exc:  # noqa: BLE001
            raise HcflowError(f"cannot build calculator {info.name}: {exc}") from None
        if not isinstance(calc, BaseCalculator):
            raise HcflowError(f"{info.name} is not an ASE calculator")
        return calc
    if info.kind in ("chgnet-model", "external"):
        from hcflow.potentials.names import named_calculator

        return named_calculator(info, device)
    if info.kind == "chgnet":
        from chgnet.model.dynamics import CHGNetCalculator

        return CHGNetCalculator(use_device=device)
    check_na_c(info)
    import_mace()
    from mace.calculators import MACECalculator, mace_mp

    with legacy_torch_load():  # mace's calculators torch.load the file
        if info.kind == "mace-foundation" and not Path(info.path).is_file():
            name = info.name.split(":", 1)[1]
            return mace_mp(model=name, device=device, default_dtype=default_dtype)
        return MACECalculator(
            model_paths=info.path, device=device, default_dtype=default_dtype
        )


def load_calculator(
    spec: Any = None,
    threads: int | None = None,
    device: str = "cpu",
    default_dtype: str = "float32",
    fast: bool = True,
) -> tuple[Any, dict]:
    """The one calculator factory: (ASE calculator, what the spec resolved to).

    Parameters
    ----------
    spec
        A potential spec (see the module docstring), a ready ASE calculator
        (returned as it is), or None: the shipped model (the configured
        ``HCFLOW_MODEL`` is filled in by the services, which read settings).
    threads
        torch threads of the fast MACE path (None: leave torch's setting).
    device, default_dtype
        Where and in which precision the model runs: ``cpu``, ``cuda``,
        ``cuda:N`` or ``auto`` (:func:`hcflow.potentials.device.resolve_device`;
        ``cuda`` without a GPU is a one-line error); float32 or float64. The
        fast MACE path honours both.
    fast
        False: mace's stock ``MACECalculator`` even where the fast path applies
        (for comparisons).

    Returns
    -------
    (calculator, info)
        ``info`` is :meth:`PotentialInfo.as_dict` (``{"name", "kind": "ase"}``
        for a ready calculator).
    """
    from ase.calculators.calculator import BaseCalculator

    from hcflow.potentials.device import resolve_device

    if isinstance(spec, BaseCalculator):
        name = getattr(spec, "name", None) or type(spec).__name__
        return spec, {"name": str(name), "kind": "ase"}
    device = resolve_device(device)
    info = resolve_potential(SHIPPED if spec is None else spec)
    use_fast = (
        fast
        and info.kind in ("mace-file", "mace-foundation")
        and info.path is not None
        and Path(info.path).is_file()
    )
    if use_fast:
        check_na_c(info)
        from hcflow.potentials.fast_mace import FastMACECalculator

        calc = FastMACECalculator(
            info.path, threads=threads, device=device, dtype=default_dtype
        )
        return calc, info.as_dict()
    return _stock_calculator(info, device, default_dtype), info.as_dict()


def get_calculator(spec: Any = None, **kwargs: Any):
    """The ASE calculator of a spec (:func:`load_calculator` without the info)."""
    return load_calculator(spec, **kwargs)[0]


def atomate2_kwargs(spec: str | os.PathLike | None = None) -> dict:
    """``force_field_name`` + ``calculator_kwargs`` for atomate2's ForceFieldMDMaker."""
    info = resolve_potential(spec or SHIPPED)
    if info.kind == "chgnet":
        return {"force_field_name": "CHGNet", "calculator_kwargs": {}}
    if info.kind not in ("mace-file", "mace-foundation"):
        raise HcflowError(f"atomate2 cannot use potential kind {info.kind}")
    return {
        "force_field_name": "MACE-MP-0",
        "calculator_kwargs": {"model": info.path, "default_dtype": "float32"},
    }


__all__ = [
    "ALLOWED_CALCULATORS",
    "PotentialInfo",
    "allow_calculator",
    "atomate2_kwargs",
    "check_calculator_dict",
    "check_elements",
    "get_calculator",
    "load_calculator",
    "load_mace_module",
    "resolve_potential",
    "shipped_model_path",
]
