"""``hcflow build``: run the maggma builders (one command per target, and ``all``).

Each command parses its options and calls :mod:`hcflow.services.build`;
``--write-json FILE`` writes the builder for maggma's runner (``mrun FILE``)
instead of running it.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hcflow.cli.options import filter_option
from hcflow.errors import HcflowError


def _service():
    """hcflow.services.build, imported when a command runs (a fast --help)."""
    from hcflow.services import build

    return build


build_app = typer.Typer(
    name="build",
    help="Run the builders: descriptors (per-ion), then the analyses.",
    no_args_is_help=True,
)

_QUERY_HELP = "md_tasks filter: inline JSON or a JSON/YAML file (queries/*.yaml)."
_AQ_HELP = "ion_descriptors filter: inline JSON or a saved query (queries/*.yaml)."
_AS_HELP = "Analysis settings: inline JSON or a JSON/YAML file."
_JSON_HELP = (
    "Write the builder as JSON for maggma's `mrun FILE` instead of running it "
    "(no credentials in the file)."
)


def _stderr(line: str) -> None:
    typer.echo(line, err=True)


def _write_json(kind: str, path: Path, query, settings) -> None:
    out = _service().write_builder_json(kind, path, query, settings)
    typer.echo(f"wrote {out}; run it with: mrun {out}")


@build_app.command("descriptors")
def descriptors_cmd(
    query: str = filter_option(_QUERY_HELP),
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
    write_json: Path = typer.Option(None, "--write-json", help=_JSON_HELP),
) -> None:
    """Per-ion descriptors and per-trajectory tracer D for every trajectory.

    Exits 1 (one-line summary) when any trajectory failed.
    """
    if write_json:
        _write_json("descriptors", write_json, query, settings)
        return
    stats = _service().run_descriptors(
        query=query,
        overrides=settings,
        retry_failed=retry_failed,
        progress=not no_progress,
        echo=typer.echo,
        warn=_stderr,
    )
    failures = _service().descriptor_failures(stats)
    if failures:
        raise HcflowError(failures)


@build_app.command("arrhenius")
def arrhenius_cmd(
    query: str = filter_option(
        "trajectory_summaries filter: inline JSON or a JSON/YAML file, e.g. "
        '\'{"study_id": "demo"}\'.'
    ),
    settings: str = typer.Option(
        None,
        "--settings",
        "-s",
        help="ArrheniusSettings overrides: inline JSON or a JSON/YAML file, e.g. "
        '\'{"T_extrapolate_K": 330, "min_span_K": 150}\'.',
    ),
    write_json: Path = typer.Option(None, "--write-json", help=_JSON_HELP),
) -> None:
    """Activation energy and D at 300 K per system (and per mode) over T.

    Only diffusive D are fitted (a non-diffusive D is an upper bound); every
    excluded point is listed with its reason. Fewer than 3 diffusive
    temperatures: the document says why, no error.
    """
    if write_json:
        _write_json("arrhenius", write_json, query, settings)
        return
    _service().run_arrhenius(query, settings, echo=typer.echo)


@build_app.command("all")
def all_cmd(
    query: str = filter_option(_QUERY_HELP),
    retry_failed: bool = typer.Option(
        False, "--retry-failed", help="Also reprocess failed items."
    ),
) -> None:
    """Run every builder in order (descriptors first) with default settings.

    An analysis that cannot run on the selected ions (too few ions, no
    mobility values...) is reported and skipped; the descriptors must succeed.
    Exits 1 (one-line summary) when any trajectory failed or any analysis was
    skipped. A trajectory too short for the settings is not estimable (its
    reason is printed), not failed: exit 0.
    """
    failures = _service().failure_summary(
        _service().run_all(query, retry_failed, echo=typer.echo)
    )
    if failures:
        raise HcflowError(f"build all: {failures}")


@build_app.command("kmc")
def kmc_cmd(
    temperature: list[float] = typer.Option(
        ...,
        "--temperature",
        "-T",
        metavar="K",
        help="Temperature of the KMC, K (repeat for several, e.g. -T 300 -T 600).",
    ),
    query: str = filter_option(_QUERY_HELP),
    settings: str = typer.Option(
        None,
        "--settings",
        "-s",
        help="KMC settings: inline JSON or a JSON/YAML file, e.g. "
        '\'{"n_hops": 1000000, "n_ions": 6}\'.',
    ),
) -> None:
    """Room-temperature D by kinetic Monte Carlo on the site network of MD.

    Builds one site network per host from the selected md_tasks (sites,
    observed hops, exit barriers across the MD temperatures), then KMC at each
    temperature: on the MD rates at an MD temperature (beside the MD D), on
    the fitted barriers elsewhere. See docs/kmc.md.
    """
    from hcflow.services.kmc import run_kmc

    run_kmc(temperature, query, settings, echo=typer.echo)


def _analysis_command(kind: str, doc: str):
    def command(
        query: str = filter_option(_AQ_HELP),
        settings: str = typer.Option(None, "--settings", "-s", help=_AS_HELP),
        write_json: Path = typer.Option(None, "--write-json", help=_JSON_HELP),
    ) -> None:
        if write_json:
            _write_json(kind, write_json, query, settings)
            return
        _service().run_analysis(kind, query, settings, echo=typer.echo)

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
