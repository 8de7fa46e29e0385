"""Which MD cells share a batch: the measured rule of :func:`plan_batches`.

On a CPU a MACE force call costs about ``a + b * atoms`` with a fixed part
``a`` (small-op dispatch) that a batch of cells pays once; the gain shrinks as
cells grow, so cells below ``CPU_BATCH_BELOW`` atoms are batched, up to
``CPU_BATCH_ATOMS`` atoms per batch. On a GPU one small cell leaves the device
idle, so every cell is batched up to ``GPU_BATCH_ATOMS`` atoms. Measured in
``benchmarks/bench_batched.py`` (results in ``benchmarks/results/batched.json``).
"""

from __future__ import annotations

from collections.abc import Sequence

CPU_BATCH_BELOW = 200  # atoms per cell: batched on a CPU below this
CPU_BATCH_ATOMS = 1000  # atoms per batch on a CPU (the gain saturates)
GPU_BATCH_ATOMS = 20000  # atoms per batch on a GPU (memory bound; unmeasured)


def plan_batches(
    n_atoms: Sequence[int], device: str = "cpu", max_atoms: int | None = None
) -> list[list[int]]:
    """Group cells into batches that run faster together than one by one.

    Parameters
    ----------
    n_atoms
        Atoms per cell (cells that may share a batch: same potential).
    device
        The resolved device (``"cpu"`` or ``"cuda..."``).
    max_atoms
        Atoms per batch (default: ``CPU_BATCH_ATOMS`` / ``GPU_BATCH_ATOMS``).

    Returns
    -------
    list[list[int]]
        Cell indices per batch, in input order; cells not worth batching (on a
        CPU, ``CPU_BATCH_BELOW`` atoms or more) are batches of one.
    """
    gpu = str(device).startswith("cuda")
    budget = max_atoms or (GPU_BATCH_ATOMS if gpu else CPU_BATCH_ATOMS)
    batches: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i, n in enumerate(n_atoms):
        if not gpu and n >= CPU_BATCH_BELOW:
            batches.append([i])
            continue
        if current and total + n > budget:
            batches.append(current)
            current, total = [], 0
        current.append(i)
        total += n
    if current:
        batches.append(current)
    return sorted(batches)
