"""A finding as the tools, the CLI and SARIF see it."""

from __future__ import annotations

from typing import Any

from code_scalpel.scanning.rules import RULES
from code_scalpel.scanning.values import Source, Step

SEVERITY_ORDER = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def make_finding(
    rule_id: str,
    file: str,
    line: int,
    col: int,
    call: str,
    source: Source | None,
    source_file: str | None,
    steps: tuple[Step, ...],
    confidence: float,
) -> dict[str, Any]:
    rule = RULES[rule_id]
    path = [s.to_dict() for s in steps]
    path.append(
        {"line": line, "kind": "sink", "detail": f"reaches {call}"}
        | ({"file": file} if source_file and source_file != file else {})
    )
    finding: dict[str, Any] = {
        "rule_id": rule.id,
        "name": rule.name,
        "cwe": f"CWE-{rule.cwe}",
        "severity": rule.severity,
        "confidence": round(confidence, 2),
        "file": file,
        "line": line,
        "column": col,
        "sink": {"line": line, "column": col, "call": call},
        "source": None,
        "path": path,
        "message": rule.help,
        "fix": rule.fix,
    }
    if source is not None:
        finding["source"] = source.to_dict() | {"file": source_file or file}
        finding["message"] = f"{rule.help} (source: {source.text} at line {source.line})"
    return finding


def sort_key(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (finding["file"], finding["line"], finding["column"], finding["rule_id"])
