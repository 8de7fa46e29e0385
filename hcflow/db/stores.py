"""One configuration path for every store hcflow uses.

``get_store(name, settings)`` gives the maggma MongoStore of a collection,
``get_data_store(settings)`` the GridFS store for big arrays and
``get_jobstore(settings)`` the jobflow JobStore, all pointed at the database
that the given :class:`hcflow.settings.Settings` names (the services and the
CLI read it from the environment). Every upserted or looked-up key is indexed
(``ensure_indexes``). The stores carry the guards of
:mod:`hcflow.db.guarded_stores`; writes are journaled (``j=True``) and the
local server runs with ``--sync-on-commit``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pymongo.errors import OperationFailure, PyMongoError

from hcflow.credentials import credentials_path
from hcflow.db.connection import (  # noqa: F401 - re-exported
    check_connection,
    client_kwargs,
    collection_counts,
    database_errors,
    error_reason,
    mongo_client,
    open_database,
)
from hcflow.db.server import server_status, start_server
from hcflow.errors import HcflowError
from hcflow.settings import Settings

if TYPE_CHECKING:  # maggma and jobflow load when a store is made, not at import
    from jobflow import JobStore

    from hcflow.db.guarded_stores import HcflowGridFSStore, HcflowMongoStore

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
    "potential_validation": ("validation_id", ["potential_id", "name", "dispersion"]),
    "ion_descriptors": (
        "ion_key",
        ["task_id", "ion_index", "settings_hash", "study_id", "state"],
    ),
    "trajectory_summaries": ("summary_key", ["task_id", "settings_hash", "study_id"]),
    "modes": ("result_id", ["query_hash", "settings_hash"]),
    "ion_modes": ("ion_mode_key", ["result_id"]),  # few indexes: 100k-doc writes
    "drivers": ("result_id", ["query_hash", "settings_hash"]),
    "correlations": ("result_id", ["query_hash", "settings_hash"]),
    "arrhenius": ("arrhenius_key", ["group_key", "settings_hash", "mode"]),
    "studies": ("study_id", ["name"]),
    "site_networks": ("network_key", ["system", "study_id"]),
    "kmc": ("kmc_key", ["network_key", "system", "temperature_K", "study_id"]),
}

DATA_COLLECTION = "outputs_blobs"
JOBS_COLLECTION = "outputs"


def ensure_database(
    settings: Settings, announce: Callable[[str], None] | None = print
) -> Settings:
    """Make sure the configured database answers, starting the local one if needed.

    When no URI is configured and the local server under ``data_dir`` is not
    running, it is started (and ``announce`` is told so). Indexes are created.
    """
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


def _store_args(settings: Settings) -> dict:
    """URI (no password for the local server) and where its credentials are."""
    if settings.uses_local_server:
        return {
            "uri": f"mongodb://{settings.db_host}:{settings.db_port}",
            "credentials_file": str(credentials_path(settings.data_dir)),
            "mongoclient_kwargs": client_kwargs(settings),
        }
    return {"uri": settings.uri, "mongoclient_kwargs": client_kwargs(settings)}


def check_collection(name: str) -> str:
    """``name`` when it is an hcflow collection; one-line error otherwise."""
    if name not in COLLECTIONS and name != JOBS_COLLECTION:
        raise HcflowError(
            f"unknown collection {name!r}; known: {', '.join(sorted(COLLECTIONS))}"
        )
    return name


def get_store(name: str, settings: Settings) -> HcflowMongoStore:
    """The (unconnected) maggma MongoStore of one hcflow collection."""
    check_collection(name)
    from hcflow.db.guarded_stores import HcflowMongoStore

    key = COLLECTIONS[name][0] if name in COLLECTIONS else "uuid"
    args = _store_args(settings)
    return HcflowMongoStore(
        database=settings.db_name, collection_name=name, key=key, **args
    )


def get_data_store(settings: Settings) -> HcflowGridFSStore:
    """The (unconnected) GridFS store for big arrays (jobflow's ``data`` store)."""
    from hcflow.db.guarded_stores import HcflowGridFSStore

    return HcflowGridFSStore(
        database=settings.db_name,
        collection_name=DATA_COLLECTION,
        key="blob_uuid",
        compression=False,
        searchable_fields=["job_uuid", "job_index"],
        **_store_args(settings),
    )


def get_jobstore(settings: Settings) -> JobStore:
    """The jobflow JobStore: docs in ``outputs``, blobs in the GridFS ``data`` store."""
    from jobflow import JobStore

    return JobStore(
        get_store(JOBS_COLLECTION, settings),
        additional_stores={"data": get_data_store(settings)},
    )


def jobstore_spec(settings: Settings) -> dict:
    """The JobStore as a dict spec (the shape jobflow-remote project files use).

    The URI holds the password: write it only to a private (0600) file.
    """
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
    try:
        coll.create_index(keys, unique=unique)
    except OperationFailure as exc:
        if exc.code not in (85, 86):
            raise


def ensure_indexes(settings: Settings) -> None:
    """Create the index of every key hcflow upserts or looks up (idempotent)."""
    client = mongo_client(settings)
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
        raise HcflowError(f"could not create indexes: {error_reason(exc)}") from None
    finally:
        client.close()
