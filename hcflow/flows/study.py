"""``TransportStudyMaker``: a whole density x loading x temperature x replica grid.

For every grid point of a :class:`~hcflow.flows.spec.StudySpec` the flow has

    hc rho=1.30 n=200 r0            hard-carbon structure (one per density,
                                    cell size and replica)
    na rho=1.30 NaC6 n=200 r0       sodiation (one per structure and loading)
    md rho=1.30 NaC6 T=1000K n=200 r0   equilibration + production MD (one per
                                    sodiated structure and temperature)

Structures are shared: loadings reuse the hard-carbon job, temperatures reuse
the sodiation job, so a 2 x 2 x 2 grid has 2 + 4 + 8 jobs, not 24.
Equilibration and production are one job (``NaMDMaker`` with
``equilibration_steps``): splitting them would only move the equilibrated
positions and velocities through the database, and the runner's checkpoint
already lets a killed job resume.

Every job's metadata carries ``study_id`` and ``point_id`` (so ``jf job list``
can be filtered on them), every document carries the study id, and each MD
task has a deterministic ``task_id`` (study, point, settings hash).
``make(spec, skip=...)`` leaves out the points whose task ids are in ``skip``
(already completed), and the structure jobs that only they needed;
``done=...`` (structures of an earlier, interrupted run, by their inputs'
hash: the ``structure_hash`` of their jobs' metadata) replaces the jobs that
would make them again, so a re-run leaves no duplicate structure outputs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from jobflow import Flow, Job, Maker

from hcflow.flows.spec import StudyPoint, StudySpec
from hcflow.hashing import stable_hash
from hcflow.md.jobs import NaMDMaker


def _hc_maker():
    from hcflow.structures.jobs import HardCarbonMaker

    return HardCarbonMaker()


def _na_maker():
    from hcflow.structures.jobs import SodiationMaker

    return SodiationMaker()


def _with(maker: Any, **values: Any) -> Any:
    """A copy of a dataclass maker with the given fields (those it has) set."""
    names = {f.name for f in dataclasses.fields(maker)}
    return dataclasses.replace(maker, **{k: v for k, v in values.items() if k in names})


@dataclass
class TransportStudyMaker(Maker):
    """Flow Maker: structure -> sodiation -> MD for every grid point of a study.

    Parameters
    ----------
    name
        Flow name (the study name is appended).
    hc_maker, na_maker, md_maker
        Sub-makers (swap them to change how each step is done).
    checkpoint_dir
        Where MD restart files go (None: each job's working directory).
    progress
        Progress bars inside MD jobs (local runs).
    """

    name: str = "transport study"
    hc_maker: Any = field(default_factory=_hc_maker)
    na_maker: Any = field(default_factory=_na_maker)
    md_maker: NaMDMaker = field(default_factory=NaMDMaker)
    checkpoint_dir: str | None = None
    progress: bool = False

    def structure_hash(self, spec: StudySpec, p: StudyPoint) -> str:
        """Key of a point's hard-carbon structure: everything that makes it."""
        params = {**getattr(self.hc_maker, "params", {}), **spec.structure}
        return "hc-" + stable_hash(
            [spec.id, p.structure_key, p.structure_seed, params, spec.pore_spacing]
        )

    def sodiation_hash(self, spec: StudySpec, p: StudyPoint) -> str:
        """Key of a point's sodiated structure: its parent's key and the loading."""
        return "na-" + stable_hash(
            [
                self.structure_hash(spec, p),
                round(p.na_per_c, 6),
                p.sodiation_seed,
                spec.sodiation.model_dump(),
            ]
        )

    def make(
        self,
        spec: StudySpec,
        skip: frozenset[str] | set[str] = frozenset(),
        done: dict[str, Any] | None = None,
    ):
        """The Flow of every point of ``spec`` whose task id is not in ``skip``.

        ``done``: structures an earlier (interrupted) run already made, by
        :meth:`structure_hash` / :meth:`sodiation_hash` (their jobs' metadata
        ``structure_hash``). They are used as they are: a re-run makes no
        second structure output for the same inputs.
        """
        study_id = spec.id
        done = done or {}
        jobs: list[Job] = []
        hcs: dict[tuple, Any] = {}  # structure_key -> job output or stored doc
        nas: dict[tuple, Any] = {}
        for p in spec.points():
            if p.task_id in skip:
                continue
            meta = {"study_id": study_id, "point_id": p.point_id}
            na_hash = self.sodiation_hash(spec, p)
            if p.sodiation_key not in nas and na_hash in done:
                nas[p.sodiation_key] = done[na_hash]
            if p.sodiation_key not in nas and p.structure_key not in hcs:
                hc_hash = self.structure_hash(spec, p)
                if hc_hash in done:
                    hcs[p.structure_key] = done[hc_hash]
                else:
                    hc = self._hc_job(spec, p)
                    hc.update_metadata(
                        {"study_id": study_id, "kind": "structure"}
                        | {"structure_hash": hc_hash}
                    )
                    hcs[p.structure_key] = hc.output
                    jobs.append(hc)
            if p.sodiation_key not in nas:
                na = self._na_job(spec, p, hcs[p.structure_key])
                na.update_metadata(
                    {"study_id": study_id, "kind": "sodiation"}
                    | {"structure_hash": na_hash}
                )
                nas[p.sodiation_key] = na.output
                jobs.append(na)
            md = self._md_job(spec, p, nas[p.sodiation_key])
            md.update_metadata({**meta, "kind": "md", "task_id": p.task_id})
            jobs.append(md)
        return Flow(jobs, name=f"{self.name} {study_id}")

    def _hc_job(self, spec: StudySpec, p: StudyPoint) -> Job:
        maker = _with(
            self.hc_maker,
            name=p.hc_name,
            study_id=spec.id,
            params={**getattr(self.hc_maker, "params", {}), **spec.structure},
            pore_spacing=spec.pore_spacing,
            method=spec.structure_method,
            protocol=spec.meltquench.model_dump(),
        )
        if spec.structure_method == "md" and spec.meltquench.mlip_relax_steps:
            maker = _with(maker, relax_potential=spec.potential)
        return maker.make(p.n_carbon, p.density, p.structure_seed)

    def _na_job(self, spec: StudySpec, p: StudyPoint, hc: Any) -> Job:
        maker = _with(
            self.na_maker,
            name=p.na_name,
            study_id=spec.id,
            pore_spacing=spec.pore_spacing,
            **spec.sodiation.model_dump(),
        )
        if spec.sodiation.mode == "energy":
            maker = _with(maker, energy_potential=spec.potential)
        return maker.make(hc, p.na_per_c, p.sodiation_seed)

    def _md_job(self, spec: StudySpec, p: StudyPoint, na: Any) -> Job:
        maker = dataclasses.replace(
            self.md_maker,
            name=p.md_name,
            potential=spec.potential,
            temperature_K=float(p.temperature),
            **spec.md.model_dump(),
            seed=p.md_seed,
            study_id=spec.id,
            point_id=p.point_id,
            task_id=p.task_id,
            replica=p.replica,
            settings_hash=p.settings_hash,
            md_settings={"n_carbon": p.n_carbon, "na_per_c": p.na_per_c},
            label=f"{spec.name}: {p.md_name}",
            tags=[*spec.tags],
            checkpoint_dir=self.checkpoint_dir,
            progress=self.progress,
        )
        return maker.make(na)
