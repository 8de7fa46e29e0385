"""Architecture metrics of a source tree: module sizes and upward imports.

    python benchmarks/architecture.py [ROOT]      # default: this checkout

Prints the number of modules and lines, the largest module, the modules over
500 lines and every import that points up the layers of
``tests/test_layers.py`` (which fails on any). Run it on another checkout
(e.g. an older commit in a worktree) to compare.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def main(root: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "test_layers", HERE / "tests" / "test_layers.py"
    )
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    layers.ROOT, layers.PACKAGE = root, root / "hcflow"
    mods = layers.modules()
    lines = {m: len(p.read_text().splitlines()) for m, p in mods.items()}
    biggest = max(lines, key=lines.get)
    print(f"{len(mods)} modules, {sum(lines.values())} lines")
    print(f"largest: {biggest} ({lines[biggest]} lines)")
    print(f"over {layers.MAX_LINES} lines: {[m for m, n in lines.items() if n > 500]}")
    up = layers.upward_imports()
    print(f"upward imports: {len(up)}")
    for line in up:
        print(f"  {line}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE)
