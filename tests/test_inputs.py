"""The one JSON/YAML reader, the one validation style, the content hashes."""

from __future__ import annotations

import pytest
from pydantic import Field

from hcflow.errors import HcflowError
from hcflow.hashing import file_digest, settings_hash, stable_hash
from hcflow.inputs import StrictModel, parse_model, read_mapping, read_yaml_file


class _Model(StrictModel):
    a: int = Field(ge=1)
    b: str = "x"


def test_read_mapping_inline_file_dict_none(tmp_path):
    assert read_mapping('{"a": 1}', "q") == {"a": 1}
    assert read_mapping(None, "q") == {} and read_mapping("  ", "q") == {}
    d = {"a": 2}
    got = read_mapping(d, "q")
    assert got == d and got is not d
    f = tmp_path / "q.yaml"
    f.write_text("filter:\n  a: 3\nsettings: {}\n")
    assert read_mapping(f, "q", unwrap=("filter",)) == {"a": 3}
    assert read_mapping(str(f), "q") == {"filter": {"a": 3}, "settings": {}}


@pytest.mark.parametrize(
    "value, message",
    [
        ('{"a": 1', "invalid q: not JSON"),
        ("nofile.yaml", "neither JSON nor a file"),
        ("[1, 2]", "neither JSON nor a file"),
    ],
)
def test_read_mapping_errors_are_one_line(value, message):
    with pytest.raises(HcflowError, match=message) as exc:
        read_mapping(value, "q")
    assert "\n" not in str(exc.value)


def test_yaml_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [unclosed\n")
    with pytest.raises(HcflowError, match="not valid YAML"):
        read_yaml_file(bad, "study file")
    with pytest.raises(HcflowError, match="study file not found"):
        read_yaml_file(tmp_path / "missing.yaml", "study file")
    lst = tmp_path / "list.yaml"
    lst.write_text("- 1\n- 2\n")
    with pytest.raises(HcflowError, match="must be a JSON/YAML object"):
        read_mapping(lst, "q")


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"a": 1, "c": 2}, "thing: unknown key 'c'"),
        ({}, "thing: missing required key 'a'"),
        ({"a": 0}, "thing: bad value for 'a': Input should be greater"),
        ([1], "thing: must be a mapping"),
    ],
)
def test_parse_model_one_line_errors(raw, message):
    with pytest.raises(HcflowError, match=message) as exc:
        parse_model(_Model, raw, "thing")
    assert "\n" not in str(exc.value)
    assert parse_model(_Model, {"a": 2}, "thing").a == 2


def test_hashes_are_stable(tmp_path):
    # stored ids are made of these: their spelling must never change
    assert settings_hash({"b": 1, "a": [1, 2]}) == settings_hash({"a": [1, 2], "b": 1})
    assert settings_hash({"x": 1}) == "613fe5aa6534"  # sha256 of '{"x": 1}'
    assert stable_hash({"x": 1}) == "5041bf1f713df204"  # sha256 of '{"x":1}'
    assert len(stable_hash([1], 8)) == 8
    f = tmp_path / "f.bin"
    f.write_bytes(b"abc")
    assert file_digest(f) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
