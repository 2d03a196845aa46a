"""The limits a tool call runs under.

The values come from one place (the tier table once licensing resolves it,
defaults otherwise); tools read them from their context and never decide a
limit themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

MiB = 1024 * 1024


@dataclass(frozen=True)
class ToolLimits:
    max_file_bytes: int = 10 * MiB
    max_code_bytes: int = 1 * MiB
    max_request_bytes: int = 4 * MiB
    max_files_per_crawl: int = 20_000
    max_references: int = 10_000
    max_callgraph_depth: int = 50
    max_callgraph_nodes: int = 100_000
    #: Functions + classes listed by analyze_code / get_file_context before the result says truncated.
    max_symbols: int = 5_000
    max_concurrent_calls: int = 8
    rate_limit: str = "600/minute"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_overrides(self, overrides: dict[str, Any]) -> ToolLimits:
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        return replace(self, **overrides)


DEFAULT_LIMITS = ToolLimits()
