"""Cursor pagination shared by every list result."""

from __future__ import annotations

from typing import Any

from code_scalpel.errors import InvalidArgument


def page(items: list[Any], limit: int, cursor: str | None, cut_by: str | None = None) -> dict[str, Any]:
    """One page of ``items``: ``cursor`` is the opaque value a previous page returned as ``next_cursor``.

    ``cut_by`` names the limit that stopped collecting ``items`` early, if one did: the total is
    then a lower bound and the result says so.
    """
    if limit < 1:
        raise InvalidArgument("limit must be at least 1")
    start = 0
    if cursor:
        try:
            start = int(cursor)
        except ValueError:
            raise InvalidArgument(f"cursor {cursor!r} is not one this server returned; omit it to start over") from None
        if start < 0 or start > len(items):
            raise InvalidArgument(f"cursor {cursor!r} is past the end ({len(items)} items); omit it to start over")
    chunk = items[start : start + limit]
    end = start + len(chunk)
    more = end < len(items)
    out: dict[str, Any] = {
        "items": chunk,
        "total": len(items),
        "limit": limit,
        "cursor": str(start),
        "next_cursor": str(end) if more else None,
        "truncated": more or cut_by is not None,
    }
    if cut_by is not None:
        out["limited_by"] = cut_by
    return out
