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


def check_reachable(settings: Settings | None = None) -> None:
    """Fail fast when a configured database is down (one-line HcflowError).

    Imports nothing beyond pymongo and answers within ``db_timeout_s`` (at
    once when the server refuses connections), so a command says so before it
    loads its heavy modules. Does nothing for the local server, which
    :func:`connect` starts when needed.
    """
    settings = settings or get_settings()
    if not settings.uses_local_server:
        from hcflow.db.connection import check_connection

        check_connection(settings)


def connect(
    settings: Settings | None = None, announce: Echo | None = print
) -> Settings:
    """The settings of a database that answers (the local server started if needed).

    ``announce`` is told when the local server had to be started. A configured
    database that is down is reported before the stores (jobflow, maggma) are
    even imported: within ``db_timeout_s``, at once when it refuses connections.
    """
    settings = settings or get_settings()
    check_reachable(settings)
    from hcflow.db.stores import ensure_database

    return ensure_database(settings, announce=announce)
