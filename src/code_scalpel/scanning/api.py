"""Entry points of the scanner: one source text, or a project."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from code_scalpel.errors import InvalidArgument
from code_scalpel.scanning.findings import SEVERITY_ORDER, sort_key
from code_scalpel.scanning.module import ModuleScan
from code_scalpel.scanning.patterns import HINT, PatternRules


def parse_error(path: str, exc: SyntaxError) -> dict[str, Any]:
    return {"file": path, "line": exc.lineno or 0, "column": (exc.offset or 1) - 1,
            "message": f"not scanned: syntax error: {exc.msg}"}


def check_threshold(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise InvalidArgument(f"confidence_threshold must be between 0 and 1, got {value}")
    return value


def scan_tree(tree: ast.Module, text: str, path: str, *, findings: dict[tuple[Any, ...], dict[str, Any]],
              modname: str = "", extra_sources: Iterable[str] = ()) -> None:
    scan = ModuleScan(tree, path, modname=modname, findings=findings, extra_sources=extra_sources)
    scan.run(text)
    if HINT.search(text):
        for finding in PatternRules(tree, path, scan.aliases).run():
            findings[(finding["rule_id"], path, finding["line"], finding["column"])] = finding


def finish(findings: Iterable[dict[str, Any]], threshold: float, errors: list[dict[str, Any]],
           extra: dict[str, Any]) -> dict[str, Any]:
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


def scan_code(code: str, path: str = "<code>", *, confidence_threshold: float = 0.5,
              extra_sources: Iterable[str] = ()) -> dict[str, Any]:
    """Findings for one source text; a syntax error is reported in ``errors``, not raised."""
    check_threshold(confidence_threshold)
    findings: dict[tuple[Any, ...], dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    try:
        tree = ast.parse(code, filename=path)
    except SyntaxError as exc:
        errors.append(parse_error(path, exc))
    except ValueError as exc:  # NUL bytes
        errors.append({"file": path, "line": 0, "column": 0, "message": f"not scanned: {exc}"})
    else:
        scan_tree(tree, code, path, findings=findings, extra_sources=extra_sources)
    return finish(list(findings.values()), confidence_threshold, errors, {"file": path, "files_scanned": 1})
