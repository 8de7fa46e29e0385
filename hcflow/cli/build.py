"""``hcflow build``: run the maggma builders (one command per target, and ``all``).

Each target is a function ``(query, retry_failed) -> None`` registered in
``TARGETS`` (in build order) and a typer command of the ``build`` sub-app;
``hcflow build all`` runs every registered target in order with the same
query. To add a target: write ``_build_<name>``, add it to ``TARGETS`` and
add a command.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from hcflow.errors import HcflowError
from hcflow.settings import get_settings

build_app = typer.Typer(
    name="build",
    help="Run the builders: descriptors (per-ion), then the analyses.",
    no_args_is_help=True,
)


def parse_json_or_file(text: str | None, what: str) -> dict[str, Any]:
    """A dict from inline JSON or a JSON/YAML file (``{}`` when None).

    A file holding ``{"filter": {...}}`` or ``{"query": {...}}`` (the saved
    query format of ``queries/``) gives the inner dict.
    """
    if not text:
        return {}
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise HcflowError(f"invalid {what}: not JSON ({exc.msg})") from None
    else:
        path = Path(text)
        if not path.is_file():
            raise HcflowError(f"invalid {what}: {text!r} is neither JSON nor a file")
        import yaml

        try:
            value = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            reason = str(exc).splitlines()[0]
            raise HcflowError(f"invalid {what} file {path}: {reason}") from None
        if isinstance(value, dict) and what == "query":
            for key in ("filter", "query"):
                if key in value and isinstance(value[key], dict):
                    value = value[key]
                    break
    if not isinstance(value, dict):
        raise HcflowError(f"invalid {what}: must be a JSON/YAML object")
    return value


def run_descriptors(
    query: dict | None = None,
    settings: dict | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    echo: Callable[[str], None] = typer.echo,
) -> dict[str, int]:
    """Build ion_descriptors + trajectory_summaries on the configured database.

    The cutoffs default to the global settings (``HCFLOW_NA_C_CUTOFF``,
    ``HCFLOW_NA_NA_CUTOFF``); ``settings`` overrides any DescriptorSettings field.
    """
    from hcflow.builders.descriptors import DescriptorBuilder
    from hcflow.db.stores import ensure_database
    from hcflow.descriptors.settings import DescriptorSettings

    glob = get_settings()
    defaults = {"na_c_cutoff": glob.na_c_cutoff, "na_na_cutoff": glob.na_na_cutoff}
    # bad settings fail here, before anything touches the database
    dsettings = DescriptorSettings.from_any(defaults | dict(settings or {}))
    hsettings = ensure_database(
        get_settings(), announce=lambda m: typer.echo(m, err=True)
    )
    builder = DescriptorBuilder.from_settings(
        hsettings, dsettings, query=query, retry_failed=retry_failed
    )
    stats = builder.build(progress=progress)
    echo(
        f"descriptors (settings {dsettings.hash}): {stats['processed']} trajectories "
        f"processed, {stats['failed']} failed, {stats['ions']} ion documents written"
        + (
            "; already up to date"
            if not (stats["processed"] or stats["failed"])
            else ""
        )
    )
    for task_id, error in builder.errors.items():
        typer.echo(f"  failed {task_id}: {error}", err=True)
    return stats


def _build_descriptors(query: dict, retry_failed: bool) -> None:
    run_descriptors(query=query, retry_failed=retry_failed)


def run_analysis(
    kind: str,
    query: Any = None,
    settings: dict | None = None,
    echo: Callable[[str], None] = typer.echo,
) -> list[str]:
    """Run one query-driven analysis builder (modes, drivers, correlations).

    ``query``: a SavedQuery, a filter dict, a saved-query file or inline JSON;
    ``settings`` override the query's own settings for this analysis. The
    query and settings are validated before the database is touched.
    """
    from hcflow.analysis.query import load_query
    from hcflow.builders.analysis import check_analysis, make_builder
    from hcflow.db.stores import ensure_database, get_store

    saved = load_query(query) if not hasattr(query, "settings_for") else query
    check_analysis(kind, saved, settings)  # bad input fails before any database
    hsettings = ensure_database(
        get_settings(), announce=lambda m: typer.echo(m, err=True)
    )
    builder = make_builder(kind, saved, dict(settings or {}), hsettings)
    ids = builder.build()
    store = get_store(kind, hsettings)
    with store:
        doc = store.query_one({"result_id": ids[-1]}) if ids else None
    state = "new result" if builder.new_results else "up to date"
    echo(
        f"{kind}: {state} {ids[-1] if ids else ''}"
        + (f" ({_describe(kind, doc)})" if doc else "")
    )
    return ids


def _describe(kind: str, doc: dict) -> str:
    n = f"{doc.get('n_inputs')} ions / {doc.get('n_trajectories')} trajectories"
    if kind == "modes":
        names = ", ".join(sorted(set(doc.get("names", {}).values())))
        ari = doc.get("stability_ari")
        conf = "" if doc.get("confident") else ", NOT confident"
        ari_text = f"{ari:.2f}" if ari is not None else "n/a"
        return f"{n}: k={doc['k']} [{names}], stability ARI={ari_text}{conf}"
    if kind == "drivers":
        top = [d["descriptor"] for d in doc.get("importance", [])[:2]]
        r2, sd = doc.get("r2_mean"), doc.get("r2_std")
        r2_text = f"{r2:.2f}+-{sd:.2f}" if r2 is not None and sd is not None else "n/a"
        return f"{n}: grouped-CV R2={r2_text}, top {top}"
    if kind == "correlations":
        return f"{n}, modes from {doc.get('mode_source')}"
    return n


def _build_modes(query: dict, retry_failed: bool) -> None:
    run_analysis("modes", query)


def _build_drivers(query: dict, retry_failed: bool) -> None:
    run_analysis("drivers", query)


def _build_correlations(query: dict, retry_failed: bool) -> None:
    run_analysis("correlations", query)


#: name -> builder function, in build order (``hcflow build all`` runs them all).
TARGETS: dict[str, Callable[[dict, bool], None]] = {
    "descriptors": _build_descriptors,
    "modes": _build_modes,
    "drivers": _build_drivers,
    "correlations": _build_correlations,
}

_QUERY_HELP = "md_tasks filter: inline JSON or a JSON/YAML file (queries/*.yaml)."


@build_app.command("descriptors")
def descriptors_cmd(
    query: str = typer.Option(None, "--query", "-q", help=_QUERY_HELP),
    settings: str = typer.Option(
        None,
        "--settings",
        "-s",
        help="DescriptorSettings overrides: inline JSON or a JSON/YAML file, e.g. "
        '\'{"na_c_cutoff": 3.2, "fit_stop_fraction": 0.4}\'.',
    ),
    retry_failed: bool = typer.Option(
        False, "--retry-failed", help="Also reprocess trajectories that failed."
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
) -> None:
    """Per-ion descriptors and per-trajectory tracer D for every trajectory."""
    run_descriptors(
        query=parse_json_or_file(query, "query"),
        settings=parse_json_or_file(settings, "settings"),
        retry_failed=retry_failed,
        progress=not no_progress,
    )


@build_app.command("all")
def all_cmd(
    query: str = typer.Option(None, "--query", "-q", help=_QUERY_HELP),
    retry_failed: bool = typer.Option(
        False, "--retry-failed", help="Also reprocess failed items."
    ),
) -> None:
    """Run every builder in order (descriptors first) with default settings.

    An analysis that cannot run on the selected ions (too few ions, no
    mobility values...) is reported and skipped; the descriptors must succeed.
    """
    parsed = parse_json_or_file(query, "query")
    for name, func in TARGETS.items():
        typer.echo(f"== build {name}")
        if name == "descriptors":
            func(parsed, retry_failed)
            continue
        try:
            func(parsed, retry_failed)
        except HcflowError as exc:
            typer.echo(f"  skipped {name}: {exc}")


_AQ_HELP = "ion_descriptors filter: inline JSON or a saved query (queries/*.yaml)."
_AS_HELP = "Analysis settings: inline JSON or a JSON/YAML file."


def _analysis_command(kind: str, doc: str):
    def command(
        query: str = typer.Option(None, "--query", "-q", help=_AQ_HELP),
        settings: str = typer.Option(None, "--settings", "-s", help=_AS_HELP),
    ) -> None:
        from hcflow.analysis.query import load_query

        run_analysis(kind, load_query(query), parse_json_or_file(settings, "settings"))

    command.__doc__ = doc
    build_app.command(kind)(command)


_analysis_command("modes", "Diffusion modes (Gaussian mixture + BIC) of the ions.")
_analysis_command("drivers", "Structural drivers of per-ion mobility (grouped CV).")
_analysis_command(
    "correlations", "Mode fractions and mobility vs density, Na content, T."
)


def register(app: typer.Typer) -> None:
    """Add the ``build`` sub-app to the main app."""
    app.add_typer(build_app, name="build")
