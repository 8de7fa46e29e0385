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
}

#: Dynamic descriptors (one value per ion per trajectory).
DYNAMIC: dict[str, str] = {
    "D_cm2_s": "per-ion diffusion coefficient from the MSD fit (cm2/s)",
    "log10_D": "log10 of D_cm2_s (clipped at 1e-12 cm2/s)",
    "n_hops": "number of hops between residence sites",
    "hop_rate_per_ps": "hops per ps",
    "residence_time_ps": "mean residence time at a site (ps)",
    "non_gaussian": "non-Gaussian parameter alpha2 at the fit lag",
    "path_tortuosity": "path length over net displacement at the coarse-graining time",
    "max_displacement_A": "maximum displacement from the start position (A)",
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
