"""Planted (known-answer) data sets for the analysis tests."""

import functools

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


SUITE_SETTINGS = {
    "structural_stride": 50,
    "pore_frames": 1,
    "pore_grid_spacing": 0.7,
    "pore_tortuosity_spacing": 1.0,
}


@functools.cache
def suite_ions(seeds: tuple[int, ...] = (0, 1)) -> pd.DataFrame:
    """ion_descriptors documents (as rows) of planted-suite trajectories.

    Each seed is one trajectory of :func:`hcflow.descriptors.synthetic.
    planted_suite` (five behaviours, 53 Na, 200 ps) run through the real
    descriptor functions and document builder; ``behaviour`` is the planted
    one and ``expected`` the class it should get. About 10 s per seed.
    """
    from hcflow.builders.descriptor_docs import make_documents
    from hcflow.descriptors.compute import compute_descriptors
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.descriptors.synthetic import SUITE, planted_suite

    settings = DescriptorSettings(**SUITE_SETTINGS)
    frames = []
    for seed in seeds:
        pos, cells, numbers, kinds = planted_suite(seed=seed)
        res = compute_descriptors(pos, cells, numbers, 0.1, settings)
        task = {"task_id": f"suite{seed}", "study_id": "suite", "density_g_cm3": 1.0}
        docs, _ = make_documents(res, task, settings)
        df = pd.DataFrame(docs)
        df["behaviour"] = kinds
        df["expected"] = [SUITE[k] for k in kinds]
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def planted_systems(seed=0, densities=(0.8, 1.0, 1.2, 1.4, 1.6, 1.8), per=40, reps=2):
    """Density drives D between systems; ``f_drive`` drives it within them.

    Each density is one system of ``reps`` trajectories. log10 D = -4 (rho -
    1.3) + 0.8 f_drive + 0.3 noise. ``tortuosity`` follows the density (plus
    a little scatter): a proxy. ``f_noise*`` are unrelated. Returns (x, y,
    groups, systems, variables).
    """
    rng = np.random.default_rng(seed)
    rows, y, groups, systems = [], [], [], []
    for s, rho in enumerate(densities):
        for r in range(reps):
            n = per
            f = rng.normal(size=n)
            rows.append(
                pd.DataFrame(
                    {
                        "f_drive": f,
                        "tortuosity": 1.0 + 2.0 * rho + 0.05 * rng.normal(size=n),
                        "f_noise1": rng.normal(size=n),
                        "f_noise2": rng.normal(size=n),
                    }
                )
            )
            y.append(-4.0 * (rho - 1.3) + 0.8 * f + 0.3 * rng.normal(size=n))
            groups += [f"t{s}-{r}"] * n
            systems += [f"rho{rho}"] * n
    x = pd.concat(rows, ignore_index=True)
    variables = pd.DataFrame(
        {"density_g_cm3": [float(s[3:]) for s in systems], "na_content": 0.1}
    )
    return x, np.concatenate(y), np.array(groups), np.array(systems), variables
