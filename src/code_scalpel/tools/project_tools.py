"""Project-wide tools: references, project map, crawl, call graph, neighbourhood, cross-file dependencies.

Thin adapters over :mod:`code_scalpel.project`: the project root goes through
the sandbox, the index is opened (built on first use, refreshed cheaply after)
with the call's limits and progress reporting, and the analysis returns the
dict.  The analysis package is imported on the first call, not at start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from code_scalpel.errors import InvalidArgument
from code_scalpel.tools.base import Args, ToolContext, ToolSpec

#: Project tools walk and parse whole trees: they weigh more against a rate limit than per-file tools.
INDEX_COST = 5
GRAPH_COST = 10

_ROOT = Field(default=None, description="Project folder under the server's roots (default: the first root)")
_CURSOR = Field(default=None, description="next_cursor of the previous page; omit for the first page")


def _index(ctx: ToolContext, root: Path) -> Any:
    from code_scalpel.project.registry import open_index

    def progress(done: float, total: float | None, message: str | None) -> None:
        ctx.report(done, total, message)

    return open_index(
        root,
        ctx.sandbox.contains,
        ctx.data_dir,
        progress=progress,
        max_files=ctx.limits.max_files_per_crawl,
        max_bytes=ctx.limits.max_file_bytes,
    )


def _graph(ctx: ToolContext, index: Any) -> Any:
    from code_scalpel.project.graph import call_graph_of

    return call_graph_of(index, lambda d, t, m: ctx.report(d, t, m))


def _page_line(r: dict[str, Any], what: str, key: str) -> str:
    shown = len(r[key])
    line = f"{shown} of {r['total']} {what}"
    if r.get("next_cursor"):
        line += f" (more: cursor={r['next_cursor']})"
    if r.get("limited_by"):
        line += f"; cut by the {r['limited_by']} limit"
    return line


_PAGE_PROPS: dict[str, Any] = {
    "total": {"type": "integer"},
    "limit": {"type": "integer"},
    "cursor": {"type": ["string", "null"]},
    "next_cursor": {"type": ["string", "null"]},
    "truncated": {"type": "boolean"},
    "limited_by": {"type": "string"},
}
_PAGE_REQUIRED = ["total", "truncated", "next_cursor"]


def _schema(props: dict[str, Any], required: list[str], paged: bool = True) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**(_PAGE_PROPS if paged else {}), **props},
        "required": [*(_PAGE_REQUIRED if paged else []), *required],
    }


_ARR = {"type": "array"}

# --- get_symbol_references ------------------------------------------------------------------------


class ReferencesArgs(Args):
    symbol_name: str = Field(description="Name to look up: 'func', 'Class', 'Class.method' or 'pkg.mod.func'")
    project_root: str | None = _ROOT
    scope_prefix: str | None = Field(default=None, description="Only files whose path or module starts with this")
    include_tests: bool = Field(default=True, description="Also search test files and folders")
    limit: int = Field(default=50, ge=1, le=1000, description="References per page")
    cursor: str | None = _CURSOR


def run_references(args: ReferencesArgs, ctx: ToolContext) -> dict[str, Any]:
    from code_scalpel.project.refs import references

    root = ctx.sandbox.resolve_dir(args.project_root)
    index = _index(ctx, root)
    with index.lock:  # the resolver's memo is shared by every call on this root
        return references(
            index,
            args.symbol_name,
            args.scope_prefix,
            args.include_tests,
            args.limit,
            args.cursor,
            ctx.limits.max_references,
        )


def summarize_references(r: dict[str, Any]) -> str:
    lines = [f"{r['symbol']}: " + _page_line(r, "references", "references")]
    lines += [f"{e['file']}:{e['line']}:{e['column']} {e['kind']}: {e['text']}" for e in r["references"][:20]]
    if r["unresolved_total"]:
        lines.append(f"{r['unresolved_total']} unresolved same-name occurrence(s) listed separately")
    return "\n".join(lines)


# --- get_project_map ---------------------------------------------------------------------------------


class ProjectMapArgs(Args):
    project_root: str | None = _ROOT
    include_complexity: bool = Field(default=False, description="Add cyclomatic complexity per module")
    limit: int = Field(default=100, ge=1, le=2000, description="Modules (and import edges) per page")
    cursor: str | None = _CURSOR


def run_project_map(args: ProjectMapArgs, ctx: ToolContext) -> dict[str, Any]:
    from code_scalpel.project.projmap import project_map

    index = _index(ctx, ctx.sandbox.resolve_dir(args.project_root))
    with index.lock:
        return project_map(index, args.include_complexity, args.limit, args.cursor)


def summarize_project_map(r: dict[str, Any]) -> str:
    lines = [
        f"{r['total_files']} modules, {r['total_lines']} lines, {len(r['packages'])} packages, "
        f"{r['import_edges_total']} import edges, {len(r['import_cycles'])} import cycles",
        _page_line(r, "modules", "modules"),
    ]
    mains = r["entry_points"]["main_blocks"]
    scripts = r["entry_points"]["console_scripts"]
    if mains or scripts:
        lines.append("entry points: " + ", ".join([s["name"] for s in scripts] + [m["module"] for m in mains][:20]))
    return "\n".join(lines)


# --- crawl_project -----------------------------------------------------------------------------------


class CrawlArgs(Args):
    root_path: str | None = _ROOT
    exclude_dirs: list[str] = Field(default_factory=list, description="Folder names or root-relative paths to skip")
    complexity_threshold: int = Field(default=10, ge=1, description="Functions at or above this are hot spots")
    limit: int = Field(default=50, ge=1, le=1000, description="Files per page")
    cursor: str | None = _CURSOR


def run_crawl(args: CrawlArgs, ctx: ToolContext) -> dict[str, Any]:
    from code_scalpel.project.projmap import crawl

    index = _index(ctx, ctx.sandbox.resolve_dir(args.root_path))
    with index.lock:
        return crawl(index, args.exclude_dirs, args.complexity_threshold, args.limit, args.cursor)


def summarize_crawl(r: dict[str, Any]) -> str:
    s = r["summary"]
    return (
        f"{s['files']} files, {s['lines']} lines, {s['functions']} functions, {s['classes']} classes, "
        f"{s['hotspots']} hot spots (complexity >= {r['complexity_threshold']})\n" + _page_line(r, "files", "files")
    )


# --- get_call_graph ----------------------------------------------------------------------------------


class CallGraphArgs(Args):
    project_root: str | None = _ROOT
    entry_point: str | None = Field(default=None, description="Start here ('pkg.mod.func' or a unique suffix)")
    depth: int | None = Field(default=None, ge=1, description="Hops from entry_point (default: the depth limit)")
    output: Literal["json", "mermaid"] = Field(default="json", description="'mermaid' adds a diagram of this page")
    limit: int = Field(default=100, ge=1, le=2000, description="Edges per page")
    cursor: str | None = _CURSOR


def run_call_graph(args: CallGraphArgs, ctx: ToolContext) -> dict[str, Any]:
    from code_scalpel.project.graph import call_graph

    index = _index(ctx, ctx.sandbox.resolve_dir(args.project_root))
    with index.lock:
        return call_graph(
            _graph(ctx, index),
            args.entry_point,
            args.depth,
            args.output,
            args.limit,
            args.cursor,
            ctx.limits.max_callgraph_depth,
            ctx.limits.max_callgraph_nodes,
        )


def summarize_call_graph(r: dict[str, Any]) -> str:
    head = f"from {r['entry_point']}: " if r["entry_point"] else ""
    lines = [head + _page_line(r, "call edges", "edges") + f"; {r['unresolved_total']} unresolved calls"]
    lines += [f"{e['caller']} -> {e['callee']}" for e in r["edges"][:20]]
    return "\n".join(lines)


# --- get_graph_neighborhood --------------------------------------------------------------------------


class NeighborhoodArgs(Args):
    center_node_id: str = Field(description="Function or method: 'pkg.mod.Class.method' or a unique suffix")
    k: int = Field(default=2, ge=1, le=10, description="Hops from the center")
    direction: Literal["both", "in", "out"] = Field(default="both", description="Callers (in), callees (out) or both")
    max_nodes: int = Field(default=100, ge=1, le=5000, description="Stop after this many nodes")
    project_root: str | None = _ROOT


def run_neighborhood(args: NeighborhoodArgs, ctx: ToolContext) -> dict[str, Any]:
    from code_scalpel.project.graph import neighborhood

    index = _index(ctx, ctx.sandbox.resolve_dir(args.project_root))
    max_nodes = min(args.max_nodes, ctx.limits.max_callgraph_nodes)
    with index.lock:
        return neighborhood(_graph(ctx, index), args.center_node_id, args.k, args.direction, max_nodes)


def summarize_neighborhood(r: dict[str, Any]) -> str:
    more = " (truncated at max_nodes)" if r["truncated"] else ""
    return f"{r['center']}: {len(r['nodes'])} nodes, {len(r['edges'])} edges within {r['k']} hops{more}"


# --- get_cross_file_dependencies ---------------------------------------------------------------------


class DepsArgs(Args):
    target_file: str = Field(description="File that defines the symbol, under the server's roots")
    target_symbol: str = Field(description="Function or class in that file ('func', 'Class', 'Class.method')")
    max_depth: int = Field(default=3, ge=1, le=10, description="Follow dependencies of dependencies this deep")
    include_code: bool = Field(default=False, description="Add each dependency's source")
    project_root: str | None = _ROOT
    limit: int = Field(default=100, ge=1, le=1000, description="Dependencies listed")


def run_deps(args: DepsArgs, ctx: ToolContext) -> dict[str, Any]:
    from code_scalpel.project.refs import cross_file_dependencies

    path = ctx.sandbox.resolve(args.target_file)
    if args.project_root is not None:
        root = ctx.sandbox.resolve_dir(args.project_root)
    else:
        root = next((r for r in ctx.sandbox.roots if path.is_relative_to(r)), ctx.sandbox.roots[0])
    if not path.is_relative_to(root):
        raise InvalidArgument(f"target_file {args.target_file!r} is not inside project_root {str(root)!r}")
    if path.suffix != ".py" or not path.is_file():
        raise InvalidArgument(f"target_file {args.target_file!r} is not a Python file")
    index = _index(ctx, root)
    rel = path.relative_to(root).as_posix()
    if rel not in index.summaries:
        raise InvalidArgument(f"target_file {args.target_file!r} is not part of the project (ignored or skipped)")
    with index.lock:
        return cross_file_dependencies(index, rel, args.target_symbol, args.max_depth, args.include_code, args.limit)


def summarize_deps(r: dict[str, Any]) -> str:
    lines = [f"{r['target_symbol']} needs {r['total']} definition(s) from {len(r['files'])} file(s)"]
    lines += [f"{d['symbol']} ({d['kind']}) {d['file']}:{d['line']}" for d in r["dependencies"][:20]]
    return "\n".join(lines)


TOOLS = [
    ToolSpec(
        name="get_symbol_references",
        title="Find every reference to a symbol",
        description=(
            "Definition(s) and every use of a function, class, method or module-level name across the project, "
            "resolved through imports, aliases, re-exports, self/cls/instances of known classes and inheritance. "
            "Each: file, line, column, kind (definition/call/import/read/write/attribute), source line. Same-name "
            "occurrences that cannot be resolved are listed apart as unresolved. Paginated (limit, cursor)."
        ),
        args=ReferencesArgs,
        output_schema=_schema(
            {"symbol": {"type": "string"}, "definitions": _ARR, "references": _ARR, "unresolved": _ARR},
            ["symbol", "references", "unresolved"],
        ),
        run=run_references,
        summarize=summarize_references,
        cost=INDEX_COST,
    ),
    ToolSpec(
        name="get_project_map",
        title="Map a Python project",
        description=(
            "Packages and modules (lines, functions, classes), entry points (__main__ blocks, console scripts), "
            "the import graph between project modules, import cycles, largest and most complex modules. Honours "
            ".gitignore; skips VCS, virtualenv, node_modules, build and cache folders. Paginated."
        ),
        args=ProjectMapArgs,
        output_schema=_schema(
            {"modules": _ARR, "packages": _ARR, "import_graph": _ARR, "import_cycles": _ARR, "entry_points": {}},
            ["modules", "import_cycles"],
        ),
        run=run_project_map,
        summarize=summarize_project_map,
        cost=INDEX_COST,
    ),
    ToolSpec(
        name="crawl_project",
        title="Per-file metrics of a project",
        description=(
            "For every Python file: lines, functions, classes, total and maximum cyclomatic complexity, and the "
            "functions at or above complexity_threshold. Paginated (limit, cursor)."
        ),
        args=CrawlArgs,
        output_schema=_schema({"files": _ARR, "summary": {"type": "object"}}, ["files", "summary"]),
        run=run_crawl,
        summarize=summarize_crawl,
        cost=INDEX_COST,
    ),
    ToolSpec(
        name="get_call_graph",
        title="Call graph of a project",
        description=(
            "Caller -> callee edges between functions and methods by fully-qualified name (module-level code has "
            "the module as caller), resolved through imports, aliases, self/cls, constructors, inheritance, "
            "super(), decorators, functions passed as arguments or stored in containers, lambdas and nested "
            "functions. Unresolved calls are listed apart, never guessed. entry_point + depth: only the "
            "reachable part. output='mermaid' adds a diagram. Paginated."
        ),
        args=CallGraphArgs,
        output_schema=_schema(
            {"edges": _ARR, "nodes": _ARR, "unresolved": _ARR, "mermaid": {"type": "string"}}, ["edges"]
        ),
        run=run_call_graph,
        summarize=summarize_call_graph,
        cost=GRAPH_COST,
    ),
    ToolSpec(
        name="get_graph_neighborhood",
        title="Call-graph neighbourhood of a function",
        description=(
            "The functions within k calls of center_node_id: its callers (direction 'in'), callees ('out') or "
            "both, with the edges between them; at most max_nodes nodes."
        ),
        args=NeighborhoodArgs,
        output_schema=_schema(
            {"center": {"type": "string"}, "nodes": _ARR, "edges": _ARR},
            ["center", "nodes", "edges", "truncated"],
            paged=False,
        ),
        run=run_neighborhood,
        summarize=summarize_neighborhood,
        cost=GRAPH_COST,
    ),
    ToolSpec(
        name="get_cross_file_dependencies",
        title="What a symbol needs from other files",
        description=(
            "Functions, classes and module-level names that target_symbol reaches in other files through imports "
            "(and what those need, to max_depth), with locations and optionally their source: the context needed "
            "to change the symbol safely."
        ),
        args=DepsArgs,
        output_schema=_schema(
            {"target_symbol": {"type": "string"}, "dependencies": _ARR, "files": _ARR},
            ["target_symbol", "dependencies", "total", "truncated"],
            paged=False,
        ),
        run=run_deps,
        summarize=summarize_deps,
        cost=INDEX_COST,
    ),
]
