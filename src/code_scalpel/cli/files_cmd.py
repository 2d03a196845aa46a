"""``codescalpel analyze|extract|outline``: per-file analysis from the command line.

The same functions as the MCP tools.  A file named on the command line is read
through a :class:`~code_scalpel.sandbox.Sandbox` rooted at the file's own
(real) directory: the person running the command can already read it, so
there is no root to configure, yet the file still gets the server's checks —
regular files only (no FIFO, device or directory), the size limit, binary and
encoding detection.  ``-`` reads standard input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from code_scalpel.cli.output import add_json_flag, emit, fail
from code_scalpel.errors import FileUnreadable, ScalpelError, TooLarge
from code_scalpel.tool_limits import DEFAULT_LIMITS


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("analyze", help="structure of a Python file", description="Functions, classes, imports.")
    p.add_argument("file", metavar="FILE", help="Python file ('-' for standard input)")
    add_json_flag(p)
    p.set_defaults(func=run_analyze)

    p = subparsers.add_parser(
        "extract",
        help="exact source of a function, class or method",
        description="Print the exact source of one definition, decorators included.",
    )
    p.add_argument("file", metavar="FILE", help="Python file ('-' for standard input)")
    p.add_argument("symbol", metavar="SYMBOL", help="name or dotted path: func, Class, Class.method, outer.inner")
    p.add_argument(
        "--type",
        dest="target_type",
        choices=("function", "class", "method"),
        help="what SYMBOL is (default: guessed from the name and the file)",
    )
    p.add_argument("--context", action="store_true", help="also print the imports and module-level names it uses")
    add_json_flag(p)
    p.set_defaults(func=run_extract)

    p = subparsers.add_parser("outline", help="compact outline of a Python file", description="Signatures only.")
    p.add_argument("file", metavar="FILE", help="Python file ('-' for standard input)")
    add_json_flag(p)
    p.set_defaults(func=run_outline)


def read_file(raw: str, max_bytes: int = DEFAULT_LIMITS.max_file_bytes) -> tuple[str, str]:
    """(source text, display name) of a command-line file argument."""
    from code_scalpel.sandbox import Sandbox, decode_source

    if raw == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise TooLarge(f"standard input is over the limit of {max_bytes} bytes", limit_value=max_bytes)
        return decode_source(data, "<stdin>"), "<stdin>"
    real = Path(raw).expanduser().resolve()
    if not real.parent.is_dir():
        raise FileUnreadable(f"file {raw!r} does not exist", path=raw)
    _, text = Sandbox([real.parent]).read_source(real, max_bytes)
    return text, raw


def _run(args: argparse.Namespace, compute: Any, render: Any) -> int:
    try:
        source, name = read_file(args.file)
        result = compute(source, name)
    except ScalpelError as error:
        return fail(args, error)
    return emit(args, result, render)


def run_analyze(args: argparse.Namespace) -> int:
    from code_scalpel.analysis.api import analyze_code

    return _run(args, lambda source, name: analyze_code(source, filename=name), render_analysis)


def run_outline(args: argparse.Namespace) -> int:
    from code_scalpel.analysis.api import file_context

    return _run(args, lambda source, name: file_context(source, filename=name), lambda r: r["outline"])


def run_extract(args: argparse.Namespace) -> int:
    from code_scalpel.analysis.api import extract_code
    from code_scalpel.errors import SymbolNotFound

    def compute(source: str, name: str) -> dict[str, Any]:
        kind = args.target_type or ("method" if "." in args.symbol else "function")
        try:
            return extract_code(source, kind, args.symbol, include_context=args.context, filename=name)
        except SymbolNotFound as error:
            actual = error.data.get("actual_type")
            # Only a guessed type is corrected; an explicit --type stays an error.
            if args.target_type or not actual:
                raise
            return extract_code(source, actual, args.symbol, include_context=args.context, filename=name)

    return _run(args, compute, lambda r: r["full_code"])


def render_analysis(r: dict[str, Any]) -> str:
    from code_scalpel.analysis.analyze import headline

    lines = [headline(r) + (f"  [parsed as Python {r['parser']}]" if r["parser"] != _running() else "")]
    if r["docstring"]:
        lines.append(f"  {r['docstring']}")
    if r["imports"]:
        lines.append("imports:")
        lines += [f"  L{i['line']:<5} {i['statement']}" for i in r["imports"]]
    if r["classes"]:
        lines.append("classes:")
        for c in r["classes"]:
            bases = f"({', '.join(c['bases'])})" if c["bases"] else ""
            lines.append(f"  L{c['line_start']}-{c['line_end']:<5} class {c['qualified_name']}{bases}")
            if c["methods"]:
                lines.append(f"      methods: {', '.join(c['methods'])}")
    if r["functions"]:
        lines.append("functions:")
        for f in r["functions"]:
            params = ", ".join(p["name"] for p in f["parameters"])
            prefix = "async " if f["is_async"] else ""
            doc = f"  — {f['docstring']}" if f["docstring"] else ""
            lines.append(
                f"  L{f['line_start']}-{f['line_end']:<5} {prefix}{f['qualified_name']}({params})"
                f"  complexity {f['complexity']}{doc}"
            )
    if r["truncated"]:
        lines.append(f"(truncated: {len(r['functions']) + len(r['classes'])} definitions listed)")
    return "\n".join(lines)


def _running() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"
