"""Call-graph resolution: every labelled case must give exactly its edges (no more, no fewer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callgraph_cases import CASES, KNOWN_IMPRECISE
from code_scalpel.project import resolve
from project_support import build, edges


def _param(case: tuple) -> object:
    case_id = f"{case[0]}/{case[1]}"
    marks = [pytest.mark.xfail(strict=True, reason="known imprecision")] if case_id in KNOWN_IMPRECISE else []
    return pytest.param(*case, id=case_id, marks=marks)


@pytest.mark.parametrize(("category", "name", "files", "expected"), [_param(c) for c in CASES])
def test_case_edges(tmp_path: Path, category: str, name: str, files: dict[str, str], expected: set) -> None:
    got = edges(build(tmp_path, files))
    assert got - expected == set(), "reported edges that are not real (precision)"
    assert expected - got == set(), "missed real edges (recall)"


@pytest.mark.parametrize(
    ("source", "unresolved_call"),
    [
        ("import sys\nclass A:\n    def go(self):\n        pass\ngetattr(A(), sys.argv[1])()\n", "getattr(...)"),
        ("def run(obj):\n    obj.anything()\n", "obj.anything"),
        ("x = undefined_name\nx()\n", "x"),
    ],
)
def test_unresolvable_calls_are_listed_not_guessed(tmp_path: Path, source: str, unresolved_call: str) -> None:
    index = build(tmp_path, {"main.py": source})
    results = index.call_results()["main.py"]
    assert unresolved_call in {u[1] for u in results["unresolved"]}
    assert not any(b.startswith("main.A") for _, b in results["edges"])


def test_external_calls_are_kept_apart(tmp_path: Path) -> None:
    index = build(tmp_path, {"main.py": "import os.path\ndef f():\n    os.path.join('a')\n    print(1)\n"})
    result = index.call_results()["main.py"]
    assert set(result["external"]) == {("main.f", "os.path.join"), ("main.f", "builtins.print")}
    assert result["edges"] == {}


@pytest.mark.parametrize(("callers", "resolved"), [(1, True), (2, True), (3, False)])
def test_a_parameter_takes_values_from_a_bounded_number_of_callers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, callers: int, resolved: bool
) -> None:
    monkeypatch.setattr(resolve, "_MAX_CALLERS", 2)
    source = "def run(cb):\n    cb()\ndef task():\n    pass\n" + "run(task)\n" * callers
    results = build(tmp_path, {"main.py": source}).call_results()["main.py"]
    assert (("main.run", "main.task") in results["edges"]) is resolved
    assert (("main.run", "cb") in {u[:2] for u in results["unresolved"]}) is not resolved  # unknown, not guessed
