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


def _gate_calculator(info, spec: Any, threads: int | None):
    """The calculator the gates run on: the factory's, except that a MACE
    file lacking Na or C (which the factory refuses for MD) still loads, so
    its Na or C gates can say not applicable."""
    from hcflow.potentials import load_calculator

    missing = info.elements and not {"Na", "C"} <= set(info.elements)
    if info.kind in ("mace-file", "mace-foundation") and missing:
        from hcflow.potentials.mace_files import import_mace, legacy_torch_load

        import_mace()
        from mace.calculators import MACECalculator

        with legacy_torch_load():
            return MACECalculator(model_paths=info.path, device="cpu")
    return load_calculator(spec, threads=threads)[0]


def gate_document(
    spec: Any = None,
    dispersion: str | None = None,
    md: bool = False,
    threads: int | None = None,
    announce: Echo | None = None,
):
    """Run the physics gates of a potential (no database): the
    :class:`~hcflow.schemas.potential.PotentialValidationDoc`.

    ``dispersion``: None or ``"d3bj"`` (D3(BJ) with the parameters of the
    functional the model was trained on; PBE when unknown).
    """
    import time

    from hcflow.potentials import resolve_potential
    from hcflow.potentials.dispersion import d3_calculator, with_dispersion
    from hcflow.potentials.external import ExternalCalculator
    from hcflow.potentials.gate_runner import run_gates, summary
    from hcflow.potentials.names import functional_of
    from hcflow.schemas.common import Provenance
    from hcflow.schemas.potential import GateRow, PotentialValidationDoc

    spec = spec or get_settings().model
    info = resolve_potential(spec)
    functional = None
    if dispersion:
        functional = functional_of(info) or "pbe"
        d3_calculator(functional, dispersion)  # bad flag or no wheel: fail first
    base = _gate_calculator(info, spec, threads)
    if isinstance(base, ExternalCalculator):
        base.start()  # an external worker: its elements, or its error, now
    calc = with_dispersion(base, functional, dispersion) if dispersion else base
    elements = list(info.elements) or list(getattr(base, "elements", []) or [])
    start = time.perf_counter()
    try:
        results = run_gates(calc, elements, md=md, announce=announce)
    finally:
        if isinstance(base, ExternalCalculator):
            base.close()
    potential_id = info.file_hash or info.name
    settings = {"spec": info.name, "dispersion": dispersion, "md": md}
    return PotentialValidationDoc(
        validation_id=f"{potential_id}:{dispersion or 'none'}",
        potential_id=potential_id,
        name=info.name,
        kind=info.kind,
        dispersion=dispersion,
        functional=functional,
        md=md,
        elements=elements,
        gates=[GateRow(**r.as_dict()) for r in results],
        summary=summary(results),
        wall_s=round(time.perf_counter() - start, 1),
        provenance=Provenance.make("potential_validation", settings),
    )


def validate_potential(
    spec: Any = None,
    dispersion: str | None = None,
    md: bool = False,
    out: str | None = "hcflow-report",
    settings: Settings | None = None,
    announce: Echo | None = print,
):
    """Gates of a potential, stored in ``potential_validation`` (one document
    per potential hash and dispersion flag) and drawn into ``out``.

    Returns (document, figure path or None). Bad input (unknown name, missing
    file, unknown dispersion) fails before the database is reached.
    """
    from pathlib import Path

    from hcflow.potentials import resolve_potential
    from hcflow.potentials.dispersion import DAMPINGS

    settings = settings or get_settings()
    resolve_potential(spec or settings.model)
    if dispersion and dispersion not in DAMPINGS:
        from hcflow.errors import HcflowError

        raise HcflowError(f"unknown dispersion {dispersion!r}; known: d3bj")
    settings = connect(settings, announce=announce)  # before minutes of gates
    doc = gate_document(spec, dispersion, md, announce=announce)
    from hcflow.db.stores import get_store

    with get_store("potential_validation", settings) as store:
        store.update([doc.model_dump()], key="validation_id")
    figure = None
    if out:
        from hcflow.potentials.gate_figure import draw_gates

        figure = draw_gates([doc.model_dump()], Path(out))
    return doc, figure
