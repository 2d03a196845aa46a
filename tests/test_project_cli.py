"""``codescalpel refs|map|callgraph`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from project_support import APP, write_tree
from support import run_cli


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", APP)


def _cli(project: Path, tmp_path: Path, *args: str):
    return run_cli(*args, "--root", str(project), "--data-dir", str(tmp_path / "data"))


def test_refs(project: Path, tmp_path: Path) -> None:
    out = _cli(project, tmp_path, "refs", "app.util.helper")
    assert out.returncode == 0, out.stderr
    assert "app/core.py:12:8: call: h()" in out.stdout
    data = json.loads(_cli(project, tmp_path, "refs", "app.util.helper", "--json", "--no-tests").stdout)
    assert data["total"] == 4 and all(not r["file"].startswith("tests/") for r in data["references"])
    assert list((tmp_path / "data" / "index").glob("*.sqlite"))


def test_map(project: Path, tmp_path: Path) -> None:
    out = _cli(project, tmp_path, "map")
    assert out.returncode == 0 and "app.core" in out.stdout and "__main__ block: app.core" in out.stdout
    data = json.loads(_cli(project, tmp_path, "map", "--json", "--complexity").stdout)
    assert data["total_files"] == 5 and "complexity_max" in data["modules"][0]


def test_callgraph(project: Path, tmp_path: Path) -> None:
    out = _cli(project, tmp_path, "callgraph")
    assert "app.core.Engine.step -> app.util.helper" in out.stdout
    mermaid = _cli(project, tmp_path, "callgraph", "--mermaid", "--entry", "main", "--depth", "1")
    assert mermaid.stdout.startswith("graph TD") and mermaid.stdout.count("-->") == 2
    data = json.loads(_cli(project, tmp_path, "callgraph", "--json").stdout)
    assert ["app.core.main", "app.core.Base.run"] in [[e["caller"], e["callee"]] for e in data["edges"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("refs", "no_such_symbol"), "no definition"),
        (("callgraph", "--entry", "helper"), "ambiguous"),
        (("refs", "helper", "--cursor", "zz"), "cursor"),
    ],
)
def test_errors_exit_2_with_a_message(project: Path, tmp_path: Path, args: tuple, message: str) -> None:
    out = _cli(project, tmp_path, *args)
    assert out.returncode == 2 and message in out.stderr


def test_missing_root(tmp_path: Path) -> None:
    out = run_cli("map", "--root", str(tmp_path / "missing"), "--data-dir", str(tmp_path / "d"))
    assert out.returncode == 2 and "not a directory" in out.stderr
