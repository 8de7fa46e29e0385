"""``hcflow structure``: generate, import and analyze hard-carbon structures."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hcflow.errors import HcflowError

structure_app = typer.Typer(
    name="structure",
    help="Hard-carbon structures: generate (+ sodiate), import, analyze.",
    no_args_is_help=True,
)


def _stats_table(doc) -> str:
    p = doc.pores or {}
    tort = p.get("tortuosity") or [None] * 3
    rows = [
        ("structure_id", doc.structure_id),
        ("formula", f"{doc.formula} ({doc.n_c} C, {doc.n_na} Na)"),
        ("carbon density (g/cm3)", f"{doc.density_g_cm3:.4f}"),
        ("Na:C", f"{doc.na_content:.4f}"),
        (
            "sp / sp2 / sp3",
            f"{doc.sp_fraction:.3f} / {doc.sp2_fraction:.3f} / "
            f"{doc.sp3_fraction:.3f} (C-C < {doc.coordination_cutoff} A)",
        ),
    ]
    if doc.rings:
        rings = ", ".join(f"{k}:{v}" for k, v in doc.rings["counts"].items() if v)
        rows.append(("rings (size:count)", rings or "none"))
    if p:
        rows += [
            ("largest cavity diameter (A)", f"{p['largest_cavity_diameter']:.2f}"),
            (
                f"accessible volume (probe {p['probe_radius']} A)",
                f"{p['accessible_volume_fraction']:.4f}",
            ),
            ("voids", f"{p['n_voids']} (largest {p['largest_void_volume']:.1f} A^3)"),
            (
                "tortuosity x/y/z",
                " / ".join("inf" if t is None else f"{t:.3f}" for t in tort),
            ),
            ("mean pore diameter (A)", f"{p['mean_pore_diameter']:.2f}"),
        ]
    if doc.validation:
        from hcflow.structures.validation import validation_rows

        rows += validation_rows(doc.validation)
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(w)}  {v}" for k, v in rows)


def _save(doc) -> None:
    from hcflow.db.stores import ensure_database
    from hcflow.structures.store import save_structure_docs

    settings = ensure_database(announce=lambda m: typer.echo(m, err=True))
    save_structure_docs([doc], settings)
    typer.echo(f"saved {doc.structure_id} to the structures collection")


def _write(atoms, out: Path) -> None:
    from ase.io import write

    try:
        write(out, atoms)
    except Exception as exc:
        raise HcflowError(f"cannot write {out}: {exc}") from None
    typer.echo(f"wrote {out}")


@structure_app.command("generate")
def generate(
    density: float = typer.Option(..., "--density", help="Carbon density, g/cm3."),
    n_carbon: int = typer.Option(..., "--n-carbon", help="Number of C atoms."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    na_per_c: float | None = typer.Option(None, "--na-per-c", help="Na:C to insert."),
    min_na_c: float = typer.Option(2.3, "--min-na-c", help="Min Na-C distance, A."),
    min_na_na: float = typer.Option(3.0, "--min-na-na", help="Min Na-Na, A."),
    params: str | None = typer.Option(None, "--params", help="Generator JSON."),
    method: str = typer.Option(
        "md", "--method", help="md: melt-quench on LAMMPS; quick: domain packer."
    ),
    protocol: str | None = typer.Option(
        None, "--protocol", help="Melt-quench protocol JSON (--method md)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the structure."),
    save: bool = typer.Option(False, "--save", help="Store the StructureDoc(s)."),
    pore_spacing: float = typer.Option(0.5, "--pore-spacing", help="Grid, A."),
) -> None:
    """Generate a hard-carbon cell (optionally sodiated); print its statistics."""
    from hcflow.schemas.structure import StructureDoc
    from hcflow.settings import get_settings
    from hcflow.structures.hardcarbon import generate_hard_carbon
    from hcflow.structures.sodiation import sodiate

    if na_per_c is not None and not 0.0 <= na_per_c <= 1.0:
        raise HcflowError(f"Na:C must be between 0 and 1, got {na_per_c}")
    try:
        kw = json.loads(params) if params else {}
    except json.JSONDecodeError as exc:
        raise HcflowError(f"--params is not JSON: {exc.msg}") from None
    if not isinstance(kw, dict):
        raise HcflowError("--params must be a JSON object")
    if method == "md":
        from hcflow.structures.documents import melt_quench_doc

        if kw:
            raise HcflowError("--params is for --method quick; use --protocol")
        try:
            proto = json.loads(protocol) if protocol else {}
        except json.JSONDecodeError as exc:
            raise HcflowError(f"--protocol is not JSON: {exc.msg}") from None
        doc = melt_quench_doc(
            n_carbon,
            density,
            seed,
            proto,
            relax_potential=get_settings().model,
            pore_spacing=pore_spacing,
            source="cli:structure generate",
        )
        atoms = doc.to_atoms()
        docs = [doc]
    elif method == "quick":
        if protocol:
            raise HcflowError("--protocol is for --method md; use --params")
        atoms = generate_hard_carbon(n_carbon, density, seed, **kw)
        info = atoms.info["hcflow"]
        docs = [
            StructureDoc.from_atoms(
                atoms,
                "generated",
                info["method"],
                params=info,
                seed=seed,
                pore_spacing=pore_spacing,
                source="cli:structure generate",
            )
        ]
    else:
        raise HcflowError(f"--method must be md or quick, got {method!r}")
    if na_per_c is not None:
        atoms = sodiate(atoms, na_per_c, seed, min_na_c=min_na_c, min_na_na=min_na_na)
        docs.append(
            StructureDoc.from_atoms(
                atoms,
                "sodiated",
                atoms.info["hcflow_sodiation"]["method"],
                params=atoms.info["hcflow_sodiation"],
                seed=seed,
                parent_structure_id=docs[0].structure_id,
                pore_spacing=pore_spacing,
                source="cli:structure generate",
            )
        )
    typer.echo(_stats_table(docs[-1]))
    if out:
        _write(atoms, out)
    if save:
        for d in docs:
            _save(d)


@structure_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="CIF, POSCAR, extxyz, ... file."),
    save: bool = typer.Option(True, "--save/--no-save", help="Store the doc."),
    pore_spacing: float = typer.Option(0.5, "--pore-spacing", help="Grid, A."),
) -> None:
    """Read a user structure into a StructureDoc (saved unless --no-save)."""
    from hcflow.schemas.structure import StructureDoc
    from hcflow.structures.analysis import read_structure

    atoms = read_structure(file)
    doc = StructureDoc.from_atoms(
        atoms,
        "imported",
        f"import:{file.name}",
        pore_spacing=pore_spacing,
        source=f"import:{file}",
    )
    typer.echo(_stats_table(doc))
    if save:
        _save(doc)


@structure_app.command("analyze")
def analyze(
    file: Path = typer.Argument(..., help="Structure file."),
    spacing: float = typer.Option(0.3, "--spacing", help="Pore grid spacing, A."),
    probe: float = typer.Option(2.3, "--probe", help="Na-C contact distance, A."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print sp fractions, rings and pore statistics of a structure file."""
    from hcflow.schemas.structure import StructureDoc
    from hcflow.structures.analysis import read_structure
    from hcflow.structures.validation import validate_structure

    if not 0.05 <= spacing <= 2.0:
        raise HcflowError(f"--spacing must be between 0.05 and 2 A, got {spacing}")
    atoms = read_structure(file)
    doc = StructureDoc.from_atoms(
        atoms,
        "imported",
        f"analyze:{file.name}",
        pore_spacing=spacing,
        probe_radius=probe,
    )
    doc.validation = validate_structure(atoms, pore_spacing=None, rings=False)
    if as_json:
        d = doc.to_store_dict()
        d.pop("structure")
        typer.echo(json.dumps(d, default=str, indent=1))
    else:
        typer.echo(_stats_table(doc))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(structure_app)
