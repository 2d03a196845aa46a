"""``codescalpel refs|map|callgraph``: project-wide analysis from the command line.

The same functions as the MCP tools, over ``--root`` (default: the current
directory), with the same index cache in the data directory (``--data-dir``,
``$CODE_SCALPEL_HOME``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from code_scalpel.cli.output import add_json_flag, emit, fail
from code_scalpel.errors import ScalpelError
from code_scalpel.tool_limits import DEFAULT_LIMITS


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", metavar="DIR", help="project folder (default: the current directory)")
    p.add_argument("--data-dir", metavar="DIR", help="where the index cache is kept (default $CODE_SCALPEL_HOME)")
    p.add_argument("--limit", type=int, default=None, help="items per page")
    p.add_argument("--cursor", help="next_cursor of a previous page")
    add_json_flag(p)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("refs", help="definition and references of a symbol across a project")
    p.add_argument("symbol", metavar="SYMBOL", help="func, Class, Class.method or pkg.mod.func")
    p.add_argument("--no-tests", action="store_true", help="leave test files out")
    p.add_argument("--scope", metavar="PREFIX", help="only files whose path or module starts with PREFIX")
    _common(p)
    p.set_defaults(func=run_refs)

    p = subparsers.add_parser("map", help="modules, entry points, import graph and cycles of a project")
    p.add_argument("--complexity", action="store_true", help="add cyclomatic complexity per module")
    _common(p)
    p.set_defaults(func=run_map)

    p = subparsers.add_parser("callgraph", help="caller -> callee edges of a project")
    p.add_argument("--entry", metavar="FUNC", help="only what is reachable from FUNC")
    p.add_argument("--depth", type=int, help="hops from --entry")
    p.add_argument("--mermaid", action="store_true", help="print a Mermaid diagram")
    _common(p)
    p.set_defaults(func=run_callgraph)


def _open(args: argparse.Namespace) -> Any:
    from code_scalpel.datadir import resolve_data_dir
    from code_scalpel.project.registry import open_index
    from code_scalpel.sandbox import Sandbox

    sandbox = Sandbox([Path(args.root or ".")])
    root = sandbox.roots[0]
    return open_index(root, sandbox.contains, resolve_data_dir(args.data_dir), max_bytes=DEFAULT_LIMITS.max_file_bytes)


def _guard(args: argparse.Namespace, compute: Any, render: Any) -> int:
    try:
        result = compute()
    except ScalpelError as error:
        return fail(args, error)
    return emit(args, result, render)


def run_refs(args: argparse.Namespace) -> int:
    from code_scalpel.project.refs import references

    def compute() -> dict[str, Any]:
        return references(
            _open(args),
            args.symbol,
            args.scope,
            not args.no_tests,
            args.limit or 200,
            args.cursor,
            DEFAULT_LIMITS.max_references,
        )

    def render(r: dict[str, Any]) -> str:
        lines = [f"{e['file']}:{e['line']}:{e['column']}: {e['kind']}: {e['text']}" for e in r["references"]]
        if r["next_cursor"]:
            lines.append(f"… {r['total'] - len(r['references'])} more (--cursor {r['next_cursor']})")
        if r["unresolved"]:
            lines.append(f"unresolved ({r['unresolved_total']}): same name, meaning not provable")
            lines += [f"  {e['file']}:{e['line']}:{e['column']}: {e['text']}" for e in r["unresolved"]]
        return "\n".join(lines) or f"no references to {args.symbol}"

    return _guard(args, compute, render)


def run_map(args: argparse.Namespace) -> int:
    from code_scalpel.project.projmap import project_map

    def compute() -> dict[str, Any]:
        return project_map(_open(args), args.complexity, args.limit or 10_000, args.cursor)

    def render(r: dict[str, Any]) -> str:
        lines = [f"{r['root']}: {r['total_files']} modules, {r['total_lines']} lines"]
        for m in r["modules"]:
            extra = f"  complexity {m['complexity_total']}" if "complexity_total" in m else ""
            err = f"  [error: {m['error']}]" if "error" in m else ""
            lines.append(
                f"  {m['module']:<50} {m['lines']:>6} lines {m['functions']:>4} fn {m['classes']:>3} cls{extra}{err}"
            )
        eps = r["entry_points"]
        for s in eps["console_scripts"]:
            lines.append(f"script {s['name']} = {s['target']}")
        for m in eps["main_blocks"]:
            lines.append(f"__main__ block: {m['module']} ({m['file']}:{m['line']})")
        for cycle in r["import_cycles"]:
            lines.append("import cycle: " + " -> ".join(cycle))
        return "\n".join(lines)

    return _guard(args, compute, render)


def run_callgraph(args: argparse.Namespace) -> int:
    from code_scalpel.project.graph import call_graph, call_graph_of

    def compute() -> dict[str, Any]:
        graph = call_graph_of(_open(args))
        return call_graph(
            graph,
            args.entry,
            args.depth,
            "mermaid" if args.mermaid else "json",
            args.limit or 100_000,
            args.cursor,
            DEFAULT_LIMITS.max_callgraph_depth,
            DEFAULT_LIMITS.max_callgraph_nodes,
        )

    def render(r: dict[str, Any]) -> str:
        if args.mermaid:
            return r["mermaid"]
        lines = [f"{e['caller']} -> {e['callee']}  ({e['file']}:{e['line']})" for e in r["edges"]]
        if r["unresolved_total"]:
            lines.append(f"{r['unresolved_total']} unresolved calls (see --json)")
        return "\n".join(lines)

    return _guard(args, compute, render)
