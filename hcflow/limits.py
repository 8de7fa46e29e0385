"""Every input limit, defined once and used by every entry point.

The study file (:mod:`hcflow.flows.spec`), the MD runner and Maker
(:mod:`hcflow.md`), the structure generator and sodiation
(:mod:`hcflow.structures`), ingest and the command line all check against
these numbers, so input that passes ``hcflow study plan`` also passes the jobs
it plans. Units: fs, K, g/cm3, atoms.
"""

from __future__ import annotations

#: MD time step, fs: (0, MAX_TIMESTEP_FS]. Velocity Verlet with Na and C at
#: the temperatures studied here is stable to a few fs; above 5 fs it is not.
MAX_TIMESTEP_FS = 5.0
#: An ingested trajectory's time step, fs: (0, MAX_INGEST_TIMESTEP_FS]. Only a
#: sanity bound on metadata: hcflow does not integrate ingested trajectories.
MAX_INGEST_TIMESTEP_FS = 100.0
#: Carbon density an ingested trajectory may declare, g/cm3: (0, 4] (diamond,
#: the densest carbon, is 3.51).
MAX_INGEST_DENSITY_G_CM3 = 4.0
#: Temperatures of study grid points, K: (0, MAX_TEMPERATURE_K].
MAX_TEMPERATURE_K = 5000.0
#: Carbon densities the generator builds, g/cm3 (inclusive).
MIN_DENSITY_G_CM3, MAX_DENSITY_G_CM3 = 0.3, 3.0
#: Carbon atoms per generated cell (inclusive); study cells need MIN_STUDY_N_CARBON.
MAX_N_CARBON = 100_000
MIN_STUDY_N_CARBON = 8
#: Melt-quench cells (:mod:`hcflow.structures.meltquench`): at least this many
#: C, in a cubic cell at least this wide (A), so no atom meets its own image
#: within 4 A.
MIN_MELTQUENCH_N_CARBON = 32
MIN_MELTQUENCH_CELL_A = 8.0
#: Na:C atom ratio (inclusive).
MAX_NA_PER_C = 1.0
#: User input files (study, query, metadata, stores; JSON or YAML): at most
#: this many bytes, this deep, and this many values once YAML aliases are
#: expanded (a "billion laughs" file is refused before anything walks it).
MAX_INPUT_FILE_BYTES = 10_000_000
MAX_INPUT_DEPTH = 64
MAX_INPUT_VALUES = 1_000_000
#: Ingested trajectories: atoms per frame (checked on the file's header before
#: any reader allocates for it) and frames per file.
MAX_INGEST_ATOMS = 1_000_000
MAX_INGEST_FRAMES = 1_000_000
#: A document (not its blobs): the database refuses more than 16 MiB; checked
#: before any blob of it is written, with room for the store's own fields.
MAX_DOCUMENT_BYTES = 16_000_000
#: Points of one study grid, and MD steps of one run (equilibration or
#: production): beyond these a study file is refused before anything runs.
MAX_STUDY_POINTS = 10_000
MAX_MD_STEPS = 100_000_000
