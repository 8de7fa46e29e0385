"""What every service shares: how it reports, and how it reaches the database."""

from __future__ import annotations

import sys
from collections.abc import Callable

from hcflow.settings import Settings, get_settings

#: How a service reports progress: one line at a time (``print``, ``typer.echo``).
Echo = Callable[[str], None]


def quiet(_line: str) -> None:
    """An Echo that says nothing."""


def to_stderr(line: str) -> None:
    """An Echo that writes to standard error."""
    print(line, file=sys.stderr)


def connect(
    settings: Settings | None = None, announce: Echo | None = print
) -> Settings:
    """The settings of a database that answers (the local server started if needed).

    ``announce`` is told when the local server had to be started.
    """
    from hcflow.db.stores import ensure_database

    return ensure_database(settings or get_settings(), announce=announce)
