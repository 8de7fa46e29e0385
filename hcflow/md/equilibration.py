"""Equilibrate until stationary: the recorded criterion and the step schedule.

Equilibration (its own thermostat, ``equilibration_ensemble``) runs for at
least ``min_steps`` and at most ``max_steps`` steps. Temperature and potential
energy are sampled every ``SAMPLE_EVERY`` steps; from ``min_steps`` on, every
``CHECK_EVERY`` steps, the last two windows of ``min_steps / 2`` steps are
compared, each mean with its standard error from ``N_BLOCKS`` block means. The
run is stationary when, for both quantities,
``|mean_last - mean_previous| <= Z * sqrt(se_last**2 + se_previous**2)``
(``Z = 2``). Production starts at the first step that passes, or at
``max_steps`` with ``stationary: false``; below ``MIN_CRITERION_STEPS``
equilibration is exactly ``min_steps`` long (``stationary: null``). Both MD
runners stop at the same steps (:func:`next_stop`) and decide with the same
numbers, so a batched replica reproduces run_md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hcflow.md.dynamics import DEFAULT_EQUILIBRATION_ENSEMBLE, thermostat_record

SAMPLE_EVERY = 10  #: steps between samples of temperature and potential energy
CHECK_EVERY = 100  #: steps between stationarity checks
N_BLOCKS = 5  #: blocks per window for the standard error of its mean
Z = 2.0  #: combined standard errors the two window means may differ by
MIN_CRITERION_STEPS = 2 * SAMPLE_EVERY * N_BLOCKS  #: smallest min_steps judged

CRITERION = (
    "temperature and potential energy sampled every {sample} steps; from "
    "{min_steps} steps on, every {check} steps, the means of the last two "
    "windows of {window} steps agree within {z:g} combined standard errors "
    "(SE of each window from {blocks} block means); at most {max_steps} steps"
)


def window_stats(values: np.ndarray, n_blocks: int = N_BLOCKS) -> tuple[float, float]:
    """(mean, standard error from ``n_blocks`` block means) of one window."""
    values = np.asarray(values, float)
    blocks = np.array([b.mean() for b in np.array_split(values, n_blocks)])
    return float(values.mean()), float(blocks.std(ddof=1) / np.sqrt(n_blocks))


def compare_windows(values: np.ndarray, window: int, z: float = Z) -> dict:
    """Means and SEs of the last two windows of ``window`` samples, and whether
    they agree within ``z`` combined standard errors."""
    values = np.asarray(values, float)
    prev, last = values[-2 * window : -window], values[-window:]
    (m1, s1), (m2, s2) = window_stats(prev), window_stats(last)
    return {
        "means": [m1, m2],
        "standard_errors": [s1, s2],
        "agree": bool(abs(m2 - m1) <= z * np.hypot(s1, s2)),
    }


@dataclass
class Equilibration:
    """Samples and outcome of one run's equilibration (see the module docstring).

    ``min_steps`` = 0 means no equilibration (production from step 0).
    """

    min_steps: int
    max_steps: int
    ensemble: str = DEFAULT_EQUILIBRATION_ENSEMBLE
    temperatures: list = field(default_factory=list)
    energies: list = field(default_factory=list)
    done_at: int | None = None
    stationary: bool | None = None
    last_check: dict = field(default_factory=dict)

    def __post_init__(self):
        self.max_steps = max(int(self.max_steps), int(self.min_steps))
        if self.min_steps == 0:
            self.done_at = 0

    @property
    def judged(self) -> bool:
        """Whether the stationarity criterion applies (enough minimum steps)."""
        return self.min_steps >= MIN_CRITERION_STEPS

    @property
    def window(self) -> int:
        """Samples per window."""
        return max(N_BLOCKS, self.min_steps // (2 * SAMPLE_EVERY))

    def next_stop(self, step: int) -> int:
        """The next step to stop at during equilibration."""
        nxt = (step // SAMPLE_EVERY + 1) * SAMPLE_EVERY
        if step < self.min_steps:
            nxt = min(nxt, self.min_steps)
        return min(nxt, self.max_steps)

    def observe(self, step: int, temperature_K: float, energy_eV: float) -> bool:
        """Record a stop of the run at ``step``; True when production starts here."""
        if self.done_at is not None:
            return False
        if step % SAMPLE_EVERY == 0:
            self.temperatures.append(float(temperature_K))
            self.energies.append(float(energy_eV))
        if step < self.min_steps:
            return False
        if not self.judged:
            self.done_at = step
            return True
        at_check = step == self.min_steps or step % CHECK_EVERY == 0
        if at_check and len(self.temperatures) >= 2 * self.window:
            t = compare_windows(self.temperatures, self.window)
            e = compare_windows(self.energies, self.window)
            self.last_check = {"step": step, "temperature_K": t, "energy_eV": e}
            if t["agree"] and e["agree"]:
                self.done_at, self.stationary = step, True
                return True
        if step >= self.max_steps:
            self.done_at, self.stationary = step, False
            return True
        return False

    def state(self) -> dict:
        """What a checkpoint keeps."""
        return {
            "temperatures": list(self.temperatures),
            "energies": list(self.energies),
            "done_at": self.done_at,
            "stationary": self.stationary,
            "last_check": self.last_check,
        }

    def restore(self, state: dict | None) -> None:
        """Continue from :meth:`state` (a checkpoint)."""
        if state:
            for key, value in state.items():
                setattr(self, key, value)

    def record(self, params: Any = None) -> dict:
        """The md_tasks ``equilibration`` field (see hcflow.schemas.md_task);
        ``params``: the thermostat parameters (an MDSettings or a mapping)."""
        thermo = thermostat_record(self.ensemble, params)
        if self.min_steps == 0:
            criterion = "none: no equilibration"
        elif not self.judged:
            criterion = (
                f"fixed length: {self.min_steps} steps (fewer than "
                f"{MIN_CRITERION_STEPS}, too few to judge stationarity)"
            )
        else:
            criterion = CRITERION.format(
                sample=SAMPLE_EVERY,
                min_steps=self.min_steps,
                check=CHECK_EVERY,
                window=self.window * SAMPLE_EVERY,
                z=Z,
                blocks=N_BLOCKS,
                max_steps=self.max_steps,
            )
        return {
            **thermo,
            "criterion": criterion,
            "min_steps": int(self.min_steps),
            "max_steps": int(self.max_steps),
            "steps": None if self.done_at is None else int(self.done_at),
            "stationary": self.stationary,
            "last_check": self.last_check or None,
        }


def next_stop(
    step: int,
    eq: Equilibration,
    frame_interval: int,
    production_steps: int,
    checkpoint_every: int | None,
) -> int:
    """The next step a run stops at: an equilibration sample or check, a
    production frame, or a checkpoint (both MD runners use this schedule; each
    stop is also a blow-up check)."""
    if eq.done_at is None:
        nxt = eq.next_stop(step)
    else:
        start, total = eq.done_at, eq.done_at + production_steps
        nxt = min(step + frame_interval - (step - start) % frame_interval, total)
    if checkpoint_every:
        nxt = min(nxt, (step // checkpoint_every + 1) * checkpoint_every)
    return nxt
