"""Small projects written to temporary folders for the project-analysis tests."""

from __future__ import annotations

from pathlib import Path

from code_scalpel.project.index import ProjectIndex


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root.resolve()


def build(root: Path, files: dict[str, str] | None = None, cache: Path | None = None, workers: int = 1) -> ProjectIndex:
    if files:
        write_tree(root, files)
    index = ProjectIndex(root.resolve(), lambda p: p.is_relative_to(root.resolve()), cache, workers=workers)
    index.refresh()
    return index


def edges(index: ProjectIndex) -> set[tuple[str, str]]:
    return {e for r in index.call_results().values() for e in r["edges"]}


APP = {
    "app/__init__.py": "from .core import Engine as Engine\n",
    "app/util.py": (
        "import os\n"
        "LIMIT = 10\n"
        "def helper():\n"
        "    return os.path.join('a', 'b')\n"
        "class Tool:\n"
        "    def use(self):\n"
        "        helper()\n"
    ),
    "app/core.py": (
        "from . import util\n"
        "from .util import helper as h, LIMIT\n"
        "class Base:\n"
        "    def run(self):\n"
        "        self.step()\n"
        "    def step(self):\n"
        "        pass\n"
        "class Engine(Base):\n"
        "    def __init__(self):\n"
        "        self.tool = util.Tool()\n"
        "    def step(self):\n"
        "        h()\n"
        "        self.tool.use()\n"
        "        return LIMIT\n"
        "def main():\n"
        "    Engine().run()\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    ),
    "app/other.py": ("def helper():\n    pass\ndef run(thing):\n    thing.helper()\n    helper()\n"),
    "tests/test_app.py": "from app.util import helper\ndef test_it():\n    helper()\n",
}
