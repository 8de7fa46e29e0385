"""Credentials file and password masking (no server)."""

import os
import stat

import pytest

from hcflow.credentials import (
    Credentials,
    credentials_path,
    is_masked,
    mask_secrets,
    mask_uri,
    read_credentials,
    uri_with_credentials,
    write_credentials,
)
from hcflow.errors import HcflowError
from hcflow.settings import Settings


@pytest.mark.parametrize(
    "uri, shown",
    [
        (
            "mongodb://u:pw@h:1/?authSource=admin",
            "mongodb://u:***@h:1/?authSource=admin",
        ),
        (
            "mongodb+srv://u:p%40w@c.example.net/db",
            "mongodb+srv://u:***@c.example.net/db",
        ),
        ("mongodb://u:p@ss@h", "mongodb://u:***@h"),  # unescaped @: masked whole
        ("mongodb://h:1", "mongodb://h:1"),
        ("mongodb://u@h:1", "mongodb://u@h:1"),
    ],
)
def test_mask_uri(uri, shown):
    assert mask_uri(uri) == shown
    assert is_masked(shown) == (shown != uri)


def test_mask_secrets_in_text():
    text = "failed a mongodb://a:x1@h and mongodb://b:y2@k, raw token zz9"
    out = mask_secrets(text, "zz9")
    assert "x1" not in out and "y2" not in out and "zz9" not in out


def test_credentials_file_is_private_and_feeds_the_uri(tmp_path):
    creds = Credentials("hcflow", "p/w+&=")
    write_credentials(tmp_path, creds)
    path = credentials_path(tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_credentials(tmp_path) == creds
    os.chmod(path, 0o644)
    read_credentials(tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # made private again
    settings = Settings(data_dir=tmp_path, db_port=1234)
    assert settings.uri == uri_with_credentials("127.0.0.1", 1234, creds)
    assert "p%2Fw%2B%26%3D" in settings.uri and "***" in settings.safe_uri
    assert "p/w" not in settings.safe_uri and "p%2F" not in settings.safe_uri
    path.write_text("{broken")
    with pytest.raises(HcflowError, match="damaged"):
        read_credentials(tmp_path)


def test_no_credentials_file_means_plain_uri(tmp_path):
    assert Settings(data_dir=tmp_path, db_port=9).uri == "mongodb://127.0.0.1:9"
