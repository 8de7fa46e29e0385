"""hcflow: a database-centric pipeline for Na transport in hard-carbon anodes.

Importing ``hcflow`` sets ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` (the one place
it is set): mace-torch needs e3nn 0.4.4, whose ``torch.load`` calls fail under
torch >= 2.6 unless weights-only loading is switched off. Import hcflow (or any
submodule) before importing mace.

``from hcflow import Client`` gives the notebook API (:mod:`hcflow.api`),
imported on first use.
"""

import os

os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")

__version__ = "0.1.0"

from hcflow.errors import HcflowError  # noqa: E402

__all__ = ["Client", "HcflowError", "__version__"]


def __getattr__(name: str):
    if name == "Client":  # lazy: importing hcflow stays light
        from hcflow.api import Client

        return Client
    raise AttributeError(f"module 'hcflow' has no attribute {name!r}")
