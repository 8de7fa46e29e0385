"""maggma Builders: thin shells around the pure functions (descriptors, analysis)."""
