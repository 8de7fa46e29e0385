"""Bounded input: YAML alias bombs, deep nesting and huge files are refused
in one line, quickly, before anything walks them (issue 30, item 3)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from hcflow.errors import HcflowError
from hcflow.inputs import (
    StrictModel,
    check_bounds,
    parse_model,
    read_mapping,
    read_yaml_file,
)
from hcflow.limits import MAX_INPUT_DEPTH, MAX_INPUT_VALUES


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_fast(tmp_path):
    f = tmp_path / "bomb.yaml"
    f.write_text(billion_laughs())
    t0 = time.perf_counter()
    with pytest.raises(HcflowError, match="aliases are expanded"):
        read_yaml_file(f, "study file")
    with pytest.raises(HcflowError, match="aliases are expanded"):
        read_mapping(str(f), "metadata")
    assert time.perf_counter() - t0 < 5


def test_small_aliases_still_work(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text("base: &b {x: 1}\nother: *b\n")
    assert read_yaml_file(f) == {"base": {"x": 1}, "other": {"x": 1}}


@pytest.mark.parametrize("depth", [MAX_INPUT_DEPTH + 1, 5_000, 100_000])
def test_deep_nesting_is_one_line(tmp_path, depth):
    text = '{"a":' * depth + "1" + "}" * depth
    with pytest.raises(HcflowError, match="nested deeper than"):
        read_mapping(text, "filter")
    f = tmp_path / "deep.yaml"
    f.write_text("a: " + "[" * depth + "1" + "]" * depth + "\n")
    with pytest.raises(HcflowError, match="nested deeper than"):
        read_yaml_file(f, "study file")


def test_nesting_at_the_limit_passes():
    raw: dict = {"v": 1}
    for _ in range(MAX_INPUT_DEPTH - 1):
        raw = {"a": raw}
    assert check_bounds(raw, "x") is raw


class _Free(StrictModel):
    a: list


def test_dicts_from_code_are_bounded_too():
    shared = list(range(1000))
    raw = {"a": [shared] * (MAX_INPUT_VALUES // 1000 + 1)}
    with pytest.raises(HcflowError, match="values once aliases"):
        parse_model(_Free, raw, "settings")  # bounds checked before the model


def test_huge_file_refused(tmp_path, monkeypatch):
    import hcflow.inputs as inputs

    monkeypatch.setattr(inputs, "MAX_INPUT_FILE_BYTES", 100)
    f = tmp_path / "big.yaml"
    f.write_text("a: " + "x" * 200 + "\n")
    with pytest.raises(HcflowError, match="larger than 100 bytes"):
        read_yaml_file(f, "study file")


def test_cli_metadata_bomb_exits_1_with_one_line(tmp_path):
    f = tmp_path / "bomb.yaml"
    f.write_text(billion_laughs())
    traj = tmp_path / "t.xyz"
    traj.write_text("1\n\nC 0 0 0\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hcflow.cli.main",
            "--data-dir",
            str(tmp_path / "d"),
            "ingest",
            str(traj),
            "-m",
            str(f),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "aliases are expanded" in proc.stderr


def test_escaped_emoji_from_json_dump(tmp_path):
    import json

    f = tmp_path / "meta.json"
    f.write_text(json.dumps({"label": "battery \U0001f50b"}))  # \ud83d\udd0b
    assert read_mapping(str(f), "metadata") == {"label": "battery \U0001f50b"}
    y = tmp_path / "meta.yaml"
    y.write_text('label: "\\ud83d"\n')
    with pytest.raises(HcflowError, match="unpaired UTF-16 surrogate"):
        read_mapping(str(y), "metadata")
