"""Render the tier table (``tiers.toml``) as Markdown for the README.

    python -m code_scalpel.licensing.render_table              # print the table
    python -m code_scalpel.licensing.render_table --write README.md
    python -m code_scalpel.licensing.render_table --check README.md   # exit 1 if stale

The README holds the table between ``<!-- tiers:start -->`` and
``<!-- tiers:end -->``; a test runs the check so the two never disagree.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from code_scalpel.licensing.tiers import LIMIT_NAMES, TierTable, load_tiers

START = "<!-- tiers:start -->"
END = "<!-- tiers:end -->"

LIMIT_LABELS = {
    "max_file_bytes": "File size a tool will parse",
    "max_code_bytes": "Inline `code` argument",
    "max_request_bytes": "HTTP request body",
    "max_files_per_crawl": "Files per project crawl",
    "max_references": "References returned",
    "max_callgraph_depth": "Call-graph depth",
    "max_callgraph_nodes": "Call-graph nodes",
    "max_symbols": "Definitions listed per file",
    "max_concurrent_calls": "Concurrent tool calls",
    "rate_limit": "Rate limit (per client)",
}


def _human(limit: str, value: object) -> str:
    if limit.endswith("_bytes") and isinstance(value, int):
        for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
            if value >= size and value % size == 0:
                return f"{value // size} {unit}"
        return f"{value} B"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render(table: TierTable | None = None) -> str:
    table = table or load_tiers()
    rows = table.rows()
    header = "| | " + " | ".join(f"**{r.tier}**" for r in rows) + " |"
    lines = [header, "|---|" + "---|" * len(rows)]
    # Tools in the order they are unlocked, so the table reads as "what each tier adds".
    ordered = []
    for r in rows:
        ordered += sorted(r.tools - set(ordered))
    for tool in ordered:
        lines.append(f"| `{tool}` | " + " | ".join("✓" if tool in r.tools else "—" for r in rows) + " |")
    for limit in LIMIT_NAMES:
        cells = " | ".join(_human(limit, getattr(r.limits, limit)) for r in rows)
        lines.append(f"| {LIMIT_LABELS.get(limit, limit)} (`{limit}`) | {cells} |")
    notes = "\n".join(f"- **{r.tier}**: {r.description}" for r in rows)
    source = (
        "_Generated from `src/code_scalpel/licensing/tiers.toml` by `python -m code_scalpel.licensing.render_table`._"
    )
    return "\n".join(lines) + "\n\n" + notes + "\n\n" + source + "\n"


def splice(document: str, table: str) -> str:
    """``document`` with the block between the markers replaced by ``table``."""
    start, end = document.find(START), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the document has no {START} … {END} block")
    return document[: start + len(START)] + "\n" + table + document[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m code_scalpel.licensing.render_table", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="README", help="replace the block in this file")
    group.add_argument("--check", metavar="README", help="exit 1 if the block in this file is stale")
    args = parser.parse_args(argv)
    table = render()
    if not (args.write or args.check):
        sys.stdout.write(table)
        return 0
    path = Path(args.write or args.check)
    document = path.read_text("utf-8")
    updated = splice(document, table)
    if args.check:
        if updated != document:
            print(f"{path}: the tier table is stale; run with --write {path}", file=sys.stderr)
            return 1
        return 0
    path.write_text(updated, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
