"""Physical names for diffusion modes, from their centroids, by documented rules.

A mode's *profile* is its centroid expressed as z-scores against all analysed
ions: ``z = (mean of the mode - mean of all ions) / std of all ions``, for every
descriptor available (also descriptors that were not clustered on, e.g.
log10 D when the modes were found from structure alone). The rules below are
tried in order; the first that holds names the mode.

====================  ==========================================================
name                  rule (z-scores of the mode's centroid)
====================  ==========================================================
``hopping``           hop_rate_per_ps > 0.5 (or n_hops > 0.5), and log10_D > 0
``clustered``         cn_na_na > 0.5 or cluster_size > 0.5
``void-trapped``      pore_size > 0.5, d_nearest_c > 0.5 or d_void_center < -0.5;
                      and log10_D < 0
``carbon-bound``      cn_na_c > 0.5 or local_c_density > 0.5; and log10_D < 0
``tortuous``          pore_tortuosity > 0.5 or path_tortuosity > 0.5;
                      and log10_D < 0
``fast``              log10_D > 0.5
``slow``              log10_D < -0.5
``intermediate``      none of the above
====================  ==========================================================

Each rule is a list of clauses that must all hold; a clause holds when any of
its (descriptor, sign) tests holds. The first clause of a rule is its
signature and needs data; a later clause (the mobility qualifier) whose
descriptors are all absent is skipped, so the names still work on structural
descriptors alone. When several modes get the same name, each is qualified by
the descriptor in which it differs most from the others of that name, e.g.
``hopping (high pore_size)`` and ``hopping (low pore_size)``; modes that do not
differ by more than ``Z`` there get a suffix: ``clustered``, ``clustered-2``.
HDBSCAN noise (label -1) is called ``noise``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: z-score a centroid must exceed (in the stated direction) to count as high/low.
Z = 0.5

#: (name, clauses); clause = [(descriptor, ">" | "<", z threshold), ...] (any-of).
RULES: list[tuple[str, list[list[tuple[str, str, float]]]]] = [
    (
        "hopping",
        [
            [("hop_rate_per_ps", ">", Z), ("n_hops", ">", Z)],
            [("log10_D", ">", 0.0)],
        ],
    ),
    ("clustered", [[("cn_na_na", ">", Z), ("cluster_size", ">", Z)]]),
    (
        "void-trapped",
        [
            [
                ("pore_size", ">", Z),
                ("d_nearest_c", ">", Z),
                ("d_void_center", "<", -Z),
            ],
            [("log10_D", "<", 0.0)],
        ],
    ),
    (
        "carbon-bound",
        [
            [("cn_na_c", ">", Z), ("local_c_density", ">", Z)],
            [("log10_D", "<", 0.0)],
        ],
    ),
    (
        "tortuous",
        [
            [("pore_tortuosity", ">", Z), ("path_tortuosity", ">", Z)],
            [("log10_D", "<", 0.0)],
        ],
    ),
    ("fast", [[("log10_D", ">", Z)]]),
    ("slow", [[("log10_D", "<", -Z)]]),
]


def profiles(
    centroids: pd.DataFrame, overall_mean: pd.Series, overall_std: pd.Series
) -> pd.DataFrame:
    """Centroids as z-scores against all ions (columns with zero spread -> 0)."""
    std = overall_std.reindex(centroids.columns).replace(0, np.nan)
    z = (centroids - overall_mean.reindex(centroids.columns)) / std
    return z.fillna(0.0)


def _clause(row: pd.Series, clause, required: bool) -> bool:
    present = [
        (c, op, t) for c, op, t in clause if c in row.index and np.isfinite(row[c])
    ]
    if not present:
        return not required
    return any(row[c] > t if op == ">" else row[c] < t for c, op, t in present)


def name_profile(row: pd.Series) -> str:
    """The name of one mode from its z-score profile (first matching rule)."""
    for name, clauses in RULES:
        if all(_clause(row, cl, required=(i == 0)) for i, cl in enumerate(clauses)):
            return name
    return "intermediate"


def name_modes(
    centroids: pd.DataFrame, overall_mean: pd.Series, overall_std: pd.Series
) -> dict[int, str]:
    """Mode label -> physical name, by :data:`RULES` (suffixes for repeats).

    Parameters
    ----------
    centroids
        One row per mode (index: mode label), descriptor columns in physical
        units.
    overall_mean, overall_std
        Mean and standard deviation of each descriptor over all ions.
    """
    z = profiles(centroids, overall_mean, overall_std)
    base = {
        int(label): "noise" if int(label) < 0 else name_profile(row)
        for label, row in z.iterrows()
    }
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for label, name in base.items():
        group = [other for other, n in base.items() if n == name]
        if len(group) > 1 and name != "noise":
            name = qualify(z, label, [g for g in group if g != label], name)
        seen[name] = seen.get(name, 0) + 1
        names[label] = name if seen[name] == 1 else f"{name}-{seen[name]}"
    return names


def qualify(z: pd.DataFrame, label: int, others: list[int], name: str) -> str:
    """``name (high|low descriptor)``: the descriptor in which mode ``label``
    differs most from the other modes of the same name (z-score units);
    ``name`` unchanged when it does not differ by more than :data:`Z`."""
    diff = z.loc[label] - z.loc[others].mean()
    if diff.empty or not np.isfinite(diff.abs().max()) or diff.abs().max() <= Z:
        return name
    column = diff.abs().idxmax()
    return f"{name} ({'high' if diff[column] > 0 else 'low'} {column})"
