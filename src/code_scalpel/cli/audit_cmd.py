"""``codescalpel audit verify FILE``: check the audit log's hash chain, across rotated files."""

from __future__ import annotations

import argparse
from pathlib import Path

from code_scalpel.cli.output import add_json_flag, emit, fail
from code_scalpel.errors import InvalidArgument


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="inspect the audit log", description=__doc__)
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="verify the hash chain and report the first broken line")
    v.add_argument("file", metavar="FILE", help="the audit log (its rotated FILE.1, FILE.2… are included)")
    v.add_argument("--only", action="store_true", help="check FILE alone, without its rotated predecessors")
    v.add_argument("--partial", action="store_true", help="accept a chain whose oldest lines were rotated away")
    add_json_flag(v)
    v.set_defaults(func=run_verify)


def _render(result: dict) -> str:
    if result["ok"]:
        return f"ok: {result['lines']} line(s), chain intact; head {result['head']}"
    return f"BROKEN at {result['file']}:{result['line']}: {result['reason']}"


def run_verify(args: argparse.Namespace) -> int:
    from code_scalpel.audit.verify import rotation_set, verify_files

    path = Path(args.file)
    if not path.is_file():
        return fail(args, InvalidArgument(f"audit log {args.file!r} does not exist or is not a file"))
    files = [path] if args.only else rotation_set(path)
    result = verify_files(files, partial=args.partial).as_dict()
    result["files"] = [str(f) for f in files]
    emit(args, result, _render)
    return 0 if result["ok"] else 1
