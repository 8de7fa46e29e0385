"""``hcflow structure``: generate, import and analyze hard-carbon structures."""

from __future__ import annotations

from pathlib import Path

import typer

structure_app = typer.Typer(
    name="structure",
    help="Hard-carbon structures: generate (+ sodiate), import, analyze.",
    no_args_is_help=True,
)


def _validation_rows(v: dict) -> list[tuple[str, str]]:
    """(label, text) rows of a validation dict for a printed table."""
    rows = []
    d, st = v.get("d002") or {}, v.get("stacking") or {}
    if d.get("d002_A") is not None:
        tag = "" if d.get("reliable", True) else " (cell < 20 A: indicative)"
        rows.append(("d002 from S(q) (A)", f"{d['d002_A']:.2f}{tag}"))
    elif "peak_002_visible" in d:
        rows.append(
            (
                "d002 from S(q) (A)",
                f"no visible (002) peak (prominence {d['prominence002']:.2f})",
            )
        )
    for key, label in (("Lc_A", "Lc, Scherrer (A)"), ("La_A", "La, Warren (10) (A)")):
        if d.get(key) is not None:
            rows.append((label, f"{d[key]:.1f} (<= ~{d['size_limit_A']:.0f} A here)"))
    if st.get("stacking_A") is not None:
        rows.append(
            (
                "stacking distance (A)",
                f"{st['stacking_A']:.2f} (IQR {st['stacking_iqr_A'][0]:.2f}-"
                f"{st['stacking_iqr_A'][1]:.2f}; {st['stacked_fraction']:.0%} of "
                "sp2 C stacked)",
            )
        )
    for key, c in (v.get("checks") or {}).items():
        if c["range"] is None or c["value"] is None:
            continue
        mark = "within" if c["ok"] else "OUTSIDE"
        rows.append(
            (
                f"{key} vs literature",
                f"{c['value']:.3f} ({mark} {c['range'][0]}-{c['range'][1]})",
            )
        )
    if "in_target_window" in v:
        rows.append(
            (
                "issue-15 target window",
                ("yes" if v["in_target_window"] else "no")
                + " (targets apply at 1.0-1.6 g/cm3 and >= 1000 C)",
            )
        )
    return rows


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
        rows += _validation_rows(doc.validation)
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(w)}  {v}" for k, v in rows)


def _save(docs) -> None:
    from hcflow.services.structure import save_structures

    save_structures(docs, announce=lambda m: typer.echo(m, err=True))
    for doc in docs:
        typer.echo(f"saved {doc.structure_id} to the structures collection")


@structure_app.command("generate")
def generate(
    density: float = typer.Option(..., "--density", help="Carbon density, g/cm3."),
    n_carbon: int = typer.Option(..., "--n-carbon", help="Number of C atoms."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    na_per_c: float | None = typer.Option(None, "--na-per-c", help="Na:C to insert."),
    min_na_c: float = typer.Option(2.3, "--min-na-c", help="Min Na-C distance, A."),
    min_na_na: float = typer.Option(3.0, "--min-na-na", help="Min Na-Na, A."),
    params: str | None = typer.Option(
        None, "--params", help="Quick-packer parameters (JSON or file)."
    ),
    method: str = typer.Option(
        "md", "--method", help="md: melt-quench on LAMMPS; quick: domain packer."
    ),
    protocol: str | None = typer.Option(
        None, "--protocol", help="Melt-quench protocol (JSON or file; --method md)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the structure."),
    save: bool = typer.Option(
        False, "--save/--no-save", help="Store the StructureDoc(s) (import: on)."
    ),
    pore_spacing: float = typer.Option(0.5, "--pore-spacing", help="Grid, A."),
) -> None:
    """Generate a hard-carbon cell (optionally sodiated); print its statistics.

    --method md (default) runs melt-quench-anneal on LAMMPS, or reuses the
    cell from the shipped library / local cache when the same inputs were
    generated before; --method quick is the fast domain packer.
    """
    from hcflow.services.structure import generate_structure, write_structure

    atoms, docs = generate_structure(
        density,
        n_carbon,
        seed,
        na_per_c,
        min_na_c=min_na_c,
        min_na_na=min_na_na,
        params=params,
        pore_spacing=pore_spacing,
        method=method,
        protocol=protocol,
    )
    typer.echo(_stats_table(docs[-1]))
    if out:
        typer.echo(f"wrote {write_structure(atoms, out)}")
    if save:
        _save(docs)


@structure_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="CIF, POSCAR, extxyz, ... file."),
    save: bool = typer.Option(True, "--save/--no-save", help="Store the doc."),
    pore_spacing: float = typer.Option(0.5, "--pore-spacing", help="Grid, A."),
) -> None:
    """Read a user structure into a StructureDoc (saved unless --no-save)."""
    from hcflow.services.structure import import_structure

    _, doc = import_structure(file, pore_spacing)
    typer.echo(_stats_table(doc))
    if save:
        _save([doc])


@structure_app.command("analyze")
def analyze(
    file: Path = typer.Argument(..., help="Structure file."),
    spacing: float = typer.Option(
        0.3, "--pore-spacing", "--spacing", help="Pore grid spacing, A."
    ),
    probe: float = typer.Option(2.3, "--probe", help="Na-C contact distance, A."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    figure: Path | None = typer.Option(
        None, "--figure", help="Write the S(q) / G(r) figure (PNG, PDF, ...)."
    ),
) -> None:
    """Print sp fractions, rings, pores and the realism validation of a file.

    The validation holds the XRD figures: d002 of the (002) peak of S(q), the
    Scherrer stacking height Lc and Warren's La, against hard-carbon ranges.
    """
    from hcflow.services.structure import analyze_structure

    doc = analyze_structure(file, spacing, probe, figure)
    if as_json:
        d = doc.to_store_dict()
        d.pop("structure")
        from hcflow.services.data import json_text

        typer.echo(json_text(d))
    else:
        typer.echo(_stats_table(doc))
    if figure is not None:
        typer.echo(f"wrote {figure}", err=as_json)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(structure_app)
