"""Potentials: what a spec resolves to, its document, distillation.

What ``hcflow potential ...`` does; the factory and the science are in
:mod:`hcflow.potentials`.
"""

from __future__ import annotations

from typing import Any

from hcflow.services.common import Echo, check_reachable, connect
from hcflow.settings import Settings, get_settings


def potential_info(spec: Any = None, device: str | None = None) -> dict:
    """What a spec resolves to (default: the configured model), as a dict.

    With ``device`` (cpu, cuda, cuda:N, auto) also where MD would run it on
    this machine: ``device`` (resolved) and ``device_name``; ``cuda`` without
    a GPU is a one-line error.
    """
    from hcflow.potentials import resolve_potential

    info = resolve_potential(spec or get_settings().model).as_dict()
    if device is not None:
        from hcflow.potentials.device import device_record, resolve_device

        record = device_record(resolve_device(device))
        info["device"] = record["device"]
        info["device_name"] = record["name"]
    return info


def register_potential(
    spec: Any = None, settings: Settings | None = None, announce: Echo | None = print
):
    """Upsert the PotentialDoc of a spec into ``potentials``; the document."""
    check_reachable(settings)
    from hcflow.db.stores import get_store
    from hcflow.potentials import resolve_potential
    from hcflow.schemas.potential import PotentialDoc

    settings = connect(settings, announce=announce)
    doc = PotentialDoc.from_info(resolve_potential(spec or settings.model))
    with get_store("potentials", settings) as store:
        store.update([doc.model_dump()], key="potential_id")
    return doc


def distill_potential(config, install: bool = False) -> dict:
    """Run a distillation (:class:`hcflow.services.distill.DistillConfig`).

    Returns the metadata written beside the model, plus ``installed``: the
    model's path in the package when ``install``.
    """
    from pathlib import Path

    from hcflow.services.distill import distill, install_model

    meta = distill(config)
    if install:
        meta["installed"] = str(
            install_model(Path(config.out_dir).resolve(), config.name)
        )
    return meta
