"""maggma stores that keep passwords out of sight and fail in one line.

:class:`HcflowMongoStore` and :class:`HcflowGridFSStore` are maggma's stores
with three guards: no password in the object (``uri`` is masked; a local
server store reads its credentials file at each ``connect``; a deserialized
store of a password URI, e.g. under ``mrun``, takes the password from
``HCFLOW_DB_URI`` / ``HCFLOW_STORES`` of the process that loads it: the one
environment read below the services, as there is no caller to pass it);
database failures become one-line :class:`HcflowError`; filters that run code
on the server are refused (:func:`hcflow.db.filters.check_filter`).
"""

from __future__ import annotations

from maggma.stores import GridFSStore, MongoStore

from hcflow.credentials import is_masked, load_credentials_file, mask_uri
from hcflow.db.connection import database_errors, error_reason
from hcflow.db.filters import check_filter
from hcflow.errors import HcflowError
from hcflow.settings import get_settings


class _GuardedStore:
    """Mixin for maggma's Mongo stores: see the module docstring.

    ``uri`` is stored masked; ``credentials_file`` names the local server's
    credentials, read at each ``connect``.
    """

    def _init_guarded(self, args: dict) -> None:
        """The maggma store's ``__init__`` with the subclass's arguments
        (``locals()``, so its explicit signature serialises), the URI masked."""
        kwargs = {k: v for k, v in args.items() if k != "self"}
        uri = kwargs["uri"]
        self._connect_uri = uri if uri and not is_masked(uri) else None
        self.credentials_file = kwargs.pop("credentials_file")
        super().__init__(**kwargs | {"uri": mask_uri(uri)})

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
        except (ValueError, TypeError) as exc:  # pymongo's URI parser
            raise HcflowError(
                f"bad database URI {shown}: {error_reason(exc)}"
            ) from None
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
        self._init_guarded(locals())


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
        self._init_guarded(locals())
