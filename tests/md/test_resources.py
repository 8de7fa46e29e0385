"""Threads per MD job: the cores the scheduler gave it, never the whole node."""

from __future__ import annotations

import pytest
from ase.build import bulk
from ase.calculators.emt import EMT

from hcflow.md import resources, runner
from hcflow.md.resources import available_cores, cgroup_cores
from hcflow.md.runner import run_md, thread_count


def _cgroup_tree(tmp_path, files: dict[str, str], own: str = "/"):
    """A fake /sys/fs/cgroup with ``files`` and a /proc/self/cgroup naming ``own``."""
    root = tmp_path / "cgroup"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    proc = tmp_path / "proc_cgroup"
    proc.write_text(f"1:cpu,cpuacct:{own}\n0::{own}\n")
    return {"cgroup_root": root, "proc_cgroup": proc}


def test_slurm_cpus_per_task_wins(tmp_path):
    tree = _cgroup_tree(tmp_path, {"cpu.max": "100000 100000\n"})
    env = {"SLURM_CPUS_PER_TASK": "4"}
    assert available_cores(env, affinity=128, **tree) == (4, "SLURM_CPUS_PER_TASK")
    # capped by the affinity mask (SLURM said 8, the cpuset has 6)
    env = {"SLURM_CPUS_PER_TASK": "8"}
    assert available_cores(env, affinity=6, **tree) == (6, "SLURM_CPUS_PER_TASK")


@pytest.mark.parametrize("bad", ["", "0", "-2", "four"])
def test_bad_slurm_value_falls_back_to_the_affinity_mask(tmp_path, bad):
    tree = _cgroup_tree(tmp_path, {})
    env = {"SLURM_CPUS_PER_TASK": bad}
    assert available_cores(env, affinity=3, **tree) == (3, "affinity")


def test_affinity_mask_not_the_node(tmp_path, monkeypatch):
    """The affinity mask (a SLURM/PBS cpuset, taskset) is read, not cpu_count."""
    tree = _cgroup_tree(tmp_path, {})
    monkeypatch.setattr(resources.os, "sched_getaffinity", lambda pid: {0, 5, 9})
    monkeypatch.setattr(resources.os, "cpu_count", lambda: 128)
    assert available_cores({}, **tree) == (3, "affinity")


def test_cgroup_v2_quota_of_own_cgroup_and_parents(tmp_path):
    own = "/system.slice/job_42/step_0"
    tree = _cgroup_tree(
        tmp_path,
        {
            "cpu.max": "max 100000\n",  # the root: no limit
            "system.slice/job_42/cpu.max": "250000 100000\n",  # 2.5 cores
            "system.slice/job_42/step_0/cpu.max": "max 100000\n",
        },
        own=own,
    )
    assert cgroup_cores(tree["cgroup_root"], tree["proc_cgroup"]) == 2.5
    assert available_cores({}, affinity=64, **tree) == (3, "cgroup")  # rounded up
    # an affinity mask smaller than the quota wins
    assert available_cores({}, affinity=2, **tree) == (2, "affinity")


def test_cgroup_v1_quota(tmp_path):
    tree = _cgroup_tree(
        tmp_path,
        {"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"},
    )
    assert available_cores({}, affinity=32, **tree) == (2, "cgroup")
    unlimited = _cgroup_tree(
        tmp_path / "u",
        {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"},
    )
    assert available_cores({}, affinity=32, **unlimited) == (32, "affinity")


def test_this_machine_gives_at_least_one_core():
    cores, source = available_cores()
    assert cores >= 1 and source in ("SLURM_CPUS_PER_TASK", "cgroup", "affinity")


def test_thread_count_rule(monkeypatch):
    monkeypatch.setattr(runner, "available_cores", lambda: (6, "SLURM_CPUS_PER_TASK"))
    assert thread_count(30, 3) == (3, "threads")  # explicit wins
    assert thread_count(runner.SMALL_CELL - 1) == (1, "small cell")
    assert thread_count(runner.SMALL_CELL) == (6, "SLURM_CPUS_PER_TASK")


def test_run_md_records_the_threads_it_used(monkeypatch):
    import torch

    monkeypatch.setattr(runner, "available_cores", lambda: (2, "cgroup"))
    before = torch.get_num_threads()
    try:
        big = bulk("Cu", cubic=True).repeat((3, 3, 2))  # 72 atoms
        assert len(big) >= runner.SMALL_CELL
        md = {"production_steps": 2, "frame_interval": 1, "equilibration_steps": 0}
        r = run_md(big, EMT(), md, 300, progress=False)
        assert r.threads == (2, "cgroup")
        assert torch.get_num_threads() == 2
        small = bulk("Cu", cubic=True)
        assert run_md(small, EMT(), md, 300, progress=False).threads == (
            1,
            "small cell",
        )
    finally:
        torch.set_num_threads(before)
