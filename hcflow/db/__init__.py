"""Database layer: the local server, maggma stores, the jobflow JobStore."""
