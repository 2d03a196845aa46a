"""Entry points of the scanner: one source text, or a project."""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from code_scalpel.errors import InvalidArgument, ParseFailure, TooLarge
from code_scalpel.project.walker import walk_python_files
from code_scalpel.scanning.findings import SEVERITY_ORDER, sort_key
from code_scalpel.scanning.module import ModuleScan
from code_scalpel.scanning.patterns import HINT, PatternRules
from code_scalpel.scanning.project import Project


def parse_error(path: str, exc: SyntaxError) -> dict[str, Any]:
    return {
        "file": path,
        "line": exc.lineno or 0,
        "column": (exc.offset or 1) - 1,
        "message": f"not scanned: syntax error: {exc.msg}",
    }


def check_threshold(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise InvalidArgument(f"confidence_threshold must be between 0 and 1, got {value}")
    return value


def scan_tree(
    tree: ast.Module,
    text: str,
    path: str,
    *,
    findings: dict[tuple[Any, ...], dict[str, Any]],
    modname: str = "",
    extra_sources: Iterable[str] = (),
) -> None:
    scan = ModuleScan(tree, path, modname=modname, findings=findings, extra_sources=extra_sources, text=text)
    scan.run(text)
    if HINT.search(text):
        for finding in PatternRules(tree, path, scan.aliases).run(text):
            findings[(finding["rule_id"], path, finding["line"], finding["column"])] = finding


def finish(
    findings: Iterable[dict[str, Any]], threshold: float, errors: list[dict[str, Any]], extra: dict[str, Any]
) -> dict[str, Any]:
    kept = [f for f in findings if f["confidence"] >= threshold]
    dropped = sum(1 for f in findings if f["confidence"] < threshold) if isinstance(findings, list) else 0
    kept.sort(key=sort_key)
    by_severity: dict[str, int] = {}
    for f in kept:
        by_severity[f["severity"]] = by_severity.get(f["severity"], 0) + 1
    return {
        **extra,
        "findings": kept,
        "total": len(kept),
        "by_severity": dict(sorted(by_severity.items(), key=lambda kv: -SEVERITY_ORDER[kv[0]])),
        "confidence_threshold": threshold,
        "dropped_below_threshold": dropped,
        "errors": errors,
    }


def parse_tree(code: str, path: str) -> ast.Module:
    """The tree of ``code`` for the running interpreter (PEP 758 ``except`` lists included).

    Raises :class:`~code_scalpel.errors.ParseFailure`; one with ``newer_may_parse`` may be newer syntax.
    """
    from code_scalpel.analysis.parsing import parse_module

    return parse_module(code, path).tree


def scan_source(
    source: str, path: str = "<code>", confidence_threshold: float = 0.5, extra_sources: Iterable[str] = ()
) -> dict[str, Any]:
    """Findings for one source text parsed by the running interpreter (the newer-interpreter worker's entry)."""
    check_threshold(confidence_threshold)
    findings: dict[tuple[Any, ...], dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    tree = parse_tree(source, path)
    try:
        scan_tree(tree, source, path, findings=findings, extra_sources=extra_sources)
    except RecursionError:
        errors.append(
            {"file": path, "line": 0, "column": 0, "message": "not fully scanned: the code is nested too deeply"}
        )
    return finish(list(findings.values()), confidence_threshold, errors, {"file": path, "files_scanned": 1})


def scan_code(
    code: str, path: str = "<code>", *, confidence_threshold: float = 0.5, extra_sources: Iterable[str] = ()
) -> dict[str, Any]:
    """Findings for one source text; a syntax error is reported in ``errors``, not raised.

    Code that only a newer Python parses (3.12 f-strings, PEP 695) is scanned by the newest interpreter on the
    machine, through the analysis layer's worker; the scanned code is parsed there too, never run.
    """
    check_threshold(confidence_threshold)
    try:
        return scan_source(code, path, confidence_threshold, list(extra_sources))
    except ParseFailure as failure:
        if getattr(failure, "newer_may_parse", False):
            from code_scalpel.analysis import fallback

            try:
                return fallback.run_in_newer(
                    "scan_source",
                    {
                        "source": code,
                        "path": path,
                        "confidence_threshold": confidence_threshold,
                        "extra_sources": list(extra_sources),
                    },
                    failure,
                )
            except ParseFailure as original:
                failure = original
        error = {
            "file": path,
            "line": failure.data.get("line", 0),
            "column": failure.data.get("column", 0),
            "message": f"not scanned: {failure.message}",
        }
        return finish([], confidence_threshold, [error], {"file": path, "files_scanned": 1})


def _read_text(path: Path, max_bytes: int) -> str:
    from code_scalpel.sandbox import decode_source

    size = path.stat().st_size
    if size > max_bytes:
        raise TooLarge(f"{path.name} is {size} bytes; the limit is {max_bytes} bytes (max_file_bytes)")
    return decode_source(path.read_bytes(), str(path))


def scan_project(
    root: str | os.PathLike[str],
    *,
    entry_points: Iterable[str] | None = None,
    max_depth: int = 5,
    confidence_threshold: float = 0.5,
    extra_sources: Iterable[str] = (),
    max_files: int = 20_000,
    max_file_bytes: int = 10 * 1024 * 1024,
    contains: Callable[[Path], bool] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Findings across the modules of a project, following calls into other modules through summaries."""
    check_threshold(confidence_threshold)
    if not 1 <= max_depth <= 50:
        raise InvalidArgument(f"max_depth must be between 1 and 50, got {max_depth}")
    base = Path(root)
    within = contains or (lambda real: real == base.resolve() or real.is_relative_to(base.resolve()))
    entries, truncated = walk_python_files(base, within, max_files=max_files)
    files = [entry.path for entry in entries]
    project = Project(
        base, files, read=lambda p: _read_text(p, max_file_bytes), max_depth=max_depth, extra_sources=extra_sources
    )
    entries = None
    if entry_points:
        entries = []
        for entry in entry_points:
            candidate = (base / entry).resolve() if entry.endswith(".py") else None
            name = (
                project.paths.get(candidate) if candidate is not None else (entry if entry in project.modules else None)
            )
            if name is None:
                raise InvalidArgument(
                    f"entry point {entry!r} is not a Python file or module of the project; "
                    "pass a path relative to project_root (app/views.py) or a module name"
                )
            entries.append(name)
    project.run(entries, progress)
    return finish(
        list(project.findings.values()),
        confidence_threshold,
        project.errors,
        {
            "project_root": str(base),
            "files_scanned": len(files) if entries is None else len(entries),
            "files_in_project": len(files),
            "truncated": truncated,
            "max_depth": max_depth,
        },
    )
