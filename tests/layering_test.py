#!/usr/bin/python3
"""Checks that the layers of sim/ depend only downwards: no source of a layer includes a header
of a layer above it (the order below is the one CMakeLists.txt links and docs/DESIGN.md draws).
Usage: layering_test.py SOURCE_DIR"""
import pathlib
import re
import sys

LAYERS = ["core", "network", "io", "model", "engines", "batch", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path: pathlib.Path, root: pathlib.Path) -> str:
    rel = path.relative_to(root)
    if rel.parts[0] == "policies":  # policy plug-ins are part of the model layer
        return "model"
    return rel.parts[1]  # sim/<layer>/...


def main() -> int:
    root = pathlib.Path(sys.argv[1]).resolve()
    sources = [p for d in ("sim", "policies") for p in (root / d).rglob("*") if p.suffix in (".cpp", ".hpp")]
    problems = []
    for path in sorted(sources):
        layer = layer_of(path, root)
        if layer not in LAYERS:
            problems.append(f"{path.relative_to(root)}: folder {layer!r} is not a layer (expected one of {LAYERS})")
            continue
        for line_no, include in ((path.read_text()[: m.start()].count("\n") + 1, m.group(1))
                                 for m in INCLUDE.finditer(path.read_text())):
            target = include.split("/")[0]
            if target in LAYERS and LAYERS.index(target) > LAYERS.index(layer):
                problems.append(f"{path.relative_to(root)}:{line_no}: the {layer} layer includes \"{include}\" "
                                f"from the {target} layer above it")
    for p in problems:
        print(p)
    print(f"{len(sources)} sources checked, {len(problems)} upward includes")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
