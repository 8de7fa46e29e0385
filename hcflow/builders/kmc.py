"""``SiteNetworkBuilder`` (md_tasks -> site_networks) and ``KMCBuilder``
(site_networks -> kmc).

Thin maggma Builders around :mod:`hcflow.kmc`. A *system* for a network is
one host: the md_tasks sharing structure, potential, mobile species and atom
count (tasks without a structure id are a system each); its trajectories at
every MD temperature make one network document, rebuilt only when a task
changes. ``KMCBuilder`` runs KMC on each network at each requested
temperature: at an MD temperature on the MD rates (and beside the MD D from
trajectory_summaries), elsewhere on the exit barriers fitted across
temperatures; a network without barriers is skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from maggma.core import Builder, Store
from pydantic import BaseModel, Field

from hcflow.builders.base import naive_iso
from hcflow.db.filters import check_filter
from hcflow.errors import HcflowError
from hcflow.hashing import stable_hash
from hcflow.kmc.barriers import arrhenius_network, resolved_temperatures
from hcflow.kmc.from_md import IonRun, observe_network
from hcflow.kmc.network import SiteNetwork
from hcflow.kmc.percolation import percolating_component
from hcflow.kmc.records import network_record
from hcflow.schemas.common import Provenance, json_safe
from hcflow.schemas.kmc import SiteNetworkDoc

TASK_FIELDS = [
    "task_id",
    "structure_id",
    "potential_id",
    "forcefield_name",
    "mobile_species",
    "n_atoms",
    "temperature_K",
    "study_id",
    "trajectory",
    "last_updated",
]


class KMCSettings(BaseModel):
    """Settings of the site network and of KMC (units in the names)."""

    site_dwell_ps: float = Field(2.0, gt=0)
    site_radius_A: float = Field(0.75, gt=0)
    hop_threshold_A: float = Field(2.0, gt=0)
    cluster_A: float = Field(1.0, gt=0, description="Visits this close: one site.")
    coordination_cutoff_A: float = Field(2.8, gt=0)
    min_exits: int = Field(20, ge=2, description="Exits for a site's own barrier.")
    n_hops: int = Field(200_000, ge=1000)
    n_bootstrap: int = Field(50, ge=0)
    n_ions: int = Field(1, ge=1)
    seed: int = 0
    neb_budget: int = Field(0, ge=0, description="Hop pairs to check by NEB.")
    neb_fmax: float = Field(0.1, gt=0, description="NEB force target, eV/A.")
    neb_steps: int = Field(200, ge=1, description="NEB optimiser steps at most.")

    model_config = {"extra": "forbid"}


def system_of(task: dict) -> str:
    """The host a trajectory belongs to (see the module docstring)."""
    host = task.get("structure_id") or f"task:{task['task_id']}"
    pot = task.get("potential_id") or task.get("forcefield_name")
    return f"{host}|{pot}|{task.get('mobile_species') or 'Na'}|{task.get('n_atoms')}"


def _coordination(traj, sites: np.ndarray, cutoff: float) -> list[int]:
    c = traj.positions[0][traj.species_indices("C")]
    cell = np.asarray(traj.cells[0], float)
    inv = np.linalg.inv(cell)
    out = []
    for s in sites:
        f = (c - s) @ inv
        d = np.linalg.norm((f - np.round(f)) @ cell, axis=1)
        out.append(int((d <= cutoff).sum()))
    return out


def _voids(traj, sites: np.ndarray) -> tuple[list, list]:
    """Void label and void radius (A) of every site in the first frame's host
    (hcflow.structures.pores, the descriptor builder's pore settings)."""
    from hcflow.descriptors.settings import DescriptorSettings
    from hcflow.structures.pores import analyze_pores, pore_info_at

    c = traj.positions[0][traj.species_indices("C")]
    if len(c) == 0 or len(sites) == 0:
        return [None] * len(sites), [None] * len(sites)
    d = DescriptorSettings()
    try:
        pa = analyze_pores(
            c,
            np.asarray(traj.cells[0], float),
            spacing=d.pore_grid_spacing,
            probe_radius=d.pore_probe_radius,
            tortuosity_spacing=d.pore_tortuosity_spacing,
        )
    except HcflowError:
        return [None] * len(sites), [None] * len(sites)
    label = np.asarray(pore_info_at(sites, pa, snap=d.pore_snap_A)["void_label"], int)
    vol = np.asarray(pa.voids.volumes, float)
    ok = (label > 0) & (label <= len(vol))
    radius = [
        float(np.cbrt(3.0 * vol[lab - 1] / (4.0 * np.pi))) if good else None
        for lab, good in zip(label, ok, strict=True)
    ]
    return [
        int(lab) if good else None for lab, good in zip(label, ok, strict=True)
    ], radius


def _any_t_network(obs) -> SiteNetwork | None:
    counts = sum(obs.pair_counts(t) for t in obs.temperatures)
    keep = counts > 0
    if not keep.any():
        return None
    return SiteNetwork(
        obs.cell,
        obs.sites,
        obs.source[keep],
        obs.target[keep],
        obs.image[keep],
        np.zeros(int(keep.sum())),
        np.ones(int(keep.sum())),
    )


class SiteNetworkBuilder(Builder):
    """md_tasks (+ trajectory blobs) -> site_networks, one per system."""

    def __init__(
        self,
        md_tasks: Store,
        data_store: Store,
        site_networks: Store,
        query: dict | None = None,
        settings: dict | KMCSettings | None = None,
        chunk_size: int = 1,
        calculator=None,
    ):
        self.calculator = calculator  # NEB: None = the tasks' own potential
        self.md_tasks, self.data_store = md_tasks, data_store
        self.site_networks = site_networks
        self.query = dict(check_filter(query or {}, "query"))
        self.settings = KMCSettings.model_validate(settings or {}).model_dump()
        self.keys: list[str] = []
        super().__init__(
            sources=[md_tasks, data_store],
            targets=[site_networks],
            chunk_size=chunk_size,
        )

    @property
    def kmc_settings(self) -> KMCSettings:
        return KMCSettings(**self.settings)

    def get_items(self) -> Iterator[dict]:
        from hcflow.md.trajectory_store import load_trajectory

        crit = {**self.query, "state": "successful"}
        tasks = list(self.md_tasks.query(crit, properties=TASK_FIELDS))
        if not tasks:
            raise HcflowError(f"the query matches no successful md_tasks: {self.query}")
        groups: dict[str, list[dict]] = {}
        for t in tasks:
            groups.setdefault(system_of(t), []).append(t)
        for system, members in sorted(groups.items()):
            members.sort(key=lambda t: (t.get("temperature_K") or 0, t["task_id"]))
            stamp = [(t["task_id"], naive_iso(t.get("last_updated"))) for t in members]
            key = "network-" + stable_hash([system, stamp, self.settings])
            self.keys.append(key)
            if self.site_networks.query_one({"network_key": key}, ["network_key"]):
                continue
            trajs = [load_trajectory(t, self.data_store) for t in members]
            yield {"key": key, "system": system, "tasks": members, "trajs": trajs}

    def process_item(self, item: dict) -> dict:
        from hcflow.descriptors.sites import SiteParams

        s = self.kmc_settings
        params = SiteParams(
            site_dwell_ps=s.site_dwell_ps,
            site_radius_A=s.site_radius_A,
            hop_threshold_A=s.hop_threshold_A,
        )
        runs = []
        for task, traj in zip(item["tasks"], item["trajs"], strict=True):
            idx = traj.species_indices(task.get("mobile_species") or "Na")
            runs.append(
                IonRun(
                    traj.positions[:, idx],
                    traj.frame_dt_ps,
                    np.asarray(traj.cells[0], float),
                    float(task["temperature_K"]),
                    item["system"],
                    task["task_id"],
                )
            )
        obs = observe_network(runs, params, s.cluster_A)
        full = _any_t_network(obs)
        comp = percolating_component(full) if full is not None else None
        fits, note = [], "no hop seen in MD: the MD D is an upper bound"
        if len(obs.sites) == 0:
            from hcflow.kmc.barriers import NO_SITES

            note = NO_SITES
        if full is not None:
            try:
                _, found = arrhenius_network(obs, s.min_exits)
                fits = [f.__dict__ for f in found]
                note = f"exit barriers from {len(found[0].temperatures_K)} temperatures"
            except HcflowError as exc:
                note = str(exc)
        neb = self._neb(obs, item, fits) if full is not None else []
        studies = {t.get("study_id") for t in item["tasks"]}
        doc = SiteNetworkDoc(
            network_key=item["key"],
            system=item["system"],
            task_ids=[t["task_id"] for t in item["tasks"]],
            study_id=studies.pop() if len(studies) == 1 else None,
            mobile_species=item["tasks"][0].get("mobile_species") or "Na",
            temperatures_K=obs.temperatures,
            resolved_temperatures_K=resolved_temperatures(obs) if full else [],
            n_sites=len(obs.sites),
            n_edges=len(obs.source),
            hops={f"{t:g}": int(obs.counts[t].sum()) for t in obs.temperatures},
            exit_rate_per_ps={
                f"{t:g}": obs.exit_rate_per_ps(t) for t in obs.temperatures
            },
            site_coordination=_coordination(
                item["trajs"][0], obs.sites, s.coordination_cutoff_A
            ),
            **dict(
                zip(
                    ("site_void", "site_void_radius_A"),
                    _voids(item["trajs"][0], obs.sites),
                    strict=True,
                )
            ),
            percolation_dimension=comp.dimension if comp else 0,
            percolation_directions=comp.direction_text() if comp else "none",
            barriers=fits,
            barrier_note=note,
            neb=neb,
            network=network_record(obs),
            settings=self.settings,
            provenance=Provenance.make(
                "builder:SiteNetworkBuilder", self.settings, obs.task_ids
            ),
        )
        return json_safe(doc.model_dump())

    def _neb(self, obs, item, fits) -> list[dict]:
        """NEB on the most-visited hops (``neb_budget``), the first frame."""
        s = self.kmc_settings
        if s.neb_budget == 0:
            return []
        from ase.data import atomic_numbers

        from hcflow.kmc.neb_edges import neb_for_edges

        task, traj = item["tasks"][0], item["trajs"][0]
        calc = self.calculator
        if calc is None:
            from hcflow.potentials import load_calculator

            spec = task.get("forcefield_name") or task.get("potential_id")
            calc = load_calculator(spec)[0]
        return neb_for_edges(
            obs,
            traj.to_ase(0, wrap=True),
            calc,
            s.neb_budget,
            fits,
            atomic_numbers[task.get("mobile_species") or "Na"],
            fmax=s.neb_fmax,
            max_steps=s.neb_steps,
        )

    def update_targets(self, items) -> None:
        docs = list(items)
        if docs:
            self.site_networks.update(docs, key="network_key")

    def build(self, close: bool = True) -> list[dict]:
        """Connect, run once, close; the network documents of the query."""
        self.connect()
        try:
            for item in self.get_items():
                self.update_targets([self.process_item(item)])
            return [self.site_networks.query_one({"network_key": k}) for k in self.keys]
        finally:
            if close:
                for st in [*self.sources, *self.targets]:
                    st.close()
