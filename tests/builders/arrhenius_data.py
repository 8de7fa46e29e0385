"""Planted Arrhenius data: summaries, md_tasks and mode-labelled ions of known Ea."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from hcflow.analysis.arrhenius import KB_EV_K
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.synthetic import brownian
from hcflow.descriptors.transport import analyse_transport

EA, D0 = 0.25, 1e-3  # eV, cm2/s: the planted system
TEMPS = (600.0, 750.0, 900.0, 1050.0, 1200.0)
#: per-mode planted laws: mode -> (Ea of D, D0, Ea of hop rate, rate0 per ps)
MODES = {
    "free": (0.20, 2e-3, 0.15, 20.0),
    "hopping": (0.35, 5e-3, 0.30, 50.0),
}
STAMP = datetime(2026, 1, 1)


def arrhenius(ea: float, pre: float, temperature: float) -> float:
    return pre * math.exp(-ea / (KB_EV_K * temperature))


def brownian_summary(temperature: float, n_frames=2000, seed=0) -> dict:
    """Tracer D, interval and verdict of 100 Brownian ions at D(T)."""
    x = brownian(
        n_na=100,
        n_c=0,
        n_frames=n_frames,
        d_A2_ps=arrhenius(EA, D0, temperature) * 1e4,
        dt_ps=0.1,
        seed=seed,
    )[1]
    s = DescriptorSettings()
    return analyse_transport(x, s.resolve(n_frames, 0.1), s).trajectory


def summary_doc(task_id, temperature, transport, density=1.5, h="h1", **extra):
    return {
        "summary_key": f"{task_id}:{h}",
        "task_id": task_id,
        "settings_hash": h,
        "study_id": "s",
        "temperature_K": temperature,
        "density_g_cm3": density,
        "na_content": 0.1,
        "mobile_species": "Na",
        "state": "successful",
        "last_updated": STAMP,
        **{k: transport.get(k) for k in ("D_cm2_s", "D_ci95_low", "D_ci95_high")},
        "diffusive": transport.get("diffusive"),
        "diffusive_reason": transport.get("diffusive_reason"),
        "diffusion_outcome": transport.get("diffusion_outcome"),
        **extra,
    }


def task_doc(task_id, n_atoms=120, potential="mace-x"):
    return {"task_id": task_id, "potential_id": potential, "n_atoms": n_atoms}


def planted(transports: dict[float, dict], short: dict) -> tuple[list, list]:
    """(summaries, tasks): system A over TEMPS plus a short non-diffusive run at
    500 K, a failed summary; system B (other density) at 2 temperatures."""
    summaries, tasks = [], []
    for i, t in enumerate(TEMPS):
        summaries.append(summary_doc(f"a{i}", t, transports[t]))
        tasks.append(task_doc(f"a{i}"))
    summaries.append(summary_doc("a_short", 500.0, short))
    tasks.append(task_doc("a_short"))
    summaries.append(
        summary_doc("a_bad", 650.0, {}, state="failed") | {"D_cm2_s": None}
    )
    for i, t in enumerate(TEMPS[:2]):
        summaries.append(summary_doc(f"b{i}", t, transports[t], density=1.9))
        tasks.append(task_doc(f"b{i}"))
    return summaries, tasks


def mode_ions(seed=0, per=12, noise=0.1) -> tuple[list, list, dict]:
    """(ion_descriptors, ion_modes, modes result) for system A's trajectories:
    per trajectory ``per`` ions of each planted mode (D and hop rate from its
    law times log-normal noise) and ``per`` void-trapped ions (not diffusive);
    the two hottest trajectories have only 2 hopping ions (too few)."""
    rng = np.random.default_rng(seed)
    ions, labels = [], []
    for i, t in enumerate(TEMPS):
        k = 0
        for mode, (ea, d0, ea_r, r0) in [*MODES.items(), ("void-trapped", (None,) * 4)]:
            n = 2 if (mode == "hopping" and i >= 3) else per
            for _ in range(n):
                key = f"a{i}:{k}:h1"
                if ea is None:
                    d, rate, diffusive = 1e-6, 0.0, False
                else:
                    d = arrhenius(ea, d0, t) * math.exp(noise * rng.normal())
                    rate = arrhenius(ea_r, r0, t) * math.exp(noise * rng.normal())
                    diffusive = True
                ions.append(
                    {
                        "ion_key": key,
                        "task_id": f"a{i}",
                        "settings_hash": "h1",
                        "temperature_K": t,
                        "D_cm2_s": d,
                        "diffusive": diffusive,
                        "hop_rate_per_ps": rate,
                    }
                )
                labels.append(
                    {
                        "ion_mode_key": f"m1:{key}",
                        "result_id": "m1",
                        "ion_key": key,
                        "task_id": f"a{i}",
                        "mode_name": mode,
                    }
                )
                k += 1
    return ions, labels, {"result_id": "m1", "last_updated": STAMP}
