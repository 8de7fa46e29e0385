"""Planted (known-answer) data sets for the analysis tests."""

import numpy as np
import pandas as pd

MODE_COLS = ["cn_na_c", "cn_na_na", "pore_size", "log10_D", "hop_rate_per_ps"]


def planted_modes(k: int, n_per: int = 150, seed: int = 0, sep: float = 6.0):
    """k Gaussian groups (unit spread) with centres ~N(0, sep) in 5 descriptors."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, sep, (k, len(MODE_COLS)))
    x = np.concatenate([c + rng.normal(0, 1, (n_per, len(MODE_COLS))) for c in centers])
    return pd.DataFrame(x, columns=MODE_COLS), np.repeat(np.arange(k), n_per)


def noise(n: int = 600, seed: int = 0):
    """One Gaussian blob: no modes."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, len(MODE_COLS))), columns=MODE_COLS)


def planted_drivers(seed=0, n_traj=12, per=30, leak=0.0):
    """log10 D = 1.5 f2 - 1.0 f5 + noise (+ a per-trajectory offset).

    With ``leak`` > 0 each trajectory gets an offset of that size, and f9 is a
    trajectory fingerprint (constant within a trajectory, random between):
    a model that sees other ions of the same trajectory can learn the offset
    from f9; one that never sees the trajectory cannot.
    """
    rng = np.random.default_rng(seed)
    names = [f"f{i}" for i in range(10)]
    x = rng.normal(size=(n_traj * per, 10))
    groups = np.repeat(np.arange(n_traj), per)
    offset = rng.normal(0, 1, n_traj)[groups] * leak
    if leak:
        x[:, 9] = rng.normal(0, 1, n_traj)[groups] + 0.01 * rng.normal(size=len(x))
    y = 1.5 * x[:, 2] - 1.0 * x[:, 5] + 0.2 * rng.normal(size=len(x)) + offset
    return pd.DataFrame(x, columns=names), y, groups
