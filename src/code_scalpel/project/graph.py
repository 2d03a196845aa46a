"""The project call graph, its reachable part from an entry point, and k-hop neighbourhoods."""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from code_scalpel.errors import InvalidArgument, SymbolNotFound
from code_scalpel.project.index import Progress, ProjectIndex
from code_scalpel.project.paging import page
from code_scalpel.project.resolve import display


def call_graph_of(index: ProjectIndex, progress: Progress | None = None) -> CallGraph:
    """The graph of the index's current call results, updated only where they changed."""
    index.call_results(progress)
    cached = index.derived.get("graph")
    if cached is not None and cached[0] == index.generation:
        return cached[1]
    changed = index.changed_since(cached[0]) if cached is not None else None
    if cached is not None and changed is not None:
        graph = cached[1]
        graph.update(index, changed)
    else:
        graph = CallGraph(index)
    index.derived["graph"] = (index.generation, graph)
    return graph


class CallGraph:
    """Edges by caller and callee, kept per file so that one file's change replaces only its edges."""

    def __init__(self, index: ProjectIndex) -> None:
        self.edges: dict[tuple[str, str], tuple[str, int]] = {}
        self.external: dict[tuple[str, str], tuple[str, int]] = {}
        self.out: dict[str, set[str]] = {}
        self.inc: dict[str, set[str]] = {}
        self.defs: dict[str, tuple[str, int]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.update(index, None)

    def update(self, index: ProjectIndex, rels: set[str] | None) -> None:
        results = index.call_results()
        if rels is None:
            rels = set(results) | set(self.files)
        for rel in rels:
            self._drop(rel)
        edges, out, inc, defs = self.edges, self.out, self.inc, self.defs
        for rel in sorted(rels):  # which of two same-named definitions is listed must not vary with the hash seed
            result = results.get(rel)
            summary = index.summaries.get(rel)
            if result is None or summary is None:
                continue
            # The standard library's graph has 110,000 edges: this loop is built for them (no set made
            # per edge to be thrown away by setdefault).
            for key, (line, _) in result["edges"].items():
                edges[key] = (rel, line)
                a, b = key
                callees = out.get(a)
                if callees is None:
                    out[a] = {b}
                else:
                    callees.add(b)
                callers = inc.get(b)
                if callers is None:
                    inc[b] = {a}
                else:
                    callers.add(a)
            for key, (line, _) in result["external"].items():
                self.external[key] = (rel, line)
            mine_defs = []
            for q, scope in summary["scopes"].items():
                name = display(q)
                if name not in defs:
                    defs[name] = (rel, scope["line"])
                    mine_defs.append(name)
            self.files[rel] = {
                "edges": list(result["edges"]),
                "external": list(result["external"]),
                "defs": mine_defs,
                "unresolved": result["unresolved"],
            }

    def _drop(self, rel: str) -> None:
        mine = self.files.pop(rel, None)
        if mine is None:
            return
        for a, b in mine["edges"]:
            self.edges.pop((a, b), None)
            for table, key, other in ((self.out, a, b), (self.inc, b, a)):
                linked = table.get(key)
                if linked is not None:
                    linked.discard(other)
                    if not linked:  # as if built without it: a node's neighbours are never an empty set
                        del table[key]
        for key in mine["external"]:
            self.external.pop(key, None)
        for name in mine["defs"]:
            self.defs.pop(name, None)

    @property
    def unresolved(self) -> list[dict[str, Any]]:
        return [
            {"caller": caller, "call": text, "file": rel, "line": line}
            for rel in sorted(self.files)
            for caller, text, line, _ in self.files[rel]["unresolved"]
        ]

    def unresolved_count(self) -> int:
        return sum(len(f["unresolved"]) for f in self.files.values())

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
        unresolved_total = len(unresolved)
    else:
        edges = sorted(graph.edges)
        names = {n for e in edges for n in e}
        if len(names) > max_nodes:
            kept = set(sorted(names)[:max_nodes])
            edges = [e for e in edges if e[0] in kept and e[1] in kept]
            cut_by = "max_callgraph_nodes"
        unresolved_total = graph.unresolved_count()
        unresolved = _first_unresolved(graph, limit)
    paged = page([graph.edge_dict(a, b) for a, b in edges], limit, cursor, cut_by)
    items = paged.pop("items")
    result: dict[str, Any] = {
        "entry_point": graph.node(entry_point) if entry_point else None,
        "depth": depth,
        "edges": items,
        **paged,
        "nodes": sorted({e["caller"] for e in items} | {e["callee"] for e in items}),
        "unresolved": unresolved[:limit],
        "unresolved_total": unresolved_total,
        "external_total": len(graph.external),
    }
    if output == "mermaid":
        result["mermaid"] = mermaid(items)
    elif output != "json":
        raise InvalidArgument("output must be 'json' or 'mermaid'")
    return result


def _first_unresolved(graph: CallGraph, limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rel in sorted(graph.files):
        for caller, text, line, _ in graph.files[rel]["unresolved"]:
            if len(out) >= limit:
                return out
            out.append({"caller": caller, "call": text, "file": rel, "line": line})
    return out


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
    return re.sub(r'["<>#]', lambda m: {'"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;"}[m.group()], name)
