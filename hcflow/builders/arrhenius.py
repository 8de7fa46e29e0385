"""``ArrheniusBuilder``: trajectory_summaries over temperature -> ``arrhenius``.

A thin maggma Builder (Store APIs only). ``get_items`` groups the selected
summaries by system (:func:`hcflow.analysis.arrhenius_groups.group_summaries`)
and yields the groups whose inputs changed (input hash of the summaries and
the modes result used), with the member ions of every mode when modes are
on; ``process_item`` fits the system and each mode (pure functions);
``update_targets`` replaces the group's documents, the system one last (its
presence marks a complete group). Runs from ``hcflow build arrhenius``,
``builder.run()`` and maggma's ``mrun`` with the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pandas as pd
from maggma.core import Builder, Store

from hcflow.analysis.arrhenius import fit_arrhenius
from hcflow.analysis.arrhenius_groups import (
    MODE_ION_FIELDS,
    SUMMARY_FIELDS,
    TASK_FIELDS,
    ArrheniusSettings,
    fit_modes,
    group_summaries,
)
from hcflow.builders.base import naive_iso
from hcflow.db.filters import check_filter
from hcflow.errors import HcflowError
from hcflow.hashing import stable_hash
from hcflow.schemas.arrhenius import ArrheniusDoc
from hcflow.schemas.common import Provenance, json_safe


class ArrheniusBuilder(Builder):
    """trajectory_summaries (+ md_tasks, modes labels) -> arrhenius documents.

    Parameters
    ----------
    trajectory_summaries, md_tasks, arrhenius
        Source, source (potential, cell size) and target stores.
    ion_descriptors, ion_modes, modes
        Optional: the per-mode fits read them (all three or none).
    query
        trajectory_summaries filter (MongoDB; no code operators).
    settings
        :class:`ArrheniusSettings` overrides (a dict or the model).
    """

    def __init__(
        self,
        trajectory_summaries: Store,
        md_tasks: Store,
        arrhenius: Store,
        ion_descriptors: Store | None = None,
        ion_modes: Store | None = None,
        modes: Store | None = None,
        query: dict | None = None,
        settings: dict | ArrheniusSettings | None = None,
        chunk_size: int = 1,
    ):
        self.trajectory_summaries, self.md_tasks = trajectory_summaries, md_tasks
        self.arrhenius = arrhenius
        self.ion_descriptors, self.ion_modes, self.modes = (
            ion_descriptors,
            ion_modes,
            modes,
        )
        mode_stores = [s for s in (ion_descriptors, ion_modes, modes) if s]
        if len(mode_stores) not in (0, 3):
            raise HcflowError(
                "give all of ion_descriptors, ion_modes and modes, or none"
            )
        self.query = dict(check_filter(query or {}, "query"))
        self.settings = ArrheniusSettings.from_any(settings).model_dump()
        self.keys: list[str] = []  # system arrhenius keys of the last run
        self.new_keys: list[str] = []  # those (re)written
        super().__init__(
            sources=[trajectory_summaries, md_tasks, *mode_stores],
            targets=[arrhenius],
            chunk_size=chunk_size,
        )

    @property
    def arrhenius_settings(self) -> ArrheniusSettings:
        """The resolved settings."""
        return ArrheniusSettings(**self.settings)

    def ensure_indexes(self) -> None:
        for field in ("arrhenius_key", "group_key"):
            self.arrhenius.ensure_index(field)

    # -- maggma ------------------------------------------------------------------
    def _modes_result(self) -> str | None:
        s = self.arrhenius_settings
        if not (s.modes and self.modes):
            return None
        if s.modes_result_id:
            if not self.modes.query_one({"result_id": s.modes_result_id}):
                raise HcflowError(f"no modes result {s.modes_result_id!r}")
            return s.modes_result_id
        docs = list(self.modes.query({}, properties=["result_id", "last_updated"]))
        if not docs:
            return None
        return max(docs, key=lambda d: naive_iso(d.get("last_updated")))["result_id"]

    def _mode_ions(self, rid: str, task_ids: list[str], h: str) -> pd.DataFrame:
        labels = list(
            self.ion_modes.query(
                {"result_id": rid, "task_id": {"$in": task_ids}},
                properties=["ion_key", "mode_name"],
            )
        )
        if not labels:
            return pd.DataFrame()
        keys = [d["ion_key"] for d in labels]
        ions = pd.DataFrame(
            list(
                self.ion_descriptors.query(
                    {"ion_key": {"$in": keys}, "settings_hash": h},
                    properties=MODE_ION_FIELDS,
                )
            )
        ).reindex(columns=MODE_ION_FIELDS)
        return ions.merge(pd.DataFrame(labels), on="ion_key")

    def get_items(self) -> Iterator[dict]:
        self.ensure_indexes()
        criteria = {**self.query, "state": {"$ne": "failed"}}
        source = self.trajectory_summaries
        summaries = list(source.query(criteria=criteria, properties=SUMMARY_FIELDS))
        if not summaries:
            raise HcflowError(
                f"the query matches no trajectory_summaries: {self.query}"
            )
        ids = sorted({s["task_id"] for s in summaries})
        tasks = {
            t["task_id"]: t
            for t in self.md_tasks.query({"task_id": {"$in": ids}}, TASK_FIELDS)
        }
        settings = self.arrhenius_settings
        rid = self._modes_result()
        for key, group in group_summaries(summaries, tasks, settings).items():
            pairs = sorted(
                (s["summary_key"], naive_iso(s.get("last_updated")))
                for s in group["summaries"]
            )
            input_hash = stable_hash([pairs, rid])
            self.keys.append(key)
            old = self.arrhenius.query_one({"arrhenius_key": key}, ["input_hash"])
            if old and old.get("input_hash") == input_hash:
                self.logger.info(f"{key} is up to date")
                continue
            group_ids = sorted({s["task_id"] for s in group["summaries"]})
            ions = (
                self._mode_ions(rid, group_ids, group["system"]["settings_hash"])
                if rid
                else pd.DataFrame()
            )
            yield {
                "group_key": key,
                "input_hash": input_hash,
                "modes_result_id": rid if len(ions) else None,
                **group,
                "ions": ions,
            }

    def process_item(self, item: dict) -> list[dict]:
        settings = self.arrhenius_settings
        system = item["system"]
        studies = {s.get("study_id") for s in item["summaries"]}
        common = {
            "group_key": item["group_key"],
            "group": system,
            "study_id": studies.pop() if len(studies) == 1 else None,
            **{k: system[k] for k in system},
            "query": self.query,
            "settings": self.settings,
            "input_hash": item["input_hash"],
            "provenance": Provenance.make(
                "builder:ArrheniusBuilder",
                self.settings,
                [s["summary_key"] for s in item["summaries"]],
            ),
        }
        fit = fit_arrhenius(item["summaries"], **settings.fit_kwargs())
        docs = []
        if len(item["ions"]):
            for mode, mfit in fit_modes(item["ions"], settings).items():
                doc = ArrheniusDoc(
                    arrhenius_key=f"{item['group_key']}:{mode}",
                    mode=mode,
                    modes_result_id=item["modes_result_id"],
                    **common,
                    **mfit,
                )
                docs.append(json_safe(doc.model_dump()))
        doc = ArrheniusDoc(arrhenius_key=item["group_key"], **common, **fit)
        docs.append(json_safe(doc.model_dump()))  # the system document last
        return docs

    def update_targets(self, items: Iterable[list[dict]]) -> None:
        for docs in items:
            key = docs[-1]["group_key"]
            self.arrhenius.remove_docs({"group_key": key})
            if len(docs) > 1:
                self.arrhenius.update(docs[:-1], key="arrhenius_key")
            self.arrhenius.update(docs[-1:], key="arrhenius_key")
            self.new_keys.append(key)

    def build(self, close: bool = True) -> list[dict]:
        """Connect, run once, close; the system documents (new or up to date).

        ``close=False`` leaves the stores connected (MemoryStore data lives
        only as long as its connection).
        """
        self.connect()
        try:
            for item in self.get_items():
                self.update_targets([self.process_item(item)])
            return [
                self.arrhenius.query_one({"arrhenius_key": k}, None) for k in self.keys
            ]
        finally:
            if close:
                for s in [*self.sources, *self.targets]:
                    s.close()
