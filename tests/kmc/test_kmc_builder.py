"""SiteNetworkBuilder and KMCBuilder on MemoryStores with planted hoppers."""

from __future__ import annotations

import numpy as np
import pytest
from maggma.stores import MemoryStore

from hcflow.builders.kmc import SiteNetworkBuilder, system_of
from hcflow.builders.kmc_runs import KMCBuilder
from hcflow.errors import HcflowError
from hcflow.kmc.network import KB_EV_PER_K
from hcflow.kmc.planted import lattice_hoppers
from hcflow.md.taskdoc import make_md_task_doc
from hcflow.md.trajectory import CompactTrajectory
from hcflow.md.trajectory_store import save_trajectory

EA = 0.2


def rate(t):
    return 0.06 * np.exp(-EA / KB_EV_PER_K * (1 / t - 1 / 500))


def add_task(md, data, task_id, temperature, seed, structure="host-1"):
    x, cell = lattice_hoppers(16, rate(temperature), n_frames=3000, seed=seed)
    n_c = 8
    carbon = np.random.default_rng(seed).uniform(0, 12, (n_c, 3))
    pos = np.concatenate([np.broadcast_to(carbon, (len(x), n_c, 3)), x], axis=1)
    cells = np.broadcast_to(cell, (len(x), 3, 3)).copy()
    numbers = np.array([6] * n_c + [11] * x.shape[1])
    traj = CompactTrajectory(numbers, pos, cells, np.arange(len(x)) * 0.1)
    ref = save_trajectory(traj, data)
    doc = make_md_task_doc(
        traj,
        ref,
        task_id=task_id,
        source="ingest",
        temperature_K=temperature,
        timestep_fs=1.0,
        frame_interval=100,
        study_id="s1",
        structure_id=structure,
    )
    md.update([doc.model_dump(by_alias=True)], key="task_id")


@pytest.fixture(scope="module")
def stores():
    keys = ("task_id", "blob_uuid", "network_key", "kmc_key", "summary_key")
    st = [MemoryStore(key=k) for k in keys]
    for s in st:
        s.connect()
    md, data = st[0], st[1]
    for i, t in enumerate((500.0, 600.0, 700.0)):
        add_task(md, data, f"h{t:g}", t, seed=i + 1)
    add_task(md, data, "other", 600.0, seed=9, structure="host-2")
    return st


def test_networks_per_system_and_kmc_at_any_temperature(stores):
    md, data, nets, kmc, summaries = stores
    docs = SiteNetworkBuilder(md, data, nets).build(close=False)
    by_system = {d["system"].split("|")[0]: d for d in docs}
    assert set(by_system) == {"host-1", "host-2"}
    one = by_system["host-1"]
    assert one["n_sites"] == 64 and one["temperatures_K"] == [500.0, 600.0, 700.0]
    assert one["percolation_dimension"] == 3
    assert len(one["site_void"]) == 64 == len(one["site_void_radius_A"])
    # 8 scattered C in a 12 A cell: the sites lie in the host's voids
    assert sum(v is not None for v in one["site_void"]) > 32
    pooled = one["barriers"][0]
    assert abs(pooled["barrier_eV"] - EA) < max(3 * pooled["barrier_err_eV"], 0.03)
    assert "two or more" in by_system["host-2"]["barrier_note"]
    # rerun: nothing rebuilt
    again = SiteNetworkBuilder(md, data, nets)
    again.connect()
    assert list(again.get_items()) == []

    builder = KMCBuilder(
        nets, kmc, [300.0, 600.0], summaries, settings={"n_hops": 50_000}
    )
    out = builder.build(close=False)
    got = {(d["system"].split("|")[0], d["temperature_K"]): d for d in out}
    assert got[("host-1", 600.0)]["source"] == "md_rates"
    room = got[("host-1", 300.0)]
    assert room["source"] == "arrhenius"
    truth = 9 * rate(300.0) / 6 * 1e-4  # a^2 k / 6 of the planted lattice
    assert room["tracer_D_ci_low"] < truth < room["tracer_D_ci_high"]
    assert ("host-2", 300.0) not in got  # no barrier: skipped with the reason
    assert any("host-2" in s and "two or more" in s for s in builder.skipped)


def test_bad_input(stores):
    md, data, nets, kmc, _ = stores
    with pytest.raises(HcflowError, match="no successful md_tasks"):
        SiteNetworkBuilder(md, data, nets, query={"study_id": "none"}).build(False)
    with pytest.raises(HcflowError, match="temperatures > 0"):
        KMCBuilder(nets, kmc, [])
    with pytest.raises(HcflowError, match="no site_networks"):
        KMCBuilder(nets, kmc, [300.0], query={"system": "x"}).build(False)
    assert system_of({"task_id": "t"}).startswith("task:t|")


def test_text_figures_and_records(stores):
    """The CLI lines, the report figures and the record round trip."""
    from hcflow.kmc.records import network_from_record, network_record
    from hcflow.report.kmc_figures import kmc_plot, network_plot
    from hcflow.services.kmc import describe_kmc, describe_network

    md, data, nets, kmc, _ = stores
    net_docs = SiteNetworkBuilder(md, data, nets).build(close=False)
    kmc_docs = KMCBuilder(nets, kmc, [300.0], settings={"n_hops": 50_000}).build(
        close=False
    )
    one = next(d for d in net_docs if d["system"].startswith("host-1"))
    assert "64 sites" in describe_network(one) and "exit barrier" in describe_network(
        one
    )
    assert "KMC D" in describe_kmc(kmc_docs[0]) and "300 K" in describe_kmc(kmc_docs[0])
    obs = network_from_record(one["network"])
    again = network_record(obs)
    assert again["counts"] == one["network"]["counts"]
    assert again["source"] == one["network"]["source"]
    fig, table = kmc_plot(kmc_docs, [])
    assert set(table["kind"]) == {"kmc"}
    fig, table = network_plot(one)
    assert len(table) == 64
    from hcflow.schemas.kmc import KMCDoc, SiteNetworkDoc

    assert KMCDoc.model_validate(kmc_docs[0]).temperature_K == 300.0
    assert SiteNetworkDoc.model_validate(one).n_sites == 64


def test_neb_budget_records_beside_the_md_barrier():
    """neb_budget 1: the most-visited pair gets a NEB record next to the MD
    barrier (a flat Lennard-Jones host: the NEB barrier is ~0)."""
    from ase.calculators.lj import LennardJones

    keys = ("task_id", "blob_uuid", "network_key")
    md, data, nets = (MemoryStore(key=k) for k in keys)
    for s in (md, data, nets):
        s.connect()
    for i, t in enumerate((500.0, 700.0)):
        add_task(md, data, f"n{t:g}", t, seed=i + 1)
    calc = LennardJones(sigma=1.0, epsilon=0.01, rc=2.5)
    (doc,) = SiteNetworkBuilder(
        md, data, nets, settings={"neb_budget": 1, "neb_steps": 50}, calculator=calc
    ).build(close=False)
    (rec,) = doc["neb"]
    assert rec["hops_seen"] == max(rec["hops_seen"], 1)
    assert 2.5 < rec["hop_length_A"] < 3.5  # a lattice hop
    assert abs(rec["neb_barrier_eV"]) < 0.05 and rec["converged"]
    assert rec["md_barrier_eV"] == pytest.approx(doc["barriers"][0]["barrier_eV"])
    from hcflow.kmc.neb_edges import md_barrier_of

    fits = [{"label": "all", "barrier_eV": 0.2}, {"label": "site 3", "barrier_eV": 0.5}]
    assert md_barrier_of(3, fits) == 0.5 and md_barrier_of(4, fits) == 0.2
