"""One configuration path for every store hcflow uses.

``get_store(name)`` gives the maggma MongoStore of a collection, ``get_data_store()``
the GridFS store for big arrays and ``get_jobstore()`` the jobflow JobStore
(docs in a MongoStore, big data in the GridFS ``data`` store). Jobs, builders,
the CLI and the jobflow-remote project template all use these same objects,
pointed at the database that :mod:`hcflow.settings` resolves
(``HCFLOW_DB_URI`` > stores file > the local server).

Every key that is upserted or looked up is indexed (``ensure_indexes``):
maggma's ``update`` is a bulk of upserts, quadratic without an index on the
local server.

The stores are maggma's, with three guards (:class:`HcflowMongoStore`,
:class:`HcflowGridFSStore`):

- no password in the object: ``uri`` (what ``as_dict``, ``dumpfn(builder)``
  and maggma's logs show) has its password masked. A store of the local server
  carries ``credentials_file`` (a path, not a secret) and reads the user and
  password from it at ``connect``, so a serialized builder runs under maggma's
  ``mrun`` as it is; a store of an ``HCFLOW_DB_URI`` with a password connects
  in the process that made it, and once deserialized takes the password from
  the same ``HCFLOW_DB_URI`` (or ``HCFLOW_STORES`` file) in the environment;
- database failures (server down, refused credentials, malformed URI, a
  server error) become a one-line :class:`HcflowError` that names the
  database without its password (:func:`database_errors`);
- filters that run code on the server (``$where``...) are refused
  (:func:`hcflow.db.filters.check_filter`).

Writes are durable once acknowledged: hcflow's clients ask for a journaled
write concern (``j=True``), and the local server runs with ``--sync-on-commit``
so clients hcflow does not create (jobflow-remote, plain maggma stores) get the
same guarantee.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from jobflow import JobStore
from maggma.stores import GridFSStore, MongoStore
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import (
    ConfigurationError,
    ConnectionFailure,
    OperationFailure,
    PyMongoError,
)

from hcflow.db.credentials import (
    credentials_path,
    is_masked,
    load_credentials_file,
    mask_secrets,
    mask_uri,
)
from hcflow.db.filters import check_filter
from hcflow.db.server import server_status, start_server
from hcflow.errors import HcflowError
from hcflow.settings import Settings, get_settings

#: collection -> (key, other indexed fields). Add a line here for a new collection.
COLLECTIONS: dict[str, tuple[str, list[str]]] = {
    "md_tasks": (
        "task_id",
        [
            "study_id",
            "label",
            "source",
            "temperature_K",
            "density_g_cm3",
            "na_content",
            "settings_hash",
            "structure_id",
            "potential_id",
            "point_id",
            "state",
        ],
    ),
    "structures": ("structure_id", ["study_id", "density_g_cm3", "na_content", "kind"]),
    "potentials": ("potential_id", ["name", "file_hash"]),
    "ion_descriptors": (
        "ion_key",
        ["task_id", "ion_index", "settings_hash", "study_id", "state"],
    ),
    "trajectory_summaries": ("summary_key", ["task_id", "settings_hash", "study_id"]),
    "modes": ("result_id", ["query_hash", "settings_hash"]),
    "ion_modes": ("ion_mode_key", ["result_id"]),  # few indexes: 100k-doc writes
    "drivers": ("result_id", ["query_hash", "settings_hash"]),
    "correlations": ("result_id", ["query_hash", "settings_hash"]),
    "studies": ("study_id", ["name"]),
}

DATA_COLLECTION = "outputs_blobs"
JOBS_COLLECTION = "outputs"


def _client_kwargs(settings: Settings) -> dict:
    ms = int(settings.db_timeout_s * 1000)
    return {"serverSelectionTimeoutMS": ms, "connectTimeoutMS": ms, "journal": True}


def _reason(exc: BaseException) -> str:
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
            raise HcflowError(
                f"database at {mask_uri(uri)} refused the credentials during {what}; "
                "for the local server: `hcflow db stop`, delete "
                "<data_dir>/db/credentials.json, `hcflow db start` to reset them"
            ) from None
        raise HcflowError(f"{_failed(what)}: {_reason(exc)}") from None
    except ConnectionFailure as exc:
        raise HcflowError(
            f"database not reachable at {mask_uri(uri)} during {what} ({_reason(exc)})"
        ) from None
    except ConfigurationError as exc:
        raise HcflowError(f"bad database URI {mask_uri(uri)}: {_reason(exc)}") from None
    except PyMongoError as exc:
        raise HcflowError(f"{_failed(what)}: {_reason(exc)}") from None


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


def check_connection(settings: Settings | None = None) -> None:
    """Ping the database; a one-line HcflowError when it does not answer.

    A server that is down is reported at once (connection refused); an
    unreachable host after ``db_timeout_s`` (default 1.5 s).
    """
    settings = settings or get_settings()
    hint = (
        "start it with `hcflow db start`"
        if settings.uses_local_server
        else "check HCFLOW_DB_URI / the stores file"
    )
    uri = settings.uri
    if _refused_everywhere(uri, settings.db_timeout_s):
        raise HcflowError(
            f"database not reachable at {mask_uri(uri)} (connection refused); {hint}"
        )
    try:
        with database_errors(uri, "ping"):
            client = MongoClient(uri, **_client_kwargs(settings))
            try:
                client.admin.command("ping")  # the login happens first
            finally:
                client.close()
    except HcflowError as exc:
        if "not reachable" in str(exc):
            raise HcflowError(f"{exc}; {hint}") from None
        raise


def _safe_uri(uri: str) -> str:
    """The URI without a password."""
    return mask_uri(uri)


def ensure_database(
    settings: Settings | None = None, announce: Callable[[str], None] | None = print
) -> Settings:
    """Make sure the configured database answers, starting the local one if needed.

    When no URI is configured and the local server under ``data_dir`` is not
    running, it is started (and ``announce`` is told so). Indexes are created.
    """
    settings = settings or get_settings()
    if settings.uses_local_server and server_status(settings.data_dir) is None:
        info, _ = start_server(
            settings.data_dir, settings.db_host, settings.db_port, auth=settings.db_auth
        )
        if announce:
            announce(
                f"started local database at {info.uri} (data in {info.storage}, "
                f"pid {info.pid}); stop it with `hcflow db stop`"
            )
    check_connection(settings)
    ensure_indexes(settings)
    return settings


class _GuardedStore:
    """Mixin for maggma's Mongo stores: see the module docstring.

    ``uri`` is stored masked; ``credentials_file`` names the local server's
    credentials, read at each ``connect``.
    """

    def _guard_init(self, uri: str | None, credentials_file: str | None) -> None:
        self._connect_uri = uri if uri and not is_masked(uri) else None
        self.credentials_file = credentials_file

    def _connect_args(self) -> tuple[str, dict]:
        uri, kwargs = self._connect_uri or self.uri, dict(self.mongoclient_kwargs)
        if self.credentials_file:
            creds = load_credentials_file(self.credentials_file)
            if creds is not None:
                kwargs.update(
                    username=creds.username,
                    password=creds.password,
                    authSource=creds.auth_source,
                )
        elif is_masked(uri):
            current = get_settings().uri
            if mask_uri(current) != uri:
                raise HcflowError(
                    f"store {uri}: its password is not serialized; set HCFLOW_DB_URI "
                    "(or HCFLOW_STORES) to this database where the store is loaded"
                )
            uri = current
        return uri, kwargs

    def connect(self, force_reset: bool = False) -> None:
        shown, shown_kwargs = self.uri, self.mongoclient_kwargs
        uri, kwargs = self._connect_args()
        self.uri, self.mongoclient_kwargs = uri, kwargs
        try:
            with database_errors(shown, f"connect to {self.collection_name}"):
                super().connect(force_reset=force_reset)
        finally:
            self.uri, self.mongoclient_kwargs = shown, shown_kwargs

    def _op(self, name: str) -> str:
        return f"{name} on {self.collection_name}"

    def query(self, criteria=None, *args, **kwargs):
        check_filter(criteria)
        with database_errors(self.uri, self._op("query")):
            yield from super().query(criteria, *args, **kwargs)

    def query_one(self, criteria=None, *args, **kwargs):
        check_filter(criteria)
        with database_errors(self.uri, self._op("query")):
            return super().query_one(criteria, *args, **kwargs)

    def count(self, criteria=None, *args, **kwargs):
        check_filter(criteria)
        with database_errors(self.uri, self._op("count")):
            return super().count(criteria, *args, **kwargs)

    def distinct(self, field, criteria=None, *args, **kwargs):
        check_filter(criteria)
        with database_errors(self.uri, self._op("distinct")):
            return super().distinct(field, criteria, *args, **kwargs)

    def groupby(self, keys, criteria=None, *args, **kwargs):
        check_filter(criteria)
        with database_errors(self.uri, self._op("groupby")):
            yield from super().groupby(keys, criteria, *args, **kwargs)

    def update(self, docs, *args, **kwargs):
        with database_errors(self.uri, self._op("write")):
            return super().update(docs, *args, **kwargs)

    def remove_docs(self, criteria, *args, **kwargs):
        check_filter(criteria)
        with database_errors(self.uri, self._op("delete")):
            return super().remove_docs(criteria, *args, **kwargs)

    def ensure_index(self, *args, **kwargs):
        with database_errors(self.uri, self._op("index")):
            return super().ensure_index(*args, **kwargs)

    @property
    def last_updated(self):
        with database_errors(self.uri, self._op("query")):
            return super().last_updated


class HcflowMongoStore(_GuardedStore, MongoStore):
    """maggma's MongoStore without a password in its serialized form."""

    def __init__(
        self,
        database: str,
        collection_name: str,
        uri: str,
        key: str = "task_id",
        mongoclient_kwargs: dict | None = None,
        credentials_file: str | None = None,
        last_updated_field: str = "last_updated",
    ):
        self._guard_init(uri, credentials_file)
        super().__init__(
            database=database,
            collection_name=collection_name,
            uri=mask_uri(uri),
            key=key,
            mongoclient_kwargs=mongoclient_kwargs,
            last_updated_field=last_updated_field,
        )


class HcflowGridFSStore(_GuardedStore, GridFSStore):
    """maggma's GridFSStore without a password in its serialized form."""

    def __init__(
        self,
        database: str,
        collection_name: str,
        uri: str,
        key: str = "blob_uuid",
        compression: bool = False,
        searchable_fields: list[str] | None = None,
        mongoclient_kwargs: dict | None = None,
        credentials_file: str | None = None,
    ):
        self._guard_init(uri, credentials_file)
        super().__init__(
            database=database,
            collection_name=collection_name,
            uri=mask_uri(uri),
            key=key,
            compression=compression,
            searchable_fields=searchable_fields,
            mongoclient_kwargs=mongoclient_kwargs,
        )


def _store_args(settings: Settings) -> dict:
    """URI (no password for the local server) and where its credentials are."""
    if settings.uses_local_server:
        return {
            "uri": f"mongodb://{settings.db_host}:{settings.db_port}",
            "credentials_file": str(credentials_path(settings.data_dir)),
            "mongoclient_kwargs": _client_kwargs(settings),
        }
    return {"uri": settings.uri, "mongoclient_kwargs": _client_kwargs(settings)}


def get_store(name: str, settings: Settings | None = None) -> HcflowMongoStore:
    """The (unconnected) maggma MongoStore of one hcflow collection."""
    settings = settings or get_settings()
    if name not in COLLECTIONS and name != JOBS_COLLECTION:
        raise HcflowError(
            f"unknown collection {name!r}; known: {', '.join(sorted(COLLECTIONS))}"
        )
    key = COLLECTIONS[name][0] if name in COLLECTIONS else "uuid"
    args = _store_args(settings)
    return HcflowMongoStore(
        database=settings.db_name, collection_name=name, key=key, **args
    )


def get_data_store(settings: Settings | None = None) -> HcflowGridFSStore:
    """The (unconnected) GridFS store for big arrays (jobflow's ``data`` store)."""
    settings = settings or get_settings()
    return HcflowGridFSStore(
        database=settings.db_name,
        collection_name=DATA_COLLECTION,
        key="blob_uuid",
        compression=False,
        searchable_fields=["job_uuid", "job_index"],
        **_store_args(settings),
    )


def get_jobstore(settings: Settings | None = None) -> JobStore:
    """The jobflow JobStore: docs in ``outputs``, blobs in the GridFS ``data`` store."""
    settings = settings or get_settings()
    return JobStore(
        get_store(JOBS_COLLECTION, settings),
        additional_stores={"data": get_data_store(settings)},
    )


def jobstore_spec(settings: Settings | None = None) -> dict:
    """The JobStore as a dict spec (the shape jobflow-remote project files use).

    The URI holds the password: write it only to a private (0600) file.
    """
    settings = settings or get_settings()
    common = {"uri": settings.uri, "database": settings.db_name}
    return {
        "docs_store": {
            "type": "MongoStore",
            "collection_name": JOBS_COLLECTION,
            **common,
        },
        "additional_stores": {
            "data": {
                "type": "GridFSStore",
                "collection_name": DATA_COLLECTION,
                **common,
            }
        },
    }


def _create_index(coll, keys, unique: bool = False) -> None:
    """create_index, tolerating an equal index made with other options.

    jobflow-remote and maggma create some of the same indexes with
    ``background=True``; the server then answers IndexKeySpecsConflict (86) or
    IndexOptionsConflict (85) although the index exists.
    """
    from pymongo.errors import OperationFailure

    try:
        coll.create_index(keys, unique=unique)
    except OperationFailure as exc:
        if exc.code not in (85, 86):
            raise


def ensure_indexes(settings: Settings | None = None) -> None:
    """Create the index of every key hcflow upserts or looks up (idempotent)."""
    settings = settings or get_settings()
    try:
        client = MongoClient(settings.uri, **_client_kwargs(settings))
    except PyMongoError as exc:
        raise HcflowError(f"could not create indexes: {_reason(exc)}") from None
    try:
        db = client[settings.db_name]
        for name, (key, fields) in COLLECTIONS.items():
            coll = db[name]
            _create_index(coll, key, unique=True)  # no duplicate from racing upserts
            _create_index(coll, "last_updated")
            for field in fields:
                _create_index(coll, field)
        _create_index(db[JOBS_COLLECTION], [("uuid", 1), ("index", 1)])
        _create_index(db[JOBS_COLLECTION], "uuid")
        _create_index(db[JOBS_COLLECTION], "name")
        files = db[f"{DATA_COLLECTION}.files"]
        for field in ("blob_uuid", "job_uuid", "job_index"):
            _create_index(files, f"metadata.{field}")
    except PyMongoError as exc:
        raise HcflowError(f"could not create indexes: {_reason(exc)}") from None
    finally:
        client.close()


@contextmanager
def open_database(settings: Settings | None = None) -> Iterator[Database]:
    """The hcflow database as a pymongo Database, closed on exit (one-line errors)."""
    settings = settings or get_settings()
    with database_errors(settings.uri, "connect"):
        client = MongoClient(settings.uri, **_client_kwargs(settings))
    try:
        yield client[settings.db_name]
    finally:
        client.close()


def collection_counts(settings: Settings | None = None) -> dict[str, int]:
    """Document count of every collection in the hcflow database."""
    settings = settings or get_settings()
    with database_errors(settings.uri, "count documents"):
        client = MongoClient(settings.uri, **_client_kwargs(settings))
        try:
            db = client[settings.db_name]
            return {
                name: db[name].estimated_document_count()
                for name in sorted(db.list_collection_names())
            }
        finally:
            client.close()
