"""Hard-carbon structures: generation, sodiation, pore analysis and their Makers.

Pure functions live in :mod:`.hardcarbon`, :mod:`.sodiation`, :mod:`.pores` and
:mod:`.analysis`; the jobflow Makers in :mod:`.jobs`.
"""

from hcflow.structures.hardcarbon import generate_hard_carbon
from hcflow.structures.sodiation import sodiate

__all__ = ["generate_hard_carbon", "sodiate"]
