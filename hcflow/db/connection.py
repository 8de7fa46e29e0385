"""Connections to the database: clients, timeouts, one-line errors.

``mongo_client`` is the one way hcflow makes a pymongo client: it logs in
(:attr:`Settings.uri` carries the local server's credentials), waits at most
``db_timeout_s`` for a server (default 1 s) and asks for journaled writes
(``j=True``: an acknowledged write is on disk). ``database_errors`` turns any
pymongo failure into a one-line :class:`HcflowError` that names the database
without its password. ``check_connection`` answers at once when the server
refuses connections (it is down), after ``db_timeout_s`` when it does not
answer.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import (
    ConfigurationError,
    ConnectionFailure,
    OperationFailure,
    PyMongoError,
)

from hcflow.credentials import mask_secrets, mask_uri
from hcflow.errors import DatabaseError, HcflowError
from hcflow.settings import Settings


def client_kwargs(settings: Settings) -> dict:
    ms = int(settings.db_timeout_s * 1000)
    return {"serverSelectionTimeoutMS": ms, "connectTimeoutMS": ms, "journal": True}


def error_reason(exc: BaseException) -> str:
    text = str(exc)
    for tail in (", full error", " (configured timeouts", ", Timeout: "):
        text = text.split(tail)[0]
    return mask_secrets(text.strip().splitlines()[0][:160] if text else repr(exc))


def _failed(what: str) -> str:
    """'query on md_tasks' -> 'query failed on md_tasks'."""
    verb, _, rest = what.partition(" ")
    return f"{verb} failed {rest}".rstrip()


@contextmanager
def database_errors(uri: str, what: str = "database operation") -> Iterator[None]:
    """Turn any pymongo error inside the block into a one-line HcflowError.

    A database that is down, unreachable, refuses the login or has a bad URI
    raises :class:`~hcflow.errors.DatabaseError` (nothing an item being
    processed can cause); other failures (a bad filter, a corrupt blob...) a
    plain HcflowError.

    Parameters
    ----------
    uri
        The database's URI; only its masked form appears in the message.
    what
        What was being done (``query md_tasks``...).
    """
    try:
        yield
    except OperationFailure as exc:
        if exc.code == 18:  # AuthenticationFailed
            raise DatabaseError(
                f"database at {mask_uri(uri)} refused the credentials during {what}; "
                "for the local server: `hcflow db stop`, delete "
                "<data_dir>/db/credentials.json, `hcflow db start` to reset them"
            ) from None
        if exc.code == 1:  # InternalError: the storage engine failed
            raise DatabaseError(
                f"{_failed(what)}: the database server could not write "
                f"({error_reason(exc)}); if its disk is full (see its log), free "
                "space on its data folder, then `hcflow db stop` and `hcflow db start` "
                "(acknowledged writes are kept; log: <data_dir>/db/server.log)"
            ) from None
        raise HcflowError(f"{_failed(what)}: {error_reason(exc)}") from None
    except ConnectionFailure as exc:
        raise DatabaseError(
            f"database not reachable at {mask_uri(uri)} during {what} "
            f"({error_reason(exc)})"
        ) from None
    except ConfigurationError as exc:
        raise DatabaseError(
            f"bad database URI {mask_uri(uri)}: {error_reason(exc)}"
        ) from None
    except PyMongoError as exc:
        raise HcflowError(f"{_failed(what)}: {error_reason(exc)}") from None


def mongo_client(settings: Settings) -> MongoClient:
    """A pymongo client of the configured database (one-line error on a bad URI).

    It logs in with the local server's credentials, waits at most
    ``db_timeout_s`` for the server and asks for journaled writes.
    """
    uri = settings.uri
    try:
        return MongoClient(uri, **client_kwargs(settings))
    except (PyMongoError, ValueError, TypeError) as exc:
        raise HcflowError(
            f"bad database URI {mask_uri(uri)}: {error_reason(exc)}"
        ) from None


def _refused_everywhere(uri: str, timeout: float) -> bool:
    """True when every host of a plain ``mongodb://`` URI refuses TCP at once.

    A server that is down answers a connection with a refusal in microseconds;
    pymongo would still wait for its whole server-selection timeout.
    """
    from pymongo import uri_parser

    if not uri.startswith("mongodb://"):
        return False
    try:
        nodes = uri_parser.parse_uri(uri)["nodelist"]
    except (PyMongoError, ValueError):
        return False
    for host, port in nodes:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return False
        except ConnectionRefusedError:
            continue
        except OSError:
            return False
    return bool(nodes)


def check_connection(settings: Settings) -> None:
    """Ping the database (and log in); a one-line HcflowError when it fails.

    A server that is down is reported at once (connection refused); an
    unreachable host after ``db_timeout_s`` (default 1 s).
    """
    hint = (
        "start it with `hcflow db start`"
        if settings.uses_local_server
        else "check HCFLOW_DB_URI / the stores file"
    )
    uri = settings.uri
    if _refused_everywhere(uri, settings.db_timeout_s):
        raise DatabaseError(
            f"database not reachable at {mask_uri(uri)} (connection refused); {hint}"
        )
    try:
        with database_errors(uri, "ping"):
            client = mongo_client(settings)
            try:
                client.admin.command("ping")  # the login happens first
            finally:
                client.close()
    except HcflowError as exc:
        if "not reachable" in str(exc):
            raise DatabaseError(f"{exc}; {hint}") from None
        raise


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    """The hcflow database as a pymongo Database, closed on exit (one-line errors)."""
    client = mongo_client(settings)
    try:
        yield client[settings.db_name]
    finally:
        client.close()


def collection_counts(settings: Settings) -> dict[str, int]:
    """Document count of every collection in the hcflow database."""
    with database_errors(settings.uri, "count documents"):
        client = mongo_client(settings)
        try:
            db = client[settings.db_name]
            return {
                name: db[name].estimated_document_count()
                for name in sorted(db.list_collection_names())
            }
        finally:
            client.close()
