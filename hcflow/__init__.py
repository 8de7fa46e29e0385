"""hcflow: a database-centric pipeline for Na transport in hard-carbon anodes.

``from hcflow import Client`` gives the notebook API (:mod:`hcflow.api`),
imported on first use. Importing hcflow changes no environment variable
(mace's legacy ``torch.load`` is allowed only around its own loads:
:func:`hcflow.potentials.mace_files.legacy_torch_load`).
"""

__version__ = "0.1.0"

from hcflow.errors import HcflowError  # noqa: E402

__all__ = ["Client", "HcflowError", "__version__"]


def __getattr__(name: str):
    if name == "Client":  # lazy: importing hcflow stays light
        from hcflow.api import Client

        return Client
    raise AttributeError(f"module 'hcflow' has no attribute {name!r}")
