"""Gather report data from the database and write PNG + CSV + index.html.

``build_report`` reads ``trajectory_summaries`` (MSD, tracer D), ``structures``
(pore size distributions), ``ion_descriptors`` + ``ion_modes`` + ``modes``
(mode map, centroids, fractions), ``drivers``, ``correlations`` and
``arrhenius`` (D vs 1000/T per system and per mode), selected by
a study id or a saved query, draws every figure whose data exist, and notes in
the page the ones that could not be drawn.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hcflow.analysis.arrhenius_groups import D_VERDICT_FIELDS
from hcflow.errors import HcflowError
from hcflow.report import figures
from hcflow.report.style import save
from hcflow.settings import Settings


@dataclass
class ReportResult:
    """What a report run wrote."""

    out_dir: Path
    html: Path
    figures: dict[str, Path] = field(default_factory=dict)
    csvs: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    systems: pd.DataFrame | None = None
    interactive: Path | None = None


def _docs(name: str, criteria: dict, settings: Settings, props=None) -> list[dict]:
    from hcflow.db.stores import get_store

    store = get_store(name, settings)
    with store:
        return list(store.query(criteria=criteria, properties=props))


def check_writable(out_dir: Path) -> Path:
    """Create the output folder or fail with one line."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create output folder {out_dir}: {exc.strerror}"
        raise HcflowError(msg) from None
    if not os.access(out_dir, os.W_OK):
        raise HcflowError(f"output folder is not writable: {out_dir}")
    return out_dir


def load_report_data(
    settings: Settings, study_id: str | None = None, query: dict | None = None
) -> dict[str, Any]:
    """Every table the report draws, as DataFrames (empty when absent)."""
    crit: dict = dict(query or {})
    if study_id:
        crit["study_id"] = study_id
    tasks = _docs("md_tasks", crit, settings, ["task_id", "study_id"])
    if study_id and not tasks:
        raise HcflowError(f"no md_tasks for study {study_id!r}")
    task_ids = [t["task_id"] for t in tasks]
    tcrit = {"task_id": {"$in": task_ids}} if (study_id or query) else {}
    summaries = pd.DataFrame(
        [
            d
            for d in _docs("trajectory_summaries", tcrit, settings)
            if d.get("state", "successful") == "successful"
            and d.get("D_cm2_s") is not None
        ]
    )
    scrit = {"study_id": study_id} if study_id else {}
    structs = []
    for d in _docs("structures", scrit, settings):
        pores = d.get("pores") or {}
        if pores.get("psd_bin_edges") and d.get("kind") != "sodiated":
            structs.append(
                {
                    "structure_id": d["structure_id"],
                    "density_g_cm3": d.get("density_g_cm3"),
                    "psd_bin_edges": pores["psd_bin_edges"],
                    "psd_fraction": pores["psd_fraction"],
                }
            )
    ions = pd.DataFrame(
        _docs("ion_descriptors", {**tcrit, "state": {"$ne": "failed"}}, settings)
    )
    acrit = {"points.task_id": {"$in": task_ids}} if (study_id or query) else {}
    return {
        "summaries": summaries,
        "structures": pd.DataFrame(structs).drop_duplicates("structure_id")
        if structs
        else pd.DataFrame(),
        "ions": ions,
        "modes": _latest("modes", settings),
        "drivers": _latest("drivers", settings),
        "correlations": _latest("correlations", settings),
        "arrhenius": _docs("arrhenius", acrit, settings),
        "kmc": _docs("kmc", scrit, settings),
        "site_networks": _docs("site_networks", scrit, settings),
        "ion_modes": pd.DataFrame(_docs("ion_modes", {}, settings))
        if ions.shape[0]
        else pd.DataFrame(),
    }


def _ion_modes(settings: Settings, prefer: dict) -> pd.DataFrame:
    latest = _latest("modes", settings, prefer)
    if not latest:
        return pd.DataFrame()
    return pd.DataFrame(
        _docs("ion_modes", {"result_id": latest["result_id"]}, settings)
    )


def _latest(name: str, settings: Settings, prefer: dict | None = None) -> dict | None:
    """The newest result; among those run with query ``prefer`` when any."""
    docs = _docs(name, {}, settings)
    docs = [d for d in docs if d.get("state", "successful") != "failed"]
    if prefer is not None and any(d.get("query") == prefer for d in docs):
        docs = [d for d in docs if d.get("query") == prefer]
    if not docs:
        return None
    return max(docs, key=lambda d: str(d.get("last_updated", "")))


def build_report(
    out_dir: str | Path,
    settings: Settings,
    study_id: str | None = None,
    query: dict | None = None,
) -> ReportResult:
    """Draw every figure the data allow and write the HTML page."""
    from hcflow.report import analysis_figures, arrhenius_figures, kmc_figures
    from hcflow.report.html import write_html

    out = check_writable(Path(out_dir))
    data = load_report_data(settings, study_id, query)
    result = ReportResult(out_dir=out, html=out / "index.html")
    s = data["summaries"]
    jobs = []
    if len(s):
        s = s.sort_values(["temperature_K", "density_g_cm3", "na_content"])
        jobs += [
            ("msd", "MSD curves", lambda: figures.msd_curves(s)),
            (
                "diffusion",
                "Tracer D vs composition",
                lambda: figures.diffusion_vs_composition(s),
            ),
        ]
    else:
        result.skipped["msd"] = (
            "no trajectory summaries (run `hcflow build descriptors`)"
        )
    if len(data["structures"]):
        jobs.append(
            (
                "pores",
                "Pore size distributions",
                lambda: figures.pore_size_distributions(data["structures"]),
            )
        )
    else:
        result.skipped["pores"] = "no structure documents with pore statistics"
    jobs += analysis_figures.jobs(data, result.skipped)
    jobs += arrhenius_figures.jobs(data["arrhenius"], result.skipped)
    jobs += kmc_figures.jobs(
        data["kmc"], data["site_networks"], data["arrhenius"], result.skipped
    )
    for key, _title, make in jobs:
        try:
            fig, table = make()
        except Exception as exc:  # noqa: BLE001 - one bad figure must not stop the rest
            result.skipped[key] = f"{type(exc).__name__}: {exc}"
            continue
        png, csv = out / f"{key}.png", out / f"{key}.csv"
        save(fig, png)
        table.to_csv(csv, index=False)
        result.figures[key] = png
        result.csvs[key] = csv
    result.systems = systems_table(s, data)
    if result.systems is not None:
        result.systems.to_csv(out / "systems.csv", index=False)
    write_html(result, study_id=study_id, query=query)
    result.interactive = _interactive(out, data, settings)
    return result


def _interactive(out: Path, data: dict, settings: Settings) -> Path:
    """The interactive page, with a 3D view of the first selected trajectory."""
    from hcflow.report.interactive import page_figures, write_interactive

    traj = None
    s = data["summaries"]
    if len(s):
        from hcflow.db.stores import get_data_store, get_store
        from hcflow.md.trajectory_store import load_trajectory

        tasks, blobs = get_store("md_tasks", settings), get_data_store(settings)
        with tasks, blobs:
            doc = tasks.query_one({"task_id": str(s["task_id"].iloc[0])})
            if doc and doc.get("trajectory"):
                traj = load_trajectory(doc, blobs)
    figs, _ = page_figures(data, traj)
    return write_interactive(out, figs, title="hcflow report: Na in hard carbon")


def systems_table(summaries: pd.DataFrame, data: dict) -> pd.DataFrame | None:
    """Per system: density, Na:C, T, tracer D with 95 % CI and its diffusive
    verdict (reason, MSD log-log slope), dominant mode."""
    if summaries is None or not len(summaries):
        return None
    cols = [
        "task_id",
        "density_g_cm3",
        "na_content",
        "temperature_K",
        "n_ions",
        *D_VERDICT_FIELDS,
        "msd_loglog_slope",
        "min_ion_pair_A",
        "ion_contacts_ok",
    ]
    table = summaries[[c for c in cols if c in summaries]].copy()
    if "model_deviation" in summaries:  # hcflow.md.model_deviation
        from hcflow.md.model_deviation import flat_row

        flat = pd.DataFrame([flat_row(d) for d in summaries["model_deviation"]])
        for col in ("dF_mae_eV_A", "dF_max_eV_A", "forces_ok"):
            table[col] = flat[col].to_numpy()
    im = data.get("ion_modes")
    if im is not None and len(im) and "task_id" in im and "mode_name" in im:
        dom = im.groupby("task_id")["mode_name"].agg(
            lambda x: x.value_counts().index[0]
        )
        table["dominant_mode"] = table["task_id"].map(dom)
    return table.reset_index(drop=True)


def fmt_d(d: float | None) -> str:
    return "n/a" if d is None or not np.isfinite(d) else f"{d:.2e}"
