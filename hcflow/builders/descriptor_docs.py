"""The documents of one analysed trajectory: ion descriptors and its summary.

Pure dict/pydantic work for :class:`hcflow.builders.descriptors.DescriptorBuilder`:
:func:`make_documents` turns a
:class:`~hcflow.descriptors.compute.DescriptorResult` into one
:class:`~hcflow.schemas.ion.IonDescriptorDoc` per ion and a
:class:`~hcflow.schemas.ion.TrajectorySummaryDoc`; :func:`failed_summary` is
the summary of a trajectory that could not be analysed. No database here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hcflow.builders.base import naive_utc
from hcflow.descriptors.compute import DescriptorResult
from hcflow.descriptors.regime import regime_of_result
from hcflow.descriptors.residence import km_curve
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.schemas.common import Provenance, json_safe
from hcflow.schemas.ion import (
    IonDescriptorDoc,
    TrajectorySummaryDoc,
    ion_key,
    summary_key,
)
from hcflow.schemas.names import BOOLEAN, DYNAMIC, INTEGER, STRUCTURAL


def _clean(value: Any) -> float | None:
    """A number as a float; None, NaN and inf as None (:func:`json_safe`)."""
    return None if value is None else json_safe(float(value))


def _meta(task: dict, settings: DescriptorSettings) -> dict[str, Any]:
    return {
        "task_id": task["task_id"],
        "settings_hash": settings.hash,
        "study_id": task.get("study_id"),
        "label": task.get("label"),
        "point_id": task.get("point_id"),
        "temperature_K": task.get("temperature_K"),
        "density_g_cm3": task.get("density_g_cm3"),
        "na_content": task.get("na_content"),
        "mobile_species": settings.species,
        "settings": settings.model_dump(),
        "na_c_cutoff_A": settings.na_c_cutoff,
        "na_na_cutoff_A": settings.na_na_cutoff,
        "local_radius_A": settings.local_radius,
        "md_task_last_updated": naive_utc(task.get("last_updated")),
    }


def make_documents(
    result: DescriptorResult,
    task: dict,
    settings: DescriptorSettings,
    compute_time_s: float | None = None,
) -> tuple[list[dict], dict]:
    """(ion documents, summary document) as dicts for one analysed trajectory."""
    win = result.windows
    blob = (task.get("trajectory") or {}).get("blob_uuid")
    prov = Provenance.make(
        "builder:DescriptorBuilder",
        settings.model_dump(),
        [task["task_id"]] + ([blob] if blob else []),
    )
    common = _meta(task, settings) | {
        "fit_window_ps": list(win.fit_window_ps),
        "coarse_time_ps": win.coarse_time_ps,
        "frame_dt_ps": win.frame_dt_ps,
        "duration_ps": win.duration_ps,
        "n_frames": int(round(win.duration_ps / win.frame_dt_ps)) + 1,
        "structural_frames": result.info.get("structural_frames"),
        "pore_status": result.info.get("pore_status"),
        "pore_frames": result.info.get("pore_frames"),
        "host_status": result.info.get("host_status"),
        "provenance": prov,
    }
    names = list(DYNAMIC) + [n for base in STRUCTURAL for n in (base, f"{base}_std")]
    lags = [float(t) for t in result.msd_lag_ps]
    ions = []
    for rank, atom in enumerate(result.ion_indices):
        values = {
            n: _clean(result.values[n][rank]) for n in names if n in result.values
        }
        for n in INTEGER:
            if values.get(n) is not None:
                values[n] = int(values[n])
        for n in BOOLEAN:
            if values.get(n) is not None:
                values[n] = bool(values[n])
        verdict = result.ion_verdicts[rank] if result.ion_verdicts else None
        doc = IonDescriptorDoc(
            ion_key=ion_key(task["task_id"], int(atom), settings.hash),
            ion_index=int(atom),
            na_rank=rank,
            msd_lag_ps=lags,
            msd_A2=[float(v) for v in result.msd_ions_A2[:, rank]],
            diffusive=verdict.diffusive if verdict else None,
            diffusive_reason=verdict.reason if verdict else None,
            diffusion_outcome=verdict.outcome if verdict else None,
            msd_loglog_slope=_clean(verdict.slope) if verdict else None,
            **site_fields(result, rank),
            **common,
            **values,
        )
        ions.append(doc.model_dump())
    means = {
        n: _clean(np.nanmean(v)) if np.any(np.isfinite(v)) else None
        for n, v in result.values.items()
        if not n.endswith("_std")
    }
    stds = {
        n: _clean(np.nanstd(v)) if np.any(np.isfinite(v)) else None
        for n, v in result.values.items()
        if not n.endswith("_std")
    }
    coll = {
        k: (_clean(v) if isinstance(v, float) else v)
        for k, v in result.collective.items()
        if k in TrajectorySummaryDoc.model_fields
    }
    summary = TrajectorySummaryDoc(
        summary_key=summary_key(task["task_id"], settings.hash),
        n_ions=result.n_ions,
        **coll,
        descriptor_means=means,
        descriptor_stds=stds,
        msd_lag_ps=lags,
        msd_A2=[float(v) for v in result.msd_ions_A2.mean(axis=1)],
        compute_time_s=compute_time_s,
        **site_summary(result),
        rdf_min_na_c_A=result.info.get("rdf_min_na_c_A"),
        rdf_min_na_na_A=result.info.get("rdf_min_na_na_A"),
        **ion_contacts(result.info),
        regime=regime_of_result(result, task.get("temperature_K"), settings.species),
        **deviation_fields(task),
        **common,
    )
    return ions, summary.model_dump()


def ion_contacts(info: dict) -> dict:
    """Summary fields of the closest ion-ion approach and its verdict."""
    closest, limit = info.get("min_ion_pair_A"), info.get("ion_contact_limit_A")
    ok = None if limit is None else (closest is None or closest >= limit)
    return {"min_ion_pair_A": closest, "ion_contacts_ok": ok}


def deviation_fields(task: dict) -> dict:
    """Summary fields of the run's model deviation (md_tasks ``model_deviation``)."""
    dev = task.get("model_deviation")
    ok = dev.get("forces_ok") if isinstance(dev, dict) else None
    return {"model_deviation": dev, "forces_ok": ok}


def _finite_lists(a: np.ndarray) -> list[list[float]]:
    """Rows of a 2-D array as lists; rows with NaN are left out."""
    return [[float(v) for v in row] for row in a if np.all(np.isfinite(row))]


def site_fields(result: DescriptorResult, rank: int) -> dict[str, Any]:
    """Residences, hop times and the van Hove function of one ion (lists)."""
    site = result.sites
    if site is None:
        return {}
    ion = site.per_ion[rank]
    return {
        "residence_durations_ps": [float(e - a) for a, e, _ in ion.visits],
        "residence_complete": [bool(c) for *_, c in ion.visits],
        "hop_times_ps": [float(t) for t in ion.hop_times],
        "van_hove_lag_ps": [float(t) for t in site.van_hove_lag_ps],
        "van_hove_dr_A": site.van_hove_dr_A,
        "van_hove_P": _finite_lists(site.van_hove[:, rank]),
    }


def site_summary(result: DescriptorResult) -> dict[str, Any]:
    """Pooled Kaplan-Meier residences and the ion-averaged van Hove function."""
    site = result.sites
    if site is None:
        return {}
    n_lags = len(site.van_hove_lag_ps)
    vh = site.van_hove.mean(axis=1) if site.van_hove.size else site.van_hove
    return {
        "residence_km": km_curve(*site.pooled_residences()),
        "van_hove_lag_ps": [float(t) for t in site.van_hove_lag_ps],
        "van_hove_dr_A": site.van_hove_dr_A,
        # no lag fits in a short run: no rows
        "van_hove_P": _finite_lists(vh.reshape(n_lags, -1)) if n_lags else [],
    }


def failed_summary(
    task: dict, settings: DescriptorSettings, error: str, not_estimable: bool = False
) -> dict:
    """The failed-state summary document of a task that could not be analysed
    (``not_estimable``: too short for the settings, not an error)."""
    return TrajectorySummaryDoc(
        summary_key=summary_key(task["task_id"], settings.hash),
        state="failed",
        error=error,
        **deviation_fields(task),
        not_estimable=not_estimable,
        provenance=Provenance.make(
            "builder:DescriptorBuilder", settings.model_dump(), [task["task_id"]]
        ),
        **_meta(task, settings),
    ).model_dump()
