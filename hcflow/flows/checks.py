"""Checks of a study before anything runs: potential, device, Na loadings.

What ``hcflow study plan``, a local run and a submission check on the
machine they run on, so a study that cannot run fails with one line before
any job is made (:mod:`hcflow.flows.run`, :mod:`hcflow.services.study`).
"""

from __future__ import annotations

from hcflow.errors import HcflowError
from hcflow.flows.spec import StudyPoint, StudySpec
from hcflow.structures.meltquench import stored_cell


def check_potential(spec: StudySpec, local: bool = True) -> None:
    """One-line error when the potential spec cannot be resolved.

    ``local=False`` (a submission): a file path is not checked, it only has to
    exist on the worker.
    """
    from hcflow.potentials import resolve_potential

    pot = spec.potential
    if not local and isinstance(pot, str) and ("/" in pot or pot.endswith(".model")):
        return
    resolve_potential(pot)


def check_device(spec: StudySpec, local: bool = True) -> str:
    """The device the study's MD will use here, or a one-line error.

    ``local=True`` (a local run, ``hcflow study plan``): resolved on this
    machine, so ``cuda`` without a GPU fails before any job starts.
    ``local=False`` (a submission): the name was checked when the file was
    parsed; the workers resolve it (``auto``, ``cuda``), so the name is
    returned as it is.
    """
    from hcflow.potentials.device import resolve_device

    if not local:
        return spec.md.device
    try:
        return resolve_device(spec.md.device)
    except HcflowError as exc:
        raise HcflowError(f"md.device: {exc}") from None


def check_loadings(spec: StudySpec) -> None:
    """Build every structure of the study and insert its largest Na loading.

    Runs the same pure, seeded functions the structure jobs run (hard-carbon
    generation, then sodiation), so a loading that cannot fit is a one-line
    HcflowError before anything is submitted. Seconds for small cells.
    With ``structure_method: md`` only the cells already stored (library or
    cache, by content hash) are checked: MD is not run here.
    """
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    by_structure: dict[tuple, StudyPoint] = {}
    for p in spec.points():
        best = by_structure.get(p.structure_key)
        if best is None or p.na_per_c > best.na_per_c:
            by_structure[p.structure_key] = p
    for p in by_structure.values():
        try:
            if p.source is not None:  # a user structure: the checked file
                if spec.structures[p.source].sodiate is False:
                    continue
                atoms = spec.user_cells()[p.source]["atoms"]
            elif spec.structure_method == "md":  # only cells already generated
                atoms = stored_cell(
                    p.n_carbon, p.density, p.structure_seed, spec.meltquench
                )
                if atoms is None:
                    continue
            else:
                atoms = generate_hard_carbon(
                    p.n_carbon, p.density, seed=p.structure_seed, **spec.structure
                )
            sod = spec.sodiation.model_dump()
            if sod["mode"] == "energy":  # capacity check without the MLIP
                sod["mode"] = "largest"
            sodiate(atoms, p.na_per_c, seed=p.sodiation_seed, **sod)
        except HcflowError as exc:
            raise HcflowError(
                f"point rho={p.density:g} n_carbon={p.n_carbon} r{p.replica}: {exc}"
            ) from None
        except TypeError as exc:
            raise HcflowError(f"bad structure/sodiation parameter: {exc}") from None
