"""Physical names for ions and diffusion modes, from absolute criteria.

Every ion gets a *class* from its own descriptors by fixed thresholds
(:class:`NamingCriteria`), never from z-scores against the other ions of the
query: the class of an ion does not depend on which ions were pooled. The
classes are tried in the order of :data:`CLASSES` (hopping, freely diffusing,
clustered, void-trapped, confined in large void, undetermined, carbon-bound,
localized); a criterion whose descriptors are missing does not hold. A mode
is named after the class held by most of its members (``mixed (a, b)`` below
``min_purity``); modes of one name are told apart by the descriptor in which
their centroids differ most. The result says which criterion decided each
name and how pure the mode is. HDBSCAN noise (label -1) is ``noise``. The
criteria table with its default thresholds: docs/analysis-methods.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from hcflow.errors import HcflowError
from hcflow.inputs import known_keys

UNDETERMINED = "undetermined (run too short)"
UNSURE_SOURCE = "diffusion outcome undetermined"

CLASSES = (
    "hopping",
    "freely diffusing",
    "clustered",
    "void-trapped",
    "confined in large void",
    UNDETERMINED,
    "carbon-bound",
    "localized",
)

#: Descriptor fields the criteria read (when present).
NAMING_FIELDS = [
    "n_hops",
    "hop_rate_per_ps",
    "site_fraction",
    "diffusive",
    "msd_loglog_slope",
    "msd_lag_ps",
    "msd_A2",
    "fit_window_ps",
    "cn_na_na",
    "pore_percolating",
    "void_radius_A",
    "explored_radius_A",
    "d_nearest_c",
]


@dataclass
class NamingCriteria:
    """Thresholds of the per-ion classes (units in the names)."""

    hop_min_count: int = 3  #: hops
    hop_min_rate_per_ps: float = 0.01  #: 1/ps
    hop_min_site_fraction: float = 0.6  #: 0-1
    diffusive_min_slope: float = 0.5  #: d log MSD / d log t
    diffusive_min_msd_A2: float = 16.0  #: A^2, at the longest stored lag
    clustered_min_cn: float = 2.0  #: Na neighbours
    closed_max_percolating: float = 0.5  #: 0-1
    confined_margin_A: float = 1.0  #: A
    confined_min_fill: float = 0.5  #: explored radius / void radius
    large_void_radius_A: float = 2.5  #: A
    carbon_bound_max_A: float = 2.6  #: A
    min_purity: float = 0.5  #: share of the majority class in a mode

    @classmethod
    def from_dict(cls, d: dict | None) -> NamingCriteria:
        """Validated criteria; unknown keys or non-numbers are one-line errors."""
        d = known_keys(d, cls, "naming criteria")
        for k, v in d.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                raise HcflowError(f"naming criterion {k} must be a number >= 0")
        return cls(**d)

    def to_dict(self) -> dict:
        return asdict(self)


def _col(ions: pd.DataFrame, name: str) -> np.ndarray:
    if name not in ions:
        return np.full(len(ions), np.nan)
    return pd.to_numeric(ions[name], errors="coerce").to_numpy(float)


def msd_loglog_slope(lag_ps, msd_A2, t_min: float = 0.0) -> float:
    """Slope of log MSD against log lag over lags >= ``t_min`` (NaN if < 3)."""
    t = np.asarray(lag_ps if lag_ps is not None else [], float)
    m = np.asarray(msd_A2 if msd_A2 is not None else [], float)
    if t.shape != m.shape:
        return float("nan")
    ok = (t >= t_min) & (t > 0) & (m > 0) & np.isfinite(m)
    if ok.sum() < 3:
        return float("nan")
    return float(np.polyfit(np.log(t[ok]), np.log(m[ok]), 1)[0])


def _msd_columns(ions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(log-log slope, MSD at the longest lag) per ion from the stored curve."""
    n = len(ions)
    slope, last = np.full(n, np.nan), np.full(n, np.nan)
    if "msd_lag_ps" not in ions or "msd_A2" not in ions:
        return slope, last
    windows = ions["fit_window_ps"] if "fit_window_ps" in ions else [None] * n
    for i, (t, m, w) in enumerate(
        zip(ions["msd_lag_ps"], ions["msd_A2"], windows, strict=True)
    ):
        if not isinstance(t, list | tuple | np.ndarray) or len(t) == 0:
            continue
        start = float(w[0]) if isinstance(w, list | tuple) and len(w) else 0.0
        slope[i] = msd_loglog_slope(t, m, start)
        last[i] = float(np.asarray(m, float)[-1])
    return slope, last


def diffusive_verdict(
    ions: pd.DataFrame, criteria: NamingCriteria | None = None
) -> pd.DataFrame:
    """How each ion's MSD behaves: columns ``growing``, ``far``, ``slope``,
    ``msd_last_A2`` and ``source``.

    ``growing``: the per-ion ``diffusive`` field when present (the transport
    verdict); else the MSD log-log slope (``msd_loglog_slope`` when stored,
    else from the stored curve) ``>= diffusive_min_slope``. ``far``: the MSD
    at the longest stored lag reaches ``diffusive_min_msd_A2`` (true when no
    curve is stored). Long-range diffusive = growing and far (and not
    confined, see :func:`classify_ions`).
    """
    c = criteria or NamingCriteria()
    slope, last = _msd_columns(ions)
    stored = _col(ions, "msd_loglog_slope")
    slope = np.where(np.isfinite(stored), stored, slope)
    with np.errstate(invalid="ignore"):
        growing = slope >= c.diffusive_min_slope
    source = ["MSD log-log slope"] * len(ions)
    if "diffusive" in ions:
        for i, v in enumerate(ions["diffusive"].tolist()):
            if v is not None and not (isinstance(v, float) and np.isnan(v)):
                growing[i] = bool(v)
                source[i] = "diffusive verdict"
    if "diffusion_outcome" in ions:  # undetermined: not shown to stop growing
        for i, v in enumerate(ions["diffusion_outcome"].tolist()):
            if v == "undetermined":
                growing[i], source[i] = True, UNSURE_SOURCE
    with np.errstate(invalid="ignore"):
        far = np.where(np.isfinite(last), last >= c.diffusive_min_msd_A2, True)
    return pd.DataFrame(
        {
            "growing": growing,
            "far": far,
            "slope": slope,
            "msd_last_A2": last,
            "source": source,
        },
        index=ions.index,
    )


def classify_ions(
    ions: pd.DataFrame, criteria: NamingCriteria | None = None
) -> pd.DataFrame:
    """The class of every ion and the criterion that decided it.

    Returns a DataFrame (same row order) with ``ion_class``, ``class_reason``
    (one line with the deciding numbers), ``diffusive`` (long-range
    diffusive: MSD growing, far and not confined by a closed void) and
    ``msd_slope``.
    """
    c = criteria or NamingCriteria()
    v = {
        name: _col(ions, name)
        for name in (
            "n_hops",
            "hop_rate_per_ps",
            "site_fraction",
            "cn_na_na",
            "pore_percolating",
            "void_radius_A",
            "explored_radius_A",
            "d_nearest_c",
        )
    }
    msd = diffusive_verdict(ions, c)
    growing, far = msd["growing"].to_numpy(bool), msd["far"].to_numpy(bool)
    v["slope"], v["msd_last"] = msd["slope"].to_numpy(), msd["msd_last_A2"].to_numpy()
    void, explored = v["void_radius_A"], v["explored_radius_A"]
    with np.errstate(invalid="ignore"):
        hopping = (
            (v["n_hops"] >= c.hop_min_count)
            & (v["hop_rate_per_ps"] >= c.hop_min_rate_per_ps)
            & (v["site_fraction"] >= c.hop_min_site_fraction)
        )
        # confined: inside a closed void, and the run shows it (the MSD
        # levelled off, or the ion explored a good part of the void)
        confined = (
            (v["pore_percolating"] <= c.closed_max_percolating)
            & (explored <= void + c.confined_margin_A)
            & (~growing | (explored >= c.confined_min_fill * void))
        )
        long_range = growing & far & ~confined
        tests = [
            ("hopping", hopping),
            ("freely diffusing", long_range),
            ("clustered", v["cn_na_na"] >= c.clustered_min_cn),
            ("void-trapped", confined & (void < c.large_void_radius_A)),
            ("confined in large void", confined & (void >= c.large_void_radius_A)),
            (UNDETERMINED, growing & ~far),
            ("carbon-bound", v["d_nearest_c"] <= c.carbon_bound_max_A),
        ]
    classes, reasons = [], []
    for i in range(len(ions)):
        name = next((k for k, t in tests if t[i]), "localized")
        classes.append(name)
        reasons.append(_reason(name, i, v, msd["source"].iloc[i], c))
    return pd.DataFrame(
        {
            "ion_class": classes,
            "class_reason": reasons,
            "diffusive": long_range,
            "msd_slope": v["slope"],
        },
        index=ions.index,
    )


def _reason(name: str, i: int, v: dict, source: str, c: NamingCriteria) -> str:
    msd = (
        f"MSD log-log slope {v['slope'][i]:.2f}, {v['msd_last'][i]:.3g} A^2 at the "
        "longest lag"
    )
    if name == "hopping":
        return (
            f"{v['n_hops'][i]:.0f} hops between distinct sites "
            f"({v['hop_rate_per_ps'][i]:.3g}/ps), {100 * v['site_fraction'][i]:.0f} "
            "% of the run at sites"
        )
    if name == "freely diffusing" and source == UNSURE_SOURCE:
        return (
            f"MSD grows past {c.diffusive_min_msd_A2:g} A^2 ({msd}), but the "
            "transport verdict is undetermined: a longer run must confirm it"
        )
    if name == "freely diffusing":
        return f"long-range diffusive ({source}; {msd})"
    if name == "clustered":
        return f"Na-Na coordination {v['cn_na_na'][i]:.2f}"
    if name in ("void-trapped", "confined in large void"):
        return (
            f"closed void (percolating {v['pore_percolating'][i]:.2f}) of radius "
            f"{v['void_radius_A'][i]:.2f} A confines it (explored radius "
            f"{v['explored_radius_A'][i]:.2f} A; {msd})"
        )
    if name == UNDETERMINED:
        return (
            f"MSD still growing ({source}; {msd} < {c.diffusive_min_msd_A2:g}): "
            "the run is too short to tell long-range from local motion"
        )
    if name == "carbon-bound":
        return f"nearest carbon {v['d_nearest_c'][i]:.2f} A; not diffusive ({msd})"
    return f"not diffusive ({msd}), {v['n_hops'][i]:.0f} hops, no confining void"


def profiles(
    centroids: pd.DataFrame, overall_mean: pd.Series, overall_std: pd.Series
) -> pd.DataFrame:
    """Centroids as z-scores against all ions (columns with zero spread -> 0)."""
    std = overall_std.reindex(centroids.columns).replace(0, np.nan)
    z = (centroids - overall_mean.reindex(centroids.columns)) / std
    return z.fillna(0.0)


def name_modes(
    labels, classes: pd.Series | np.ndarray, centroids: pd.DataFrame, min_purity=0.5
) -> tuple[dict[int, str], dict[int, dict]]:
    """Mode label -> name (majority class of its members) and the basis.

    Parameters
    ----------
    labels
        Mode label of every ion.
    classes
        Class of every ion (:func:`classify_ions`), same order.
    centroids
        One row per mode (index: label), descriptor means; used only to
        qualify modes that share a name.
    min_purity
        Below this share of the majority class the mode is ``mixed (a, b)``.

    Returns
    -------
    (names, basis)
        ``basis[label]``: ``class`` (the majority class), ``purity``,
        ``class_fractions`` (class -> share of the members) and
        ``criterion`` (the rule of that class).
    """
    frame = pd.DataFrame({"mode": np.asarray(labels), "cls": np.asarray(classes)})
    base, basis = {}, {}
    for label, grp in frame.groupby("mode"):
        label = int(label)
        frac = grp["cls"].value_counts(normalize=True)
        top, purity = str(frac.index[0]), float(frac.iloc[0])
        name = top if purity >= min_purity else f"mixed ({', '.join(frac.index[:2])})"
        base[label] = "noise" if label < 0 else name
        basis[label] = {
            "class": top,
            "purity": purity,
            "class_fractions": {str(k): float(v) for k, v in frac.items()},
            "criterion": CRITERIA_TEXT.get(top, ""),
        }
    return _disambiguate(base, centroids), basis


def _disambiguate(base: dict[int, str], centroids: pd.DataFrame) -> dict[int, str]:
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for label, name in base.items():
        group = [other for other, n in base.items() if n == name]
        if len(group) > 1 and name != "noise":
            name = qualify(centroids, label, [g for g in group if g != label], name)
        seen[name] = seen.get(name, 0) + 1
        names[label] = name if seen[name] == 1 else f"{name}-{seen[name]}"
    return names


def qualify(centroids: pd.DataFrame, label: int, others: list[int], name: str) -> str:
    """``name (high|low descriptor)``: the descriptor in which mode ``label``
    differs most from the other modes of the same name (z-scores among those
    modes); ``name`` unchanged when it differs by no more than 0.5."""
    rows = centroids.reindex([label, *others]).select_dtypes("number")
    if rows.empty or label not in centroids.index:
        return name
    z = profiles(rows, rows.mean(), rows.std(ddof=0))
    diff = z.loc[label] - z.loc[others].mean()
    if diff.empty or not np.isfinite(diff.abs().max()) or diff.abs().max() <= 0.5:
        return name
    column = diff.abs().idxmax()
    return f"{name} ({'high' if diff[column] > 0 else 'low'} {column})"


def base_name(name: str) -> str:
    """A mode name without its qualifier or suffix (``hopping-2`` -> ``hopping``)."""
    name = name.split(" (")[0] if not name.startswith("mixed") else name
    head, _, tail = name.rpartition("-")
    return head if tail.isdigit() and head else name


#: One line per class: the criterion that gives it (for documents).
CRITERIA_TEXT = {
    "hopping": "n_hops >= hop_min_count, hop_rate_per_ps >= hop_min_rate_per_ps "
    "and site_fraction >= hop_min_site_fraction (hops between distinct sites)",
    "freely diffusing": "long-range diffusive: 'diffusive' verdict or MSD "
    "log-log slope >= diffusive_min_slope, and MSD at the longest lag >= "
    "diffusive_min_msd_A2",
    "clustered": "cn_na_na >= clustered_min_cn",
    "void-trapped": "pore_percolating <= closed_max_percolating, "
    "explored_radius_A <= void_radius_A + confined_margin_A, MSD levelled off or "
    "explored_radius_A >= confined_min_fill * void_radius_A; void_radius_A < "
    "large_void_radius_A",
    "confined in large void": "as void-trapped, with void_radius_A >= "
    "large_void_radius_A",
    UNDETERMINED: "MSD still growing (diffusive verdict or slope >= "
    "diffusive_min_slope) but below diffusive_min_msd_A2 at the longest lag",
    "carbon-bound": "d_nearest_c <= carbon_bound_max_A",
    "localized": "none of the other criteria holds",
}
