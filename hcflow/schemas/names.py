"""The descriptor names: the contract between descriptors and analysis.

``ion_descriptors`` documents carry these as flat top-level fields (means over
the analysis window), each structural one also as ``<name>_std``. Analysis
(modes, drivers) selects columns by these names.
"""

#: Structural descriptors (mean over the analysis window; also ``<name>_std``).
STRUCTURAL: dict[str, str] = {
    "cn_na_c": "Na-C coordination number within the Na-C cutoff",
    "cn_na_na": "Na-Na coordination number within the Na-Na cutoff",
    "local_c_density": "carbon density within the local radius (g/cm3)",
    "d_nearest_c": "distance to the nearest carbon atom (A)",
    "pore_size": "local pore size: diameter of the largest empty sphere at the ion (A)",
    "d_void_center": "distance to the nearest void center (A)",
    "cluster_size": "size of the Na-Na cluster the ion belongs to (ions)",
    "pore_tortuosity": "geometric tortuosity of the accessible pore network "
    "near the ion",
    "pore_percolating": "fraction of frames in which the ion is on a percolating "
    "accessible path (0-1; pore_tortuosity is null when 0)",
    "void_radius_A": "radius of the sphere with the accessible volume of the "
    "void the ion sits in (A; null when not in a void)",
}

#: Site and hop descriptors (one value per ion; definitions in
#: :mod:`hcflow.descriptors.sites`). ``n_hops``, ``hop_rate_per_ps`` and
#: ``residence_time_ps`` keep their names from the older running-mean detector
#: (same meaning, new detection: hops between distinct sites only; residence
#: times censoring-aware).
SITES: dict[str, str] = {
    "n_hops": "hops between distinct sites (dwell-based)",
    "hop_rate_per_ps": "hops between distinct sites per ps of run",
    "hop_length_A": "mean hop length: distance between the dwell centres (A)",
    "residence_time_ps": "censoring-aware mean residence at a site: time in "
    "visits / complete residences (ps); a lower bound when residence_censored",
    "residence_median_ps": "Kaplan-Meier median residence at a site (ps)",
    "residence_censored": "true when no residence was complete (the ion never "
    "left a site during the run): residence_time_ps is a lower bound",
    "n_sites": "distinct sites visited",
    "site_fraction": "fraction of the run spent localized at sites (0-1)",
    "explored_radius_A": "radius of the region the ion explored: largest "
    "distance of its smoothed position from its mean position (A)",
}

#: Integer- and boolean-valued descriptors (the others are floats).
INTEGER = ("n_hops", "n_sites")
BOOLEAN = ("residence_censored",)

#: Dynamic descriptors (one value per ion per trajectory).
DYNAMIC: dict[str, str] = {
    "D_cm2_s": "per-ion diffusion coefficient from the MSD fit (cm2/s)",
    "log10_D": "log10 of D_cm2_s (clipped at 1e-12 cm2/s)",
    "non_gaussian": "non-Gaussian parameter alpha2 at the fit lag",
    "path_tortuosity": "path length over net displacement at the coarse-graining time",
    "max_displacement_A": "maximum displacement from the start position (A)",
    **SITES,
}

#: Identity and study metadata copied into every ion_descriptors document.
METADATA = (
    "ion_key",
    "task_id",
    "ion_index",
    "settings_hash",
    "study_id",
    "label",
    "temperature_K",
    "density_g_cm3",
    "na_content",
)
