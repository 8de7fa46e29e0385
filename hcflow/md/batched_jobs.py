"""``BatchedNaMDMaker``: several MD points in one jobflow job, one model call per step.

The job holds the :class:`NaMDMaker` of every point of its batch (``members``,
the makers the study would run one by one) and runs them with
:func:`hcflow.md.batched.run_batched_md`. Each member keeps its own MD
settings, temperature, seed, checkpoint file (the one its own job would use,
so a killed batch resumes every member) and trajectory; the output holds one
md_tasks document per member, made by the member's own
:meth:`NaMDMaker.output`. A member that stops before its first frame is
listed under ``failed``; if every member fails the job fails. The members
share the potential, threads, device, dtype and checkpoint settings (one
calculator), checked before the run;
:func:`hcflow.flows.collect.copy_md_outputs` unpacks the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jobflow import Maker, job

from hcflow.errors import HcflowError
from hcflow.md.jobs import NaMDMaker
from hcflow.md.settings import CALCULATOR_FIELDS, check_temperature
from hcflow.md.trajectory import CompactTrajectory
from hcflow.structures.convert import as_atoms

BATCH_SOURCE = "hcflow-md-batch"
SHARED = ("potential", "checkpoint_every", "progress")


@dataclass
class BatchedNaMDMaker(Maker):
    """MD of several cells side by side (one model call per step).

    Parameters
    ----------
    name
        Job name.
    members
        One :class:`NaMDMaker` per cell, in the order of ``make``'s
        structures; they must agree on ``potential``, ``checkpoint_every``,
        ``progress`` and the ``threads``, ``device`` and ``dtype`` of ``md``.
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
            for key in SHARED + CALCULATOR_FIELDS:
                ours, theirs = _shared(first, key), _shared(m, key)
                if theirs != ours:
                    raise HcflowError(
                        f"batch {self.name!r}: members differ in {key} "
                        f"({ours!r} vs {theirs!r}); "
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
            atoms, meta = as_atoms(structure)
            task_id = m.resolved_task_id(suffix=f"-{i}")
            replica = Replica(
                atoms,
                m.md,
                check_temperature(m.temperature_K),
                int(m.seed),
                m.checkpoint_path(task_id),
            )
            plans.append((m, meta, task_id, replica))
        first = self.members[0]
        results = run_batched_md(
            [p[3] for p in plans],
            first.potential,
            checkpoint_every=first.checkpoint_every,
            progress=first.progress,
        )
        docs, failed = [], []
        for (m, meta, task_id, _), result in zip(plans, results, strict=True):
            try:
                docs.append(m.output(task_id, meta, result))
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
            "task_ids": [p[2] for p in plans],
            "md_tasks": docs,
            "failed": failed,
        }


def _shared(maker: NaMDMaker, key: str) -> Any:
    """A setting the members of a batch share (a maker field or an MD one)."""
    return getattr(maker.md, key) if key in CALCULATOR_FIELDS else getattr(maker, key)


def batch_output_docs(output: Any) -> list[dict]:
    """The md_tasks outputs inside one job output (a batch's, or a single one)."""
    if not isinstance(output, dict):
        return []
    if output.get("source") == BATCH_SOURCE:
        return [d for d in output.get("md_tasks") or [] if isinstance(d, dict)]
    return [output]
