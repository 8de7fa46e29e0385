"""Query-driven analysis builders against a real server."""

import numpy as np
import pytest

from hcflow.cli.build import run_analysis
from hcflow.db.stores import ensure_database, get_store
from hcflow.descriptors.names import STRUCTURAL
from hcflow.schemas.common import utcnow

pytestmark = pytest.mark.integration


def ion_docs(n_traj=8, per=30, seed=0, offset=0):
    rng = np.random.default_rng(seed)
    docs = []
    for t in range(n_traj):
        rho = 0.8 + 0.15 * t
        for i in range(per):
            mode = i % 3
            d = {name: float(rng.normal(mode * 3, 0.5)) for name in STRUCTURAL}
            d.update({
                "ion_key": f"t{t + offset}:{i}:h", "task_id": f"t{t + offset}",
                "ion_index": i, "study_id": "s", "density_g_cm3": rho,
                "na_content": 0.1 * (1 + t % 2), "temperature_K": 1000.0,
                "log10_D": float(-5 + mode - 0.3 * rho + 0.1 * rng.normal()),
                "hop_rate_per_ps": float(mode + 0.1 * rng.normal()),
                "non_gaussian": float(rng.normal()),
                "path_tortuosity": float(2 + rng.normal()),
                "state": "successful", "last_updated": utcnow(),
            })
            docs.append(d)
    return docs


def test_builders_are_incremental(db_settings):
    ensure_database(db_settings)
    with get_store("ion_descriptors", db_settings) as st:
        st.update(ion_docs())
    q = {"study_id": "s"}
    small = {"k_max": 4, "n_bootstrap": 2}
    first = run_analysis("modes", q, small)
    assert run_analysis("modes", q, small) == first  # nothing changed: same id
    with get_store("modes", db_settings) as st:
        assert st.count() == 1
        doc = st.query_one({})
        assert doc["k"] >= 2 and doc["n_inputs"] == 240
    with get_store("ion_modes", db_settings) as st:
        assert st.count() == 240
    other = run_analysis("modes", q, {"k_max": 3, "n_bootstrap": 2})
    assert other != first
    with get_store("ion_descriptors", db_settings) as st:
        st.update(ion_docs(n_traj=1, offset=50, seed=2))
    newer = run_analysis("modes", q, small)
    assert newer != first
    with get_store("modes", db_settings) as st:
        assert st.count() == 3
    run_analysis("drivers", q, {"n_splits": 3, "n_repeats": 2, "max_iter": 50})
    run_analysis("correlations", q, {"mode_settings": small})
    with get_store("correlations", db_settings) as st:
        doc = st.query_one({})
        assert doc["rho"]["mean_log10_D"]["density_g_cm3"] < -0.5


def test_empty_query_is_an_error(db_settings):
    from hcflow.errors import HcflowError

    ensure_database(db_settings)
    with pytest.raises(HcflowError, match="matches no ion_descriptors"):
        run_analysis("modes", {"study_id": "nothing"})
    with get_store("modes", db_settings) as st:
        assert st.count() == 0
