"""Hard-carbon structures: generation, sodiation, pore analysis and their Makers.

Pure functions live in :mod:`.meltquench` (melt-quench-anneal on LAMMPS,
:mod:`.lammps_engine`, protocol and content hash in :mod:`.mq_protocol`;
cells kept by content hash in :mod:`.library`),
:mod:`.hardcarbon` (the quick packer), :mod:`.sodiation` (and
:mod:`.sodiation_energy`), :mod:`.pores`, :mod:`.analysis` and
:mod:`.validation` (realism statistics vs literature; S(q), d002, Lc, La in
:mod:`.xrd`); documents are made by
:mod:`.docs`, the jobflow Makers are in :mod:`.jobs`.
"""

from hcflow.structures.hardcarbon import generate_hard_carbon
from hcflow.structures.sodiation import sodiate

__all__ = ["generate_hard_carbon", "sodiate"]
