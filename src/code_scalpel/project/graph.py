"""The project call graph, its reachable part from an entry point, and k-hop neighbourhoods."""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from code_scalpel.errors import InvalidArgument, SymbolNotFound
from code_scalpel.project.index import Progress, ProjectIndex
from code_scalpel.project.paging import page


def call_graph_of(index: ProjectIndex, progress: Progress | None = None) -> CallGraph:
    """The graph of the index's current call results, rebuilt only when they changed."""
    index.call_results(progress)
    cached = index.derived.get("graph")
    if cached is not None and cached[0] == index.generation:
        return cached[1]
    graph = CallGraph(index)
    index.derived["graph"] = (index.generation, graph)
    return graph


class CallGraph:
    def __init__(self, index: ProjectIndex, progress: Progress | None = None) -> None:
        results = index.call_results(progress)
        self.edges: dict[tuple[str, str], tuple[str, int]] = {}
        self.unresolved: list[dict[str, Any]] = []
        self.external: dict[tuple[str, str], tuple[str, int]] = {}
        for rel in sorted(results):
            result = results[rel]
            for key, (line, _) in result["edges"].items():
                self.edges.setdefault(key, (rel, line))
            for key, (line, _) in result["external"].items():
                self.external.setdefault(key, (rel, line))
            for caller, text, line, _ in result["unresolved"]:
                self.unresolved.append({"caller": caller, "call": text, "file": rel, "line": line})
        self.out: dict[str, set[str]] = {}
        self.inc: dict[str, set[str]] = {}
        for a, b in self.edges:
            self.out.setdefault(a, set()).add(b)
            self.inc.setdefault(b, set()).add(a)
        self.defs: dict[str, tuple[str, int]] = {}
        assert index.resolver is not None
        from code_scalpel.project.resolve import display

        for q, rel in index.resolver.scope_rel.items():
            self.defs.setdefault(display(q), (rel, index.resolver.scopes[q]["line"]))

    def node(self, name: str) -> str:
        """The node named ``name``: exact, else the one whose qualified name ends with it."""
        if name in self.defs or name in self.out or name in self.inc:
            return name
        suffix = "." + name
        matches = sorted(n for n in self.defs if n.endswith(suffix))
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise InvalidArgument(
                f"{name!r} is ambiguous; use a fully-qualified name, one of: {', '.join(matches[:10])}",
                candidates=matches[:20],
            )
        raise SymbolNotFound(f"no function, method, class or module named {name!r} in the call graph", name=name)

    def edge_dict(self, a: str, b: str) -> dict[str, Any]:
        rel, line = self.edges[(a, b)]
        return {"caller": a, "callee": b, "file": rel, "line": line}


def call_graph(
    graph: CallGraph,
    entry_point: str | None,
    depth: int | None,
    output: str,
    limit: int,
    cursor: str | None,
    max_depth: int,
    max_nodes: int,
) -> dict[str, Any]:
    cut_by = None
    if depth is not None and depth < 1:
        raise InvalidArgument("depth must be at least 1")
    if entry_point:
        start = graph.node(entry_point)
        wanted = depth if depth is not None else max_depth
        if wanted > max_depth:
            wanted, cut_by = max_depth, "max_callgraph_depth"
        nodes, hit = _bfs(graph, [start], wanted, "out", max_nodes)
        if hit:
            cut_by = "max_callgraph_nodes"
        edges = sorted((a, b) for a, b in graph.edges if a in nodes and b in nodes and nodes[a] < wanted)
        unresolved = [u for u in graph.unresolved if u["caller"] in nodes]
    else:
        edges = sorted(graph.edges)
        names = {n for e in edges for n in e}
        if len(names) > max_nodes:
            kept = set(sorted(names)[:max_nodes])
            edges = [e for e in edges if e[0] in kept and e[1] in kept]
            cut_by = "max_callgraph_nodes"
        unresolved = graph.unresolved
    paged = page([graph.edge_dict(a, b) for a, b in edges], limit, cursor, cut_by)
    items = paged.pop("items")
    result: dict[str, Any] = {
        "entry_point": graph.node(entry_point) if entry_point else None,
        "depth": depth,
        "edges": items,
        **paged,
        "nodes": sorted({e["caller"] for e in items} | {e["callee"] for e in items}),
        "unresolved": unresolved[:limit],
        "unresolved_total": len(unresolved),
        "external_total": len(graph.external),
    }
    if output == "mermaid":
        result["mermaid"] = mermaid(items)
    elif output != "json":
        raise InvalidArgument("output must be 'json' or 'mermaid'")
    return result


def _bfs(graph: CallGraph, starts: list[str], k: int, direction: str, max_nodes: int) -> tuple[dict[str, int], bool]:
    seen = {s: 0 for s in starts}
    queue = deque(starts)
    hit = False
    while queue:
        node = queue.popleft()
        if seen[node] >= k:
            continue
        nexts: set[str] = set()
        if direction in ("out", "both"):
            nexts |= graph.out.get(node, set())
        if direction in ("in", "both"):
            nexts |= graph.inc.get(node, set())
        for n in sorted(nexts):
            if n not in seen:
                if len(seen) >= max_nodes:
                    hit = True
                    break
                seen[n] = seen[node] + 1
                queue.append(n)
    return seen, hit


def neighborhood(graph: CallGraph, center: str, k: int, direction: str, max_nodes: int) -> dict[str, Any]:
    if direction not in ("in", "out", "both"):
        raise InvalidArgument("direction must be 'in', 'out' or 'both'")
    if k < 1:
        raise InvalidArgument("k must be at least 1")
    start = graph.node(center)
    nodes, hit = _bfs(graph, [start], k, direction, max_nodes)
    edges = sorted((a, b) for a, b in graph.edges if a in nodes and b in nodes)
    return {
        "center": start,
        "k": k,
        "direction": direction,
        "nodes": [
            {
                "id": n,
                "distance": d,
                "file": graph.defs.get(n, (None, None))[0],
                "line": graph.defs.get(n, (None, None))[1],
            }
            for n, d in sorted(nodes.items(), key=lambda x: (x[1], x[0]))
        ],
        "edges": [graph.edge_dict(a, b) for a, b in edges],
        "truncated": hit,
        **({"limited_by": "max_nodes"} if hit else {}),
    }


def mermaid(edges: list[dict[str, Any]]) -> str:
    ids: dict[str, str] = {}

    def nid(name: str) -> str:
        if name not in ids:
            ids[name] = f"n{len(ids)}"
        return ids[name]

    lines = ["graph TD"]
    for e in edges:
        a, b = nid(e["caller"]), nid(e["callee"])
        lines.append(f'    {a}["{_label(e["caller"])}"] --> {b}["{_label(e["callee"])}"]')
    return "\n".join(lines)


def _label(name: str) -> str:
    return re.sub(r'["<>]', lambda m: {'"': "#quot;", "<": "#lt;", ">": "#gt;"}[m.group()], name)
