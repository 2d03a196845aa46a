"""MCP adapters for the security scanner: arguments -> scanning functions -> dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from code_scalpel.errors import InvalidArgument
from code_scalpel.scanning import secrets as secrets_mod
from code_scalpel.scanning.api import scan_code, scan_project
from code_scalpel.tools.base import Args, ToolContext, ToolSpec

SCOPE = "tools:security"

_STEP = {
    "type": "object",
    "properties": {
        "line": {"type": "integer"},
        "kind": {"type": "string"},
        "detail": {"type": "string"},
        "file": {"type": "string"},
    },
    "required": ["line", "kind", "detail"],
}
_FINDING = {
    "type": "object",
    "properties": {
        "rule_id": {"type": "string"},
        "name": {"type": "string"},
        "cwe": {"type": "string"},
        "severity": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
        "confidence": {"type": "number"},
        "file": {"type": "string"},
        "line": {"type": "integer"},
        "column": {"type": "integer"},
        "sink": {
            "type": "object",
            "properties": {"line": {"type": "integer"}, "column": {"type": "integer"}, "call": {"type": "string"}},
        },
        "source": {"type": ["object", "null"]},
        "path": {"type": "array", "items": _STEP},
        "message": {"type": "string"},
        "fix": {"type": "string"},
    },
    "required": ["rule_id", "cwe", "severity", "confidence", "file", "line", "sink", "path", "fix"],
}
_ERROR = {
    "type": "object",
    "properties": {"file": {"type": "string"}, "line": {"type": "integer"}, "message": {"type": "string"}},
    "required": ["file", "message"],
}
_SCAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "findings": {"type": "array", "items": _FINDING},
        "total": {"type": "integer"},
        "by_severity": {"type": "object", "additionalProperties": {"type": "integer"}},
        "confidence_threshold": {"type": "number"},
        "dropped_below_threshold": {"type": "integer"},
        "files_scanned": {"type": "integer"},
        "errors": {"type": "array", "items": _ERROR},
    },
    "required": ["findings", "total", "confidence_threshold", "dropped_below_threshold", "errors"],
}
_SECRET = {
    "type": "object",
    "properties": {
        "rule_id": {"type": "string"},
        "kind": {"type": "string"},
        "name": {"type": "string"},
        "severity": {"type": "string"},
        "confidence": {"type": "number"},
        "file": {"type": "string"},
        "line": {"type": "integer"},
        "column": {"type": "integer"},
        "secret_preview": {"type": "string"},
        "length": {"type": "integer"},
        "fingerprint": {"type": "string"},
        "fix": {"type": "string"},
    },
    "required": ["kind", "file", "line", "secret_preview", "fingerprint"],
}
_SECRETS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "findings": {"type": "array", "items": _SECRET},
        "total": {"type": "integer"},
        "files_scanned": {"type": "integer"},
        "suppressed_by_baseline": {"type": "integer"},
        "errors": {"type": "array", "items": _ERROR},
    },
    "required": ["findings", "total", "files_scanned", "suppressed_by_baseline", "errors"],
}


class SecurityScanArgs(Args):
    code: str | None = Field(None, description="Python source to scan (or pass file_path)")
    file_path: str | None = Field(None, description="Python file to scan, under the server's roots")
    confidence_threshold: float = Field(0.5, ge=0.0, le=1.0, description="drop findings below this confidence")


class CrossFileArgs(Args):
    project_root: str | None = Field(None, description="project directory (default: the first root)")
    entry_points: list[str] | None = Field(
        None, description="files (relative to project_root) or module names to start from; default: every module"
    )
    max_depth: int = Field(5, ge=1, le=50, description="how many calls deep to follow tainted arguments")
    confidence_threshold: float = Field(0.5, ge=0.0, le=1.0)


class ScanSecretsArgs(Args):
    file_path: str | None = Field(None, description="one file to scan (or pass project_root)")
    project_root: str | None = Field(None, description="directory to scan recursively")
    baseline: str | None = Field(None, description="JSON baseline of accepted fingerprints, under the roots")


def _shown(ctx: ToolContext, path: Path) -> str:
    for root in ctx.sandbox.roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return str(path)


def run_security_scan(args: SecurityScanArgs, ctx: ToolContext) -> dict[str, Any]:
    text, path = ctx.source(args.code, args.file_path)
    return scan_code(text, _shown(ctx, path) if path else "<code>", confidence_threshold=args.confidence_threshold)


def run_cross_file(args: CrossFileArgs, ctx: ToolContext) -> dict[str, Any]:
    root = ctx.sandbox.resolve_dir(args.project_root)
    depth = min(args.max_depth, ctx.limits.max_callgraph_depth)
    result = scan_project(
        root,
        entry_points=args.entry_points,
        max_depth=depth,
        confidence_threshold=args.confidence_threshold,
        max_files=ctx.limits.max_files_per_crawl,
        max_file_bytes=ctx.limits.max_file_bytes,
        contains=ctx.sandbox.contains,
        progress=lambda done, total, msg: ctx.report(done, total, msg),
    )
    result["project_root"] = _shown(ctx, root) or "."
    return result


def run_scan_secrets(args: ScanSecretsArgs, ctx: ToolContext) -> dict[str, Any]:
    if (args.file_path is None) == (args.project_root is None):
        raise InvalidArgument("pass exactly one of 'file_path' or 'project_root'")
    baseline = None
    if args.baseline:
        baseline = secrets_mod.load_baseline(ctx.sandbox.resolve(args.baseline))
    max_bytes = ctx.limits.max_file_bytes

    def read(path: Path) -> str:
        return ctx.sandbox.read_source(path, max_bytes)[1]

    if args.file_path is not None:
        path = ctx.sandbox.resolve(args.file_path)
        read(path)  # a refused or unreadable file is an error of the call, not a silent empty result
        items = [(path, _shown(ctx, path))]
    else:
        root = ctx.sandbox.resolve_dir(args.project_root)
        items = []
        for path in secrets_mod.text_files(root, ctx.sandbox.contains):
            if len(items) >= ctx.limits.max_files_per_crawl:
                break
            items.append((path, _shown(ctx, path)))
    return secrets_mod.scan_secrets(items, baseline=baseline, read=read)


def _summary(result: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {sev}" for sev, n in result.get("by_severity", {}).items())
    text = f"{result['total']} finding(s)" + (f" ({counts})" if counts else "")
    if result.get("dropped_below_threshold"):
        text += f"; {result['dropped_below_threshold']} below confidence {result['confidence_threshold']} dropped"
    if result.get("errors"):
        text += f"; {len(result['errors'])} file(s) not scanned"
    for f in result["findings"][:10]:
        text += f"\n{f['file']}:{f['line']} {f['rule_id']} ({f['cwe']}, {f['severity']}) via {f['sink']['call']}"
    return text


def _secrets_summary(result: dict[str, Any]) -> str:
    text = f"{result['total']} secret(s) in {result['files_scanned']} file(s)"
    if result["suppressed_by_baseline"]:
        text += f"; {result['suppressed_by_baseline']} accepted by the baseline"
    for f in result["findings"][:10]:
        text += f"\n{f['file']}:{f['line']} {f['kind']} {f['secret_preview']}"
    return text


TOOLS = [
    ToolSpec(
        name="security_scan",
        title="Security scan (taint analysis)",
        description="Find injection and other vulnerabilities in one Python file by following untrusted data from "
        "sources (request data, argv, input, env) to sinks (SQL, shell, eval, paths, URLs, HTML, "
        "deserialization, XML, LDAP, XPath, redirects, session) through sanitizers and constant "
        "conditions. Each finding has CWE, severity, confidence, source, the taint path and a fix.",
        args=SecurityScanArgs,
        output_schema=_SCAN_SCHEMA,
        run=run_security_scan,
        summarize=_summary,
        scope=SCOPE,
        cost=2,
    ),
    ToolSpec(
        name="cross_file_security_scan",
        title="Cross-file security scan",
        description="Taint analysis across the modules of a project: a request parameter passed through calls "
        "into other modules and reaching a sink there is found, up to max_depth calls deep.",
        args=CrossFileArgs,
        output_schema=_SCAN_SCHEMA
        | {
            "properties": _SCAN_SCHEMA["properties"]
            | {
                "project_root": {"type": "string"},
                "files_in_project": {"type": "integer"},
                "truncated": {"type": "boolean"},
                "max_depth": {"type": "integer"},
            }
        },
        run=run_cross_file,
        summarize=_summary,
        scope=SCOPE,
        cost=10,
    ),
    ToolSpec(
        name="scan_secrets",
        title="Scan for hard-coded secrets",
        description="Find hard-coded credentials (cloud keys, GitHub/GitLab/Slack/Stripe tokens, private keys, "
        "JWTs, passwords in connection strings, Code Scalpel API keys, high-entropy values). The "
        "secret is never echoed: only its first 4 characters, its length and a fingerprint; a "
        "baseline file of fingerprints silences accepted findings.",
        args=ScanSecretsArgs,
        output_schema=_SECRETS_SCHEMA,
        run=run_scan_secrets,
        summarize=_secrets_summary,
        scope=SCOPE,
        cost=3,
    ),
]
