"""Per-ion structural and dynamic descriptors (pure numpy/scipy functions)."""
