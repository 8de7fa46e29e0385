"""``ModeBuilder``: ion_descriptors (selected by a query) -> modes + ion_modes.

Settings: :class:`hcflow.analysis.modes.ModeSettings` (``features`` default:
:data:`hcflow.analysis.table.MODE_FEATURES`; ``naming``: thresholds of
:class:`hcflow.analysis.naming.NamingCriteria`). The result document
(:class:`ModeResultDoc`) holds the chosen k, the BIC selection curve, the
bootstrap stability, the centroids in physical units, the mode names with the
criterion that decided each (``name_basis``), per-mode transport (D with its
verdict, hop rate, Kaplan-Meier residences: ``transport``) and the per-mode
self van Hove function (``van_hove``); one :class:`IonModeDoc` per ion holds
its label, probability, 2-D embedding and its own class with the reason.
Incrementality: see :mod:`hcflow.builders.base`.
"""

from __future__ import annotations

import pandas as pd
from maggma.core import Store

from hcflow.analysis.mode_transport import (
    TRANSPORT_FIELDS,
    mode_transport,
    mode_van_hove,
)
from hcflow.analysis.modes import ModeResult, ModeSettings, find_modes
from hcflow.analysis.naming import NAMING_FIELDS, NamingCriteria, classify_ions
from hcflow.analysis.table import (
    MODE_FEATURES,
    check_descriptors,
    check_present,
    feature_matrix,
)
from hcflow.builders.base import AnalysisBuilder
from hcflow.schemas.analysis import IonModeDoc, ModeResultDoc

#: ModeResult attributes copied to the result document as they are
RESULT_FIELDS = (
    "method",
    "k",
    "bic_one",
    "structure_supported",
    "stability_ari",
    "stability_ari_std",
    "confident",
    "n_fit",
    "features",
)


def resolve_mode_settings(settings: dict | None) -> dict:
    """Validated ModeSettings as a dict, features and naming thresholds filled
    in (so a changed default threshold gives a new result key)."""
    ms = ModeSettings.from_dict(settings)
    if ms.features is None:
        ms.features = list(MODE_FEATURES)
    check_descriptors(ms.features)
    ms.naming = NamingCriteria.from_dict(ms.naming).to_dict()
    return ms.to_dict()


def run_modes(ions: pd.DataFrame, resolved: dict) -> tuple[ModeResult, list[str]]:
    """Modes of the ions (rows in order) under resolved settings; + notes."""
    ms = ModeSettings(**resolved)
    table, _, notes = feature_matrix(ions, ms.features)
    classes = classify_ions(
        ions.reset_index(drop=True), NamingCriteria.from_dict(ms.naming)
    )
    scalar = [
        c
        for c in NAMING_FIELDS
        if c in ions and c not in table and c not in LIST_FIELDS
    ]
    describe = (
        ions[scalar].apply(pd.to_numeric, errors="coerce").astype(float)
        if scalar
        else None
    )
    res = find_modes(table, ms, describe=describe, classes=classes)
    return res, notes + res.notes


#: Fields holding lists (curves), not scalars.
LIST_FIELDS = {"msd_lag_ps", "msd_A2", "fit_window_ps"}


def mode_names_of(res: ModeResult) -> list[str]:
    """The mode name of every ion."""
    return [res.names.get(int(m), "noise") for m in res.labels]


class ModeBuilder(AnalysisBuilder):
    """ion_descriptors -> modes (+ ion_modes labels)."""

    kind = "modes"

    def __init__(self, ions: Store, target: Store, ion_modes: Store, **kwargs):
        """``kwargs``: those of :class:`AnalysisBuilder` (query, settings, ...)."""
        self.ion_modes = ion_modes
        self.kwargs = kwargs  # serialised with the builder (as_dict)
        super().__init__(ions, target, extra_targets=[ion_modes], **kwargs)

    @classmethod
    def resolve_settings(cls, settings: dict) -> dict:
        return resolve_mode_settings(settings)

    def needed_fields(self) -> list[str]:
        return sorted(
            set(self.resolved["features"]) | set(NAMING_FIELDS) | set(TRANSPORT_FIELDS)
        )

    def analyse(self, ions: pd.DataFrame, item: dict) -> dict:
        check_present(ions, self.settings.get("features"))
        res, notes = run_modes(ions, self.resolved)
        c = self.common(item, notes)
        transport = mode_transport(
            ions, res.labels, res.names, res.classes["diffusive"], seed=res_seed(self)
        )
        doc = ModeResultDoc(
            **c,
            **{name: getattr(res, name) for name in RESULT_FIELDS},
            bic={str(k): v for k, v in res.bic.items()},
            centroids=res.centroids.reset_index().to_dict("records"),
            profiles=res.profiles.reset_index().to_dict("records"),
            names={str(k): v for k, v in res.names.items()},
            name_basis={str(k): v for k, v in res.name_basis.items()},
            transport=transport,
            van_hove=mode_van_hove(ions, res.labels, res.names),
            fractions={str(k): v for k, v in res.fractions.items()},
            counts={str(k): v for k, v in res.counts.items()},
        )
        rid = c["result_id"]
        labels = pd.DataFrame(
            {
                "ion_mode_key": rid + ":" + ions["ion_key"].astype(str),
                "result_id": rid,
                "ion_key": ions["ion_key"].astype(str),
                "task_id": ions["task_id"].astype(str),
                "mode": res.labels.astype(int),
                "mode_name": mode_names_of(res),
                "ion_class": res.classes["ion_class"].to_numpy(),
                "class_reason": res.classes["class_reason"].to_numpy(),
                "probability": res.probability.astype(float),
                "pc1": res.embedding[:, 0].astype(float),
                "pc2": res.embedding[:, 1].astype(float),
                "last_updated": doc.last_updated,
            }
        ).to_dict("records")
        IonModeDoc(**labels[0])  # the schema holds for the bulk rows
        for row in labels:  # numpy scalars -> Python (BSON)
            row["mode"] = int(row["mode"])
            row["probability"] = float(row["probability"])
            row["pc1"], row["pc2"] = float(row["pc1"]), float(row["pc2"])
        return {"doc": doc.model_dump(), "ion_modes": labels}


def res_seed(builder: ModeBuilder) -> int:
    """The seed of the mode settings (bootstrap of the per-mode intervals)."""
    return int(builder.resolved.get("seed", 0))
