"""Pure analysis functions: diffusion modes, mobility drivers, correlations."""
