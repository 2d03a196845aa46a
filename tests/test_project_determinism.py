"""The same project gives the same call graph whatever the hash seed.

The resolver cuts cycles and over-deep chains short; before its sets were
explored in a fixed order, where it cut depended on ``PYTHONHASHSEED`` and this
tree (a few standard-library packages: asyncio's futures and tasks refer to
each other in circles) gave three different graphs over six seeds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

PACKAGES = ("asyncio", "concurrent", "email", "json", "http")

GRAPH = """
import json, sys
from pathlib import Path
from code_scalpel.project.graph import call_graph_of
from code_scalpel.project.index import ProjectIndex
index = ProjectIndex(Path(sys.argv[1]), lambda p: True, None, workers=1)
index.refresh()
graph = call_graph_of(index)
print(json.dumps({"edges": sorted(graph.edges.items()), "defs": graph.defs, "unresolved": graph.unresolved}))
"""


@pytest.fixture(scope="module")
def stdlib_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stdlib")
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for name in PACKAGES:
        shutil.copytree(stdlib / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "test*"))
    return root.resolve()


def _graph(root: Path, seed: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run([sys.executable, "-c", GRAPH, str(root)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_call_graph_does_not_depend_on_the_hash_seed(stdlib_tree: Path) -> None:
    first = _graph(stdlib_tree, "1")
    assert len(first["edges"]) > 1000  # a real graph, not an empty one that would trivially agree
    for seed in ("2", "3", "4", "5"):
        other = _graph(stdlib_tree, seed)
        for part in ("edges", "defs", "unresolved"):
            assert other[part] == first[part], f"seed {seed}: {part} differ"
