"""SARIF 2.1.0 output that GitHub code scanning accepts.

GitHub needs: ``version`` 2.1.0 and ``$schema``; one run with ``tool.driver``
(name, rules with ids, short/full descriptions, help, ``defaultConfiguration``
level and ``properties.security-severity`` for the severity badge); results
with ``ruleId``, ``ruleIndex``, ``level``, ``message.text``, a physical
location with a repository-relative URI and a region, and
``partialFingerprints`` so an alert is tracked across commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from code_scalpel import __version__
from code_scalpel.scanning.rules import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/code-scalpel/code-scalpel"

_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _rule_descriptor(rule_id: str, sample: dict[str, Any]) -> dict[str, Any]:
    rule = RULES.get(rule_id)
    if rule is not None:
        name, short, full, fix, cwe, severity = (
            rule.name,
            rule.name,
            rule.help,
            rule.fix,
            f"CWE-{rule.cwe}",
            rule.severity,
        )
    else:  # secrets and any rule not in the taint table
        name = sample.get("name", rule_id)
        short, full, fix = name, sample.get("message", name), sample.get("fix", "")
        cwe, severity = sample.get("cwe", ""), sample.get("severity", "medium")
    tags = ["security"] + ([f"external/cwe/{cwe.lower()}"] if cwe else [])
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("/", "-").split("-")),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": f"{full}\nFix: {fix}", "markdown": f"{full}\n\n**Fix:** {fix}"},
        "defaultConfiguration": {"level": _LEVEL.get(severity, "warning")},
        "properties": {"tags": tags, "security-severity": _SECURITY_SEVERITY.get(severity, "5.5"), "precision": "high"},
    }


def _rule_key(finding: dict[str, Any]) -> str:
    if finding.get("rule_id") == "hardcoded-secret":
        return f"hardcoded-secret/{finding['kind']}"
    return str(finding["rule_id"])


def _fingerprint(finding: dict[str, Any], rule_id: str) -> str:
    # Stable across line moves: rule, file, sink call and source expression (or the secret fingerprint).
    basis = finding.get("fingerprint") or "|".join(
        str(x)
        for x in (
            rule_id,
            finding["file"],
            finding.get("sink", {}).get("call", ""),
            (finding.get("source") or {}).get("expression", ""),
        )
    )
    return hashlib.sha256(f"{rule_id}|{finding['file']}|{basis}".encode()).hexdigest()[:32]


def to_sarif(findings: Iterable[dict[str, Any]], *, errors: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    findings = list(findings)
    rules: dict[str, dict[str, Any]] = {}
    for finding in findings:
        key = _rule_key(finding)
        if key not in rules:
            rules[key] = _rule_descriptor(key, finding)
    index = {key: i for i, key in enumerate(rules)}
    results = []
    for finding in findings:
        key = _rule_key(finding)
        message = finding.get("message") or rules[key]["fullDescription"]["text"]
        if finding.get("rule_id") == "hardcoded-secret":
            message = f"{finding['name']}: {finding['secret_preview']}"
        result: dict[str, Any] = {
            "ruleId": key,
            "ruleIndex": index[key],
            "level": _LEVEL.get(finding.get("severity", "medium"), "warning"),
            "message": {"text": message},
            "locations": [_location(finding["file"], finding["line"], finding.get("column", 0))],
            "partialFingerprints": {"primaryLocationLineHash/v1": _fingerprint(finding, key)},
            "properties": {"confidence": finding.get("confidence"), "cwe": finding.get("cwe")},
        }
        steps = finding.get("path") or []
        if len(steps) > 1:
            result["codeFlows"] = [
                {
                    "threadFlows": [
                        {
                            "locations": [
                                {
                                    "location": _location(
                                        step.get("file", finding["file"])
                                        if step.get("file")
                                        else (finding.get("source") or {}).get("file", finding["file"])
                                        if i == 0
                                        else finding["file"],
                                        step["line"],
                                        0,
                                        f"{step['kind']}: {step['detail']}",
                                    )
                                }
                                for i, step in enumerate(steps)
                            ]
                        }
                    ]
                }
            ]
        results.append(result)
    notifications = [
        {
            "level": "warning",
            "message": {"text": e["message"]},
            "locations": [_location(e["file"], max(e.get("line", 1), 1), e.get("column", 0))],
        }
        for e in errors
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "code-scalpel",
                "informationUri": INFORMATION_URI,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": list(rules.values()),
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if notifications:
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": notifications}]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _location(file: str, line: int, col: int, text: str | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": file.replace("\\", "/"), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(int(line), 1), "startColumn": int(col) + 1},
        }
    }
    if text:
        location["message"] = {"text": text}
    return location
