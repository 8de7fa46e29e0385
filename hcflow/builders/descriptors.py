"""``DescriptorBuilder``: md_tasks (+ stored trajectories) -> ion descriptors.

A thin maggma Builder around :func:`hcflow.descriptors.compute.compute_descriptors`:

- sources: ``md_tasks`` and the GridFS ``data`` store holding the trajectories;
- targets: ``ion_descriptors`` (one document per Na ion, key ``ion_key``) and
  ``trajectory_summaries`` (one per trajectory, key ``summary_key``), both
  for one settings hash.

Incremental: a task is processed when no summary with this settings hash
exists for it, or its md_tasks ``last_updated`` is newer than the summary, or
(with ``retry_failed``) its summary is failed. A second run with nothing new
reads two indexed projections and processes nothing. A changed setting is a
new hash: a new set of documents, the old one untouched.

A trajectory that cannot be analysed (no Na, shorter than the fit window, a
bad cutoff, a missing blob...) gets a ``state="failed"`` summary with the
one-line error and no ion documents; the others are processed as usual. A
database that goes down mid-build is not a trajectory's fault: the build
stops with a one-line :class:`~hcflow.errors.DatabaseError`, and a re-run
processes what is left.

Runs from ``hcflow build descriptors``, ``builder.run()``, and maggma's
``mrun`` (``hcflow build descriptors --write-json b.json``, then ``mrun b.json``),
including its distributed mode: ``prechunk(n)`` splits the pending task ids
into ``n`` queries.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
from maggma.core import Builder, Store

from hcflow.db.filters import check_filter
from hcflow.descriptors.compute import DescriptorResult, compute_from_trajectory
from hcflow.descriptors.names import BOOLEAN, DYNAMIC, INTEGER, STRUCTURAL
from hcflow.descriptors.regime import regime_of_result
from hcflow.descriptors.settings import DescriptorSettings
from hcflow.descriptors.sites import km_curve
from hcflow.errors import DatabaseError, HcflowError
from hcflow.schemas.common import Provenance, utcnow
from hcflow.schemas.ion import (
    IonDescriptorDoc,
    TrajectorySummaryDoc,
    ion_key,
    summary_key,
)

TASK_FIELDS = [
    "task_id",
    "study_id",
    "label",
    "point_id",
    "temperature_K",
    "density_g_cm3",
    "na_content",
    "mobile_species",
    "trajectory",
    "n_frames",
    "last_updated",
]


def _naive_utc(value: Any) -> datetime | None:
    """Datetimes from any store as naive UTC (pymongo returns naive ones)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _clean(value: Any) -> Any:
    """numpy scalar -> float/int; NaN/inf -> None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, HcflowError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


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
        "md_task_last_updated": _naive_utc(task.get("last_updated")),
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
        **common,
    )
    return ions, summary.model_dump()


def ion_contacts(info: dict) -> dict:
    """Summary fields of the closest ion-ion approach and its verdict."""
    closest, limit = info.get("min_ion_pair_A"), info.get("ion_contact_limit_A")
    ok = None if limit is None else (closest is None or closest >= limit)
    return {"min_ion_pair_A": closest, "ion_contacts_ok": ok}


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


def failed_summary(task: dict, settings: DescriptorSettings, error: str) -> dict:
    """The failed-state summary document of a task that could not be analysed."""
    return TrajectorySummaryDoc(
        summary_key=summary_key(task["task_id"], settings.hash),
        state="failed",
        error=error,
        provenance=Provenance.make(
            "builder:DescriptorBuilder", settings.model_dump(), [task["task_id"]]
        ),
        **_meta(task, settings),
    ).model_dump()


class DescriptorBuilder(Builder):
    """md_tasks + data store -> ion_descriptors + trajectory_summaries.

    Parameters
    ----------
    md_tasks
        Store of md_tasks documents (key ``task_id``).
    data_store
        Store of trajectory blobs (GridFS ``data`` store, key ``blob_uuid``).
    ion_descriptors, trajectory_summaries
        Target stores (keys ``ion_key`` and ``summary_key``).
    settings
        :class:`DescriptorSettings` fields (dict); defaults when None.
    query
        Mongo filter on md_tasks selecting the trajectories to consider.
    retry_failed
        Also reprocess tasks whose summary for this setting is failed.
    chunk_size
        Trajectories per processing batch (each holds its positions in memory).
    """

    def __init__(
        self,
        md_tasks: Store,
        data_store: Store,
        ion_descriptors: Store,
        trajectory_summaries: Store,
        settings: dict | None = None,
        query: dict | None = None,
        retry_failed: bool = False,
        chunk_size: int = 2,
    ):
        self.md_tasks = md_tasks
        self.data_store = data_store
        self.ion_descriptors = ion_descriptors
        self.trajectory_summaries = trajectory_summaries
        self._settings = DescriptorSettings.from_any(settings)
        self.settings = self._settings.model_dump()  # what as_dict serialises
        self.query = dict(check_filter(query or {}, "query"))
        self.retry_failed = bool(retry_failed)
        self.stats = {"processed": 0, "failed": 0, "ions": 0}
        self.n_diffusive = 0  # processed trajectories whose D is diffusive
        self.hashes: set[str] = set()  # settings hashes written (one per species)
        self.errors: dict[str, str] = {}
        super().__init__(
            sources=[md_tasks, data_store],
            targets=[ion_descriptors, trajectory_summaries],
            chunk_size=chunk_size,
        )

    @classmethod
    def from_settings(
        cls,
        hcflow_settings=None,
        descriptor_settings: DescriptorSettings | dict | None = None,
        query: dict | None = None,
        retry_failed: bool = False,
        **kwargs,
    ) -> DescriptorBuilder:
        """The builder on the stores of the configured hcflow database.

        Unset cutoffs default to the hcflow settings (``HCFLOW_NA_C_CUTOFF``,
        ``HCFLOW_NA_NA_CUTOFF``) exactly as in ``hcflow build descriptors``:
        the same data gets the same settings hash by either path.
        """
        from hcflow.db.stores import get_data_store, get_store

        s = hcflow_settings
        return cls(
            get_store("md_tasks", s),
            get_data_store(s),
            get_store("ion_descriptors", s),
            get_store("trajectory_summaries", s),
            settings=DescriptorSettings.from_any(descriptor_settings),
            query=query,
            retry_failed=retry_failed,
            **kwargs,
        )

    @property
    def descriptor_settings(self) -> DescriptorSettings:
        """The validated settings (defaults from the hcflow settings filled in)."""
        return self._settings

    def build(self, progress: bool = True, close: bool = True) -> dict[str, int]:
        """Run like maggma's serial runner, with a progress bar; returns counts.

        ``close=False`` leaves the stores connected (useful with MemoryStore,
        whose data disappears on close).
        """
        from tqdm import tqdm

        self.connect()
        try:
            items = self.get_items()
            bar = tqdm(total=self.total, disable=not progress, unit="traj")
            chunk: list[dict] = []
            for item in items:
                chunk.append(self.process_item(item))
                bar.update(1)
                if len(chunk) >= self.chunk_size:
                    self.update_targets(chunk)
                    chunk = []
            if chunk:
                self.update_targets(chunk)
            bar.close()
        finally:
            if close:
                self.finalize()
        return dict(self.stats)

    # ------------------------------------------------------------- maggma API
    def connect(self) -> None:
        super().connect()
        for field in ("ion_key", "task_id", "settings_hash"):
            self.ion_descriptors.ensure_index(field)
        for field in ("summary_key", "task_id", "settings_hash"):
            self.trajectory_summaries.ensure_index(field)

    def settings_for(self, task: dict) -> DescriptorSettings:
        """The settings of one task: an unset mobile species is the task's."""
        return self.descriptor_settings.for_species(task.get("mobile_species"))

    def pending(self) -> list[dict]:
        """md_tasks (task_id, last_updated) that this setting still has to process."""
        lu = self.md_tasks.last_updated_field
        tasks = list(
            self.md_tasks.query(
                criteria=self.query, properties=["task_id", lu, "mobile_species"]
            )
        )
        hashes = {t["task_id"]: self.settings_for(t).hash for t in tasks}
        done = {
            (d["task_id"], d["settings_hash"]): d
            for d in self.trajectory_summaries.query(
                criteria={"settings_hash": {"$in": sorted(set(hashes.values()))}},
                properties=["task_id", "settings_hash", "last_updated", "state"],
            )
        }
        todo = []
        for task in tasks:
            summary = done.get((task["task_id"], hashes[task["task_id"]]))
            if summary is None:
                todo.append(task)
                continue
            newer = _naive_utc(task.get(lu)) and _naive_utc(task.get(lu)) > _naive_utc(
                summary.get("last_updated")
            )
            retry = self.retry_failed and summary.get("state") == "failed"
            if newer or retry:
                todo.append(task)
        return todo

    def prechunk(self, number_splits: int) -> Iterator[dict]:
        """Split the pending tasks into ``number_splits`` queries (distributed mode)."""
        ids = sorted(t["task_id"] for t in self.pending())
        if not ids:
            return
        for part in np.array_split(np.array(ids, dtype=object), number_splits):
            if len(part) == 0:
                continue
            chunk = {"task_id": {"$in": [str(x) for x in part]}}
            yield {"query": {"$and": [self.query, chunk]} if self.query else chunk}

    def get_items(self) -> Iterator[dict]:
        todo = self.pending()
        self.total = len(todo)
        self.logger.info(f"{len(todo)} trajectories to process")
        for task in todo:
            doc = self.md_tasks.query_one(
                {"task_id": task["task_id"]}, properties=TASK_FIELDS
            )
            item: dict[str, Any] = {"task": doc, "traj": None, "error": None}
            try:
                from hcflow.md.trajectory_store import load_trajectory

                item["traj"] = load_trajectory(doc, self.data_store)
            except DatabaseError:
                raise  # the database, not this trajectory: stop (one line)
            except Exception as exc:  # noqa: BLE001 - becomes a failed document
                item["error"] = f"cannot load trajectory: {_one_line(exc)}"
            yield item

    def process_item(self, item: dict) -> dict:
        task = item["task"]
        settings = self.settings_for(task)
        if item.get("error"):
            return {
                "task_id": task["task_id"],
                "ions": [],
                "summary": failed_summary(task, settings, item["error"]),
            }
        t0 = time.perf_counter()
        try:
            result = compute_from_trajectory(item["traj"], settings)
            ions, summary = make_documents(
                result, task, settings, time.perf_counter() - t0
            )
        except Exception as exc:  # noqa: BLE001 - one-line error in a document
            return {
                "task_id": task["task_id"],
                "ions": [],
                "summary": failed_summary(task, settings, _one_line(exc)),
            }
        return {"task_id": task["task_id"], "ions": ions, "summary": summary}

    def update_targets(self, items: Iterable[dict]) -> None:
        items = [i for i in items if i]
        if not items:
            return
        now = utcnow()
        for i in items:  # the ion documents this run replaces
            h = i["summary"]["settings_hash"]
            self.ion_descriptors.remove_docs(
                {"task_id": i["task_id"], "settings_hash": h}
            )
        ions = [d for i in items for d in i["ions"]]
        for d in ions:
            d["last_updated"] = now
        summaries = [i["summary"] for i in items]
        for s in summaries:
            s["last_updated"] = now
        if ions:
            self.ion_descriptors.update(ions, key="ion_key")
        self.trajectory_summaries.update(summaries, key="summary_key")
        for s in summaries:
            if s["state"] == "failed":
                self.stats["failed"] += 1
                self.errors[s["task_id"]] = s["error"]
            else:
                self.stats["processed"] += 1
                self.n_diffusive += bool(s.get("diffusive"))
            self.hashes.add(s["settings_hash"])
        self.stats["ions"] += len(ions)
