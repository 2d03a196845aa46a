"""How commands print: human-readable by default, one JSON document with ``--json``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from code_scalpel.errors import ScalpelError

#: Exit codes: 1 is a finding/failed check, 2 a usage or input error.
EXIT_INPUT = 2


def add_json_flag(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document for machines")


def emit(args: Any, result: dict[str, Any], render: Callable[[dict[str, Any]], str]) -> int:
    if getattr(args, "json", False):
        json.dump(result, sys.stdout, indent=2, sort_keys=False, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(result).rstrip("\n") + "\n")
    return 0


def fail(args: Any, error: ScalpelError) -> int:
    if getattr(args, "json", False):
        json.dump({"error": error.to_dict()}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    print(f"codescalpel: {error.message}", file=sys.stderr)
    return EXIT_INPUT
