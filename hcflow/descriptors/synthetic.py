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


def two_site_hoppers(
    n_ions: int,
    residence_ps: float = 8.0,
    n_frames: int = 2000,
    dt_ps: float = 0.1,
    spacing: float = 3.0,
    noise: float = 0.15,
    jitter: float = 0.5,
    transit_ps: float = 0.2,
    seed: int = 0,
) -> tuple[np.ndarray, list[list[float]]]:
    """Ions jumping back and forth between two sites ``spacing`` A apart.

    Each stay lasts ``residence_ps`` times a random factor in ``[1 - jitter,
    1 + jitter]``; the jump takes ``transit_ps`` (straight line); the ion
    vibrates with Gaussian noise ``noise`` A per coordinate. Positions are
    relative to the first site (add a centre).

    Returns
    -------
    (displacements, hop_times)
        (n_frames, n_ions, 3) positions (A) and, per ion, the true hop times
        (middle of each jump, ps).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) * dt_ps
    out = np.empty((n_frames, n_ions, 3))
    hop_times: list[list[float]] = []
    for i in range(n_ions):
        axis = rng.normal(size=3)
        axis *= spacing / np.linalg.norm(axis)
        starts, current = [], rng.uniform(0.0, residence_ps)
        while current + transit_ps < t[-1]:
            starts.append(current)
            current += transit_ps + residence_ps * rng.uniform(1 - jitter, 1 + jitter)
        # fraction of the way to the other site at every frame
        frac = np.zeros(n_frames)
        for k, s in enumerate(starts):
            ramp = np.clip((t - s) / max(transit_ps, 1e-9), 0.0, 1.0)
            frac = frac + (ramp if k % 2 == 0 else -ramp)
        out[:, i] = frac[:, None] * axis + rng.normal(0, noise, (n_frames, 3))
        hop_times.append([s + 0.5 * transit_ps for s in starts])
    return out, hop_times


def confined_brownian(
    n_ions: int,
    radius: float,
    d_A2_ps: float,
    n_frames: int = 2000,
    dt_ps: float = 0.1,
    seed: int = 0,
) -> np.ndarray:
    """Brownian ions reflected inside a sphere of ``radius`` A (relative to it).

    Returns (n_frames, n_ions, 3) positions (A) relative to the centre.
    """
    rng = np.random.default_rng(seed)
    out = np.empty((n_frames, n_ions, 3))
    u = rng.normal(size=(n_ions, 3))
    pos = (
        u / np.linalg.norm(u, axis=1)[:, None] * radius * rng.uniform(0, 1, (n_ions, 1))
    )
    sigma = np.sqrt(2 * d_A2_ps * dt_ps)
    for f in range(n_frames):
        out[f] = pos
        pos = pos + rng.normal(0, sigma, (n_ions, 3))
        r = np.linalg.norm(pos, axis=1)
        out_of = r > radius
        if np.any(out_of):  # reflect at the wall (twice the overshoot at most R)
            new_r = np.clip(2 * radius - r[out_of], 0.0, radius)
            pos[out_of] *= (new_r / r[out_of])[:, None]
    return out


def carbon_shell(centre, radius: float, spacing: float = 1.4) -> np.ndarray:
    """Carbon atoms on a sphere (Fibonacci lattice, about ``spacing`` A apart)."""
    n = max(12, int(np.ceil(4 * np.pi * radius**2 / (0.866 * spacing**2))))
    k = np.arange(n) + 0.5
    phi = np.arccos(1 - 2 * k / n)
    theta = np.pi * (1 + 5**0.5) * k
    unit = np.stack(
        [np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi), np.cos(phi)], 1
    )
    return np.asarray(centre, float) + radius * unit


#: The behaviours of :func:`planted_suite` and the class each should get.
SUITE = {
    "free": "freely diffusing",
    "hopper": "hopping",
    "rattler": "void-trapped",
    "large_void": "confined in large void",
    "cluster": "clustered",
}


def planted_suite(
    n_frames: int = 2000,
    dt_ps: float = 0.1,
    seed: int = 0,
    d_A2_ps: float = 0.2,
    box: float = 48.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Five planted Na behaviours in one carbon cell (known answers for naming).

    Carbon: nine small closed shells (radius 3.5 A: accessible radius ~1.2 A
    for a Na centre 2.3 A from carbon) on a 3 x 3 grid at z = 8 A and four
    large closed shells (radius 8 A) at z = 26 A; an open, carbon-free slab
    at z = 37-47 A. Na (``d_A2_ps`` A^2/ps for the Brownian ones):

    - ``rattler`` (9): one per small shell, Brownian inside 0.9 A of its centre;
    - ``large_void`` (12): three per large shell, Brownian inside 5 A;
    - ``free`` (10): Brownian in the slab (periodic in x, y; reflected in z);
    - ``hopper`` (10): two-site hoppers in the slab (2.8 A apart, residences
      6 ps x U(0.5, 1.5), vibration 0.2 A);
    - ``cluster`` (12): two octahedra of 6 Na (edge 3 A: 4 neighbours within
      4 A each) in the slab, vibrating 0.2 A.

    Returns
    -------
    (positions, cells, numbers, behaviours)
        Unwrapped positions (C first, then Na), cells, atomic numbers and the
        behaviour of every Na (keys of :data:`SUITE`).
    """
    rng = np.random.default_rng(seed)
    small = [(8.0 + 16.0 * i, 8.0 + 16.0 * j, 8.0) for i in range(3) for j in range(3)]
    large = [
        (12.0, 12.0, 26.0),
        (36.0, 12.0, 26.0),
        (12.0, 36.0, 26.0),
        (36.0, 36.0, 26.0),
    ]
    carbon = np.concatenate(
        [carbon_shell(c, 3.5) for c in small] + [carbon_shell(c, 8.0) for c in large]
    )
    parts, kinds = [], []
    k = int(rng.integers(1 << 30))
    for i, c in enumerate(small):
        parts.append(confined_brownian(1, 0.9, d_A2_ps, n_frames, dt_ps, k + i) + c)
        kinds.append("rattler")
    for i, c in enumerate(large):
        parts.append(
            confined_brownian(3, 5.0, d_A2_ps, n_frames, dt_ps, k + 20 + i) + c
        )
        kinds += ["large_void"] * 3
    free = np.empty((n_frames, 10, 3))
    pos = np.column_stack([rng.uniform(0, box, (10, 2)), rng.uniform(38, 46, 10)])
    sigma = np.sqrt(2 * d_A2_ps * dt_ps)
    for f in range(n_frames):
        free[f] = pos
        pos = pos + rng.normal(0, sigma, pos.shape)
        pos[:, 2] = np.where(pos[:, 2] < 37, 74 - pos[:, 2], pos[:, 2])
        pos[:, 2] = np.where(pos[:, 2] > 47, 94 - pos[:, 2], pos[:, 2])
    parts.append(free)
    kinds += ["free"] * 10
    hop, _ = two_site_hoppers(10, 6.0, n_frames, dt_ps, 2.8, 0.2, seed=k + 40)
    sites = np.column_stack(
        [(np.arange(10) + 0.5) * box / 10, np.full(10, 6.0), np.full(10, 42.0)]
    )
    parts.append(hop + sites)
    kinds += ["hopper"] * 10
    octa = 3.0 / np.sqrt(2) * np.concatenate([np.eye(3), -np.eye(3)])
    for centre in ((12.0, 30.0, 42.0), (36.0, 30.0, 42.0)):
        parts.append(np.asarray(centre) + octa + rng.normal(0, 0.2, (n_frames, 6, 3)))
        kinds += ["cluster"] * 6
    na = np.concatenate(parts, axis=1)
    pos = np.concatenate([np.broadcast_to(carbon, (n_frames, *carbon.shape)), na], 1)
    cells = np.broadcast_to(np.eye(3) * box, (n_frames, 3, 3)).copy()
    numbers = np.array([6] * len(carbon) + [11] * na.shape[1])
    return pos, cells, numbers, kinds


def fractional_brownian(
    n_ions: int,
    n_frames: int,
    dt_ps: float = 0.02,
    alpha: float = 0.7,
    msd_at_1ps_A2: float = 30.0,
    seed: int = 0,
) -> np.ndarray:
    """Sub-diffusive ions: 3D fractional Brownian motion, ``MSD = K t^alpha``.

    Exact Gaussian increments (fractional Gaussian noise with Hurst exponent
    ``alpha / 2``) by circulant embedding (Davies-Harte); ``K`` is set by the
    MSD at 1 ps (``msd_at_1ps_A2``). Returns (n_frames, n_ions, 3) positions
    (A) starting at the origin.
    """
    rng = np.random.default_rng(seed)
    n = max(int(n_frames) - 1, 1)
    h2 = float(alpha)  # 2 H
    k = np.arange(n + 1, dtype=float)
    # autocovariance of unit fGn (per frame), then the circulant's eigenvalues
    gamma = 0.5 * ((k + 1) ** h2 - 2 * k**h2 + np.abs(k - 1) ** h2)
    row = np.concatenate([gamma, gamma[-2:0:-1]])
    lam = np.clip(np.fft.fft(row).real, 0.0, None)
    m = len(row)
    z = rng.normal(size=(m, n_ions * 3)) + 1j * rng.normal(size=(m, n_ions * 3))
    noise = np.fft.fft(np.sqrt(lam / m)[:, None] * z, axis=0)[:n].real
    # per coordinate: var of one frame's step = (K / 3) dt^alpha
    scale = np.sqrt(msd_at_1ps_A2 / 3.0 * dt_ps**alpha)
    steps = (noise * scale).reshape(n, n_ions, 3)
    out = np.zeros((n + 1, n_ions, 3))
    out[1:] = np.cumsum(steps, axis=0)
    return out
