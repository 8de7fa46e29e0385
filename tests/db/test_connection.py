"""Unit tests of the low-level database modules (no server needed)."""

import pytest
from monty.json import MontyDecoder
from monty.serialization import dumpfn, loadfn

from hcflow.db.connection import check_connection, error_reason, mongo_client
from hcflow.db.filters import check_filter
from hcflow.db.guarded_stores import HcflowMongoStore
from hcflow.errors import HcflowError
from hcflow.settings import load_settings


@pytest.mark.parametrize(
    "flt",
    [
        {"$where": "sleep(1000)"},
        {"a": {"$elemMatch": {"$function": {"body": "x"}}}},
        {"$or": [{"a": 1}, {"$where": "1"}]},
    ],
)
def test_code_operators_refused_at_any_depth(flt):
    with pytest.raises(HcflowError, match="runs code on the server"):
        check_filter(flt)


def test_plain_filters_pass_unchanged():
    flt = {"a": {"$gt": 1}, "$or": [{"b": {"$in": [1, 2]}}]}
    assert check_filter(flt) is flt
    assert check_filter(None) is None
    with pytest.raises(HcflowError, match="must be an object"):
        check_filter(["a"])


def test_malformed_uri_is_one_line():
    settings = load_settings(db_uri="mongodb://user:secret@[bad")
    with pytest.raises(HcflowError) as info:
        mongo_client(settings)
    assert "secret" not in str(info.value) and "\n" not in str(info.value)


def test_refused_connection_answers_fast(tmp_path):
    import time

    settings = load_settings(db_uri="mongodb://127.0.0.1:9", data_dir=tmp_path)
    t0 = time.perf_counter()
    with pytest.raises(HcflowError, match="not reachable"):
        check_connection(settings)
    assert time.perf_counter() - t0 < 2.0


def test_error_reason_is_one_short_line():
    reason = error_reason(RuntimeError("first line\nsecond line " + "x" * 500))
    assert "\n" not in reason and reason.startswith("first line")


def test_guarded_store_serializes_without_password(tmp_path):
    store = HcflowMongoStore(
        database="db", collection_name="c", uri="mongodb://u:s3cret@host:1/", key="k"
    )
    path = tmp_path / "store.json"
    dumpfn(store, path)
    assert "s3cret" not in path.read_text()
    back = loadfn(path, cls=MontyDecoder)
    assert isinstance(back, HcflowMongoStore) and "s3cret" not in back.name


def test_server_internal_error_says_what_to_do():
    """SecantusDB answers a storage failure (ENOSPC, WT_PANIC) with code 1."""
    from pymongo.errors import OperationFailure

    from hcflow.db.connection import database_errors
    from hcflow.errors import DatabaseError

    with pytest.raises(DatabaseError) as err:
        with database_errors("mongodb://127.0.0.1:1", "insert md_tasks"):
            raise OperationFailure("internal server error", code=1)
    text = str(err.value)
    assert "\n" not in text and "free space" in text
    assert "hcflow db stop" in text and "insert failed md_tasks" in text
