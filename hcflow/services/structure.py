"""Structures: generate (and sodiate), import, analyse, save.

What ``hcflow structure ...`` and the notebook API do; the science is in
:mod:`hcflow.structures`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hcflow.errors import HcflowError
from hcflow.inputs import read_mapping
from hcflow.limits import MAX_NA_PER_C
from hcflow.services.common import Echo, connect, to_stderr
from hcflow.settings import Settings


def generate_structure(
    density: float,
    n_carbon: int,
    seed: int = 0,
    na_per_c: float | None = None,
    min_na_c: float = 2.3,
    min_na_na: float = 3.0,
    params: dict | str | None = None,
    pore_spacing: float | None = 0.5,
    source: str = "cli:structure generate",
    method: str = "md",
    protocol: dict | str | None = None,
    relax_potential: Any = None,
) -> tuple[Any, list]:
    """A hard-carbon cell, optionally sodiated; (final Atoms, StructureDocs).

    The documents are the generated cell and, with ``na_per_c``, the
    sodiated one (its parent is the first).

    Parameters
    ----------
    method
        ``"md"``: melt-quench-anneal on LAMMPS with ``protocol`` (inline
        JSON, a JSON/YAML file or a dict of
        :class:`~hcflow.structures.meltquench.MeltQuenchProtocol` fields),
        reused from the shipped library or the local cache when the same
        inputs were generated before; the document holds the content hash
        and the realism validation. ``"quick"``: the domain packer with
        ``params``.
    relax_potential
        Potential spec of the MLIP relaxation an md protocol asks for
        (``mlip_relax_steps`` > 0); None: the configured default model.
    """
    from hcflow.structures.docs import generated_doc, make_structure_doc
    from hcflow.structures.sodiation import sodiate

    if na_per_c is not None and not 0.0 <= na_per_c <= MAX_NA_PER_C:
        raise HcflowError(
            f"Na:C must be between 0 and {MAX_NA_PER_C:g}, got {na_per_c}"
        )
    kw = read_mapping(params, "--params")
    if method == "md":
        from hcflow.settings import get_settings
        from hcflow.structures.docs import melt_quench_doc

        if kw:
            raise HcflowError("--params is for --method quick; use --protocol")
        atoms, doc = melt_quench_doc(
            n_carbon,
            density,
            seed,
            read_mapping(protocol, "--protocol"),
            relax_potential=relax_potential or get_settings().model,
            pore_spacing=pore_spacing,
            source=source,
        )
        docs = [doc]
    elif method == "quick":
        from hcflow.structures.hardcarbon import generate_hard_carbon

        if protocol:
            raise HcflowError("--protocol is for --method md; use --params")
        atoms = generate_hard_carbon(n_carbon, density, seed, **kw)
        docs = [generated_doc(atoms, seed, pore_spacing, source=source)]
    else:
        raise HcflowError(f"--method must be md or quick, got {method!r}")
    if na_per_c is not None:
        atoms = sodiate(atoms, na_per_c, seed, min_na_c=min_na_c, min_na_na=min_na_na)
        sod = atoms.info["hcflow_sodiation"]
        docs.append(
            make_structure_doc(
                atoms,
                "sodiated",
                sod["method"],
                params=sod,
                seed=seed,
                parent_structure_id=docs[0].structure_id,
                pore_spacing=pore_spacing,
                source=source,
            )
        )
    return atoms, docs


def import_structure(path: str | Path, pore_spacing: float | None = 0.5):
    """A user structure file as (Atoms, StructureDoc)."""
    from hcflow.structures.analysis import read_structure
    from hcflow.structures.docs import make_structure_doc

    path = Path(path)
    atoms = read_structure(path)
    doc = make_structure_doc(
        atoms,
        "imported",
        f"import:{path.name}",
        pore_spacing=pore_spacing,
        source=f"import:{path}",
    )
    return atoms, doc


def analyze_structure(
    path: str | Path,
    spacing: float = 0.3,
    probe: float = 2.3,
    figure: str | Path | None = None,
):
    """The statistics of a structure file as a StructureDoc (not saved).

    With the realism validation (sp fractions, d002 / Lc / La from S(q) and
    the stacking distance next to experimental ranges:
    :mod:`hcflow.structures.validation`, :mod:`hcflow.structures.xrd`);
    ``figure``: also write the S(q) / G(r) figure there.
    """
    from hcflow.structures.analysis import read_structure
    from hcflow.structures.docs import make_structure_doc

    if not 0.05 <= spacing <= 2.0:
        raise HcflowError(f"--spacing must be between 0.05 and 2 A, got {spacing}")
    path = Path(path)
    atoms = read_structure(path)
    doc = make_structure_doc(
        atoms,
        "imported",
        f"analyze:{path.name}",
        pore_spacing=spacing,
        probe_radius=probe,
        validate=True,
    )
    if figure is not None:
        from hcflow.report.structure_figures import xrd_figure

        try:
            xrd_figure(atoms, figure, title=path.name)
        except (OSError, ValueError) as exc:
            raise HcflowError(f"cannot write the figure {figure}: {exc}") from None
    return doc


def save_structures(
    docs: list, settings: Settings | None = None, announce: Echo | None = to_stderr
) -> int:
    """Upsert StructureDocs into the ``structures`` collection; how many."""
    from hcflow.structures.store import save_structure_docs

    return save_structure_docs(docs, connect(settings, announce=announce))


def write_structure(atoms, path: str | Path) -> Path:
    """Write Atoms to a file ASE can write (format from the suffix)."""
    from ase.io import write

    try:
        write(path, atoms)
    except Exception as exc:  # noqa: BLE001 - ASE raises many kinds
        raise HcflowError(f"cannot write {path}: {exc}") from None
    return Path(path)


def build_structure_library(
    spec, folder: str | Path | None = None, command: str = ""
) -> list[dict]:
    """Generate (or reuse) every melt-quench cell of a study into ``folder``.

    ``spec`` is a :class:`~hcflow.flows.spec.StudySpec` with
    ``structure_method: md``; each cell is made by the same call the study's
    structure jobs make (:func:`~hcflow.structures.meltquench.generate_melt_quench`
    with the point's structure seed) and written with its provenance
    (``command``, versions, wall time) to ``folder`` (default: the shipped
    library, :data:`hcflow.structures.library.LIBRARY_DIR`). Returns one
    summary row per cell.
    """
    import datetime
    import time

    from hcflow import __version__
    from hcflow.structures.library import LIBRARY_DIR, store
    from hcflow.structures.meltquench import generate_melt_quench

    if spec.structure_method != "md":
        raise HcflowError(f"study {spec.id} does not use structure_method: md")
    folder = Path(folder) if folder is not None else LIBRARY_DIR
    seen, rows = set(), []
    for p in spec.points():
        if p.structure_key in seen:
            continue
        seen.add(p.structure_key)
        t0 = time.perf_counter()
        atoms = generate_melt_quench(
            p.n_carbon, p.density, p.structure_seed, spec.meltquench
        )
        info = atoms.info["hcflow"]
        info["provenance"] = {
            "command": command,
            "study": spec.id,
            "hcflow_version": __version__,
            "made_at": datetime.datetime.now(datetime.UTC).isoformat(
                timespec="seconds"
            ),
            "lookup_wall_s": round(time.perf_counter() - t0, 2),
        }
        info.pop("source", None)
        path = store(atoms, folder)
        rows.append(
            {
                "file": path.name,
                "n_carbon": p.n_carbon,
                "density_g_cm3": p.density,
                "seed": p.structure_seed,
                "md_wall_s": info.get("wall_s"),
                "kB": round(path.stat().st_size / 1024, 1),
            }
        )
    return rows
