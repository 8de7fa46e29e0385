"""Synthetic trajectories with known answers (tests and benchmarks).

- :func:`brownian` : Na ions doing Brownian motion with a known D among fixed
  (or rigidly drifting) carbon atoms in a periodic cubic box, returned
  **wrapped** (as an MD code writes them) together with the true unwrapped
  positions.
- :func:`planted_hopping` : ions vibrating around planted sites and jumping
  between them after known residence times.
- :func:`caged` : ions rattling in closed cages (harmonic traps or
  reflecting spheres) that they never leave: long-time D = 0.
- :func:`langevin` : ions with velocity memory (ballistic at short times,
  diffusive with a known D after the velocity relaxation time).

The last two return only the ions' unwrapped positions (n_frames, n_ions, 3).
"""

from __future__ import annotations

import numpy as np


def brownian(
    n_na: int = 100,
    n_c: int = 900,
    n_frames: int = 2000,
    box: float = 22.0,
    d_A2_ps: float = 0.05,
    dt_ps: float = 0.1,
    seed: int = 0,
    framework_drift_A: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Brownian Na (D = ``d_A2_ps`` A^2/ps = 1e-4 x that in cm2/s) among C.

    Returns
    -------
    (wrapped, unwrapped, cells, numbers)
        Positions (n_frames, n_c + n_na, 3) in A, C first then Na; cells
        (n_frames, 3, 3); atomic numbers.
    """
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, np.sqrt(2 * d_A2_ps * dt_ps), (n_frames, n_na, 3))
    steps[0] = 0.0
    na = rng.uniform(0, box, (n_na, 3)) + np.cumsum(steps, axis=0)
    c = np.broadcast_to(rng.uniform(0, box, (n_c, 3)), (n_frames, n_c, 3))
    pos = np.concatenate([c, na], axis=1)
    if framework_drift_A:
        drift = np.cumsum(rng.normal(0, framework_drift_A, (n_frames, 1, 3)), axis=0)
        pos = pos + drift
    cells = np.broadcast_to(np.eye(3) * box, (n_frames, 3, 3)).copy()
    numbers = np.array([6] * n_c + [11] * n_na)
    return pos % box, pos, cells, numbers


def planted_hopping(
    residence_ps: list[float],
    n_frames: int = 2000,
    dt_ps: float = 0.1,
    spacing: float = 3.0,
    noise: float = 0.15,
    box: float = 30.0,
    n_c: int = 50,
    seed: int = 0,
    jitter: float = 0.3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[float]]]:
    """Ions hopping between planted sites after known residence times.

    Ion ``i`` stays ``residence_ps[i]`` (times a random factor in
    ``[1 - jitter, 1 + jitter]`` for each visit) at a site, then jumps by
    ``spacing`` A in a random direction (never straight back); it vibrates
    with Gaussian noise ``noise`` A per coordinate. ``residence_ps[i] <= 0``
    means the ion never hops. Carbon atoms sit far from the ions' plane.

    Returns
    -------
    (positions, cells, numbers, hop_times)
        Unwrapped positions, cells, atomic numbers (C first), and per ion the
        true hop times (ps).
    """
    rng = np.random.default_rng(seed)
    n_na = len(residence_ps)
    t = np.arange(n_frames) * dt_ps
    na = np.empty((n_frames, n_na, 3))
    hop_times: list[list[float]] = []
    for i, tau in enumerate(residence_ps):
        site = np.array([box / 2, box / 2, box / 2]) + rng.uniform(-5, 5, 3)
        last = np.zeros(3)
        times: list[float] = []
        current = 0.0
        while tau > 0:
            current += tau * rng.uniform(1 - jitter, 1 + jitter)
            if current >= t[-1]:
                break
            times.append(current)
        sites = [site.copy()]
        for _ in times:
            while True:
                step = rng.normal(size=3)
                step *= spacing / np.linalg.norm(step)
                if np.dot(step, last) > -0.5 * spacing**2:
                    break
            last = step
            sites.append(sites[-1] + step)
        idx = np.searchsorted(np.array(times), t, side="right")
        na[:, i] = np.array(sites)[idx] + rng.normal(0, noise, (n_frames, 3))
        hop_times.append(times)
    c = rng.uniform(0, box, (n_c, 3))
    c[:, 2] = rng.uniform(0, 2.0, n_c)  # a carbon slab away from the ions
    pos = np.concatenate([np.broadcast_to(c, (n_frames, n_c, 3)), na], axis=1)
    cells = np.broadcast_to(np.eye(3) * box, (n_frames, 3, 3)).copy()
    numbers = np.array([6] * n_c + [11] * n_na)
    return pos, cells, numbers, hop_times


def caged(
    n_ions: int = 50,
    n_frames: int = 301,
    dt_ps: float = 0.01,
    d_A2_ps: float = 0.67,
    radius_A: float = 1.5,
    kind: str = "sphere",
    seed: int = 0,
) -> np.ndarray:
    """Ions diffusing with short-time D ``d_A2_ps`` inside closed cages.

    ``kind="sphere"``: Brownian steps reflected at the wall of a sphere of
    ``radius_A`` (a closed void; MSD plateau ``6 R^2 / 5``).
    ``kind="harmonic"``: Ornstein-Uhlenbeck motion in a harmonic trap whose
    stationary RMS displacement per coordinate is ``radius_A / sqrt(3)``
    (MSD plateau ``2 R^2``), relaxation time ``R^2 / (3 D)``.
    Cage centres are random in a 30 A box; ions start in equilibrium.
    """
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 30.0, (n_ions, 3))
    sigma = np.sqrt(2 * d_A2_ps * dt_ps)
    x = np.empty((n_frames, n_ions, 3))
    if kind == "harmonic":
        var = radius_A**2 / 3.0
        decay = np.exp(-dt_ps * d_A2_ps / var)
        r = rng.normal(0, np.sqrt(var), (n_ions, 3))
        for t in range(n_frames):
            x[t] = r
            r = r * decay + rng.normal(0, np.sqrt(var * (1 - decay**2)), r.shape)
    elif kind == "sphere":
        r = rng.normal(size=(n_ions, 3))
        r *= (radius_A * rng.uniform(0, 1, (n_ions, 1)) ** (1 / 3)) / np.linalg.norm(
            r, axis=1, keepdims=True
        )
        for t in range(n_frames):
            x[t] = r
            r = r + rng.normal(0, sigma, r.shape)
            norm = np.linalg.norm(r, axis=1, keepdims=True)
            out = norm > radius_A
            r = np.where(out, r * (2 * radius_A - norm) / norm, r)
    else:
        raise ValueError(f"kind must be 'sphere' or 'harmonic', got {kind!r}")
    return x + centres


def langevin(
    n_ions: int = 50,
    n_frames: int = 1001,
    dt_ps: float = 0.01,
    d_A2_ps: float = 1.0,
    tau_ps: float = 0.5,
    seed: int = 0,
) -> np.ndarray:
    """Ions whose velocity relaxes with time ``tau_ps`` (Ornstein-Uhlenbeck).

    ``MSD(t) = 6 D (t - tau (1 - exp(-t / tau)))``: ballistic for ``t << tau``,
    diffusive with ``D = d_A2_ps`` for ``t >> tau``. Velocities start in
    equilibrium (variance ``D / tau`` per coordinate); positions are
    integrated with ``dt_ps / 20`` sub-steps.
    """
    rng = np.random.default_rng(seed)
    sub = 20
    h = dt_ps / sub
    decay = np.exp(-h / tau_ps)
    v_var = d_A2_ps / tau_ps
    v = rng.normal(0, np.sqrt(v_var), (n_ions, 3))
    r = rng.uniform(0, 30.0, (n_ions, 3))
    x = np.empty((n_frames, n_ions, 3))
    for t in range(n_frames):
        x[t] = r
        for _ in range(sub):
            v_new = v * decay + rng.normal(0, np.sqrt(v_var * (1 - decay**2)), v.shape)
            r = r + 0.5 * (v + v_new) * h
            v = v_new
    return x
