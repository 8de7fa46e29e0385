"""Known answers for the XRD analysis: planted graphene stacks at 3.6 A give
d002 = 3.6 A and a Scherrer Lc that grows with the number of layers; a random
gas has no (002) peak; bad input is a one-line error."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import graphene

from hcflow.errors import HcflowError
from hcflow.structures.xrd import (
    EXPERIMENT,
    MIN_PROMINENCE,
    against_experiment,
    debye_sq,
    find_peak,
    pdf,
    window_fwhm,
    xrd_summary,
)


def stack(n_layers: int, spacing: float = 3.6, rep: int = 10, gap: float = 25.0):
    """``n_layers`` AB-shifted graphene sheets, periodic in-plane, a vacuum gap."""
    g = graphene(a=2.46, size=(rep, rep, 1), vacuum=0)
    shift = (g.cell[0] + g.cell[1]) / 3
    pos = []
    for k in range(n_layers):
        p = g.positions.copy()
        p[:, 2] = k * spacing
        pos.append(p + (shift if k % 2 else 0.0))
    cell = g.cell.array.copy()
    cell[2] = [0, 0, n_layers * spacing + gap]
    return Atoms(f"C{n_layers * len(g)}", positions=np.vstack(pos), cell=cell, pbc=True)


def test_planted_stack_gives_its_spacing():
    s = xrd_summary(stack(6))
    assert s["peak_002_visible"] and s["reliable"]
    assert s["d002_A"] == pytest.approx(3.6, rel=0.02)
    assert s["prominence002"] > 10 * MIN_PROMINENCE
    # the (10) band of graphene: q = 4 pi / (sqrt(3) a) = 2.95 A^-1
    assert s["q10_inv_A"] == pytest.approx(4 * np.pi / (np.sqrt(3) * 2.46), abs=0.1)
    wider = xrd_summary(stack(6, spacing=3.9))
    assert wider["d002_A"] == pytest.approx(3.9, rel=0.02)


def test_scherrer_lc_grows_with_the_stack():
    lc = [xrd_summary(stack(n))["Lc_A"] for n in (3, 4, 6)]
    assert lc[0] < lc[1] < lc[2]
    # within 10 % of the stack height N d while it is well below r_max
    assert lc[0] == pytest.approx(3 * 3.6, rel=0.1)
    assert lc[1] == pytest.approx(4 * 3.6, rel=0.1)


def test_random_gas_has_no_002_peak():
    rng = np.random.default_rng(0)
    L = 25.0
    gas = Atoms("C1000", positions=rng.uniform(0, L, (1000, 3)), cell=[L] * 3, pbc=True)
    s = xrd_summary(gas)
    assert not s["peak_002_visible"]
    assert s["d002_A"] is None and s["Lc_A"] is None
    q, sq = debye_sq(gas)
    assert np.abs(sq[q > 1.0] - 1.0).max() < 0.3  # flat: no structure


def test_pdf_and_window():
    out = pdf(stack(2), r_max=6.0)
    assert out["r"][np.argmax(out["g"])] == pytest.approx(1.42, abs=0.02)
    assert out["G"].shape == out["r"].shape
    assert window_fwhm(1.75, 20.0) == pytest.approx(0.27, abs=0.03)
    assert window_fwhm(1.75, 40.0) < window_fwhm(1.75, 20.0)


def test_find_peak_and_verdicts():
    q = np.linspace(1.0, 2.5, 301)
    s = 1 + np.exp(-0.5 * ((q - 1.7) / 0.1) ** 2)
    p = find_peak(q, s, (1.2, 2.4))
    assert p["q"] == pytest.approx(1.7, abs=0.01)
    assert p["fwhm"] == pytest.approx(2.3548 * 0.1, rel=0.02)
    v = against_experiment({"d002_A": 3.8, "Lc_A": 5.0, "La_A": None})
    assert v["d002_A"]["ok"] is True and v["Lc_A"]["ok"] is False
    capped = {"d002_A": 3.8, "Lc_A": 12.0, "La_A": 30.0, "size_limit_A": 18.0}
    v = against_experiment(capped)  # La beyond what an 18-A cell resolves
    assert v["Lc_A"]["ok"] is True and v["La_A"]["ok"] is None
    assert v["La_A"]["value"] == 30.0
    assert (
        v["La_A"]["ok"] is None
        and v["d002_A"]["source"] == EXPERIMENT["d002_A"]["source"]
    )


def test_no_carbon_or_not_periodic_is_an_error():
    with pytest.raises(HcflowError, match="no carbon"):
        xrd_summary(
            Atoms("Na2", positions=[[0, 0, 0], [2, 0, 0]], cell=[9] * 3, pbc=True)
        )
    with pytest.raises(HcflowError, match="periodic"):
        xrd_summary(Atoms("C2", positions=[[0, 0, 0], [1.4, 0, 0]], cell=[9] * 3))


def test_analyze_reports_xrd_and_writes_the_figure(capsys, tmp_path):
    from ase.io import write

    from tests.helpers import run_cli

    f = tmp_path / "stack.extxyz"
    write(f, stack(6))
    fig = tmp_path / "sq.png"
    args = ["structure", "analyze", str(f), "--spacing", "1.0", "--figure", str(fig)]
    rc, text, err = run_cli(args, capsys)
    assert rc == 0, err
    assert "d002 from S(q) (A)               3.6" in text and "Lc, Scherrer" in text
    assert fig.stat().st_size > 10_000
    bad = ["structure", "analyze", str(f), "--figure", str(tmp_path / "no/x.png")]
    rc, text, err = run_cli(bad, capsys)
    assert rc != 0 and "cannot write the figure" in err and len(err.splitlines()) == 1


def test_xrd_figure_file(tmp_path):
    from hcflow.report.structure_figures import xrd_figure

    path = xrd_figure(stack(3, rep=8), tmp_path / "sq.pdf", title="3 layers")
    assert path.stat().st_size > 5_000
