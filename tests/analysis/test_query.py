"""Saved queries: the shipped files load, bad ones fail in one line."""

from pathlib import Path

import pytest

from hcflow.analysis.query import load_query, parse_query
from hcflow.errors import HcflowError

QUERIES = Path(__file__).parents[2] / "queries"


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_queries_load(path):
    q = load_query(path)
    assert q.name == path.stem and isinstance(q.filter, dict) and len(q.hash) == 16


def test_query_contents_and_hash():
    q = load_query(QUERIES / "density_1.0-1.6.yaml")
    assert q.filter == {"density_g_cm3": {"$gte": 1.0, "$lte": 1.6}}
    assert q.settings_for("modes")["k_max"] == 8
    assert q.settings_for("modes", {"k_max": 5})["k_max"] == 5
    same = load_query('{"density_g_cm3": {"$lte": 1.6, "$gte": 1.0}}')
    assert same.hash == q.hash  # key order does not matter
    assert load_query(None).filter == {} and load_query("").filter == {}
    assert parse_query({"filter": {"$or": [{"study_id": "a"}, {"study_id": "b"}]}})


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ('{"densty_g_cm3": 1.0}', "unknown field 'densty_g_cm3'"),
        ('{"density_g_cm3": {"$between": [1, 2]}}', "unknown operator"),
        ('{"study_id": {"$in": "demo"}}', "needs a list"),
        ('{"filter": {}, "setings": {}}', "unknown key"),
        ('{"filter": {}, "settings": {"clusters": {}}}', "unknown analysis"),
        ('{"filter": [1]}', "must be an object"),
        ("{not json", "not JSON"),
        ("no/such/file.yaml", "neither JSON nor a file"),
    ],
)
def test_bad_queries(spec, match):
    with pytest.raises(HcflowError, match=match):
        load_query(spec)
