"""``codescalpel scan PATH``: the security scanner for people and CI.

Exit codes: 0 when no finding is at or above ``--fail-on``, 1 when one is,
2 for a usage or input error (missing path, bad baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from code_scalpel.cli.output import EXIT_INPUT, add_json_flag, emit, fail
from code_scalpel.errors import InvalidArgument, ScalpelError
from code_scalpel.scanning.findings import SEVERITY_ORDER

EXIT_FINDINGS = 1
#: Below this many files a progress bar is only noise.
PROGRESS_MIN_FILES = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="security scan of a Python file or project (taint analysis, secrets)",
        description="Find injection vulnerabilities and hard-coded secrets. Exit code 0: "
        "nothing at or above --fail-on; 1: findings; 2: usage or input error.",
    )
    parser.add_argument("path", help="a Python file or a project directory")
    parser.add_argument("--sarif", metavar="FILE", help="also write SARIF 2.1.0 (GitHub code scanning) to FILE")
    parser.add_argument(
        "--fail-on",
        choices=tuple(SEVERITY_ORDER),
        default="low",
        help="lowest severity that makes the exit code 1 (default: low, i.e. any finding)",
    )
    parser.add_argument(
        "--confidence-threshold",
        type=float,
        default=0.5,
        metavar="N",
        help="drop findings below this confidence, 0..1 (default 0.5)",
    )
    parser.add_argument("--max-depth", type=int, default=5, help="calls to follow across modules (default 5)")
    parser.add_argument("--no-secrets", action="store_true", help="skip the hard-coded secrets scan")
    parser.add_argument("--baseline", metavar="FILE", help="JSON baseline of accepted secret fingerprints")
    parser.add_argument(
        "--write-baseline", metavar="FILE", help="write a baseline accepting every secret found now (fingerprints only)"
    )
    add_json_flag(parser)
    parser.set_defaults(func=run)


class ProgressBar:
    """A one-line bar on stderr, drawn only on a terminal and at most ten times a second."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.last = 0.0

    def __call__(self, done: int, total: int, message: str) -> None:
        if not self.enabled or total < PROGRESS_MIN_FILES:
            return
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = width * done // max(total, 1)
        label = message[-40:]
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def scan_path(
    path: Path, *, threshold: float, max_depth: int, secrets: bool, baseline: str | None, progress: Any = None
) -> dict[str, Any]:
    from code_scalpel.sandbox import decode_source
    from code_scalpel.scanning import secrets as secrets_mod
    from code_scalpel.scanning.api import scan_code, scan_project

    if path.is_dir():
        result = scan_project(path, max_depth=max_depth, confidence_threshold=threshold, progress=progress)
        secret_items = [(p, p.relative_to(path).as_posix()) for p in secrets_mod.text_files(path)]
    elif path.is_file():
        text = decode_source(path.read_bytes(), str(path))
        result = scan_code(text, str(path), confidence_threshold=threshold)
        secret_items = [(path, str(path))]
    else:
        raise InvalidArgument(f"{str(path)!r} does not exist or is not a file or directory")
    if secrets:
        accepted = secrets_mod.load_baseline(Path(baseline)) if baseline else None

        def read(p: Path) -> str:
            return decode_source(p.read_bytes(), str(p))

        found = secrets_mod.scan_secrets(secret_items, baseline=accepted, read=read)
        result["secrets"] = [f for f in found["findings"] if f["confidence"] >= threshold]
        result["dropped_below_threshold"] += len(found["findings"]) - len(result["secrets"])
        result["secrets_suppressed_by_baseline"] = found["suppressed_by_baseline"]
    return result


def render(result: dict[str, Any]) -> str:
    lines = []
    for f in result["findings"]:
        lines.append(
            f"{f['file']}:{f['line']}:{f['column'] + 1}: {f['severity'].upper()} {f['rule_id']} "
            f"({f['cwe']}, confidence {f['confidence']}) {f['sink']['call']}"
        )
        if f.get("source"):
            lines.append(f"    source: {f['source']['expression']} ({f['source']['file']}:{f['source']['line']})")
        lines.append(f"    fix: {f['fix']}")
    for s in result.get("secrets", []):
        lines.append(
            f"{s['file']}:{s['line']}:{s['column'] + 1}: {s['severity'].upper()} hardcoded-secret "
            f"{s['kind']} {s['secret_preview']}"
        )
    for e in result.get("errors", []):
        lines.append(f"{e['file']}:{e.get('line', 0)}: {e['message']}")
    summary = f"{result['total']} finding(s)"
    if "secrets" in result:
        summary += f", {len(result['secrets'])} secret(s)"
    if result.get("dropped_below_threshold"):
        summary += f"; {result['dropped_below_threshold']} below confidence {result['confidence_threshold']} dropped"
    lines.append(summary)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        if not 0.0 <= args.confidence_threshold <= 1.0:
            raise InvalidArgument("--confidence-threshold must be between 0 and 1")
        result = scan_path(
            Path(args.path),
            threshold=args.confidence_threshold,
            max_depth=args.max_depth,
            secrets=not args.no_secrets,
            baseline=args.baseline,
            progress=ProgressBar(),
        )
        if args.sarif:
            from code_scalpel.scanning.sarif import to_sarif

            document = to_sarif([*result["findings"], *result.get("secrets", [])], errors=result.get("errors", []))
            _write_json(args.sarif, document)
        if args.write_baseline:
            from code_scalpel.scanning.secrets import baseline_document

            _write_json(args.write_baseline, baseline_document(result.get("secrets", [])))
    except ScalpelError as exc:
        return fail(args, exc)
    except OSError as exc:
        return fail(args, InvalidArgument(f"cannot read or write: {exc.strerror or exc}"))
    emit(args, result, render)
    floor = SEVERITY_ORDER[args.fail_on]
    failing = [f for f in (*result["findings"], *result.get("secrets", [])) if SEVERITY_ORDER[f["severity"]] >= floor]
    return EXIT_FINDINGS if failing else 0


def _write_json(target: str, document: dict[str, Any]) -> None:
    tmp = f"{target}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, target)


__all__ = ["EXIT_FINDINGS", "EXIT_INPUT", "register", "run"]
