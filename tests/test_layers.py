"""The architecture rules, checked on the source (ast, nothing imported).

Imports point down: cli -> services/api -> flows/builders/report ->
md/structures/descriptors/analysis -> potentials -> schemas -> base
(db, settings, credentials, errors, inputs, limits, units, hashing). A module
may import its own layer and the layers below, never above. A module lives in
the folder of its layer: there is no list of exceptions.

Also: no import cycle between modules, no module over 400 lines, no private
name imported from another module, and every public module is imported by
some test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hcflow"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "hcflow.errors",
            "hcflow.settings",
            "hcflow.credentials",
            "hcflow.db",
            "hcflow.inputs",
            "hcflow.limits",
            "hcflow.units",
            "hcflow.hashing",
        ),
    ),
    ("schemas", ("hcflow.schemas",)),
    ("potentials", ("hcflow.potentials",)),
    (
        "science",
        (
            "hcflow.md",
            "hcflow.structures",
            "hcflow.descriptors",
            "hcflow.analysis",
            "hcflow.kmc",
        ),
    ),
    ("work", ("hcflow.flows", "hcflow.builders", "hcflow.report")),
    ("services", ("hcflow.services", "hcflow.api")),
    ("cli", ("hcflow.cli",)),
]
MAX_LINES = 400


def layer_of(module: str) -> int | None:
    """Index of the layer of a module (the longest matching prefix wins)."""
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best_len:
                best, best_len = i, len(p)
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) of every absolute hcflow import."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.module, [a.name for a in node.names], node.lineno))
    return [x for x in out if x[0] == "hcflow" or x[0].startswith("hcflow.")]


def resolve(target: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """The modules an import statement reaches (``from pkg import mod`` too)."""
    subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
    return subs or [target]


def upward_imports() -> list[str]:
    """Every import that points to a higher layer, as 'a -> b (line n)'."""
    known = modules()
    bad = []
    for mod, path in known.items():
        if mod == "hcflow":  # the package facade: lazy ``Client`` only
            continue
        here = layer_of(mod)
        for target, names, line in imports(path):
            for t in resolve(target, names, known):
                there = layer_of(t)
                if here is not None and there is not None and there > here:
                    bad.append(
                        f"{mod} ({LAYERS[here][0]}) -> {t} ({LAYERS[there][0]}) "
                        f"line {line}"
                    )
    return bad


def test_every_module_has_a_layer():
    assert [m for m in modules() if m != "hcflow" and layer_of(m) is None] == []


def test_imports_point_down():
    assert upward_imports() == []


def test_no_import_cycles():
    known = modules()
    graph = {
        m: {t for tgt, names, _ in imports(p) for t in resolve(tgt, names, known)}
        & set(known)
        for m, p in known.items()
    }
    # a package __init__ importing its own modules is not a cycle of design
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".") and t != m}
    cycles = []
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_modules_are_small():
    long = {
        m: n
        for m, p in modules().items()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_private_names_across_modules():
    known = modules()
    bad = []
    for mod, path in known.items():
        for target, names, line in imports(path):
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            if private and target != mod:
                bad.append(f"{mod} imports {private} from {target} (line {line})")
    assert bad == []


#: command-line modules -> the commands they define: a test that runs one of
#: them (an argument list starting with the command) tests the module
CLI_COMMANDS = {
    "hcflow.cli.build": ("build",),
    "hcflow.cli.data": ("ingest", "query", "export", "export-trajectory"),
    "hcflow.cli.db": ("db",),
    "hcflow.cli.demo": ("demo",),
    "hcflow.cli.main": ("version",),
    "hcflow.cli.potential": ("potential",),
    "hcflow.cli.report": ("report",),
    "hcflow.cli.structure": ("structure",),
    "hcflow.cli.study": ("study",),
}


def test_every_public_module_is_tested():
    """Each public module of hcflow is imported by at least one test module
    (a command-line module: one of its commands is run by a test)."""
    import re

    tested: set[str] = set()
    known = modules()
    sources = []
    for path in (ROOT / "tests").rglob("*.py"):
        sources.append(path.read_text())
        for target, names, _ in imports(path):
            tested.update(resolve(target, names, known))
    for mod, commands in CLI_COMMANDS.items():
        words = "|".join(map(re.escape, commands))
        pattern = re.compile(r'\[\s*"(' + words + ')"')
        if any(pattern.search(src) for src in sources):
            tested.add(mod)
    public = [
        m
        for m in known
        if not any(part.startswith("_") for part in m.split("."))
        and not known[m].name == "__init__.py"
    ]
    untested = [m for m in public if m not in tested]
    assert untested == []


@pytest.mark.parametrize(
    "module, expected",
    [
        ("hcflow.cli.main", "cli"),
        ("hcflow.services.build", "services"),
        ("hcflow.services.distill", "services"),
        ("hcflow.potentials.fast_mace", "potentials"),
        ("hcflow.potentials.mace_fused", "potentials"),
        ("hcflow.md.runner", "science"),
        ("hcflow.schemas.names", "schemas"),
        ("hcflow.db.stores", "base"),
        ("hcflow.credentials", "base"),
    ],
)
def test_layer_map(module, expected):
    assert LAYERS[layer_of(module)][0] == expected
