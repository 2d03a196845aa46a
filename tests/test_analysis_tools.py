"""The three file tools: arguments, limits, output schemas, errors, and end to end through the server."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from code_scalpel.errors import FileUnreadable, InvalidArgument, ParseFailure, PathRefused, SymbolNotFound, TooLarge
from code_scalpel.sandbox import Sandbox
from code_scalpel.tool_limits import DEFAULT_LIMITS
from code_scalpel.tools.base import ToolContext
from code_scalpel.tools.file_tools import TOOLS
from support import mcp_session

SPECS = {spec.name: spec for spec in TOOLS}
STDLIB = Path(sysconfig.get_paths()["stdlib"])

SAMPLE = '''\
"""Sample module."""
import os
from typing import Any

LIMIT = 10


@decorator
def top(a, b: int = 1, *args, key: Any = None, **kw) -> int:
    """Add things.

    Longer text."""
    if a and b:
        return a
    return os.sep


class Shape(Base):
    """A shape."""

    def area(self) -> float:
        return 0.0

    async def fetch(self):
        return None


def outer():
    def inner():
        pass
    return inner
'''


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "sample.py").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "bad.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    (tmp_path / "binary.py").write_bytes(b"\x00\x01\x02 binary")
    (tmp_path / "big.py").write_text("\n".join(f"def f{i}(): pass" for i in range(12)) + "\n", encoding="utf-8")
    return tmp_path


def call(name: str, root: Path, limits=DEFAULT_LIMITS, **arguments: Any) -> dict[str, Any]:
    spec = SPECS[name]
    args = spec.args.model_validate(arguments)
    result = spec.run(args, ToolContext(sandbox=Sandbox([root]), limits=limits))
    jsonschema.Draft202012Validator(spec.output_schema).validate(result)
    assert spec.summarize(result)
    return result


def test_tools_are_read_only_with_schemas() -> None:
    assert set(SPECS) == {"analyze_code", "extract_code", "get_file_context"}
    for spec in TOOLS:
        assert spec.read_only
        jsonschema.Draft202012Validator.check_schema(spec.output_schema)
        schema = spec.input_schema()
        assert schema["type"] == "object"
    assert set(SPECS["extract_code"].input_schema()["properties"]) >= {
        "target_type", "target_name", "file_path", "code", "include_context",
    }  # fmt: skip
    assert SPECS["extract_code"].input_schema()["required"] == ["target_type", "target_name"]
    assert SPECS["get_file_context"].input_schema()["required"] == ["file_path"]


def test_analyze_code_by_path_and_inline(root: Path) -> None:
    by_path = call("analyze_code", root, file_path="pkg/sample.py")
    inline = call("analyze_code", root, code=SAMPLE)
    assert by_path["filename"] == "pkg/sample.py"
    assert inline["filename"] == "<code>"
    assert {k: v for k, v in by_path.items() if k != "filename"} == {k: v for k, v in inline.items() if k != "filename"}
    top = by_path["functions"][0]
    assert top == {
        "name": "top", "qualified_name": "top", "kind": "function", "line_start": 8, "line_end": 15, "def_line": 9,
        "parameters": [
            {"name": "a", "kind": "positional_or_keyword", "annotation": None, "default": None},
            {"name": "b", "kind": "positional_or_keyword", "annotation": "int", "default": "1"},
            {"name": "args", "kind": "var_positional", "annotation": None, "default": None},
            {"name": "key", "kind": "keyword_only", "annotation": "Any", "default": "None"},
            {"name": "kw", "kind": "var_keyword", "annotation": None, "default": None},
        ],
        "returns": "int", "decorators": ["decorator"], "is_async": False, "complexity": 3,
        "docstring": "Add things.",
    }  # fmt: skip
    (shape,) = by_path["classes"]
    assert (shape["bases"], shape["methods"], shape["docstring"]) == (["Base"], ["area", "fetch"], "A shape.")
    fetch = next(f for f in by_path["functions"] if f["name"] == "fetch")
    assert fetch["is_async"] and fetch["kind"] == "method" and fetch["qualified_name"] == "Shape.fetch"
    assert [f["qualified_name"] for f in by_path["functions"]] == [
        "top",
        "Shape.area",
        "Shape.fetch",
        "outer",
        "outer.inner",
    ]
    assert [i["statement"] for i in by_path["imports"]] == ["import os", "from typing import Any"]
    assert by_path["assignments"] == [
        {"names": ["LIMIT"], "line": 5, "kind": "Assign", "annotation": None, "value_preview": "10"}
    ]
    assert by_path["total_lines"] == 31 == SAMPLE.count("\n")
    assert by_path["docstring"] == "Sample module."
    assert by_path["truncated"] is False
    assert by_path["totals"] == {"functions": 5, "classes": 1}


def test_extract_code_tool(root: Path) -> None:
    result = call("extract_code", root, file_path="pkg/sample.py", target_type="method", target_name="Shape.area")
    assert result["target_code"] == "def area(self) -> float:\n        return 0.0"
    assert (result["line_start"], result["line_end"]) == (21, 22)
    with_context = call(
        "extract_code", root, code=SAMPLE, target_type="function", target_name="top", include_context=True
    )
    assert with_context["context_code"] == "import os\nfrom typing import Any"
    assert with_context["full_code"].startswith("import os\nfrom typing import Any\n\n\n@decorator\ndef top(")
    summary = SPECS["extract_code"].summarize(with_context)
    assert summary.splitlines()[0] == "# top (function), <code> lines 8-15, with 2 context statements"
    assert summary.endswith(with_context["full_code"])


def test_get_file_context_tool_is_much_smaller_than_the_file(root: Path) -> None:
    # tkinter is the worst case: hundreds of two-line methods, each with a one-line docstring
    for module, ratio in (("argparse.py", 5), ("inspect.py", 5), ("difflib.py", 5), ("tkinter/__init__.py", 2.5)):
        path = root / module.replace("/", "_")
        path.write_bytes((STDLIB / module).read_bytes())
        result = call("get_file_context", root, file_path=path.name)
        size = path.stat().st_size
        assert len(result["outline"]) < size / ratio, module
        assert SPECS["get_file_context"].summarize(result) == result["outline"].rstrip("\n")
        assert result["symbols_total"] == len(result["symbols"])
    sample = call("get_file_context", root, file_path="pkg/sample.py")
    assert sample["outline"].splitlines()[1:] == [
        '"""Sample module."""',
        "import os",
        "from typing import Any",
        "LIMIT = 10",
        "@decorator",
        "def top(a, b: int = 1, *args, key: Any = None, **kw) -> int: ...  # L8-15",
        '    """Add things."""',
        "class Shape(Base):  # L18-25",
        '    """A shape."""',
        "    def area(self) -> float: ...  # L21-22",
        "    async def fetch(self): ...  # L24-25",
        "def outer(): ...  # L28-31",
    ]


def test_results_cut_by_a_limit_say_so(root: Path) -> None:
    limits = DEFAULT_LIMITS.with_overrides({"max_symbols": 5})
    analyzed = call("analyze_code", root, limits=limits, file_path="big.py")
    assert analyzed["truncated"] is True
    assert len(analyzed["functions"]) == 5
    assert analyzed["totals"] == {"functions": 12, "classes": 0}
    assert "truncated" in SPECS["analyze_code"].summarize(analyzed)
    outline = call("get_file_context", root, limits=limits, file_path="big.py")
    assert (outline["truncated"], outline["symbols_total"], len(outline["symbols"])) == (True, 12, 5)
    assert "outline cut at 5 of 12 definitions" in outline["outline"]
    whole = call("get_file_context", root, file_path="big.py")
    assert (whole["truncated"], len(whole["symbols"])) == (False, 12)


def _fifo(root: Path) -> str:
    os.mkfifo(root / "pipe.py")
    return "pipe.py"


ERRORS = [
    # (tool, arguments, error, words in the message)
    ("analyze_code", {"code": "x = 1", "language": "javascript"}, InvalidArgument, "supported languages: python"),
    ("extract_code", {"code": "x = 1", "language": "rust", "target_type": "function", "target_name": "f"},
     InvalidArgument, "supported languages: python"),
    ("analyze_code", {"code": "x = 1", "file_path": "pkg/sample.py"}, InvalidArgument, "exactly one"),
    ("analyze_code", {}, InvalidArgument, "exactly one"),
    ("analyze_code", {"file_path": "../outside.py"}, PathRefused, "allowed roots"),
    ("analyze_code", {"file_path": "/etc/passwd"}, PathRefused, "allowed roots"),
    ("get_file_context", {"file_path": "missing.py"}, FileUnreadable, "does not exist"),
    ("get_file_context", {"file_path": "pkg"}, PathRefused, "is a directory"),
    ("get_file_context", {"file_path": "binary.py"}, FileUnreadable, "binary"),
    ("get_file_context", {"file_path": "FIFO"}, PathRefused, "not a regular file"),
    ("analyze_code", {"file_path": "bad.py"}, ParseFailure, "bad.py:1:12: syntax error"),
    ("extract_code", {"file_path": "pkg/sample.py", "target_type": "class", "target_name": "Shap"},
     SymbolNotFound, "closest names: Shape"),
    ("extract_code", {"code": "x = 1", "target_type": "function", "target_name": "  "}, InvalidArgument, "empty"),
]  # fmt: skip


@pytest.mark.parametrize(("tool", "arguments", "error", "words"), ERRORS)
def test_bad_input_gets_a_precise_error(root: Path, tool: str, arguments: dict, error: type, words: str) -> None:
    if arguments.get("file_path") == "FIFO":
        arguments = {**arguments, "file_path": _fifo(root)}
    with pytest.raises(error) as caught:
        call(tool, root, **arguments)
    assert words in caught.value.message


def test_size_limits_state_the_limit(root: Path) -> None:
    limits = DEFAULT_LIMITS.with_overrides({"max_code_bytes": 100, "max_file_bytes": 200})
    with pytest.raises(TooLarge, match="limit is 100 bytes"):
        call("analyze_code", root, limits=limits, code="x = 1\n" * 50)
    with pytest.raises(TooLarge, match="limit is 200 bytes"):
        call("get_file_context", root, limits=limits, file_path="pkg/sample.py")


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("extract_code", {"code": "x", "target_type": "module", "target_name": "x"}),
        ("extract_code", {"code": "x", "target_type": "function"}),
        ("extract_code", {"code": "x", "target_type": "function", "target_name": "f", "depth": 2}),
        ("analyze_code", {"code": 42}),
        ("get_file_context", {}),
    ],
)
def test_wrong_arguments_are_refused_by_validation(tool: str, arguments: dict) -> None:
    with pytest.raises(ValidationError):
        SPECS[tool].args.model_validate(arguments)


# --- end to end: the official client against the real server over stdio ------------------------


@pytest.mark.anyio
async def test_through_the_server(root: Path) -> None:
    marker = root / "ran"
    (root / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\n\nclass C:\n    open({str(marker)!r}, 'w')\n\n"
        "def f():\n    return 1\n\ntype T = int\n",
        encoding="utf-8",
    )
    server = ["mcp", "--root", str(root), "--data-dir", str(root / "data")]
    async with mcp_session("stdio", server) as session:
        listed = {t.name: t for t in (await session.list_tools()).tools}
        for name in SPECS:
            assert listed[name].annotations.read_only_hint is True
            assert listed[name].output_schema == SPECS[name].output_schema

        async def ok(name: str, arguments: dict) -> dict:
            result = await session.call_tool(name, arguments)
            assert not result.is_error, result.content
            jsonschema.Draft202012Validator(listed[name].output_schema).validate(result.structured_content)
            return result

        analyzed = await ok("analyze_code", {"file_path": "pkg/sample.py"})
        assert analyzed.content[0].text.startswith("pkg/sample.py: 31 lines, 5 functions, 1 class")
        extracted = await ok(
            "extract_code", {"file_path": "pkg/sample.py", "target_type": "method", "target_name": "Shape.fetch"}
        )
        assert extracted.structured_content["target_code"] == "async def fetch(self):\n        return None"
        outline = await ok("get_file_context", {"file_path": "pkg/sample.py"})
        assert "class Shape(Base):  # L18-25" in outline.content[0].text

        for name, arguments in [
            ("analyze_code", {"file_path": "evil.py"}),
            ("get_file_context", {"file_path": "evil.py"}),
            ("extract_code", {"file_path": "evil.py", "target_type": "class", "target_name": "C"}),
        ]:
            await ok(name, arguments)

        failures = [
            ("analyze_code", {"file_path": "bad.py"}, "syntax_error"),
            ("extract_code", {"code": SAMPLE, "target_type": "function", "target_name": "topp"}, "symbol_not_found"),
            ("get_file_context", {"file_path": "../x.py"}, "path_refused"),
            ("analyze_code", {"code": "x", "language": "go"}, "invalid_argument"),
        ]
        for name, arguments, code in failures:
            result = await session.call_tool(name, arguments)
            assert result.is_error
            assert result.structured_content["error"]["code"] == code
        bad = await session.call_tool("analyze_code", {"file_path": "bad.py"})
        assert (bad.structured_content["error"]["line"], bad.structured_content["error"]["column"]) == (1, 12)
        # still serving
        await session.send_ping()
        assert not (await session.call_tool("analyze_code", {"code": "def f(): pass"})).is_error
    assert not marker.exists()
