"""What a repository looks like: modules, entry points, the import graph and its cycles; per-file metrics."""

from __future__ import annotations

import configparser
import tomllib
from typing import Any

from code_scalpel.project.index import ProjectIndex
from code_scalpel.project.paging import page
from code_scalpel.project.resolve import display


def cached_metrics(index: ProjectIndex, rel: str, summary: dict[str, Any], threshold: int = 10) -> dict[str, Any]:
    """Metrics of one file, recomputed only when its summary (or the threshold) changed."""
    cache = index.derived.setdefault("metrics", (0, {}))[1]
    hit = cache.get(rel)
    if hit is not None and hit[0] is summary and hit[1] == threshold:
        return hit[2]
    metrics = module_metrics(rel, summary, threshold)
    cache[rel] = (summary, threshold, metrics)
    return metrics


def module_metrics(rel: str, summary: dict[str, Any], threshold: int = 10) -> dict[str, Any]:
    functions = [s for s in summary["scopes"].values() if s["k"] == "function"]
    classes = [s for s in summary["scopes"].values() if s["k"] == "class"]
    cx = [s["cx"] for s in functions]
    hot = sorted(
        (
            {"name": display(s["q"]), "line": s["line"], "complexity": s["cx"]}
            for s in functions
            if s["cx"] >= threshold
        ),
        key=lambda h: -h["complexity"],
    )
    out = {
        "file": rel,
        "module": summary["module"],
        "lines": summary["lines"],
        "functions": len(functions),
        "classes": len(classes),
        "complexity_total": sum(cx),
        "complexity_max": max(cx, default=0),
        "hotspots": hot,
    }
    if summary.get("error"):
        out["error"] = summary["error"]
    return out


def import_edges(index: ProjectIndex) -> dict[str, set[str]]:
    """Project module -> project modules it imports (external imports are left out)."""
    modules = {s["module"] for s in index.summaries.values()}
    graph: dict[str, set[str]] = {}
    for summary in index.summaries.values():
        deps = graph.setdefault(summary["module"], set())
        for _, mod, name in summary["imports"]:
            if name is not None and f"{mod}.{name}" in modules:
                deps.add(f"{mod}.{name}")
            elif mod in modules:
                deps.add(mod)
            else:  # `import a.b.c` also imports a and a.b
                parts = mod.split(".")
                for i in range(len(parts) - 1, 0, -1):
                    if ".".join(parts[:i]) in modules:
                        deps.add(".".join(parts[:i]))
                        break
        deps.discard(summary["module"])
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index_of:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index_of[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index_of:
                    index_of[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index_of[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return sorted(out)


def console_scripts(index: ProjectIndex) -> list[dict[str, str]]:
    out = []
    try:
        data = tomllib.loads((index.root / "pyproject.toml").read_text(encoding="utf-8"))
        for name, target in (data.get("project", {}).get("scripts", {}) or {}).items():
            out.append({"name": name, "target": str(target), "source": "pyproject.toml"})
        poetry = data.get("tool", {}).get("poetry", {}).get("scripts", {}) or {}
        for name, target in poetry.items():
            out.append({"name": name, "target": str(target), "source": "pyproject.toml"})
    except (OSError, tomllib.TOMLDecodeError, AttributeError):
        pass
    parser = configparser.ConfigParser()
    try:
        parser.read(index.root / "setup.cfg", encoding="utf-8")
        raw = parser.get("options.entry_points", "console_scripts", fallback="")
    except configparser.Error:
        raw = ""
    for line in raw.splitlines():
        if "=" in line:
            name, target = line.split("=", 1)
            out.append({"name": name.strip(), "target": target.strip(), "source": "setup.cfg"})
    return out


def project_map(index: ProjectIndex, include_complexity: bool, limit: int, cursor: str | None) -> dict[str, Any]:
    modules = []
    packages = set()
    for rel, summary in sorted(index.summaries.items()):
        metrics = cached_metrics(index, rel, summary)
        entry = {k: metrics[k] for k in ("module", "file", "lines", "functions", "classes") if k in metrics}
        if include_complexity:
            entry["complexity_total"] = metrics["complexity_total"]
            entry["complexity_max"] = metrics["complexity_max"]
        if summary.get("error"):
            entry["error"] = summary["error"]["message"]
        if summary["is_pkg"]:
            packages.add(summary["module"])
        modules.append(entry)
    graph = import_edges(index)
    edges = sorted((a, b) for a, deps in graph.items() for b in deps)
    mains = [
        {"module": s["module"], "file": rel, "line": s["main"]}
        for rel, s in sorted(index.summaries.items())
        if s.get("main")
    ]
    by_lines = sorted(modules, key=lambda m: -m["lines"])[:10]
    complexity = sorted(
        (cached_metrics(index, rel, s) for rel, s in index.summaries.items()), key=lambda m: -m["complexity_total"]
    )[:10]
    paged = page(modules, limit, cursor, "max_files_per_crawl" if index.truncated else None)
    return {
        "root": str(index.root),
        "total_files": len(modules),
        "total_lines": sum(m["lines"] for m in modules),
        "packages": sorted(packages),
        "modules": paged.pop("items"),
        **paged,
        "entry_points": {"main_blocks": mains, "console_scripts": console_scripts(index)},
        "import_graph": [{"from": a, "to": b} for a, b in edges[:limit]],
        "import_edges_total": len(edges),
        "import_graph_truncated": len(edges) > limit,
        "import_cycles": cycles(graph),
        "largest_modules": [{"module": m["module"], "lines": m["lines"]} for m in by_lines],
        "most_complex_modules": [
            {"module": m["module"], "complexity_total": m["complexity_total"], "complexity_max": m["complexity_max"]}
            for m in complexity
        ],
        "parse_errors": sum(1 for s in index.summaries.values() if s.get("error")),
    }


def crawl(
    index: ProjectIndex, exclude_dirs: list[str], threshold: int, limit: int, cursor: str | None
) -> dict[str, Any]:
    excluded = [e.strip("/") for e in exclude_dirs if e.strip("/")]

    def keep(rel: str) -> bool:
        parts = rel.split("/")
        return not any(rel.startswith(e + "/") or e in parts[:-1] for e in excluded)

    files = [cached_metrics(index, rel, s, threshold) for rel, s in sorted(index.summaries.items()) if keep(rel)]
    paged = page(files, limit, cursor, "max_files_per_crawl" if index.truncated else None)
    return {
        "root": str(index.root),
        "files": paged.pop("items"),
        **paged,
        "summary": {
            "files": len(files),
            "lines": sum(f["lines"] for f in files),
            "functions": sum(f["functions"] for f in files),
            "classes": sum(f["classes"] for f in files),
            "hotspots": sum(len(f["hotspots"]) for f in files),
            "parse_errors": sum(1 for f in files if "error" in f),
        },
        "complexity_threshold": threshold,
    }
