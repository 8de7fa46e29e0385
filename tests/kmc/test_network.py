"""The SiteNetwork carrier: shapes checked, rates and hop vectors known."""

import numpy as np
import pytest

from hcflow.errors import HcflowError
from hcflow.kmc.network import KB_EV_PER_K, SiteNetwork


def _pair(**kw):
    base = dict(
        cell=np.eye(3) * 4.0,
        sites=np.array([[0.0, 0, 0], [2.0, 0, 0]]),
        source=np.array([0, 1]),
        target=np.array([1, 0]),
        image=np.array([[0, 0, 0], [1, 0, 0]]),
        barrier_eV=np.array([0.3, 0.3]),
        prefactor_per_ps=np.array([10.0, 10.0]),
    )
    base.update(kw)
    return SiteNetwork(**base)


def test_rates_and_vectors():
    net = _pair()
    assert net.rates_per_ps(300) == pytest.approx(
        10 * np.exp(-0.3 / (KB_EV_PER_K * 300))
    )
    assert net.hop_vectors() == pytest.approx(np.array([[2.0, 0, 0], [2.0, 0, 0]]))


def test_bad_shapes_and_indices():
    with pytest.raises(HcflowError, match="image"):
        _pair(image=np.zeros((2, 2)))
    with pytest.raises(HcflowError, match="target index"):
        _pair(target=np.array([1, 5]))
    with pytest.raises(HcflowError, match="temperature"):
        _pair().rates_per_ps(0)
