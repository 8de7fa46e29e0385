"""Entry point of the ``hcflow`` command.

Sub-command modules each define ``app`` (a typer.Typer) or ``register(app)``;
they are wired here. Every HcflowError becomes ``error: <one line>`` on stderr
and exit code 1, never a stack trace.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

import hcflow
from hcflow.errors import HcflowError
from hcflow.settings import configure

app = typer.Typer(
    name="hcflow",
    help="hcflow: Na transport in hard carbon, from MLIP MD to diffusion modes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(hcflow.__version__)
        raise typer.Exit()


@app.callback()
def _main(
    stores: Path | None = typer.Option(
        None, "--stores", help="stores/*.yaml file naming the database."
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Data folder (default ./hcflow-data)."
    ),
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        callback=_print_version,
        is_eager=True,
        help="Print the hcflow version and exit.",
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Log more (DEBUG); put it before the command."
    ),
    quiet: bool = typer.Option(
        False,
        "--quiet",
        "-q",
        help="Log only errors; put it before the command (after a command, "
        "-q is --query/--filter).",
    ),
) -> None:
    set_log_level(verbose, quiet)
    configure(stores_file=stores, data_dir=data_dir)


#: third-party warnings every MACE command printed (e3nn / torch internals,
#: nothing a user can act on); filtered here, at the CLI edge only
QUIET_WARNINGS = (
    r".*TorchScript type system doesn't support instance-level annotations.*",
    r".*`torch.jit.script` is deprecated.*",
    r".*torch.jit.*is deprecated.*",
    r".*You are using `torch.load` with `weights_only=False`.*",
    r".*Environment variable TORCH_FORCE_.*",
)


def set_log_level(verbose: bool = False, quiet: bool = False) -> int:
    """Logging level of the ``hcflow`` loggers from -v / -q; returns it."""
    import logging
    import warnings

    if verbose and quiet:
        raise HcflowError("give --verbose or --quiet, not both")
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO
    for name in ("hcflow", "maggma", "jobflow"):  # the root logger is left alone
        logging.getLogger(name).setLevel(level)
    if not verbose:
        for pattern in QUIET_WARNINGS:
            warnings.filterwarnings("ignore", message=pattern)
    return level


@app.command()
def version() -> None:
    """Print the hcflow version."""
    typer.echo(hcflow.__version__)


def _register() -> None:
    from hcflow.cli import (
        build,
        data,
        db,
        demo,
        potential,
        report,
        structure,
        study,
    )

    for module in (db, data, build, potential, structure, study, demo, report):
        module.register(app)


_register()


def _usage_error(exc: Exception) -> int | None:
    """Show a click usage error (typer's bundled click or the stock one) in
    click's own short form; return its exit code, None for anything else."""
    import click

    if isinstance(exc, typer.TyperException | click.ClickException) and hasattr(
        exc, "show"
    ):
        exc.show()
        return int(getattr(exc, "exit_code", 2))
    return None


#: lines third-party packages print (not log) on import, e.g. mace without
#: cuequivariance; dropped from stdout so that --format json stays JSON
DROPPED_PRINTS = ("cuequivariance or cuequivariance_torch is not available",)


class _DropPrints:
    """stdout that drops the :data:`DROPPED_PRINTS` lines (CLI edge only)."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._dropped = False  # print() writes its newline separately

    def write(self, text: str) -> int:
        dropped, self._dropped = self._dropped, text.startswith(DROPPED_PRINTS)
        if self._dropped or (dropped and text == "\n"):
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def run() -> None:
    """Console-script entry: one-line errors and non-zero exits."""
    stdout = sys.stdout
    sys.stdout = _DropPrints(stdout)
    try:
        _run()
    finally:
        sys.stdout = stdout


def _run() -> None:
    try:
        rc = app(standalone_mode=False)
    except HcflowError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # usage errors from typer's or the stock click
        shown = _usage_error(exc)
        if shown is None:
            raise
        sys.exit(shown)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    run()
