"""The notebook face of hcflow: documents and tables as pandas, trajectories as objects.

``Client()`` resolves its database exactly like the command line
(``HCFLOW_DB_URI`` > ``HCFLOW_STORES`` / ``stores=`` > the local server under
``HCFLOW_DATA_DIR``) and calls the service layer (:mod:`hcflow.services`); it
holds no state beyond those settings. Filters are MongoDB filters as keyword
arguments or ``criteria=``.

Details and an example: docs/services.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hcflow.errors import HcflowError
from hcflow.settings import Settings, load_settings


class Client:
    """Documents, tables and trajectories of one hcflow database.

    Parameters
    ----------
    stores
        A stores/*.yaml file naming the database (as ``hcflow --stores``).
    data_dir
        The local server's data folder (as ``hcflow --data-dir``).
    settings
        Ready hcflow Settings (wins over the two above).
    start
        Start the local server now when it is not running (else on first use).
    """

    def __init__(
        self,
        stores: str | Path | None = None,
        data_dir: str | Path | None = None,
        settings: Settings | None = None,
        start: bool = True,
    ):
        self.settings = settings or load_settings(stores, data_dir=data_dir)
        if start:
            self._connect()

    def __repr__(self) -> str:
        return f"Client({self.settings.safe_uri}, db={self.settings.db_name})"

    def _connect(self) -> Settings:
        from hcflow.services.common import connect

        return connect(self.settings, announce=print)

    # ----------------------------------------------------------- documents
    def documents(
        self,
        collection: str,
        criteria: dict | None = None,
        fields: list[str] | None = None,
        limit: int = 0,
        **filters: Any,
    ) -> list[dict]:
        """Documents of any collection (``_id`` left out)."""
        from hcflow.services.data import fetch_documents

        docs = fetch_documents(
            collection,
            {**(criteria or {}), **filters},
            fields,
            limit=limit,
            settings=self.settings,
            announce=print,
        )
        return [{k: v for k, v in d.items() if k != "_id"} for d in docs]

    def table(
        self,
        collection: str,
        criteria: dict | None = None,
        fields: list[str] | None = None,
        **filters: Any,
    ) -> pd.DataFrame:
        """Documents of a collection as a DataFrame (one row per document)."""
        return pd.DataFrame(self.documents(collection, criteria, fields, **filters))

    def md_tasks(self, criteria: dict | None = None, **filters: Any) -> pd.DataFrame:
        """One row per MD trajectory (``md_tasks``; nested fields left as dicts)."""
        return self.table("md_tasks", criteria, **filters)

    def summaries(
        self,
        criteria: dict | None = None,
        settings_hash: str | None = None,
        include_failed: bool = False,
        **filters: Any,
    ) -> pd.DataFrame:
        """Tracer D with its 95 % interval: one row per trajectory.

        ``settings_hash``: the descriptor settings to show (default: those of
        the newest summary in the selection, i.e. the last build; ``"all"``:
        every setting, one row per trajectory and setting). Failed and not
        estimable trajectories are left out unless ``include_failed``.
        """
        crit = {**(criteria or {})}
        if not include_failed:
            crit["state"] = {"$ne": "failed"}
        if settings_hash is None:
            newest = self.documents(
                "trajectory_summaries",
                crit,
                ["settings_hash", "last_updated"],
                **filters,
            )
            if newest:
                latest = max(newest, key=lambda d: str(d.get("last_updated")))
                settings_hash = latest["settings_hash"]
        if settings_hash and settings_hash != "all":
            crit["settings_hash"] = settings_hash
        return self.table("trajectory_summaries", crit, **filters)

    def model_deviation(
        self, criteria: dict | None = None, **filters: Any
    ) -> pd.DataFrame:
        """Per MD run: the model's forces against its reference potential
        (``md_tasks`` ``model_deviation``, flattened; docs/model_deviation.md)."""
        from hcflow.md.model_deviation import flat_row

        fields = ["task_id", "temperature_K", "model_deviation"]
        docs = self.documents("md_tasks", criteria, fields, **filters)
        return pd.DataFrame(
            [
                {
                    "task_id": d.get("task_id"),
                    "temperature_K": d.get("temperature_K"),
                    **flat_row(d.get("model_deviation")),
                }
                for d in docs
            ]
        )

    def ions(self, criteria: dict | None = None, **filters: Any) -> pd.DataFrame:
        """Per-ion descriptors (``ion_descriptors``), one row per ion."""
        return self.table("ion_descriptors", criteria, **filters)

    def modes(self, criteria: dict | None = None, **filters: Any) -> pd.DataFrame:
        """Diffusion-mode results (``modes``), one row per result."""
        return self.table("modes", criteria, **filters)

    def potential_gates(self, **filters: Any) -> pd.DataFrame:
        """Physics gates of validated potentials: one row per potential,
        dispersion flag and gate (``potential_validation``)."""
        rows = [
            {"name": d["name"], "dispersion": d.get("dispersion"), **g}
            for d in self.documents("potential_validation", **filters)
            for g in d.get("gates", [])
        ]
        return pd.DataFrame(rows)

    def ion_modes(self, result_id: str | None = None) -> pd.DataFrame:
        """Mode label of every ion of a modes result (default: the newest)."""
        if result_id is None:
            results = self.modes()
            if results.empty:
                return pd.DataFrame()
            result_id = results.sort_values("last_updated")["result_id"].iloc[-1]
        return self.table("ion_modes", result_id=result_id)

    def arrhenius(
        self, criteria: dict | None = None, modes: bool = False, **filters: Any
    ) -> pd.DataFrame:
        """Arrhenius fits (``arrhenius``), one row per system (and per mode).

        Ea (eV) and D extrapolated to ``T_extrapolate_K`` (cm2/s) with their
        95 % intervals, the prefactor, ``valid`` / ``validity`` (the verdict
        on the fit), the points used and excluded (``points``). Rows of the
        whole system only, unless ``modes=True`` (then also one row per
        diffusion mode, ``mode`` set, with ``hop_rate_fit``). Empty before
        ``hcflow build arrhenius``.
        """
        crit = dict(criteria or {})
        if not modes and "mode" not in filters and "mode" not in crit:
            crit["mode"] = None
        table = self.table("arrhenius", crit, **filters)
        if "potential" in table.columns:  # the model's name; its hash kept
            table["potential_sha256"] = table["potential"]
            table["potential"] = table["potential"].map(self._potential_names())
        return table

    def _potential_names(self):
        """potential_id -> model name (``potentials``, else the MD tasks)."""
        names = {
            d["potential_id"]: d.get("forcefield_name")
            for d in self.documents(
                "md_tasks", None, ["potential_id", "forcefield_name"]
            )
            if d.get("potential_id")
        }
        for d in self.documents("potentials", None, ["potential_id", "name"]):
            names[d["potential_id"]] = d.get("name") or names.get(d["potential_id"])
        return lambda pid: names.get(pid) or pid

    def site_networks(self, **filters: Any) -> pd.DataFrame:
        """Site networks from MD (``site_networks``): one row per host, with
        sites, hops per temperature, percolation and the exit barriers (the
        arrays stay in ``network``). Empty before ``hcflow build kmc``."""
        return self.table("site_networks", None, **filters)

    def kmc(self, **filters: Any) -> pd.DataFrame:
        """D by kinetic Monte Carlo (``kmc``): one row per network and
        temperature, tracer D with its interval, the MD D beside it at MD
        temperatures (``agrees_with_md``). Empty before ``hcflow build kmc``."""
        return self.table("kmc", None, **filters)

    # -------------------------------------------------------- trajectories
    def compact_trajectory(self, task_id: str):
        """The stored :class:`~hcflow.md.trajectory.CompactTrajectory`."""
        from hcflow.services.data import load_trajectory

        return load_trajectory(task_id, self.settings)

    def atoms(self, task_id: str, wrap: bool = False) -> list:
        """A stored trajectory as a list of ASE Atoms (unwrapped unless ``wrap``)."""
        return self.compact_trajectory(task_id).to_ase(wrap=wrap)

    def trajectory(self, task_id: str):
        """A stored trajectory as a pymatgen ``Trajectory``.

        ``time_step`` is the MD integration step in fs, as pymatgen documents
        it, and the attribute ``frame_interval`` the MD steps between stored
        frames: ``DiffusionAnalyzer.from_structures(list(t), "Na", T,
        t.time_step, t.frame_interval)``. (A trajectory ingested without a
        time step: ``time_step`` is the frame spacing, ``frame_interval`` 1.)
        ``coords`` are the unwrapped fractional coordinates, the lattice that
        of the first frame; stored energies are ``frame_properties``.
        """
        import numpy as np
        from pymatgen.core.trajectory import Trajectory

        from hcflow.services.data import fetch_documents

        traj = self.compact_trajectory(task_id)
        doc = fetch_documents(
            "md_tasks",
            {"task_id": task_id},
            ["timestep_fs", "frame_interval"],
            settings=self.settings,
        )[0]
        step, every = doc.get("timestep_fs"), doc.get("frame_interval")
        frame_fs = traj.frame_dt_ps * 1000.0
        if not (step and every) or abs(step * every - frame_fs) > 1e-6 * frame_fs:
            step, every = frame_fs, 1  # metadata missing or not the frame spacing
        energies = traj.energies
        cell = traj.cells[0]
        out = Trajectory(
            species=traj.symbols,
            coords=traj.positions @ np.linalg.inv(cell),
            lattice=cell,
            constant_lattice=True,
            time_step=float(step),
            frame_properties=None
            if energies is None
            else [{"energy_eV": float(e)} for e in energies],
        )
        out.frame_interval = int(every)
        return out

    # -------------------------------------------------------------- builds
    def build(self, kind: str = "descriptors", query: Any = None, settings: Any = None):
        """Run a builder on a query (as ``hcflow build KIND``).

        descriptors: returns the counts; arrhenius: the system documents;
        analyses: the result ids.
        """
        from hcflow.services.build import (
            run_analysis,
            run_arrhenius,
            run_descriptors,
        )

        if kind == "descriptors":
            return run_descriptors(
                query, settings, progress=False, settings=self.settings
            )
        if kind == "arrhenius":
            return run_arrhenius(query, settings, settings=self.settings)
        return run_analysis(kind, query, settings, settings=self.settings)

    def ingest(self, paths, metadata) -> pd.DataFrame:
        """Ingest trajectory files (as ``hcflow ingest``); their md_tasks rows."""
        from hcflow.services.ingest import ingest_files

        if isinstance(paths, str | Path):
            paths = [paths]
        out = ingest_files(list(paths), metadata, self.settings)
        failed = [o for o in out if not o.ok]
        if failed:
            raise HcflowError(
                f"{len(failed)} of {len(out)} files not ingested (the others are "
                f"stored); first: "
                f"{failed[0].path}: {failed[0].error}"
            )
        return pd.DataFrame(
            [o.doc.model_dump(exclude={"structure", "trajectory"}) for o in out]
        )

    # ---- ingest from objects (eco): Atoms, pymatgen, an atomate2 job's output
    def ingest_object(self, obj, metadata, name: str = "object") -> str:
        """Ingest a list of ASE Atoms or a pymatgen ``Trajectory``; the task_id.

        A pymatgen trajectory's ``time_step`` (fs) is the MD step unless the
        metadata give ``timestep_fs``.
        """
        from pymatgen.core.trajectory import Trajectory

        from hcflow.services import ingest_objects as io

        if isinstance(obj, Trajectory):
            return io.ingest_pymatgen(obj, metadata, name, self.settings)[0].task_id
        return io.ingest_atoms(obj, metadata, name, self.settings)[0].task_id

    def ingest_job(self, job_store, job_uuid: str, metadata) -> str:
        """Ingest the trajectory of an atomate2 MD job in a jobflow JobStore."""
        from hcflow.services.ingest_objects import ingest_job_output

        doc, _ = ingest_job_output(job_store, job_uuid, metadata, self.settings)
        return doc.task_id
