"""-v/-q global flags, silenced third-party warnings, the progress bar total."""

from __future__ import annotations

import logging
import warnings

import pytest
from maggma.stores import MemoryStore

from hcflow.builders.descriptors import DescriptorBuilder
from hcflow.cli.main import set_log_level
from hcflow.errors import HcflowError
from tests.builders.test_descriptor_builder import FAST, add_task
from tests.helpers import run_cli


def test_log_levels_and_warnings(capsys):
    try:
        assert set_log_level(verbose=True) == logging.DEBUG
        assert logging.getLogger("hcflow").level == logging.DEBUG
        assert set_log_level(quiet=True) == logging.ERROR
        with pytest.raises(HcflowError, match="not both"):
            set_log_level(True, True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            set_log_level()
            warnings.warn(
                "The TorchScript type system doesn't support instance-level "
                "annotations on empty non-base types",
                UserWarning,
                stacklevel=1,
            )
            warnings.warn("a warning of ours", UserWarning, stacklevel=1)
        assert [str(w.message) for w in caught] == ["a warning of ours"]
    finally:
        set_log_level()
    rc, out, _ = run_cli(["-q", "version"], capsys)
    assert rc == 0 and out.strip()
    rc, _, err = run_cli(["-v", "-q", "version"], capsys)
    assert rc == 1 and "not both" in err


def test_analyze_accepts_pore_spacing(capsys):
    rc, out, _ = run_cli(["structure", "analyze", "--help"], capsys)
    assert "--pore-spacing" in out


def test_progress_bar_has_a_total(capsys):
    stores = [
        MemoryStore(key=k) for k in ("task_id", "blob_uuid", "ion_key", "summary_key")
    ]
    for s in stores:
        s.connect()
    md, data, ions, summaries = stores
    add_task(md, data, "a")
    add_task(md, data, "b", seed=1)
    DescriptorBuilder(md, data, ions, summaries, settings=FAST).build(close=False)
    err = capsys.readouterr().err
    assert "2/2" in err, err


def test_import_prints_dropped_from_stdout():
    import io

    from hcflow.cli.main import _DropPrints

    buf = io.StringIO()
    out = _DropPrints(buf)
    print("cuequivariance or cuequivariance_torch is not available. X", file=out)
    print('{"a": 1}', file=out)
    assert buf.getvalue() == '{"a": 1}\n'
