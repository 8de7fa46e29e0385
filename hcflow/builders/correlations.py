"""``CorrelationBuilder``: ion_descriptors (+ modes) -> correlations.

Settings: ``mode_settings`` (the modes to take fractions of),
``mobile_threshold``, ``min_trajectories``, ``use_stored_modes``. The mode
labels are those of the stored modes result for the same query, inputs and
mode settings when one exists, else computed inline with the same function
and seed (the same labels): the fractions always belong to exactly the ions
being correlated (``mode_source`` says which). Incrementality: see
:mod:`hcflow.builders.base`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from maggma.core import Store
from pydantic import Field

from hcflow.analysis.correlations import correlate, per_trajectory
from hcflow.builders.base import AnalysisBuilder, result_key
from hcflow.builders.modes import (
    NAMING_FIELDS,
    mode_names_of,
    resolve_mode_settings,
    run_modes,
)
from hcflow.errors import HcflowError
from hcflow.inputs import StrictModel, parse_model
from hcflow.schemas.analysis import CorrelationDoc


class CorrelationSettings(StrictModel):
    """Settings of the correlation analysis (see the module docstring)."""

    mode_settings: dict[str, Any] = Field(
        default_factory=dict, description="ModeSettings of the mode fractions."
    )
    mobile_threshold: float | None = Field(
        None, description="log10 D above which an ion counts as mobile."
    )
    min_trajectories: int = Field(3, ge=3, description="Fewest for a Spearman rho.")
    use_stored_modes: bool = Field(True, description="Reuse a stored modes result.")


class CorrelationBuilder(AnalysisBuilder):
    """ion_descriptors -> correlations (mode labels: see the module docstring)."""

    kind = "correlations"

    def __init__(
        self,
        ions: Store,
        target: Store,
        modes: Store,
        ion_modes: Store,
        summaries: Store,
        **kwargs,
    ):
        """``kwargs``: those of :class:`AnalysisBuilder` (query, settings, ...)."""
        self.modes, self.ion_modes, self.summaries = modes, ion_modes, summaries
        self.kwargs = kwargs  # serialised with the builder (as_dict)
        super().__init__(
            ions, target, extra_sources=[modes, ion_modes, summaries], **kwargs
        )

    @classmethod
    def resolve_settings(cls, settings: dict) -> dict:
        out = parse_model(CorrelationSettings, settings, "correlation settings")
        out = out.model_dump()
        out["mode_settings"] = resolve_mode_settings(out["mode_settings"])
        return out

    def needed_fields(self) -> list[str]:
        feats = self.resolved["mode_settings"]["features"]
        return sorted(set(feats) | set(NAMING_FIELDS) | {"log10_D"})

    def extra_inputs(self, item: dict) -> None:
        ions = item["ions"]
        c = item["common"]
        item["labels"], item["mode_source"] = None, "inline"
        if self.resolved["use_stored_modes"]:
            mid = result_key(
                "modes", self.query, self.resolved["mode_settings"], c["input_hash"]
            )
            if self.modes.query_one({"result_id": mid}, ["result_id"]):
                rows = list(
                    self.ion_modes.query(
                        {"result_id": mid}, properties=["ion_key", "mode_name"]
                    )
                )
                labels = {r["ion_key"]: r["mode_name"] for r in rows}
                if set(labels) >= set(ions["ion_key"]):
                    item["labels"] = ions["ion_key"].map(labels).to_list()
                    item["mode_source"] = mid
        keys = [
            f"{t}:{h}"
            for t, h in ions[["task_id", "settings_hash"]]
            .drop_duplicates()
            .itertuples(index=False)
        ]
        item["summaries"] = pd.DataFrame(
            list(
                self.summaries.query(
                    {"summary_key": {"$in": keys}, "state": {"$ne": "failed"}},
                    properties=["task_id", "D_cm2_s"],
                )
            )
        )

    def analyse(self, ions: pd.DataFrame, item: dict) -> dict:
        notes: list[str] = []
        names = item.get("labels")
        source = item.get("mode_source", "inline")
        if names is None:
            try:
                res, _ = run_modes(ions, self.resolved["mode_settings"])
                names = mode_names_of(res)
            except HcflowError as exc:
                notes.append(f"no mode fractions: {exc}")
                source = "none"
        table = per_trajectory(
            ions,
            names,
            summaries=item.get("summaries"),
            mobile_threshold=self.resolved["mobile_threshold"],
        )
        out = correlate(table, self.resolved["min_trajectories"])
        c = self.common(item, notes + out["notes"])
        doc = CorrelationDoc(
            **c,
            mode_source=source,
            rho=out["rho"].astype(object).where(out["rho"].notna()).to_dict("index"),
            p=out["p"].astype(object).where(out["p"].notna()).to_dict("index"),
            maps=out["maps"],
            temperatures=out["temperatures"],
            per_trajectory=table.to_dict("records"),
        )
        return {"doc": doc.model_dump()}
