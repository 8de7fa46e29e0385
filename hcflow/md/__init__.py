"""MD: the compact trajectory format, the MD runner and the MD Makers."""
