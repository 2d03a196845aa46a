"""The license tier as a :class:`~code_scalpel.tools.policy.ToolPolicy` and as the server's limits/stamp source.

The server asks :meth:`TierPolicy.deny` before listing or calling a tool, calls
:meth:`TierPolicy.limits` (``runtime.limits_provider``) for the limits of each
call and :meth:`TierPolicy.stamp` (``runtime.stamp_provider``) for the fields
added to every result; :meth:`TierPolicy.decorate` names the tier that lifts a
limit that cut a result.  All of them read the license in force at that
moment, so a downgrade applies to the very next call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from code_scalpel.errors import NotAllowed
from code_scalpel.licensing.manager import LicenseManager
from code_scalpel.licensing.tiers import LIMIT_NAMES, generosity, load_tiers
from code_scalpel.tool_limits import ToolLimits
from code_scalpel.tools.base import ToolContext, ToolSpec


class TierPolicy:
    def __init__(self, manager: LicenseManager) -> None:
        self.manager = manager
        self._tiers = load_tiers()

    # -- ToolPolicy -----------------------------------------------------------

    def allows(self, tool_name: str) -> bool:
        return tool_name in self.manager.current().policy.tools

    def deny(self, tool: ToolSpec, ctx: ToolContext | None = None) -> NotAllowed | None:
        state = self.manager.current()
        if tool.name in state.policy.tools:
            return None
        needed = self._tiers.lowest_tier_with(tool.name)
        if needed is None:
            # Fail closed: a tool the tier table does not know is offered by no tier.
            return NotAllowed(
                f"tool {tool.name!r} is not part of any license tier in this build",
                tool=tool.name,
                tier=state.tier,
                required_tier=None,
            )
        return NotAllowed(
            f"tool {tool.name!r} needs the {needed} tier; this server runs the {state.tier} tier "
            f"({state.reason}). Install a {needed} license (--license-file) to use it.",
            tool=tool.name,
            tier=state.tier,
            required_tier=needed,
        )

    # -- runtime providers ----------------------------------------------------

    def limits(self) -> ToolLimits:
        return self.manager.current().policy.limits

    def stamp(self) -> dict[str, Any]:
        return {"tier": self.manager.current().tier}

    def limits_provider(self) -> Callable[[], ToolLimits]:
        return self.limits

    def stamp_provider(self) -> Callable[[], dict[str, Any]]:
        return self.stamp

    # -- truncation -----------------------------------------------------------

    def explain_cut(self, limit: str) -> dict[str, Any]:
        """``{"limit": name, "lifted_by": tier | None}`` for the license in force now.

        When the operator's ``[limits]`` set the value below the license's, no
        tier lifts it: the answer says ``set_by: "operator"`` instead.
        """
        state = self.manager.current()
        if limit not in LIMIT_NAMES:
            return {"limit": limit, "lifted_by": None}
        overrides = state.claims.limits if state.claims and state.status in ("valid", "grace") else {}
        licensed = getattr(self._tiers.resolve(state.tier, overrides).limits, limit)
        effective = getattr(state.policy.limits, limit)
        if generosity(limit, effective) < generosity(limit, licensed):
            return {"limit": limit, "lifted_by": None, "set_by": "operator"}
        return {"limit": limit, "lifted_by": self._tiers.tier_lifting(limit, state.tier, licensed)}

    def decorate(self, result: dict[str, Any]) -> dict[str, Any]:
        """Add the tier to a tool result and, when a limit cut it, the tier that lifts that limit.

        A tool that truncates says ``truncated: true`` and names the limit in
        ``limited_by`` or ``limit`` — a ToolLimits field name, or a ``{name: value}`` object; this
        adds ``lifted_by`` (a tier, or ``null`` when no tier allows more) beside
        them.  Limits that are not tier limits (a tool's own argument) get none.
        """
        for key, value in self.stamp().items():
            result.setdefault(key, value)
        error = result.get("error")
        if isinstance(error, dict) and isinstance(error.get("limit"), str) and "lifted_by" not in error:
            # A call refused by a limit (a file over max_file_bytes) is cut too: say who lifts it.
            error.update({k: v for k, v in self.explain_cut(error["limit"]).items() if k != "limit"})
            return result
        if not result.get("truncated") or "lifted_by" in result:
            return result
        # Tools name the limit that cut them as ``limited_by: <name>`` or ``limit: <name> | {name: value}``.
        names: list[Any] = []
        for key in ("limited_by", "limit"):
            named = result.get(key)
            names += [named] if isinstance(named, str) else list(named) if isinstance(named, dict | list) else []
        limits = self.manager.current().policy.limits.as_dict()
        known = [n for n in names if isinstance(n, str) and n in limits]
        if known:
            cut = self.explain_cut(known[0])
            result["lifted_by"] = cut["lifted_by"]
            if "set_by" in cut:
                result["set_by"] = cut["set_by"]
        return result
