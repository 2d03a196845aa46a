"""extract_code against ground truth from ``ast`` on large real modules, and its error cases."""

from __future__ import annotations

import json
import subprocess
import sysconfig
from collections import defaultdict
from pathlib import Path

import pytest

from code_scalpel.analysis.api import analyze_code, extract_code, file_context
from code_scalpel.analysis.fallback import newer_interpreter
from code_scalpel.errors import InvalidArgument, SymbolNotFound
from code_scalpel.sandbox import decode_source
from ground_truth import definitions

STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = [
    "argparse.py",
    "typing.py",
    "inspect.py",
    "difflib.py",
    "email/_header_value_parser.py",
    "tkinter/__init__.py",
    "dataclasses.py",
    "asyncio/base_events.py",
    "functools.py",
    "enum.py",
]
GROUND_TRUTH = Path(__file__).with_name("ground_truth.py")


def _read(path: Path) -> str:
    return decode_source(path.read_bytes(), str(path))


def _by_path(defs: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for d in defs:
        grouped[d["qualified_name"]].append(d)
    return grouped


def _ranges(defs: list[dict]) -> list[tuple[str, int, int]]:
    return sorted((d["qualified_name"], d["line_start"], d["line_end"]) for d in defs)


def _check_all(source: str, expected: list[dict], extract=extract_code) -> int:
    problems = []
    for path, defs in _by_path(expected).items():
        first = defs[0]
        result = extract(source, first["kind"], path)
        if result["target_code"] != first["code"]:
            problems.append(f"{path}: code differs")
        if (result["line_start"], result["line_end"]) != (first["line_start"], first["line_end"]):
            problems.append(f"{path}: lines {result['line_start']}-{result['line_end']} != {first['line_start']}")
        others = [(o["line_start"], o["line_end"]) for o in result.get("other_definitions", [])]
        if others != [(d["line_start"], d["line_end"]) for d in defs[1:]]:
            problems.append(f"{path}: other definitions {others}")
    assert not problems, problems[:20]
    return len(expected)


@pytest.mark.parametrize("module", MODULES)
def test_every_definition_of_a_stdlib_module_is_byte_identical(module: str) -> None:
    path = STDLIB / module
    source = _read(path)
    expected = definitions(source)
    assert len(expected) > 20
    assert _check_all(source, expected) == len(expected)
    # analyze_code lists the same definitions with the same line ranges
    result = analyze_code(source, filename=module)
    listed = sorted(
        (d["qualified_name"], d["line_start"], d["line_end"]) for d in result["functions"] + result["classes"]
    )
    assert listed == sorted((d["qualified_name"], d["line_start"], d["line_end"]) for d in expected)
    assert result["totals"] == {
        "functions": sum(d["kind"] != "class" for d in expected),
        "classes": sum(d["kind"] == "class" for d in expected),
    }


def _variants() -> list[tuple[str, str]]:
    base = (STDLIB / "argparse.py").read_text(encoding="utf-8")
    return [
        ("crlf", base.replace("\n", "\r\n")),
        ("tabs", base.replace("    ", "\t")),
        (
            "non-ascii",
            base.replace("def _get_action_name(", "def _gét_nom_d_actïon(")
            .replace('"""Formatter for', '"""Förmätter ✓ für')
            .replace("(self, prog,", "(self, prög,"),
        ),
        ("no-final-newline", base.rstrip("\n")),
    ]


@pytest.mark.parametrize(("label", "source"), _variants(), ids=[v[0] for v in _variants()])
def test_line_endings_tabs_and_non_ascii_stay_exact(label: str, source: str) -> None:
    expected = definitions(source)
    _check_all(source, expected)


TRICKY = """\
import functools


@functools.lru_cache(
    maxsize=None,  # a comment inside the decorator
)
@(
    lambda f: f
)
@  staticmethod_like
def spaced(): return 1


class Outer:
    @property
    def value(self):
        return 1

    @value.setter
    def value(self, new):
        pass

    class Inner:
        async def method(self, x=(1,
                                  2)):
            def deep():
                class Local: pass
                return Local
            return deep

    if True:
        def conditional(self): ...
    else:
        def conditional(self): return 2


def outer():
    def inner():
        pass
    return inner

x = 1; def_after_semicolon = 2
def one_liner(a, b): return a + b  # trailing comment
"""

TRICKY_CASES = [
    ("function", "spaced"),
    ("class", "Outer"),
    ("method", "Outer.value"),
    ("class", "Outer.Inner"),
    ("method", "Outer.Inner.method"),
    ("function", "Outer.Inner.method.deep"),
    ("class", "Outer.Inner.method.deep.Local"),
    ("method", "Outer.conditional"),
    ("function", "outer"),
    ("function", "outer.inner"),
    ("function", "one_liner"),
]


@pytest.mark.parametrize(("target_type", "name"), TRICKY_CASES)
def test_decorators_nesting_and_duplicates(target_type: str, name: str) -> None:
    expected = _by_path(definitions(TRICKY))[name]
    result = extract_code(TRICKY, target_type, name)
    assert result["target_code"] == expected[0]["code"]
    assert result["kind"] == expected[0]["kind"]
    assert len(result.get("other_definitions", [])) == len(expected) - 1


def test_decorated_function_starts_at_the_first_at_sign() -> None:
    code = extract_code(TRICKY, "function", "spaced")["target_code"]
    assert code.startswith("@functools.lru_cache(\n    maxsize=None,  # a comment")
    assert code.endswith("def spaced(): return 1")
    assert extract_code(TRICKY, "method", "Outer.value")["other_definitions"] == [{"line_start": 19, "line_end": 21}]


def test_function_accepts_a_method_path() -> None:
    # 'function' is the lenient type: any def at that path.
    assert extract_code(TRICKY, "function", "Outer.value")["kind"] == "method"


NOT_FOUND = [
    # (type, name, expected message part, suggestions that must be listed)
    ("function", "spaced_out", "closest names", ["spaced"]),
    ("function", "inner", "closest names", ["outer.inner"]),
    ("method", "value", "a method is named 'Class.method'", ["Outer.value"]),
    ("method", "Outer.valu", "closest names", ["Outer.value"]),
    ("class", "outer", "is a function, not a class", ["outer"]),
    ("method", "outer.inner", "is a function, not a method", ["outer.inner"]),
    ("function", "Outer", "is a class, not a function", ["Outer"]),
    ("class", "Zzzzzz", "none; list the file's symbols with get_file_context", []),
]


@pytest.mark.parametrize(("target_type", "name", "message", "suggested"), NOT_FOUND)
def test_not_found_lists_the_closest_names(target_type: str, name: str, message: str, suggested: list[str]) -> None:
    with pytest.raises(SymbolNotFound) as caught:
        extract_code(TRICKY, target_type, name, filename="tricky.py")
    error = caught.value
    assert message in error.message
    assert "tricky.py" in error.message
    for s in suggested:
        assert s in error.data["suggestions"]
        assert s in error.message
    assert error.to_dict()["code"] == "symbol_not_found"


def test_bad_target_type_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgument, match="function, class, method"):
        extract_code(TRICKY, "module", "outer")


CONTEXT_SOURCE = """\
import os
import sys as system, json
from typing import Any, Optional
from collections import *

BASE = os.path.join("a", "b")
DERIVED = BASE + "/c"
UNUSED = 3
WIDTH: int = 80


def helper(x: Any) -> str:
    return str(x)


class Model:
    LIMIT = WIDTH

    def run(self, value: Optional[int] = None) -> str:
        data = json.dumps({"path": DERIVED, "w": WIDTH})
        return helper(data) + system.version


def uses_star():
    return OrderedDict()


def uses_class():
    return Model()
"""

CONTEXT_CASES = [
    # (type, name, statements expected in context_code, statements that must not be there)
    (
        "method",
        "Model.run",
        ["import os", "import sys as system, json", "from typing import Any, Optional", 'BASE = os.path.join("a", "b")',
         'DERIVED = BASE + "/c"', "WIDTH: int = 80", "def helper(x: Any) -> str:\n    return str(x)"],
        ["UNUSED", "class Model", "from collections import *"],
    ),
    ("function", "helper", ["from typing import Any, Optional"], ["import os", "BASE", "WIDTH"]),
    ("function", "uses_star", ["from collections import *"], ["import os"]),
    ("function", "uses_class", ["class Model:", "LIMIT = WIDTH"], ["import os"]),
    ("class", "Model", ["WIDTH: int = 80", "import sys as system, json"], ["UNUSED"]),
]  # fmt: skip


@pytest.mark.parametrize(("target_type", "name", "present", "absent"), CONTEXT_CASES)
def test_include_context(target_type: str, name: str, present: list[str], absent: list[str]) -> None:
    result = extract_code(CONTEXT_SOURCE, target_type, name, include_context=True)
    context = result["context_code"]
    for text in present:
        assert text in context
    for text in absent:
        assert text not in context
    assert result["full_code"].endswith(result["target_code"])
    assert result["full_code"].startswith(context)
    for item in result["context_items"]:
        assert item["line_start"] <= item["line_end"]
    assert [i["line_start"] for i in result["context_items"]] == sorted(
        i["line_start"] for i in result["context_items"]
    )


def test_without_context_full_code_is_the_target() -> None:
    result = extract_code(CONTEXT_SOURCE, "function", "helper")
    assert result["full_code"] == result["target_code"]
    assert "context_code" not in result


# --- files only a newer Python parses: real modules from the newest interpreter's standard library ---

needs_newer = pytest.mark.skipif(newer_interpreter() is None, reason="no newer Python (3.12+) installed")


def _newer_stdlib_files() -> list[str]:
    interpreter = newer_interpreter()
    if interpreter is None:
        return []
    out = subprocess.run(
        [interpreter.executable, "-I", "-S", "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    root = Path(out.stdout.strip())
    # These use f-strings or generics the running interpreter cannot parse (3.13: typing, traceback, dataclasses).
    return [str(root / name) for name in ("typing.py", "traceback.py", "dataclasses.py", "turtle.py")]


@needs_newer
@pytest.mark.parametrize("path", _newer_stdlib_files() or ["none"])
def test_newer_stdlib_modules_through_the_fallback(path: str) -> None:
    interpreter = newer_interpreter()
    assert interpreter is not None
    source = _read(Path(path))
    expected = json.loads(
        subprocess.run(
            [interpreter.executable, "-I", "-S", str(GROUND_TRUTH), path], capture_output=True, text=True, check=True
        ).stdout
    )
    result = analyze_code(source, filename=path)
    if result["parser"] == interpreter.label:  # the running interpreter could not parse it
        listed = sorted(
            (d["qualified_name"], d["line_start"], d["line_end"]) for d in result["functions"] + result["classes"]
        )
        assert listed == sorted((d["qualified_name"], d["line_start"], d["line_end"]) for d in expected)
    outline = file_context(source, filename=path)
    assert outline["symbols_total"] == len(expected)
    # every 25th definition through the worker (one subprocess each), all of them byte-identical
    sample = expected[::25]
    assert _check_all(source, sample) == len(sample)


@needs_newer
def test_the_analysis_runs_inside_the_newer_interpreter_with_only_src_on_the_path() -> None:
    interpreter = newer_interpreter()
    assert interpreter is not None
    path = _newer_stdlib_files()[0]
    src = Path(__file__).resolve().parents[1] / "src"
    script = f"""
import json, sys
sys.path.append({str(src)!r})
sys.path.append({str(GROUND_TRUTH.parent)!r})
from code_scalpel.analysis import fallback
fallback.enabled = False
from code_scalpel.analysis.api import extract_code, analyze_code
from ground_truth import definitions
source = open({path!r}, encoding="utf-8").read()
bad = []
expected = definitions(source)
seen = set()
for d in expected:
    if d["qualified_name"] in seen:
        continue
    seen.add(d["qualified_name"])
    if extract_code(source, d["kind"], d["qualified_name"])["target_code"] != d["code"]:
        bad.append(d["qualified_name"])
print(json.dumps({{"checked": len(seen), "bad": bad, "parser": analyze_code(source)["parser"],
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] not in sys.stdlib_module_names)}}))
"""
    done = subprocess.run([interpreter.executable, "-I", "-S", "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["bad"] == []
    assert report["checked"] > 100
    assert report["parser"] == interpreter.label
    # nothing but the standard library, ground_truth and our own package was imported
    assert {m.split(".")[0] for m in report["modules"]} <= {"code_scalpel", "ground_truth", "__main__"}


EDGE_CASES = [
    # (label, source, type, name, expected exact code)
    ("lone CR line ends", "import os\rdef f():\r    return 1\rx = 2\r", "function", "f", "def f():\r    return 1"),
    ("form feed line", "x = 1\n\f\ndef f():\n    pass\n", "function", "f", "def f():\n    pass"),
    ("emoji before the column", "class C:\n    a = '😀'; \n    def m(self): return '😀'\n", "method", "C.m",
     "def m(self): return '😀'"),
    ("tab-indented decorated method", "class C:\n\t@staticmethod\n\tdef m():\n\t\treturn 1\n", "method", "C.m",
     "@staticmethod\n\tdef m():\n\t\treturn 1"),
    ("backslash after @", "@\\\n  dec\ndef f(): pass\n", "function", "f", "@\\\n  dec\ndef f(): pass"),
    ("comment between decorators", "@a\n# why\n@b  # trailing\ndef f(): pass\n", "function", "f",
     "@a\n# why\n@b  # trailing\ndef f(): pass"),
    ("docstring with @ lines above", 'X = """\n@not_a_decorator\n"""\n@(\n    real)\ndef f(): pass\n', "function",
     "f", "@(\n    real)\ndef f(): pass"),
    ("non-ascii decorator argument", "@route('/café')\ndef view(): return 'ü'\n", "function", "view",
     "@route('/café')\ndef view(): return 'ü'"),
    ("class ending in a comment", "class A:\n    x = 1\n    # trailing comment\n\ny = 2\n", "class", "A",
     "class A:\n    x = 1"),
    ("async nested in class in function", "def f():\n    class K:\n        async def g(self):\n            await x\n",
     "function", "f.K.g", "async def g(self):\n            await x"),
    ("bom stripped", "\ufeffdef f(): pass\n", "function", "f", "def f(): pass"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "source", "kind", "name", "code"), EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_edge_cases_slice_exactly(label: str, source: str, kind: str, name: str, code: str) -> None:
    assert extract_code(source, kind, name)["target_code"] == code
