"""Parsing: newer syntax, the PEP 758 rewrite, real syntax errors, encodings, and never running the code."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from code_scalpel.analysis import fallback
from code_scalpel.analysis.api import analyze_code, extract_code, file_context
from code_scalpel.analysis.parsing import RUNNING, parse_module
from code_scalpel.errors import FileUnreadable, ParseFailure, SymbolNotFound
from code_scalpel.sandbox import decode_source

GROUND_TRUTH = Path(__file__).with_name("ground_truth.py")
NEWER = fallback.newer_interpreter()
needs_newer = pytest.mark.skipif(NEWER is None, reason="no newer Python (3.12+) installed")
below_314 = pytest.mark.skipif(sys.version_info >= (3, 14), reason="3.14 parses PEP 758 natively")

# --- Python 3.12+ syntax the running 3.11 cannot parse ----------------------------------------------

PEP_695 = '''\
type Pair[T] = tuple[T, T]
type Tree[T: (int, str)] = T | list[Tree[T]]


class Box[T: (int, str), *Ts, **P]:
    """A generic box."""

    def get[U](self, other: U) -> T | U:
        return self.value or other


def first[T](items: list[T], /, *, default: T | None = None) -> T | None:
    return items[0] if items else default
'''

FSTRINGS_312 = """\
songs = {"a": ["x", "y"]}


def quote(name):
    return f"{songs["a"][0]!r:>{10}} and {", ".join(songs[name])}"


def nested():
    return f"{f"{f"{1 + 1}"}"}"


def multiline_expr(x):
    return f"{
        x   # a comment inside the replacement field
    }"
"""

MODERN_CASES = [("pep695", PEP_695), ("fstrings312", FSTRINGS_312)]


@below_314
@pytest.mark.parametrize(("label", "source"), MODERN_CASES)
def test_running_python_cannot_parse_these(label: str, source: str) -> None:
    if sys.version_info >= (3, 12):
        pytest.skip("the running interpreter has the 3.12 grammar")
    with pytest.raises(SyntaxError):
        ast.parse(source)


@needs_newer
@pytest.mark.parametrize(("label", "source"), MODERN_CASES)
def test_newer_syntax_is_analyzed_and_extracted_exactly(tmp_path: Path, label: str, source: str) -> None:
    assert NEWER is not None
    file = tmp_path / f"{label}.py"
    file.write_text(source, encoding="utf-8")
    expected = json.loads(
        subprocess.run(
            [NEWER.executable, "-I", "-S", str(GROUND_TRUTH), str(file)], capture_output=True, text=True, check=True
        ).stdout
    )
    result = analyze_code(source, filename=file.name)
    assert result["parser"] in (RUNNING, NEWER.label)
    names = sorted(f["qualified_name"] for f in result["functions"] + result["classes"])
    assert names == sorted(d["qualified_name"] for d in expected)
    for d in expected:
        assert extract_code(source, d["kind"], d["qualified_name"])["target_code"] == d["code"]
    assert file_context(source, filename=file.name)["symbols_total"] == len(expected)


@needs_newer
def test_pep695_details_come_through_the_worker() -> None:
    result = analyze_code(PEP_695)
    (box,) = result["classes"]
    assert box["docstring"] == "A generic box."
    assert box["methods"] == ["get"]
    first = next(f for f in result["functions"] if f["name"] == "first")
    assert [p["kind"] for p in first["parameters"]] == ["positional_only", "keyword_only"]
    assert first["returns"] == "T | None"
    assert [a["names"] for a in result["assignments"]] == [["Pair"], ["Tree"]]
    outline = file_context(PEP_695)["outline"]
    assert "class Box[T: (int, str), *Ts, **P]:" in outline
    assert "def get[U](self, other: U) -> T | U: ..." in outline


@needs_newer
def test_errors_raised_in_the_worker_keep_their_type_and_data() -> None:
    with pytest.raises(SymbolNotFound) as caught:
        extract_code(PEP_695, "method", "Box.gett", filename="g.py")
    assert "Box.get" in caught.value.data["suggestions"]
    assert "g.py" in caught.value.message


def test_without_a_newer_python_the_original_error_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    if sys.version_info >= (3, 12):
        pytest.skip("the running interpreter parses PEP 695")
    monkeypatch.setattr(fallback, "enabled", False)
    with pytest.raises(ParseFailure) as caught:
        analyze_code(PEP_695 + "\n# distinct text, not cached\n", filename="p.py")
    assert caught.value.data["line"] == 1
    assert caught.value.data["parsers_tried"] == [RUNNING]
    assert caught.value.message.startswith("p.py:1:")


# --- PEP 758: except A, B: without parentheses ----------------------------------------------------

PEP_758 = [
    # (label, source of a function, the exception list as written)
    ("simple", "def f():\n    try:\n        pass\n    except ValueError, TypeError:\n        pass\n",
     "ValueError, TypeError"),
    ("inline body", "def f():\n    try: x()\n    except A, B: return 1\n", "A, B"),
    ("trailing comma", "def f():\n    try: x()\n    except A, B,: return 1\n", "A, B,"),
    ("star", "def f():\n    try:\n        pass\n    except* OSError, KeyError:\n        raise\n", "OSError, KeyError"),
    ("dotted and called", "def f():\n    try:\n        pass\n    except (A), mod.B, errs[0], get():\n        pass\n",
     "(A), mod.B, errs[0], get()"),
    ("non-ascii before", "def f():\n    try: é = 1\n    except Ä, Ö: é = 'ü'; return é\n", "Ä, Ö"),
    ("continuation", "def f():\n    try:\n        pass\n    except A, \\\n           B:\n        pass\n",
     "A, \\\n           B"),
    ("crlf", "def f():\r\n    try:\r\n        pass\r\n    except A, B:  pass\r\n", "A, B"),
    ("two clauses one line each", "def f():\n    try: pass\n    except A, B: pass\n    except C, D, E: pass\n",
     "C, D, E"),
]  # fmt: skip


@below_314
@pytest.mark.parametrize(("label", "source", "written"), PEP_758, ids=[c[0] for c in PEP_758])
def test_pep758_rewrite_keeps_every_position(label: str, source: str, written: str) -> None:
    module = "import mod\n" + source + "\n\nclass After:\n    def m(self): return 1\n"
    parsed = parse_module(module)
    assert parsed.parser == f"{RUNNING}+pep758"
    seg = parsed.source.segment
    for node in ast.walk(parsed.tree):
        if isinstance(node, ast.Name):
            assert seg(node) == node.id
        elif isinstance(node, ast.Attribute):
            assert seg(node).endswith(node.attr)
    handlers = [n for n in ast.walk(parsed.tree) if isinstance(n, ast.ExceptHandler)]
    assert seg(handlers[-1].type) == written
    assert extract_code(module, "function", "f")["target_code"] == source.rstrip("\r\n")
    assert extract_code(module, "method", "After.m")["target_code"] == "def m(self): return 1"


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    pass\nexcept A, B as e:\n    pass\n",  # PEP 758 keeps parentheses mandatory with 'as'
        "try:\n    pass\nexcept , B:\n    pass\n",
    ],
)
def test_pep758_rewrite_leaves_real_errors_alone(source: str) -> None:
    with pytest.raises(ParseFailure) as caught:
        analyze_code(source)
    assert caught.value.data["line"] == 3


@needs_newer
def test_pep758_together_with_312_syntax_goes_through_worker_and_rewrite() -> None:
    func = (
        'def g[T](x: T) -> T:\n    try:\n        return f"{x["k"]}"\n    except KeyError, TypeError:\n        return x'
    )
    source = f"import os\n\n\n{func}\n"
    result = extract_code(source, "function", "g")
    assert result["target_code"] == func
    assert result["parser"] == f"{NEWER.label}+pep758"


# --- real syntax errors ----------------------------------------------------------------------------

SYNTAX_ERRORS = [
    # (source, line, column on 3.11, words in the message)
    ("def f(:\n    pass\n", 1, 7, "invalid syntax"),
    ("x = (1,\ny = 2\n", 1, 5, "never closed"),
    ("def f():\nreturn 1\n", 2, 1, "expected an indented block"),
    ("if x:\n        a = 1\n    b = 2\n", 3, 10, "unindent"),
    ("x = = 1\n", 1, 5, "invalid syntax"),
    ('x = f"{"\n', 1, 9, "f-string"),
    ("class A:\n    def f(self):\n        return )\n", 3, 16, "unmatched ')'"),
    ("import = 3\n", 1, 8, "invalid syntax"),
    ("def f():\n    (a.b := 1)\n", 2, 6, "assignment expression"),
    ("x = " + "(" * 300 + ")" * 300 + "\n", 1, 205, "too many nested parentheses"),
    ("x = 1\x00\n", 1, None, "null bytes"),
]


@pytest.mark.parametrize(("source", "line", "column", "words"), SYNTAX_ERRORS)
def test_real_syntax_errors_report_line_and_column(source: str, line: int, column: int | None, words: str) -> None:
    for call in (
        lambda: analyze_code(source, filename="bad.py"),
        lambda: extract_code(source, "function", "f", filename="bad.py"),
        lambda: file_context(source, filename="bad.py"),
    ):
        with pytest.raises(ParseFailure) as caught:
            call()
        error = caught.value
        assert error.data["line"] == line
        assert words in error.message
        assert error.message.startswith(f"bad.py:{line}:")
        if column is not None and sys.version_info[:2] == (3, 11):
            assert error.data["column"] == column
        assert error.to_dict()["code"] == "syntax_error"
        if NEWER is not None and "null" not in words:
            assert error.data["parsers_tried"] == [RUNNING, NEWER.label]


def test_deeply_nested_code_is_an_error_not_a_crash() -> None:
    with pytest.raises(ParseFailure, match="nested too deeply"):
        analyze_code("x = " + "+".join(["1"] * 200_000) + "\n")


def test_long_chains_that_do_parse_are_analyzed_without_recursion() -> None:
    n = 5000
    source = "def f():\n    return " + " or ".join(["a"] * n) + "\n"
    assert analyze_code(source)["functions"][0]["complexity"] == n
    assert extract_code(source, "function", "f", include_context=True)["target_code"] == source.rstrip("\n")


# --- bytes on disk: encodings and binary -----------------------------------------------------------

ENCODINGS = [
    # (label, bytes, function name, expected code or None, error words)
    ("latin-1 with coding line", b"# -*- coding: latin-1 -*-\ndef caf\xe9():\n    return '\xe9t\xe9'\n", "café",
     "def café():\n    return 'été'", None),
    ("utf-8 bom", b"\xef\xbb\xbfdef f():\n    return '\xc3\xa9'\n", "f", "def f():\n    return 'é'", None),
    ("cp1252 coding", b"# coding: cp1252\ndef f():\n    return '\x80'\n", "f", "def f():\n    return '€'", None),
    ("invalid utf-8", b"def f():\n    return '\xe9t\xe9'\n", "f", None, "not valid utf-8"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "f", None, "binary"),
    ("utf-16", "def f(): pass\n".encode("utf-16"), "f", None, "binary"),
    ("unknown coding", b"# coding: klingon\ndef f(): pass\n", "f", None, "klingon"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "data", "name", "code", "error"), ENCODINGS, ids=[c[0] for c in ENCODINGS])
def test_encodings(label: str, data: bytes, name: str, code: str | None, error: str | None) -> None:
    if error is not None:
        with pytest.raises(FileUnreadable, match=error):
            decode_source(data, "file.py")
        return
    source = decode_source(data, "file.py")
    assert extract_code(source, "function", name)["target_code"] == code


# --- parse only ------------------------------------------------------------------------------------


def _dangerous(marker: Path, modern: bool) -> str:
    body = f"""\
import os
open({str(marker)!r}, "w").write("module ran")
os.system("touch " + {str(marker) + ".sh"!r})
__import__("pathlib").Path({str(marker) + ".imp"!r}).write_text("x")


class Evil:
    open({str(marker) + ".class"!r}, "w").write("class body ran")

    def method(self, default=open({str(marker) + ".default"!r}, "w")):
        pass


@(lambda f: open({str(marker) + ".decorator"!r}, "w") and f)
def decorated():
    pass
"""
    if modern:  # forces the newer-interpreter worker as well
        body += "\n\ntype Alias[T] = list[T]\n"
    return body


@pytest.mark.parametrize("modern", [False, True], ids=["running-python", "newer-python-worker"])
def test_analyzed_code_is_never_run(tmp_path: Path, modern: bool) -> None:
    marker = tmp_path / "marker"
    source = _dangerous(marker, modern)
    analyze_code(source)
    file_context(source)
    extract_code(source, "class", "Evil", include_context=True)
    extract_code(source, "function", "decorated", include_context=True)
    assert list(tmp_path.iterdir()) == []


# --- the parse cache -------------------------------------------------------------------------------


def test_parsed_modules_are_cached_by_content_within_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    from code_scalpel.analysis import parsing

    parsing.clear_cache()
    text = "def f():\n    return 1\n"
    first = parse_module(text)
    copy = text[:5] + text[5:]
    assert copy is not text
    assert parse_module(copy) is first  # equal text, another object: a hit
    assert parse_module(text + "\n") is not first
    monkeypatch.setattr(parsing, "CACHE_CHARS", len(text) * 3)
    sources = [text + "#" * i for i in range(1, 4)]
    for s in sources:
        parse_module(s)
    assert sum(len(k) for k in parsing._cache) <= parsing.CACHE_CHARS
    assert parsing._cached_chars == sum(len(k) for k in parsing._cache)
    assert sources[-1] in parsing._cache
    huge = "x = 1\n" * len(text)  # larger than the whole budget: parsed, not kept
    parse_module(huge)
    assert huge not in parsing._cache
    parsing.clear_cache()
    assert parsing._cached_chars == 0 and not parsing._cache


@pytest.mark.parametrize(
    "executable",
    ["/bin/false", "/bin/echo", "/nonexistent/python3.99"],
    ids=["exits-1", "replies-not-json", "vanished"],
)
def test_a_broken_newer_interpreter_falls_back_to_the_original_error(
    monkeypatch: pytest.MonkeyPatch, executable: str
) -> None:
    if sys.version_info >= (3, 12):
        pytest.skip("the running interpreter parses PEP 695")
    monkeypatch.setattr(fallback, "enabled", True)
    monkeypatch.setattr(fallback, "_probed", True)
    monkeypatch.setattr(fallback, "_newer", fallback.Interpreter(executable, (3, 99)))
    source = f"type Alias = int  # {executable}\n"
    with pytest.raises(ParseFailure) as caught:
        analyze_code(source, filename="m.py")
    assert caught.value.data["parsers_tried"] == [RUNNING, "3.99"]
    assert caught.value.data["line"] == 1
