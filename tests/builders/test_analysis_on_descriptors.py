"""The analysis builders on real DescriptorBuilder output (not hand-made docs).

Six small synthetic trajectories (Brownian Na in a carbon box, stored and
described exactly like ingested MD) go through the DescriptorBuilder, then
modes, drivers and correlations run from the CLI path on what it wrote:
null descriptors (e.g. pore_tortuosity without a percolating path), the
metadata fields and the trajectory summaries must all be handled.
"""

import pytest

from hcflow.builders.descriptors import DescriptorBuilder
from hcflow.db.stores import get_store
from hcflow.services.build import run_analysis
from hcflow.settings import get_settings
from tests.builders.test_descriptor_builder import FAST, add_task

pytestmark = pytest.mark.integration


def test_analyses_run_on_descriptor_builder_output(db_settings, task_stores):
    md, data = task_stores
    for i in range(6):
        add_task(
            md,
            data,
            f"d{i}",
            n_na=8,
            seed=i,
            density_g_cm3=0.9 + 0.1 * i,
            na_content=[0.05, 0.1][i % 2],
        )
    DescriptorBuilder.from_settings(db_settings, FAST).build(progress=False)
    q = {"study_id": "s1"}
    small = {"k_max": 3, "n_bootstrap": 2, "min_mode_size": 5}
    [mid] = run_analysis("modes", q, small)
    with get_store("modes", get_settings()) as st:
        doc = st.query_one({"result_id": mid})
    assert doc["n_inputs"] == 48 and doc["n_trajectories"] == 6
    assert 2 <= doc["k"] <= 3 and set(doc["names"]) == {str(m) for m in range(doc["k"])}
    run_analysis("drivers", q, {"n_splits": 3, "n_repeats": 2, "max_iter": 30})
    with get_store("drivers", get_settings()) as st:
        d = st.query_one({})
    assert d["n_groups"] == 6 and d["r2_mean"] is not None
    [cid] = run_analysis("correlations", q, {"mode_settings": small})
    with get_store("correlations", get_settings()) as st:
        c = st.query_one({"result_id": cid})
    assert c["mode_source"] == mid  # the stored modes of the same inputs
    assert "log10_D_tracer" in c["rho"]  # from trajectory_summaries
    assert len(c["per_trajectory"]) == 6
    assert c["maps"]["mean_log10_D"]["na_content"] == [0.05, 0.1]
