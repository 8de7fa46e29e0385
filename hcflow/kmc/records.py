"""ObservedNetwork <-> plain dicts (what a database document holds).

Per-temperature arrays are keyed by the temperature as text (``"600"``):
MongoDB keys are strings. Everything else is lists of numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hcflow.kmc.from_md import ObservedNetwork

PER_T_EDGE = ("counts",)
PER_T_SITE = ("exposure_ps", "residence_ps", "beyond_dwell_ps", "exits")


def _tkey(t: float) -> str:
    return f"{float(t):g}"


def network_record(obs: ObservedNetwork) -> dict[str, Any]:
    """A JSON-ready dict of an observed network."""
    out: dict[str, Any] = {
        "cell": np.asarray(obs.cell, float).tolist(),
        "sites": np.asarray(obs.sites, float).round(4).tolist(),
        "source": np.asarray(obs.source, int).tolist(),
        "target": np.asarray(obs.target, int).tolist(),
        "image": np.asarray(obs.image, int).reshape(-1, 3).tolist(),
        "temperatures_K": [float(t) for t in obs.temperatures],
        "dwell_ps": float(obs.dwell_ps),
        "long_transits": {_tkey(t): int(v) for t, v in obs.long_transits.items()},
    }
    for name in (*PER_T_EDGE, *PER_T_SITE):
        out[name] = {
            _tkey(t): np.asarray(v, float).round(6).tolist()
            for t, v in getattr(obs, name).items()
        }
    return out


def network_from_record(rec: dict[str, Any], system: str = "") -> ObservedNetwork:
    """The observed network of :func:`network_record`."""
    temps = [float(t) for t in rec["temperatures_K"]]
    obs = ObservedNetwork(
        cell=np.asarray(rec["cell"], float),
        sites=np.asarray(rec["sites"], float).reshape(-1, 3),
        source=np.asarray(rec["source"], int),
        target=np.asarray(rec["target"], int),
        image=np.asarray(rec["image"], int).reshape(-1, 3),
        temperatures=temps,
        dwell_ps=float(rec["dwell_ps"]),
        system=system,
    )
    for name in (*PER_T_EDGE, *PER_T_SITE):
        cast = int if name == "counts" else float
        setattr(
            obs,
            name,
            {float(t): np.asarray(v, float).astype(cast) for t, v in rec[name].items()},
        )
    obs.long_transits = {float(t): int(v) for t, v in rec["long_transits"].items()}
    return obs
