"""Errors shared by every layer.

Each carries a stable machine-readable ``code`` and a message that tells the
caller what to do.  The analysis layer raises them without knowing about MCP,
HTTP or the CLI; each face translates them (a JSON-RPC tool error, an exit
code, an HTTP status) in one place.
"""

from __future__ import annotations

from typing import Any


class ScalpelError(Exception):
    code = "error"

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.data}


class InvalidArgument(ScalpelError):
    code = "invalid_argument"


class PathRefused(ScalpelError):
    """A path outside the allowed roots, or of a kind we never read."""

    code = "path_refused"


class FileUnreadable(ScalpelError):
    """Missing, binary or not decodable as text."""

    code = "file_unreadable"


class TooLarge(ScalpelError):
    code = "too_large"


class ParseFailure(ScalpelError):
    """The source does not parse; ``line`` and ``column`` say where."""

    code = "syntax_error"


class SymbolNotFound(ScalpelError):
    code = "symbol_not_found"


class NotAllowed(ScalpelError):
    """Refused by a policy (scope, tier, license) rather than by the input."""

    code = "not_allowed"
