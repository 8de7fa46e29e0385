"""``TransportStudyMaker``: a whole density x loading x temperature x replica grid.

Per grid point of a :class:`~hcflow.flows.spec.StudySpec`: a hard-carbon job
(shared by loadings and temperatures), a sodiation job (shared by
temperatures) and equilibration + production MD (one ``NaMDMaker`` job; the
runner's checkpoint lets a killed job resume). With ``batch: auto`` the MD
points of small cells are grouped into ``BatchedNaMDMaker`` jobs
(:func:`hcflow.md.batch_plan.plan_batches`), whose metadata lists
``point_ids``/``task_ids`` and whose output holds the single jobs' documents.
Every job carries ``study_id`` (and ``point_id``) in its metadata; each MD
task has a deterministic ``task_id`` (study, point, settings hash).
``make(spec, skip=...)`` leaves out completed points and the structure jobs
only they needed; ``done=...`` reuses structures of an interrupted run (by the
``structure_hash`` of their jobs), so a re-run makes no duplicate structures.
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
        Where MD restart files go, a job input (None: a jobflow-remote job's
        ``<work_dir>/hcflow-checkpoints``, else the job's working directory).
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
        if p.source is not None:  # a user structure: its content, not a recipe
            params = spec.user_structure_settings(p.source)
        key = [spec.id, p.structure_key, p.structure_seed, params, spec.pore_spacing]
        relax = spec.relax_settings()  # relaxed cells are other cells
        return "hc-" + stable_hash(key + [relax] if relax else key)

    def sodiation_hash(self, spec: StudySpec, p: StudyPoint) -> str:
        """Key of a point's sodiated structure: its parent's key and the loading."""
        return "na-" + stable_hash(
            [
                self.structure_hash(spec, p),
                round(p.na_per_c, 6),
                p.sodiation_seed,
                spec.sodiation.model_dump(),
                *([spec.relax_settings()] if spec.relax.enabled else []),
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
        md_points: list[tuple[StudyPoint, Any]] = []
        for p in spec.points():
            if p.task_id in skip:
                continue
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
            if p.sodiation_key not in nas and self._as_is(spec, p):
                nas[p.sodiation_key] = hcs[p.structure_key]  # the file's own Na
            if p.sodiation_key not in nas:
                na = self._na_job(spec, p, hcs[p.structure_key])
                na.update_metadata(
                    {"study_id": study_id, "kind": "sodiation"}
                    | {"structure_hash": na_hash}
                )
                nas[p.sodiation_key] = na.output
                jobs.append(na)
            md_points.append((p, nas[p.sodiation_key]))
        for batch in self.batches(spec, [p for p, _ in md_points]):
            jobs.append(self._md_batch_job(spec, [md_points[i] for i in batch]))
        return Flow(jobs, name=f"{self.name} {study_id}")

    def batches(self, spec: StudySpec, points: list[StudyPoint]) -> list[list[int]]:
        """Indices of the MD points that share a job: one per point when
        ``spec.batch`` is off or the potential is not MACE, else
        :func:`hcflow.md.batch_plan.plan_batches` on the cells' atom counts
        (``spec.md.device``; ``auto`` follows the CPU rule, which also holds
        on a GPU)."""
        from hcflow.md.batch_plan import plan_batches
        from hcflow.potentials import is_mace_spec

        if spec.batch == "off" or not is_mace_spec(spec.potential):
            return [[i] for i in range(len(points))]
        n_atoms = [p.n_carbon + p.n_na for p in points]
        return plan_batches(n_atoms, device=spec.md.device)

    def _md_batch_job(self, spec: StudySpec, members: list[tuple]) -> Job:
        """One MD job for these (point, sodiated structure) pairs: a plain
        :class:`NaMDMaker` job for one, a :class:`BatchedNaMDMaker` for more."""
        from hcflow.md.batched_jobs import BatchedNaMDMaker

        meta = {"study_id": spec.id, "kind": "md"}
        if len(members) == 1:
            p, na = members[0]
            md = self._md_maker(spec, p).make(na)
            md.update_metadata({**meta, "point_id": p.point_id, "task_id": p.task_id})
            return md
        points = [p for p, _ in members]
        first = points[0]
        name = f"md batch x{len(points)} from {first.md_name.removeprefix('md ')}"
        maker = BatchedNaMDMaker(
            name=name, members=[self._md_maker(spec, p) for p in points]
        )
        md = maker.make([na for _, na in members])
        md.update_metadata(
            {
                **meta,
                "point_ids": [p.point_id for p in points],
                "task_ids": [p.task_id for p in points],
            }
        )
        return md

    def _hc_job(self, spec: StudySpec, p: StudyPoint) -> Job:
        if p.source is not None:
            return self._user_job(spec, p)
        maker = _with(
            self.hc_maker,
            name=p.hc_name,
            study_id=spec.id,
            params={**getattr(self.hc_maker, "params", {}), **spec.structure},
            pore_spacing=spec.pore_spacing,
            method=spec.structure_method,
            protocol=spec.meltquench.model_dump(),
        )
        steps = spec.meltquench.mlip_relax_steps
        if spec.relax.enabled and spec.relax.host:
            steps = spec.relax.steps
        if steps:
            protocol = {**spec.meltquench.model_dump(), "mlip_relax_steps": steps}
            maker = _with(
                maker,
                relax_potential=spec.potential,
                relax_steps=steps,
                relax_fmax=spec.relax.fmax,
                protocol=protocol,
            )
        return maker.make(p.n_carbon, p.density, p.structure_seed)

    @staticmethod
    def _as_is(spec: StudySpec, p: StudyPoint) -> bool:
        """A user structure run with its own Na (``sodiate: false``)."""
        return p.source is not None and spec.structures[p.source].sodiate is False

    def _user_job(self, spec: StudySpec, p: StudyPoint) -> Job:
        """Import a user structure (``structures:``), relaxed like a host."""
        from hcflow.structures.jobs import ImportStructureMaker

        relax = spec.relax.enabled and spec.relax.host
        maker = ImportStructureMaker(
            name=p.hc_name,
            study_id=spec.id,
            pore_spacing=spec.pore_spacing,
            relax_potential=spec.potential if relax else None,
            relax_steps=spec.relax.steps,
            relax_fmax=spec.relax.fmax,
        )
        return maker.make(spec.user_cells()[p.source]["path"])

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
        if spec.relax.enabled and spec.relax.sodiated:
            maker = _with(
                maker,
                relax_potential=spec.potential,
                relax_steps=spec.relax.steps,
                relax_fmax=spec.relax.fmax,
            )
        return maker.make(hc, p.na_per_c, p.sodiation_seed)

    def _md_maker(self, spec: StudySpec, p: StudyPoint) -> NaMDMaker:
        """The MD maker of one point (its own job, or a member of a batch)."""
        return dataclasses.replace(
            self.md_maker,
            name=p.md_name,
            potential=spec.potential,
            temperature_K=float(p.temperature),
            md=spec.md,
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
