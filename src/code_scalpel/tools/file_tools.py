"""``analyze_code``, ``extract_code``, ``get_file_context``: one Python file at a time.

Thin adapters: validated arguments → :mod:`code_scalpel.analysis.api` → dict.
The analysis package is imported on the first call, not when the server starts.
Names and main parameters follow Code Scalpel's published tool API.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from code_scalpel.errors import InvalidArgument
from code_scalpel.tools.base import Args, ToolContext, ToolSpec

SUPPORTED_LANGUAGES = ("python",)
#: How many names a text summary lists before saying how many more there are.
SUMMARY_NAMES = 40

_CODE = Field(default=None, description="Python source to analyze inline (give this or file_path)")
_PATH = Field(default=None, description="Path of a file under the server's roots (give this or code)")
_LANGUAGE = Field(default="python", description="Source language; only 'python' is supported")


def _check_language(language: str) -> None:
    if language.strip().lower() not in SUPPORTED_LANGUAGES:
        raise InvalidArgument(
            f"language {language!r} is not supported; supported languages: {', '.join(SUPPORTED_LANGUAGES)}",
            supported=list(SUPPORTED_LANGUAGES),
        )


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SUMMARY_NAMES])
    more = len(names) - SUMMARY_NAMES
    return f"{shown}, … and {more} more" if more > 0 else shown


# --- analyze_code -------------------------------------------------------------------------------


class AnalyzeArgs(Args):
    code: str | None = _CODE
    file_path: str | None = _PATH
    language: str = _LANGUAGE


def run_analyze(args: AnalyzeArgs, ctx: ToolContext) -> dict[str, Any]:
    from code_scalpel.analysis.api import analyze_code

    _check_language(args.language)
    source, _ = ctx.source(args.code, args.file_path)
    return analyze_code(source, filename=args.file_path or "<code>", max_symbols=ctx.limits.max_symbols)


def summarize_analyze(r: dict[str, Any]) -> str:
    from code_scalpel.analysis.analyze import headline

    lines = [headline(r)]
    if r["truncated"]:
        lines.append(f"truncated: listed {len(r['functions']) + len(r['classes'])} definitions (max_symbols)")
    if r["classes"]:
        lines.append("classes: " + _names([c["qualified_name"] for c in r["classes"]]))
    if r["functions"]:
        lines.append("functions: " + _names([f["qualified_name"] for f in r["functions"]]))
    return "\n".join(lines)


_STR_OR_NULL = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_STRS = {"type": "array", "items": {"type": "string"}}

ANALYZE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "language": {"type": "string"},
        "filename": {"type": "string"},
        "parser": {"type": "string", "description": "Python grammar that parsed the file, e.g. 3.13"},
        "total_lines": _INT,
        "docstring": _STR_OR_NULL,
        "functions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "qualified_name": {"type": "string"},
                    "kind": {"enum": ["function", "method"]},
                    "line_start": _INT,
                    "line_end": _INT,
                    "def_line": _INT,
                    "parameters": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "kind": {"type": "string"},
                                "annotation": _STR_OR_NULL,
                                "default": _STR_OR_NULL,
                            },
                            "required": ["name", "kind"],
                        },
                    },
                    "returns": _STR_OR_NULL,
                    "decorators": _STRS,
                    "is_async": {"type": "boolean"},
                    "complexity": _INT,
                    "docstring": _STR_OR_NULL,
                },
                "required": ["name", "qualified_name", "line_start", "line_end", "parameters", "complexity"],
            },
        },
        "classes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "qualified_name": {"type": "string"},
                    "line_start": _INT,
                    "line_end": _INT,
                    "bases": _STRS,
                    "methods": _STRS,
                    "decorators": _STRS,
                    "docstring": _STR_OR_NULL,
                },
                "required": ["name", "qualified_name", "line_start", "line_end", "bases", "methods"],
            },
        },
        "imports": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"statement": {"type": "string"}, "module": _STR_OR_NULL, "names": _STRS, "line": _INT},
                "required": ["statement", "names", "line"],
            },
        },
        "assignments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"names": _STRS, "line": _INT, "value_preview": _STR_OR_NULL},
                "required": ["names", "line"],
            },
        },
        "complexity": _INT,
        "truncated": {"type": "boolean"},
        "totals": {"type": "object", "properties": {"functions": _INT, "classes": _INT}},
    },
    "required": ["language", "total_lines", "functions", "classes", "imports", "complexity", "truncated", "totals"],
}


# --- extract_code -------------------------------------------------------------------------------


class ExtractArgs(Args):
    target_type: Literal["function", "class", "method"] = Field(
        description="'function', 'class', or 'method' (a method is named 'Class.method')"
    )
    target_name: str = Field(description="Name or dotted path: 'parse', 'Parser', 'Parser.parse', 'outer.inner'")
    file_path: str | None = _PATH
    code: str | None = _CODE
    include_context: bool = Field(
        default=False, description="Also return the imports and module-level names the symbol uses"
    )
    language: str = _LANGUAGE


def run_extract(args: ExtractArgs, ctx: ToolContext) -> dict[str, Any]:
    from code_scalpel.analysis.api import extract_code

    _check_language(args.language)
    if not args.target_name.strip():
        raise InvalidArgument("target_name must not be empty")
    source, _ = ctx.source(args.code, args.file_path)
    return extract_code(
        source,
        args.target_type,
        args.target_name,
        include_context=args.include_context,
        filename=args.file_path or "<code>",
    )


def summarize_extract(r: dict[str, Any]) -> str:
    # The code is what the caller asked for; a client that shows only text still gets it.
    head = f"# {r['qualified_name']} ({r['kind']}), {r['filename']} lines {r['line_start']}-{r['line_end']}"
    if "context_items" in r:
        head += f", with {len(r['context_items'])} context statements"
    return f"{head}\n{r['full_code']}"


_LINES = {"type": "object", "properties": {"line_start": _INT, "line_end": _INT}}

EXTRACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "target_type": {"enum": ["function", "class", "method"]},
        "target_name": {"type": "string"},
        "qualified_name": {"type": "string"},
        "kind": {"enum": ["function", "class", "method"]},
        "filename": {"type": "string"},
        "parser": {"type": "string"},
        "target_code": {"type": "string", "description": "Exact source, decorators included"},
        "line_start": _INT,
        "line_end": _INT,
        "total_lines": _INT,
        "other_definitions": {"type": "array", "items": _LINES},
        "context_items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"names": _STRS, "kind": {"type": "string"}, "line_start": _INT, "line_end": _INT},
                "required": ["names", "kind", "line_start", "line_end"],
            },
        },
        "context_code": {"type": "string"},
        "full_code": {"type": "string", "description": "context_code then target_code"},
        "token_estimate": _INT,
    },
    "required": ["target_name", "qualified_name", "kind", "target_code", "line_start", "line_end", "full_code"],
}


# --- get_file_context ---------------------------------------------------------------------------


class FileContextArgs(Args):
    file_path: str = Field(description="Path of a Python file under the server's roots")


def run_file_context(args: FileContextArgs, ctx: ToolContext) -> dict[str, Any]:
    from code_scalpel.analysis.api import file_context

    source, _ = ctx.source(None, args.file_path)
    return file_context(source, filename=args.file_path, max_symbols=ctx.limits.max_symbols)


def summarize_file_context(r: dict[str, Any]) -> str:
    return r["outline"].rstrip("\n")


FILE_CONTEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "filename": {"type": "string"},
        "language": {"type": "string"},
        "parser": {"type": "string"},
        "total_lines": _INT,
        "outline": {"type": "string", "description": "Signatures, class skeletons, first docstring lines"},
        "symbols": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "kind": {"enum": ["function", "class", "method"]},
                    "line_start": _INT,
                    "line_end": _INT,
                },
                "required": ["name", "kind", "line_start", "line_end"],
            },
        },
        "imports": _INT,
        "truncated": {"type": "boolean"},
        "symbols_total": _INT,
    },
    "required": ["filename", "total_lines", "outline", "symbols", "truncated", "symbols_total"],
}


TOOLS = [
    ToolSpec(
        name="analyze_code",
        title="Analyze Python code",
        description=(
            "Structure of a Python file or snippet, parsed never run: functions and methods (line range, "
            "parameters, decorators, async, cyclomatic complexity, first docstring line), classes with bases "
            "and methods, imports, top-level assignments, total lines. Give code or file_path."
        ),
        args=AnalyzeArgs,
        output_schema=ANALYZE_SCHEMA,
        run=run_analyze,
        summarize=summarize_analyze,
    ),
    ToolSpec(
        name="extract_code",
        title="Extract a function, class or method",
        description=(
            "The exact source of one definition, decorators included, byte-for-byte as in the file. "
            "target_type 'method' takes 'Class.method'; nested definitions by dotted path ('outer.inner'). "
            "include_context adds the imports and module-level names it uses. Unknown names get the closest "
            "matches."
        ),
        args=ExtractArgs,
        output_schema=EXTRACT_SCHEMA,
        run=run_extract,
        summarize=summarize_extract,
    ),
    ToolSpec(
        name="get_file_context",
        title="Outline a Python file",
        description=(
            "A compact outline of a Python file (imports, top-level names, class skeletons, signatures, first "
            "docstring lines, line ranges): the file's shape for far fewer tokens than reading it."
        ),
        args=FileContextArgs,
        output_schema=FILE_CONTEXT_SCHEMA,
        run=run_file_context,
        summarize=summarize_file_context,
    ),
]
