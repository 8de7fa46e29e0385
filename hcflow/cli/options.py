"""The command line's one vocabulary: the options several commands share.

- a selection is always ``-f/--filter`` (a MongoDB filter as inline JSON, or
  a saved query file); ``-q/--query`` is its older spelling, still accepted;
- machine-readable output is always ``--format json`` (``--json`` is its
  older spelling, hidden); tables are the default;
- an output file is always ``-o/--out``.
"""

from __future__ import annotations

import typer

from hcflow.errors import HcflowError


def filter_option(help: str):
    """``-f/--filter`` (with ``-q/--query`` as the older spelling)."""
    return typer.Option(None, "--filter", "-f", "--query", "-q", help=help)


def format_option(default: str = "table", choices: tuple[str, ...] = ("table", "json")):
    """``--format`` with the choices named in its help."""
    return typer.Option(default, "--format", help=f"Output: {', '.join(choices)}.")


def json_alias():
    """The hidden ``--json`` flag: the same as ``--format json``."""
    return typer.Option(False, "--json", hidden=True, help="Same as --format json.")


def output_format(
    fmt: str, as_json: bool = False, choices: tuple[str, ...] = ("table", "json")
) -> str:
    """The chosen format, or a one-line error naming the choices."""
    fmt = "json" if as_json else fmt
    if fmt not in choices:
        raise HcflowError(f"unknown format {fmt!r}; use one of {', '.join(choices)}")
    return fmt
