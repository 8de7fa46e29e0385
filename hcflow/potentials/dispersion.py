"""D3(BJ) dispersion on CPU (the ``dftd3`` wheel) added to any calculator.

``with_dispersion(calc, "pbe")`` is ASE's SumCalculator of the model and
simple-dftd3's D3(BJ) with the parameters of the functional the model was
trained on (PBE for MPtrj-trained CHGNet/SevenNet-0/MACE-MP, r2SCAN for
CHGNet's r2SCAN model). The wheel is the ``dispersion`` extra of hcflow.
"""

from __future__ import annotations

from typing import Any

from hcflow.errors import HcflowError

DAMPINGS = ("d3bj",)
FUNCTIONALS = ("pbe", "r2scan")


def d3_calculator(functional: str = "pbe", damping: str = "d3bj") -> Any:
    """simple-dftd3's ASE calculator, or a one-line HcflowError."""
    if damping not in DAMPINGS:
        raise HcflowError(f"unknown dispersion {damping!r}; known: d3bj")
    if functional not in FUNCTIONALS:
        raise HcflowError(
            f"no D3(BJ) parameters chosen for functional {functional!r}; "
            f"known: {', '.join(FUNCTIONALS)}"
        )
    try:
        from dftd3.ase import DFTD3
    except ImportError:
        raise HcflowError(
            "D3 dispersion needs the dftd3 wheel: pip install 'hcflow[dispersion]'"
        ) from None
    return DFTD3(method=functional, damping=damping)


def with_dispersion(calc: Any, functional: str = "pbe", damping: str = "d3bj"):
    """``calc`` + D3(BJ) as one ASE calculator (energies, forces, stress add)."""
    from ase.calculators.mixing import SumCalculator

    return SumCalculator([calc, d3_calculator(functional, damping)])
