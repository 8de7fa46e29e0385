"""CPU cores a job may use: what the scheduler gave it, never the whole node.

An MD job on a shared node must not start one torch thread per core of the
machine (the threads would fight other jobs for the same cores).
:func:`available_cores` reads, in order: ``SLURM_CPUS_PER_TASK`` (capped by
the process affinity mask); else the smaller of the affinity mask
(``os.sched_getaffinity``: SLURM and PBS cpusets, ``taskset``, ``numactl``)
and the cgroup CPU quota (v2 ``cpu.max`` or v1 ``cpu.cfs_quota_us`` of this
process's cgroup and its parents: docker ``--cpus``, Kubernetes limits),
rounded up; ``os.cpu_count()`` only when neither tells anything.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def _positive_int(text: str | None) -> int | None:
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    return value if value >= 1 else None


def affinity_cores() -> int:
    """Cores in this process's affinity mask (all cores where there is none)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def _quota(text: str) -> float | None:
    """Cores of a ``cpu.max`` line "QUOTA PERIOD" (None: "max", -1, unreadable)."""
    parts = text.split()
    try:
        quota, period = float(parts[0]), float(parts[1])
    except (IndexError, ValueError):  # "max 100000": no quota
        return None
    return quota / period if quota > 0 and period > 0 else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _own_cgroups(proc_cgroup: Path) -> tuple[Path, Path]:
    """This process's (cgroup v2 path, v1 ``cpu`` controller path)."""
    v2 = v1 = Path("/")
    for line in (_read(proc_cgroup) or "").splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if not path.startswith("/"):
            continue
        if hierarchy == "0" and controllers == "":
            v2 = Path(path)
        elif "cpu" in controllers.split(","):
            v1 = Path(path)
    return v2, v1


def cgroup_cores(
    root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP
) -> float | None:
    """Cores allowed by the CPU quota of this process's cgroup (None: no quota).

    The smallest quota of the process's own cgroup and its parents: cgroup v2
    ``cpu.max``, or cgroup v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``.
    """
    v2, v1 = _own_cgroups(proc_cgroup)
    limits = []
    for folder in (v2, *v2.parents):
        text = _read(root / folder.relative_to("/") / "cpu.max")
        if text is not None and (q := _quota(text)) is not None:
            limits.append(q)
    for folder in (v1, *v1.parents):
        where = root / "cpu" / folder.relative_to("/")
        quota = _read(where / "cpu.cfs_quota_us")
        period = _read(where / "cpu.cfs_period_us")
        if quota is not None and period is not None:
            if (q := _quota(f"{quota.strip()} {period.strip()}")) is not None:
                limits.append(q)
    return min(limits) if limits else None


def available_cores(
    environ: Mapping[str, str] | None = None,
    affinity: int | None = None,
    cgroup_root: Path = CGROUP_ROOT,
    proc_cgroup: Path = PROC_CGROUP,
) -> tuple[int, str]:
    """The cores this job may use and where that number came from.

    Parameters
    ----------
    environ
        Environment to read (default ``os.environ``).
    affinity
        Cores in the affinity mask (default: :func:`affinity_cores`).
    cgroup_root, proc_cgroup
        Where the cgroup files are (tests point them at a fake tree).

    Returns
    -------
    (cores, source)
        ``source`` is ``"SLURM_CPUS_PER_TASK"``, ``"cgroup"`` or
        ``"affinity"``; it is recorded with the run so a slow job can be
        explained.
    """
    environ = os.environ if environ is None else environ
    affinity = affinity_cores() if affinity is None else max(1, int(affinity))
    slurm = _positive_int(environ.get("SLURM_CPUS_PER_TASK"))
    if slurm is not None:
        return min(slurm, affinity), "SLURM_CPUS_PER_TASK"
    quota = cgroup_cores(cgroup_root, proc_cgroup)
    if quota is not None and math.ceil(quota) < affinity:
        return max(1, math.ceil(quota)), "cgroup"
    return affinity, "affinity"
