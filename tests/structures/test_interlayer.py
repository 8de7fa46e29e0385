"""The interlayer term of the melt-quench protocol: which stages use it, the
old protocol keeps its content hash, bad input is a one-line error."""

from __future__ import annotations

import pytest

from hcflow.errors import HcflowError
from hcflow.structures import lammps_engine
from hcflow.structures.mq_protocol import (
    DEFAULT_INTERLAYER,
    REBO_ONLY,
    MeltQuenchProtocol,
    content_hash,
    parse_protocol,
)

SHORT = {
    "melt_ps": 1.0,
    "quench_rate_K_per_ps": 5000.0,
    "anneal_ps": 2.0,
    "cool_rate_K_per_ps": 5000.0,
    "final_ps": 0.5,
}


def test_rebo_only_protocol_keeps_its_pre_issue_28_hash():
    # values computed with the protocol code before the interlayer fields
    p = MeltQuenchProtocol(**SHORT, **REBO_ONLY)
    assert content_hash(100, 1.2, 1, p) == "1a8732b8915d"
    old_default = MeltQuenchProtocol(**REBO_ONLY)
    assert content_hash(1000, 1.0, 0, old_default) == "72af8f669f7d"
    new = MeltQuenchProtocol()
    assert new.interlayer == DEFAULT_INTERLAYER != "none"
    assert content_hash(1000, 1.0, 0, new) != "72af8f669f7d"
    other = new.model_copy(update={"interlayer_from": "quench"})
    assert content_hash(1000, 1.0, 0, other) != content_hash(1000, 1.0, 0, new)


def test_stage_potentials():
    p = MeltQuenchProtocol(interlayer_from="cool", interlayer_below_K=None)
    got = [p.stage_potential(s) for s in ("melt", "anneal", "cool", "minimize")]
    assert got == ["rebo", "rebo", "airebo-lj", "airebo-lj"]
    q = p.model_copy(update={"interlayer_from": "quench"})
    assert [q.stage_potential(s) for s in ("melt", "quench")] == ["rebo", "airebo-lj"]
    none = MeltQuenchProtocol(**REBO_ONLY)
    assert {none.stage_potential(s) for s in ("melt", "cool", "minimize")} == {"rebo"}


def test_run_switches_the_pair_style_from_the_cool_on():
    from hcflow.structures.meltquench import run_melt_quench

    whole_cool = {**SHORT, "interlayer_from": "cool", "interlayer_below_K": None}
    atoms = run_melt_quench(64, 1.3, seed=2, protocol=whole_cool)
    used = {s["stage"]: s["potential"] for s in atoms.info["hcflow"]["stages"]}
    assert used == {
        "start": "rebo",
        "melt": "rebo",
        "quench": "rebo",
        "anneal": "rebo",
        "cool": "airebo-lj",
        "final": "airebo-lj",
        "minimize": "airebo-lj",
    }
    assert "Lennard-Jones" in atoms.info["hcflow"]["potential_reference"]


@pytest.mark.parametrize(
    "proto,msg",
    [
        ({"interlayer": "kc"}, "interlayer"),
        ({"interlayer_from": "melt"}, "interlayer_from"),
    ],
)
def test_bad_interlayer_is_one_line(proto, msg):
    with pytest.raises(HcflowError, match=msg) as exc:
        parse_protocol(proto)
    assert "\n" not in str(exc.value)


def test_missing_interlayer_potential_file(monkeypatch, tmp_path):
    from hcflow.structures.meltquench import run_melt_quench

    real = lammps_engine.potentials_dir()
    (tmp_path / "CH.rebo").write_bytes((real / "CH.rebo").read_bytes())
    monkeypatch.setattr(lammps_engine, "potentials_dir", lambda: tmp_path)
    monkeypatch.setattr(lammps_engine, "LammpsCarbon", None)  # no MD may start
    with pytest.raises(HcflowError, match="CH.airebo missing"):
        run_melt_quench(64, 1.3, seed=2, protocol=SHORT)


def test_mid_cool_switch_splits_the_ramp_and_enters_the_hash():
    p = MeltQuenchProtocol(interlayer_from="cool", interlayer_below_K=1500.0)
    segs = p.cool_segments()
    assert [s[0] for s in segs] == ["cool", "cool_interlayer"]
    assert segs[0][1:3] == (4000.0, 1500.0) and segs[1][1:3] == (1500.0, 300.0)
    assert segs[0][3] + segs[1][3] == p.stage_steps()["cool"] == 37000
    assert segs[0][3] == 25000  # 2500 K of 3700 K at 100 K/ps
    assert p.stage_potential("cool") == "rebo"
    assert p.stage_potential("cool_interlayer") == "airebo-lj"
    whole = p.model_copy(update={"interlayer_below_K": None})
    assert content_hash(64, 1.0, 0, p) != content_hash(64, 1.0, 0, whole)
    # not applicable (term from the quench, or no term): ignored, not hashed
    q = p.model_copy(update={"interlayer_from": "quench"})
    assert q.cool_segments() == [("cool", 4000.0, 300.0, 37000)]
    assert content_hash(64, 1.0, 0, q) == content_hash(
        64, 1.0, 0, q.model_copy(update={"interlayer_below_K": None})
    )
    hot = p.model_copy(update={"interlayer_below_K": 5000.0})  # above the anneal
    assert hot.cool_segments() == whole.cool_segments()
