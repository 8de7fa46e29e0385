"""``hcflow potential info|register|distill|validate``: the MLIP layer."""

from __future__ import annotations

from pathlib import Path

import typer


def _service():
    """hcflow.services.potential, imported when a command runs (a fast --help)."""
    from hcflow.services import potential

    return potential


def _json_text(*args, **kwargs) -> str:
    from hcflow.services.data import json_text

    return json_text(*args, **kwargs)


potential_app = typer.Typer(
    help="Potentials: inspect, register, distil.", no_args_is_help=True
)


@potential_app.command("info")
def info(
    spec: str = typer.Argument(None, help="Spec (default: shipped model)."),
    device: str = typer.Option(
        None, "--device", help="cpu, cuda, cuda:N or auto: where MD would run it."
    ),
):
    """Show what a potential spec resolves to (elements, cutoff, metrics)."""
    d = _service().potential_info(spec, device=device)
    meta = d.pop("metadata")
    for key, value in d.items():
        typer.echo(f"{key:<12} {value}")
    if meta.get("validation"):
        typer.echo("validation   " + _json_text(meta["validation"], indent=None))
    if meta.get("teacher"):
        typer.echo(f"teacher      {meta['teacher']}")


@potential_app.command("register")
def register_cmd(
    spec: str = typer.Argument(None, help="Spec (default: shipped model)."),
):
    """Write the potential's document to the potentials collection."""
    doc = _service().register_potential(spec)
    typer.echo(f"registered {doc.name} as {doc.potential_id}")


@potential_app.command("distill")
def distill(
    out: Path = typer.Option(Path("distill"), "--out", help="Working folder."),
    name: str = typer.Option("hcflow-nac-small", "--name", help="Model name."),
    n_structures: int = typer.Option(24, help="Base Na/C cells to sample."),
    md_steps: int = typer.Option(30, help="CHGNet MD steps per cell."),
    epochs: int = typer.Option(40, help="Training epochs."),
    hidden_irreps: str = typer.Option("32x0e", help="MACE hidden irreps."),
    seed: int = typer.Option(1, help="Random seed."),
    al_rounds: int = typer.Option(
        0, help="Active-learning rounds (student MD relabelled by CHGNet)."
    ),
    al_cells: int = typer.Option(8, help="Cells of each active-learning round."),
    al_steps: int = typer.Option(60, help="Student MD steps per AL cell."),
    al_stride: int = typer.Option(5, help="Steps between AL snapshots."),
    al_timestep: float = typer.Option(1.0, help="AL MD time step, fs."),
    mq_cells: int = typer.Option(
        0, help="Melt-quench cells with Na added to the base cells (LAMMPS)."
    ),
    close_contacts: int = typer.Option(
        0, help="Close Na-Na / Na-C copies per explored cell."
    ),
    pair_repulsion: bool = typer.Option(
        False, help="Train with mace's ZBL pair repulsion."
    ),
    train_arg: list[str] = typer.Option(
        [], "--train-arg", help="Extra mace_run_train argument (repeatable)."
    ),
    teacher: str = typer.Option(
        "chgnet", help="Teacher: any potential spec (e.g. sevennet-l3i5)."
    ),
    dispersion: str = typer.Option(
        None, help="Dispersion added to the teacher's labels (d3bj)."
    ),
    explore_with: str = typer.Option(
        None, help="Cheap potential for the exploration MD (default: the teacher)."
    ),
    reference_sets: bool = typer.Option(
        False, help="Add Na metal, clusters, graphene/graphite and NaC6/NaC8 cells."
    ),
    label_cache: Path = typer.Option(
        None, help="Folder of cached teacher labels (default: OUT/labels)."
    ),
    install: bool = typer.Option(False, help="Copy the model into the package."),
):
    """Distil a small Na/C MACE model from a teacher (default: CHGNet)."""
    from hcflow.services.distill import DistillConfig

    same_name = (
        "name",
        "n_structures",
        "md_steps",
        "hidden_irreps",
        "seed",
        "al_cells",
        "al_steps",
        "al_stride",
        "mq_cells",
        "close_contacts",
        "pair_repulsion",
        "teacher",
        "dispersion",
        "explore_with",
        "reference_sets",
    )
    options = {k: v for k, v in locals().items() if k in same_name}
    cfg = DistillConfig(
        out_dir=str(out),
        max_epochs=epochs,
        al_rounds=al_rounds,
        al_timestep_fs=al_timestep,
        extra_train_args=list(train_arg),
        label_cache=str(label_cache) if label_cache else None,
        **options,
    )
    meta = _service().distill_potential(cfg, install=install)
    typer.echo(_json_text(meta["validation"]))
    if install:
        typer.echo(f"installed {meta['installed']}")


def gate_table(doc: dict) -> str:
    """The gates of a PotentialValidationDoc dict as a text table."""
    lines = [f"{'gate':<22} {'value':>9} {'reference':>9} {'window':>15}  status"]
    for g in doc["gates"]:
        value = "-" if g["value"] is None else f"{g['value']:.3f}"
        ref = "-" if g["reference"] is None else f"{g['reference']:g}"
        note = f"  {g['note']}" if g["note"] else ""
        lines.append(
            f"{g['name']:<22} {value:>9} {ref:>9} {g['window']:>15}  "
            f"{g['status']} [{g['unit']}]{note}"
        )
    counts = ", ".join(f"{n} {k}" for k, n in doc["summary"].items())
    lines.append(f"{doc['name']} ({doc['dispersion'] or 'no dispersion'}): {counts}")
    return "\n".join(lines)


@potential_app.command("validate")
def validate(
    spec: str = typer.Argument(None, help="Name or model file (default: shipped)."),
    dispersion: str = typer.Option(
        None, "--dispersion", help="Add D3(BJ) dispersion: d3bj."
    ),
    md: bool = typer.Option(
        False, "--md", help="Also the MD gates (liquid Na D, NVE drift): minutes."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the document."),
    out: Path = typer.Option(
        Path("hcflow-report"), "--out", help="Folder of the figure (as report)."
    ),
):
    """Physics gates of a potential against cited references; stored per
    potential hash in potential_validation, a table and a figure."""
    echo = (lambda _line: None) if as_json else typer.echo
    doc, figure = _service().validate_potential(
        spec, dispersion=dispersion, md=md, out=str(out), announce=echo
    )
    if as_json:
        typer.echo(_json_text(doc.model_dump()))
        return
    typer.echo(gate_table(doc.model_dump()))
    typer.echo(f"stored as {doc.validation_id}; figure {figure}")


def register(app: typer.Typer) -> None:
    app.add_typer(potential_app, name="potential")
