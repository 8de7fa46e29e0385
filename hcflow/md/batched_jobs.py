"""``BatchedNaMDMaker``: several MD points in one jobflow job, one model call per step.

A study runs many small cells; on a CPU a MACE force call has a fixed cost
that batching pays once for all of them (:mod:`hcflow.md.batched`, measured
in ``benchmarks/bench_batched.py``). This job holds the :class:`NaMDMaker` of
every point of its batch (``members``, exactly the makers the study would run
one by one) and runs them with :func:`hcflow.md.batched.run_batched_md`:

- each member keeps its own temperature, seed, thermostat, checkpoint file
  (the one its own job would use, so a killed batch resumes every member, and a
  checkpoint of a single run resumes in a batch and back) and trajectory;
- the output holds one md_tasks document per member, made by the member's own
  :meth:`NaMDMaker.output` (same fields as a single job's, same task id), each
  with its :class:`~hcflow.md.trajectory.CompactTrajectory` (jobflow moves
  every one to the data store);
- a member that stops before its first frame is listed under ``failed`` with
  its reason; the others are kept (the study runs the failed point again on
  its next run). If every member fails the job fails.

:func:`hcflow.flows.collect.copy_md_outputs` unpacks ``md_tasks`` into the
md_tasks collection; the members share the potential, device, dtype, threads
and checkpoint settings (one calculator), checked before the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jobflow import Maker, job

from hcflow.errors import HcflowError
from hcflow.md.jobs import NaMDMaker
from hcflow.md.trajectory import CompactTrajectory
from hcflow.structures.convert import as_atoms

BATCH_SOURCE = "hcflow-md-batch"
SHARED = ("potential", "device", "dtype", "threads", "checkpoint_every", "progress")


@dataclass
class BatchedNaMDMaker(Maker):
    """MD of several cells side by side (one model call per step).

    Parameters
    ----------
    name
        Job name.
    members
        One :class:`NaMDMaker` per cell, in the order of ``make``'s
        structures; they must agree on ``potential``, ``device``, ``dtype``,
        ``threads``, ``checkpoint_every`` and ``progress``.
    """

    name: str = "na md batch"
    members: list[NaMDMaker] = field(default_factory=list)

    @job(data=[CompactTrajectory])
    def make(self, structures: list) -> dict:
        """Run the batch; returns ``{"md_tasks": [...], "failed": [...], ...}``.

        Parameters
        ----------
        structures
            One structure (Structure, Atoms or structure document) per member.
        """
        return self.run(structures)

    def check(self) -> None:
        """One-line error when the members cannot share one calculator."""
        if not self.members:
            raise HcflowError(f"batch {self.name!r} has no members")
        first = self.members[0]
        for m in self.members[1:]:
            for key in SHARED:
                if getattr(m, key) != getattr(first, key):
                    raise HcflowError(
                        f"batch {self.name!r}: members differ in {key} "
                        f"({getattr(first, key)!r} vs {getattr(m, key)!r}); "
                        "batched members share one calculator"
                    )

    def run(self, structures: list) -> dict:
        """The job body, callable without jobflow (tests, notebooks)."""
        from hcflow.md.batched import Replica, run_batched_md

        self.check()
        if len(structures) != len(self.members):
            raise HcflowError(
                f"batch {self.name!r}: {len(structures)} structures for "
                f"{len(self.members)} members"
            )
        plans = []
        for i, (m, structure) in enumerate(zip(self.members, structures, strict=True)):
            md = m.settings()
            atoms, meta = as_atoms(structure)
            task_id = m.resolved_task_id(suffix=f"-{i}")
            replica = Replica(
                atoms=atoms,
                temperature_K=float(m.temperature_K),
                seed=int(m.seed),
                checkpoint_path=m.checkpoint_path(task_id),
                **md.model_dump(exclude={"threads", "device", "dtype"}),
            )
            plans.append((m, md, meta, task_id, replica))
        first = self.members[0]
        results = run_batched_md(
            [p[4] for p in plans],
            first.potential,
            checkpoint_every=first.checkpoint_every,
            progress=first.progress,
            threads=first.threads,
            device=first.device,
            dtype=first.dtype,
        )
        docs, failed = [], []
        for (m, md, meta, task_id, _), result in zip(plans, results, strict=True):
            try:
                docs.append(m.output(task_id, md, meta, result))
            except HcflowError as exc:
                failed.append({"task_id": task_id, "reason": str(exc)})
        if not docs:
            raise HcflowError(
                f"batch {self.name!r}: every member failed; first: "
                f"{failed[0]['reason']}"
            )
        return {
            "source": BATCH_SOURCE,
            "study_id": first.study_id,
            "task_ids": [p[3] for p in plans],
            "md_tasks": docs,
            "failed": failed,
        }


def batch_output_docs(output: Any) -> list[dict]:
    """The md_tasks outputs inside one job output (a batch's, or a single one)."""
    if not isinstance(output, dict):
        return []
    if output.get("source") == BATCH_SOURCE:
        return [d for d in output.get("md_tasks") or [] if isinstance(d, dict)]
    return [output]
