"""``codescalpel``: the command-line face of the same functions the MCP tools call."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from code_scalpel import __version__
from code_scalpel.cli import audit_cmd, files_cmd, keys_cmd, license_cmd, mcp_cmd, project_cmd, scan_cmd, sign_cmd

#: Each module contributes ``register(subparsers)``; its handler is stored as ``func``.
COMMANDS = (mcp_cmd, files_cmd, keys_cmd, audit_cmd, sign_cmd, scan_cmd, project_cmd, license_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codescalpel", description="Surgical, parse-only code analysis for agents.")
    parser.add_argument("--version", action="version", version=f"codescalpel {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
