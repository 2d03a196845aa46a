"""References and cross-file dependencies on a small project, as tables of expected results."""

from __future__ import annotations

from pathlib import Path

import pytest

from code_scalpel.errors import InvalidArgument, SymbolNotFound
from code_scalpel.project.refs import cross_file_dependencies, references
from project_support import APP, build


@pytest.fixture
def app(tmp_path: Path):
    return build(tmp_path, APP)


def _refs(index, symbol, include_tests=True, scope=None):
    r = references(index, symbol, scope, include_tests, 1000, None, 10_000)
    return r, {(e["file"], e["line"], e["kind"]) for e in r["references"]}


CASES = [
    (
        "app.util.helper",
        {
            ("app/util.py", 3, "definition"),
            ("app/core.py", 2, "import"),  # from .util import helper as h
            ("app/core.py", 12, "call"),  # h()  -- through the alias
            ("app/util.py", 7, "call"),
            ("tests/test_app.py", 1, "import"),
            ("tests/test_app.py", 3, "call"),
        },
    ),
    ("app.other.helper", {("app/other.py", 1, "definition"), ("app/other.py", 5, "call")}),
    ("Tool.use", {("app/util.py", 6, "definition"), ("app/core.py", 13, "call")}),  # self.tool.use()
    ("Base.step", {("app/core.py", 6, "definition"), ("app/core.py", 5, "call")}),  # self.step() in Base
    ("Engine.step", {("app/core.py", 11, "definition"), ("app/core.py", 5, "call")}),  # override dispatch
    ("LIMIT", {("app/util.py", 2, "write"), ("app/core.py", 2, "import"), ("app/core.py", 14, "read")}),
    (
        "Engine",
        {("app/core.py", 8, "definition"), ("app/__init__.py", 1, "import"), ("app/core.py", 16, "call")},
    ),
]


@pytest.mark.parametrize(("symbol", "expected"), CASES, ids=[c[0] for c in CASES])
def test_references(app, symbol: str, expected: set) -> None:
    _, got = _refs(app, symbol)
    assert got == expected


def test_same_name_unresolved_are_apart(app) -> None:
    r, got = _refs(app, "app.other.helper")
    assert [(u["file"], u["line"]) for u in r["unresolved"]] == [("app/other.py", 4)]  # thing.helper()
    assert ("app/other.py", 4, "call") not in got


def test_ambiguous_short_name_lists_every_definition(app) -> None:
    r, got = _refs(app, "helper")
    assert r["definitions"] == ["app.other.helper", "app.util.helper"]
    assert ("app/other.py", 5, "call") in got and ("app/util.py", 7, "call") in got


def test_include_tests_and_scope(app) -> None:
    _, without_tests = _refs(app, "app.util.helper", include_tests=False)
    assert not any(f.startswith("tests/") for f, _, _ in without_tests)
    _, scoped = _refs(app, "app.util.helper", scope="app/util")
    assert {f for f, _, _ in scoped} == {"app/util.py"}


def test_pagination_walks_every_reference_once(app) -> None:
    seen = []
    cursor = None
    while True:
        r = references(app, "app.util.helper", None, True, 2, cursor, 10_000)
        assert r["total"] == 6 and len(r["references"]) <= 2
        seen += [(e["file"], e["line"]) for e in r["references"]]
        cursor = r["next_cursor"]
        assert r["truncated"] == (cursor is not None)
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6


def test_max_references_cuts_and_says_so(app) -> None:
    r = references(app, "app.util.helper", None, True, 100, None, 2)
    assert r["truncated"] and r["limited_by"] == "max_references"


@pytest.mark.parametrize(
    ("symbol", "error"),
    [
        ("nothing_like_it", SymbolNotFound),
        ("helpr", SymbolNotFound),
        ("two words", InvalidArgument),
        ("", InvalidArgument),
    ],
)
def test_bad_symbols(app, symbol: str, error: type) -> None:
    with pytest.raises(error) as info:
        references(app, symbol, None, True, 10, None, 100)
    if symbol == "helpr":
        assert "helper" in info.value.message


@pytest.mark.parametrize("cursor", ["abc", "-1", "999"])
def test_bad_cursor(app, cursor: str) -> None:
    with pytest.raises(InvalidArgument, match="cursor"):
        references(app, "helper", None, True, 10, cursor, 100)


def test_cross_file_dependencies(app) -> None:
    r = cross_file_dependencies(app, "app/core.py", "Engine", 3, True, 50)
    got = {(d["symbol"], d["kind"]) for d in r["dependencies"]}
    assert got == {
        ("app.util.LIMIT", "variable"),
        ("app.util.helper", "function"),
        ("app.util.Tool", "class"),
        ("app.util.Tool.use", "function"),
    }
    helper = next(d for d in r["dependencies"] if d["symbol"] == "app.util.helper")
    assert helper["code"].startswith("def helper():") and helper["file"] == "app/util.py"
    assert r["files"] == ["app/util.py"]


def test_cross_file_dependencies_transitive_depth(tmp_path: Path) -> None:
    index = build(
        tmp_path,
        {
            "a.py": "from b import g\ndef f():\n    g()\n",
            "b.py": "from c import h\ndef g():\n    h()\n",
            "c.py": "def h():\n    pass\n",
        },
    )
    one = cross_file_dependencies(index, "a.py", "f", 1, False, 50)
    two = cross_file_dependencies(index, "a.py", "f", 2, False, 50)
    assert [d["symbol"] for d in one["dependencies"]] == ["b.g"]
    assert [(d["symbol"], d["depth"]) for d in two["dependencies"]] == [("b.g", 1), ("c.h", 2)]
    with pytest.raises(SymbolNotFound):
        cross_file_dependencies(index, "a.py", "missing", 1, False, 50)


def test_file_swapped_for_an_escaping_link_after_indexing_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("from a import helper  # SECRET token\nhelper()\n")
    index = build(tmp_path / "p", {"a.py": "def helper():\n    pass\n", "b.py": "from a import helper\nhelper()\n"})
    (tmp_path / "p" / "b.py").unlink()
    (tmp_path / "p" / "b.py").symlink_to(outside)  # swapped after the walk, before the query
    r = references(index, "a.helper", None, True, 100, None, 1000)
    assert all("SECRET" not in e["text"] for e in r["references"] + r["unresolved"])
    assert {e["file"] for e in r["references"]} == {"a.py"}
