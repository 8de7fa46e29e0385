"""Any mobile ion: a Li trajectory without carbon through settings and builder."""

from __future__ import annotations

import numpy as np
import pytest
from maggma.stores import MemoryStore

from hcflow.builders.descriptors import DescriptorBuilder
from hcflow.descriptors.compute import compute_descriptors
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import brownian
from hcflow.errors import HcflowError
from hcflow.md.taskdoc import make_md_task_doc
from hcflow.md.trajectory import CompactTrajectory
from hcflow.md.trajectory_store import save_trajectory
from hcflow.services.ingest import IngestMetadata, check_species
from hcflow.units import species_number
from tests.builders.test_descriptor_builder import FAST, add_task

LI, S = 3, 16


def li_in_sulfide(n_frames=400, d_A2_ps=0.05, seed=0):
    """Brownian Li (D known) among fixed S atoms: no carbon anywhere."""
    _, pos, cells, numbers = brownian(
        n_na=20, n_c=30, n_frames=n_frames, box=12.0, d_A2_ps=d_A2_ps, seed=seed
    )
    numbers = np.where(numbers == 6, S, LI)
    return CompactTrajectory(numbers, pos, cells, np.arange(n_frames) * 0.1)


def test_li_without_carbon_gives_d_and_not_applicable_host_descriptors():
    traj = li_in_sulfide()
    s = DescriptorSettings(**FAST, mobile_species="Li")
    res = compute_descriptors(traj.positions, traj.cells, traj.numbers, 0.1, s)
    assert res.n_ions == 20 and set(traj.numbers[res.ion_indices]) == {LI}
    assert res.collective["D_cm2_s"] == pytest.approx(0.05e-4, rel=0.15)
    assert np.isnan(res.values["cn_na_c"]).all()
    assert np.isnan(res.values["d_nearest_c"]).all()
    assert np.isfinite(res.values["cn_na_na"]).all()  # Li-Li coordination
    assert res.info["host_status"].startswith("not applicable: no carbon")
    with pytest.raises(HcflowError, match="no K atoms \\(mobile_species='K'\\)"):
        compute_descriptors(
            traj.positions, traj.cells, traj.numbers, 0.1, {"mobile_species": "K"}
        )


def test_species_names_and_hashes():
    assert species_number("Li") == 3 and species_number("K") == 19
    with pytest.raises(HcflowError, match="did you mean 'Na'"):
        species_number("na")
    with pytest.raises(HcflowError, match="unknown mobile_species 'Xx'"):
        DescriptorSettings(mobile_species="Xx")
    na = DescriptorSettings(**FAST)
    assert na.hash == DescriptorSettings(**FAST, mobile_species="Na").hash
    assert na.for_species("Li").hash != na.hash
    assert na.for_species("Li").species == "Li"
    assert DescriptorSettings(mobile_species="K").for_species("Li").species == "K"


def test_ingest_checks_the_species():
    traj = li_in_sulfide(n_frames=5)
    named = IngestMetadata(
        temperature_K=600, timestep_fs=1, frame_interval=1, mobile_species="Li"
    )
    assert check_species(traj, named, "x.xyz") == 20
    unnamed = IngestMetadata(temperature_K=600, timestep_fs=1, frame_interval=1)
    with pytest.raises(HcflowError, match="has no carbon atoms; .*mobile_species"):
        check_species(traj, unnamed, "x.xyz")
    absent = named.model_copy(update={"mobile_species": "K"})
    with pytest.raises(HcflowError, match="has no K atoms"):
        check_species(traj, absent, "x.xyz")
    with pytest.raises(HcflowError, match="did you mean 'Li'"):
        IngestMetadata(
            temperature_K=600, timestep_fs=1, frame_interval=1, mobile_species="li"
        )


def test_builder_resolves_each_task_species():
    md, data, ions, summaries = (
        MemoryStore(key=k) for k in ("task_id", "blob_uuid", "ion_key", "summary_key")
    )
    for st in (md, data, ions, summaries):
        st.connect()
    add_task(md, data, "na")
    traj = li_in_sulfide(n_frames=60)
    doc = make_md_task_doc(
        traj,
        save_trajectory(traj, data),
        task_id="li",
        source="ingest",
        temperature_K=600.0,
        timestep_fs=1.0,
        frame_interval=100,
        mobile_species="Li",
        n_mobile=20,
    )
    md.update([doc.model_dump(by_alias=True)], key="task_id")
    builder = DescriptorBuilder(md, data, ions, summaries, settings=FAST)
    stats = builder.build(progress=False, close=False)
    assert stats == {"processed": 2, "failed": 0, "ions": 24}
    h_na = DescriptorSettings(**FAST).hash
    h_li = DescriptorSettings(**FAST, mobile_species="Li").hash
    assert builder.hashes == {h_na, h_li}
    li = summaries.query_one({"task_id": "li"})
    assert li["settings_hash"] == h_li and li["mobile_species"] == "Li"
    assert li["settings"]["mobile_species"] == "Li"
    assert li["host_status"].startswith("not applicable")
    assert summaries.query_one({"task_id": "na"})["settings_hash"] == h_na
    ion = ions.query_one({"task_id": "li"})
    assert ion["cn_na_c"] is None and ion["mobile_species"] == "Li"
    # nothing left to do for either species
    again = DescriptorBuilder(md, data, ions, summaries, settings=FAST)
    assert again.build(progress=False, close=False)["processed"] == 0
