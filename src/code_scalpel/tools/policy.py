"""Policies decide, per call, whether a principal may use a tool.

The server asks every policy before listing or calling a tool; the first
refusal wins.  Scopes (authentication) and tiers (licensing) are policies, so
neither knows about the other and the tools know about neither.
"""

from __future__ import annotations

from typing import Protocol

from code_scalpel.errors import NotAllowed
from code_scalpel.tools.base import ToolContext, ToolSpec


class ToolPolicy(Protocol):
    def deny(self, tool: ToolSpec, ctx: ToolContext) -> NotAllowed | None:
        """``None`` to allow; otherwise the refusal, with a message naming what would allow it."""
        ...
