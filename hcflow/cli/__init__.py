"""The ``hcflow`` command. Each sub-command group lives in its own module."""
