"""One settings object for hcflow (pydantic-settings).

Every field can be set by an environment variable ``HCFLOW_<FIELD>`` (for
example ``HCFLOW_DB_URI``, ``HCFLOW_DATA_DIR``), or by a store configuration
file (``stores/*.yaml``) named by ``HCFLOW_STORES`` / ``--stores``.

Precedence for the database: ``HCFLOW_DB_URI`` > the stores file > the local
server that ``hcflow db start`` runs under ``data_dir``.

The local server requires authentication (``HCFLOW_DB_AUTH=0`` turns it off);
:attr:`Settings.uri` carries its generated credentials, so it is for clients
only: show :attr:`Settings.safe_uri` to people.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from hcflow.credentials import mask_uri, read_credentials, uri_with_credentials
from hcflow.errors import HcflowError
from hcflow.inputs import StrictModel, parse_model, read_yaml_file


class Settings(BaseSettings):
    """hcflow settings; units: Angstrom, fs, ps, K, g/cm3."""

    model_config = SettingsConfigDict(env_prefix="HCFLOW_", extra="ignore")

    data_dir: Path = Field(
        Path("hcflow-data"),
        description="Folder holding the local database files, logs and checkpoints.",
    )
    db_uri: str | None = Field(
        None,
        description="MongoDB URI. When unset, the local server under data_dir is used.",
    )
    db_name: str = Field("hcflow", description="Database name.")
    db_host: str = Field("127.0.0.1", description="Host of the local server.")
    db_port: int = Field(27217, ge=1, le=65535, description="Port of the local server.")
    db_timeout_s: float = Field(
        1.0,
        gt=0,
        allow_inf_nan=False,
        description="Seconds to wait for the database to answer before giving up.",
    )
    db_auth: bool = Field(
        True,
        description="Start the local server with authentication (generated "
        "credentials in data_dir/db/credentials.json, mode 0600).",
    )
    stores: Path | None = Field(
        None, description="A stores/*.yaml file with uri and database."
    )
    checkpoint_dir: Path | None = Field(
        None,
        description="Shared folder for MD restart files, read where the study "
        "flow is made (default: data_dir/checkpoints for local studies, "
        "<worker work_dir>/hcflow-checkpoints for jobflow-remote jobs).",
    )
    structure_cache: Path | None = Field(
        None,
        description="Folder of locally generated melt-quench cells, keyed by "
        "content hash (default: data_dir/structures-md).",
    )
    model: str = Field(
        "hcflow-nac-small",
        description="Default potential: the shipped model name, a path or a name.",
    )
    na_c_cutoff: float = Field(3.0, description="Na-C coordination cutoff (A).")
    na_na_cutoff: float = Field(4.0, description="Na-Na coordination cutoff (A).")

    def __repr_args__(self):
        """repr/str show :attr:`db_uri` with its password masked."""
        for name, value in super().__repr_args__():
            yield name, mask_uri(value) if name == "db_uri" and value else value

    @property
    def uses_local_server(self) -> bool:
        """True when hcflow manages the database (no URI given)."""
        return self.db_uri is None

    @property
    def uri(self) -> str:
        """The MongoDB URI clients connect with (it may hold a password).

        For the local server it carries the credentials stored in the data
        folder, read each time (they appear when the server first starts).
        Never print it: use :attr:`safe_uri`.
        """
        if self.db_uri:
            return self.db_uri
        creds = read_credentials(self.data_dir)
        return uri_with_credentials(self.db_host, self.db_port, creds)

    @property
    def safe_uri(self) -> str:
        """:attr:`uri` with its password masked, for messages and logs."""
        return mask_uri(self.uri)


def settings_from_environment() -> Settings:
    """Settings from HCFLOW_* variables; a bad value is one line naming it."""
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "HCFLOW_" + "_".join(str(x) for x in err["loc"]).upper()
        value = err.get("input")
        shown = f"={value!r}" if isinstance(value, str) and len(value) < 80 else ""
        raise HcflowError(f"environment variable {name}{shown}: {err['msg']}") from None


def load_settings(stores_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings from the environment, an optional stores file and overrides.

    Parameters
    ----------
    stores_file
        A YAML file with ``uri`` (or ``host``/``port``) and ``database`` keys;
        ``HCFLOW_DB_URI`` in the environment still wins over its ``uri``.
    overrides
        Field values that win over everything else.
    """
    base = settings_from_environment()
    path = stores_file or base.stores
    update: dict[str, Any] = {}
    if path is not None:
        update = read_stores_file(path)
        if base.db_uri:
            update.pop("db_uri", None)
    update.update({k: v for k, v in overrides.items() if v is not None})
    return base.model_copy(update=update)


class StoresFile(StrictModel):
    """A stores/*.yaml file: where the database is."""

    uri: str | None = Field(None, description="MongoDB URI (wins over host/port).")
    database: str | None = Field(None, description="Database name.")
    host: str | None = Field(None, description="Host of the local server.")
    port: int | None = Field(
        None, ge=1, le=65535, description="Port of the local server."
    )
    data_dir: Path | None = Field(None, description="Data folder.")


def read_stores_file(path: str | Path) -> dict[str, Any]:
    """Read a stores/*.yaml file into Settings field values."""
    raw = read_yaml_file(path, "stores file") or {}
    f = parse_model(StoresFile, raw, f"stores file {path}")
    values = {
        "db_uri": f.uri or None,
        "db_host": f.host,
        "db_port": f.port,
        "db_name": f.database,
        "data_dir": f.data_dir,
    }
    return {k: v for k, v in values.items() if v is not None}


_CURRENT: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings (environment + HCFLOW_STORES file)."""
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = load_settings()
    return _CURRENT


def configure(settings: Settings | None = None, **overrides: Any) -> Settings:
    """Replace the process-wide settings (the CLI and tests call this)."""
    global _CURRENT
    _CURRENT = settings if settings is not None else load_settings(**overrides)
    return _CURRENT
