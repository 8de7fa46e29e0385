"""Credentials of the local database server, and URIs without their password.

The local server runs with authentication (SCRAM-SHA-256). Its one user and a
generated password live in ``<data_dir>/db/credentials.json`` (mode 0600, in a
0700 folder), written once when the server is first started with
authentication. Clients never need them by hand: :attr:`Settings.uri` puts them
into the URI it gives pymongo, maggma and jobflow.

A password must never reach a message, a log or a serialized object:
:func:`mask_uri` (one URI) and :func:`mask_secrets` (any text) replace it by
``***``. Nothing here imports anything but the standard library.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote_plus

from hcflow.errors import HcflowError

MASK = "***"
USERNAME = "hcflow"
# greedy up to the last "@" of the token: a malformed URI with an unescaped
# "@" in its password is masked whole
_USERINFO = re.compile(r"(?P<head>mongodb(?:\+srv)?://[^:/@\s]+):(?P<pwd>\S*)@")


@dataclass(frozen=True)
class Credentials:
    """User, password and authentication database of the local server."""

    username: str
    password: str
    auth_source: str = "admin"

    def __repr__(self) -> str:  # never show the password
        return f"Credentials(username={self.username!r}, password='{MASK}')"


def credentials_path(data_dir: str | Path) -> Path:
    """Where the local server's credentials live."""
    return Path(data_dir).resolve() / "db" / "credentials.json"


def new_credentials() -> Credentials:
    """A fresh user with a random 256-bit password (URL-safe characters)."""
    return Credentials(USERNAME, secrets.token_urlsafe(32))


def read_credentials(data_dir: str | Path) -> Credentials | None:
    """The stored credentials, or None when the server never used authentication.

    A file readable by others is made private (0600) before it is read.
    """
    return load_credentials_file(credentials_path(data_dir))


def load_credentials_file(path: str | Path) -> Credentials | None:
    """The credentials in ``path``, or None when there is no such file."""
    path = Path(path)
    if not path.is_file():
        return None
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    try:
        raw = json.loads(path.read_text())
        return Credentials(**raw)
    except (ValueError, TypeError):
        raise HcflowError(
            f"credentials file {path} is damaged; delete it and run `hcflow db start` "
            "to generate new credentials"
        ) from None


def write_private_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically, mode 0600 from the first byte.

    For every file that holds a password (the credentials, a jobflow-remote
    project file with the database URI). A file already there, whatever its
    mode, is replaced by the private one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def write_credentials(data_dir: str | Path, creds: Credentials) -> Path:
    """Write the credentials atomically, mode 0600 from the first byte."""
    return write_private_text(credentials_path(data_dir), json.dumps(asdict(creds)))


def uri_with_credentials(host: str, port: int, creds: Credentials | None) -> str:
    """The local server's URI, with the user and password when there are any."""
    if creds is None:
        return f"mongodb://{host}:{port}"
    user = quote_plus(creds.username)
    pwd = quote_plus(creds.password)
    return f"mongodb://{user}:{pwd}@{host}:{port}/?authSource={creds.auth_source}"


def mask_uri(uri: str) -> str:
    """``uri`` with its password replaced by ``***`` (user and host kept)."""
    return _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", uri)


def mask_secrets(text: str, *secrets_: str) -> str:
    """``text`` with every URI password, and each of ``secrets_``, masked."""
    text = mask_uri(text)
    for secret in secrets_:
        if secret:
            text = text.replace(secret, MASK).replace(quote_plus(secret), MASK)
    return text


def is_masked(uri: str) -> bool:
    """True when ``uri`` carries a masked password (it cannot connect as is)."""
    m = _USERINFO.search(uri)
    return m is not None and m["pwd"] == MASK
