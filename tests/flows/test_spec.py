"""Study files: parsing, bad input, grid, seeds and settings hashes (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hcflow.errors import HcflowError
from hcflow.flows.checks import check_loadings
from hcflow.flows.spec import load_study, loading_label, parse_study

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "studies" / "tiny.yaml"
EXAMPLE = ROOT / "studies" / "example.yaml"


def tiny_raw() -> dict:
    return yaml.safe_load(TINY.read_text())


def test_example_and_tiny_parse():
    ex = load_study(EXAMPLE)
    assert ex.id == "hc-example"
    assert len(ex.points()) == 3 * 3 * 2 * 2
    tiny = load_study(TINY)
    pts = tiny.points()
    assert len(pts) == 2
    assert pts[0].n_na == 4  # 0.125 * 32
    assert pts[0].md_name == "md rho=1.00 NaC8 T=600K n=32 r0"
    assert pts[0].hc_name == "hc rho=1.00 n=32 r0"


def test_unknown_key_is_named(tmp_path):
    raw = tiny_raw()
    raw["temperatur"] = [300]
    with pytest.raises(HcflowError, match="unknown key 'temperatur'"):
        parse_study(raw)
    raw = tiny_raw()
    raw["md"]["time_step"] = 2
    with pytest.raises(HcflowError, match="unknown key 'md.time_step'"):
        parse_study(raw)
    raw = tiny_raw()
    raw["sodiation"] = {"min_na_x": 2.0}
    with pytest.raises(HcflowError, match="unknown key 'sodiation.min_na_x'"):
        parse_study(raw)


@pytest.mark.parametrize("key", ["densities", "na_per_c", "temperatures", "n_carbon"])
def test_empty_grid(key):
    raw = tiny_raw()
    raw[key] = []
    with pytest.raises(HcflowError, match=f"empty grid: '{key}'"):
        parse_study(raw)


def test_bad_values_one_line(tmp_path):
    raw = tiny_raw()
    raw["densities"] = [5.0]
    with pytest.raises(HcflowError, match="densities") as exc:
        parse_study(raw)
    assert "\n" not in str(exc.value)
    raw = tiny_raw()
    raw["na_per_c"] = [0.001]  # 0.032 Na in 32 C
    with pytest.raises(HcflowError, match="gives no Na atom"):
        parse_study(raw)
    raw = tiny_raw()
    raw["replicas"] = 2
    raw["seeds"] = [1]
    with pytest.raises(HcflowError, match="seeds has 1 values for 2 replicas"):
        parse_study(raw)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(HcflowError, match="not valid YAML"):
        load_study(bad)
    with pytest.raises(HcflowError, match="not found"):
        load_study(tmp_path / "missing.yaml")


def test_loading_that_cannot_fit():
    raw = tiny_raw()
    raw["na_per_c"] = [0.9]
    spec = parse_study(raw)
    with pytest.raises(HcflowError, match=r"does not fit: at most \d+ Na"):
        check_loadings(spec)
    check_loadings(parse_study(tiny_raw()))  # the tiny study fits
    raw = tiny_raw()
    raw["structure"] = {"bogus": 1}
    with pytest.raises(HcflowError, match="set the protocol under 'meltquench'"):
        parse_study(raw)
    raw["structure_method"] = "quick"
    with pytest.raises(HcflowError, match="unknown key 'bogus'"):
        check_loadings(parse_study(raw))


def test_hashes_seeds_and_ids_are_stable():
    a = parse_study(tiny_raw()).points()
    b = parse_study(tiny_raw()).points()
    assert [p.task_id for p in a] == [p.task_id for p in b]
    assert a[0].structure_seed == a[1].structure_seed  # temperatures share structures
    assert a[0].sodiation_seed == a[1].sodiation_seed
    assert a[0].md_seed != a[1].md_seed
    assert len({p.task_id for p in a}) == 2
    raw = tiny_raw()
    raw["md"]["production_steps"] = 40
    c = parse_study(raw).points()
    assert [p.point_id for p in c] == [p.point_id for p in a]
    assert all(x.settings_hash != y.settings_hash for x, y in zip(a, c, strict=True))
    raw = tiny_raw()
    raw["name"] = "renamed"
    raw["study_id"] = "other"
    d = parse_study(raw).points()
    assert [p.settings_hash for p in d] == [p.settings_hash for p in a]
    assert d[0].task_id.startswith("other:")


def test_loading_label():
    assert loading_label(1 / 6) == "NaC6"
    assert loading_label(0.1667) == "NaC6"
    assert loading_label(0.05) == "NaC20"
    assert loading_label(0.3) == "Na0.300C"


def test_structure_method_and_protocol_keys():
    spec = parse_study(tiny_raw())
    assert spec.structure_method == "md"
    assert spec.meltquench.potential == "rebo"
    raw = tiny_raw()
    raw["meltquench"] = {"anneal_ps": 10.0}
    other = parse_study(raw)
    p, q = spec.points()[0], other.points()[0]
    assert p.settings_hash != q.settings_hash  # the protocol decides the result
    raw["meltquench"] = {"threads": 2}
    assert parse_study(raw).points()[0].settings_hash == p.settings_hash
    raw["structure_method"] = "quick"
    assert parse_study(raw).points()[0].settings_hash != p.settings_hash


@pytest.mark.parametrize(
    "change,msg",
    [
        ({"meltquench": {"anneal_time": 5}}, "unknown key 'meltquench.anneal_time'"),
        ({"meltquench": {"potential": "gap20"}}, "unknown LAMMPS carbon potential"),
        ({"structure_method": "mc"}, "structure_method"),
        ({"n_carbon": [36], "densities": [3.0]}, "too few atoms"),
    ],
)
def test_bad_structure_settings(change, msg):
    raw = {**tiny_raw(), **change}
    with pytest.raises(HcflowError, match=msg):
        parse_study(raw)


def test_energy_sodiation_mode_parses_and_checks_geometrically():
    raw = tiny_raw()
    raw["sodiation"] = {"mode": "energy"}
    spec = parse_study(raw)
    assert spec.sodiation.mode == "energy"
    check_loadings(spec)  # capacity checked with the geometric insertion
    from hcflow.flows.study import TransportStudyMaker

    flow = TransportStudyMaker().make(spec)
    na = [j for j in flow.jobs if j.metadata.get("kind") == "sodiation"][0]
    assert na.maker.mode == "energy" and na.maker.energy_potential == spec.potential
    hc = [j for j in flow.jobs if j.metadata.get("kind") == "structure"][0]
    assert hc.maker.method == "md" and hc.maker.protocol["potential"] == "rebo"


def test_potential_dict_outside_allow_list_refused_at_parse(tmp_path, monkeypatch):
    """A study file naming any class but an allowed calculator builds nothing."""
    import sys

    marker = tmp_path / "ran"
    (tmp_path / "h2_study_trap.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for pot in (
        {"@module": "subprocess", "@class": "Popen", "args": ["touch", str(marker)]},
        {"@module": "h2_study_trap", "@class": "X"},
    ):
        raw = {**tiny_raw(), "potential": pot}
        with pytest.raises(HcflowError, match="bad value for 'potential'.*not allowed"):
            parse_study(raw, "study.yaml")
    assert not marker.exists() and "h2_study_trap" not in sys.modules
    emt = {"@module": "ase.calculators.emt", "@class": "EMT"}
    raw = {**tiny_raw(), "potential": emt}
    assert parse_study(raw).potential["@class"] == "EMT"


@pytest.mark.parametrize(
    "path, value",
    [
        (("temperatures",), [float("inf")]),
        (("temperatures",), [float("nan")]),
        (("densities",), [float("inf")]),
        (("densities",), [float("nan")]),
        (("na_per_c",), [float("nan")]),
        (("md", "timestep_fs"), float("nan")),
        (("md", "timestep_fs"), float("inf")),
        (("sodiation", "min_na_c"), float("inf")),
        (("sodiation", "spacing"), float("nan")),
        (("structure", "graphitic_fraction"), float("nan")),  # free-form params
        (("structure", "layers"), [1.0, float("inf")]),
    ],
)
def test_nan_and_infinity_refused(tmp_path, path, value):
    raw = tiny_raw()
    target = raw
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    file = tmp_path / "study.yaml"
    file.write_text(yaml.safe_dump(raw))  # written as .inf / .nan
    with pytest.raises(HcflowError, match=path[-1]) as exc:
        load_study(file)
    assert "\n" not in str(exc.value)


def test_nan_in_calculator_kwargs_refused(tmp_path):
    raw = {**tiny_raw()}
    raw["potential"] = {"@module": "ase.calculators.emt", "@class": "EMT", "x": 1.0}
    assert parse_study(raw).potential["x"] == 1.0
    raw["potential"]["x"] = float("inf")
    file = tmp_path / "study.yaml"
    file.write_text(yaml.safe_dump(raw))
    with pytest.raises(HcflowError, match="'potential.x': must be a finite number"):
        load_study(file)


def test_settings_hashes_are_those_of_published_studies():
    """Known answers (main at cda9488, before MDSettings became the one
    carrier): the same study file with the same structure protocol gives the
    same hashes, so completed points are still found. The default protocol now
    adds an interlayer term (other structures), so the default hash differs;
    ``meltquench: {interlayer: none}`` gives the published ones. Studies now
    relax host and sodiated cell with the MLIP by default (hashed);
    ``relax: {steps: 0}`` gives the published ones."""

    def points(path):
        raw = yaml.safe_load(path.read_text())
        raw["meltquench"] = {**(raw.get("meltquench") or {}), "interlayer": "none"}
        raw["relax"] = {"steps": 0}  # issue 28: studies relax by default
        return parse_study(raw).points()

    tiny, example = points(TINY), points(EXAMPLE)
    assert [tiny[0].settings_hash, tiny[-1].settings_hash] == [
        "96af1c843115",
        "514e6c1d3cda",
    ]
    assert [example[0].settings_hash, example[-1].settings_hash] == [
        "52eb37b8cf2b",
        "d410970306cf",
    ]
    assert load_study(TINY).points()[0].settings_hash != "96af1c843115"


@pytest.mark.parametrize(
    "study_id", ["/some/other/dir/evil", "../../evil", "a/b", "..", "", "x" * 65]
)
def test_study_id_cannot_name_a_path(study_id):
    """The study id names the checkpoint folder: no separators, no '..'
    (issue 30 item 2: checkpoints went outside the data folder)."""
    raw = tiny_raw()
    raw["study_id"] = study_id
    with pytest.raises(HcflowError, match="bad value for 'study_id'"):
        parse_study(raw)


def test_slug_of_a_name_is_a_safe_id():
    raw = tiny_raw()
    raw.pop("study_id", None)
    raw["name"] = "../../My Study/../x"
    spec = parse_study(raw)
    assert "/" not in spec.id and not spec.id.startswith(".")


def test_unbounded_studies_refused_before_any_point(tmp_path):
    """A 10^6-point grid, 1e15 steps: one line each, at once (issue 30 item 3)."""
    import time

    raw = tiny_raw()
    raw["densities"] = [0.5 + i * 0.0013 for i in range(1000)]
    raw["temperatures"] = [300.0 + i for i in range(1000)]
    t0 = time.perf_counter()
    with pytest.raises(HcflowError, match="grid points; the limit is 10,000"):
        parse_study(raw)
    assert time.perf_counter() - t0 < 5
    raw = tiny_raw()
    raw.setdefault("md", {})["production_steps"] = 10**15
    with pytest.raises(HcflowError, match="md.production_steps"):
        parse_study(raw)


def test_plan_refuses_a_file_that_is_not_a_model(tmp_path):
    from hcflow.services.study import plan_study

    raw = tiny_raw()
    bogus = tmp_path / "passwd"
    bogus.write_text("root:x:0:0:root:/root:/bin/bash\n")
    raw["potential"] = str(bogus)
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(raw))
    with pytest.raises(HcflowError, match="is not a MACE model file"):
        plan_study(f)
