"""The tier table: which tools and which limits each license tier grants.

This module is the only place that knows what a tier means.  It reads
``tiers.toml`` (package data) once, checks it completely, and answers three
questions for the rest of the program:

* :func:`resolve` — the tools and :class:`ToolLimits` of a tier, with a
  license's ``limits`` / ``features`` overrides applied;
* :meth:`TierTable.lowest_tier_with` — the first tier that offers a tool
  (what an error for a refused tool names);
* :meth:`TierTable.tier_lifting` — the first tier that raises a limit past a
  value (what a truncated result names).

Nothing else compares tier names.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from importlib import resources
from typing import Any

from code_scalpel.tool_limits import ToolLimits

LIMIT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ToolLimits))

_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class TierTableError(ValueError):
    """The packaged table (or an override) is inconsistent; the message says where."""


def rate_per_second(rate: str) -> float:
    """``"600/minute"`` → 10.0; accepts the ``limits`` notation (``N/unit``, ``N per M units``)."""
    match = _RATE.match(rate) if isinstance(rate, str) else None
    if not match:
        raise TierTableError(f"rate limit {rate!r} is not of the form 'N/second|minute|hour|day'")
    amount, multiple, unit = int(match[1]), int(match[2] or 1), match[3].lower()
    if amount <= 0 or multiple <= 0:
        raise TierTableError(f"rate limit {rate!r} must be positive")
    return amount / (multiple * _SECONDS[unit])


def generosity(limit: str, value: Any) -> float:
    """A number that grows with how much a limit allows, so limits of any kind compare."""
    if limit == "rate_limit":
        return rate_per_second(value)
    return float(value)


def check_limit(limit: str, value: Any) -> Any:
    """Validate one limit value (from the table or a license) and return it."""
    if limit not in LIMIT_NAMES:
        raise TierTableError(f"unknown limit {limit!r}; known: {', '.join(LIMIT_NAMES)}")
    if limit == "rate_limit":
        rate_per_second(value)
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TierTableError(f"limit {limit} must be a positive integer, not {value!r}")
    return value


@dataclass(frozen=True)
class TierPolicyData:
    tier: str
    rank: int
    description: str
    tools: frozenset[str]
    limits: ToolLimits


class TierTable:
    def __init__(self, data: Mapping[str, Any], source: str = "tiers.toml") -> None:
        order = data.get("order")
        tiers = data.get("tiers")
        if not isinstance(order, list) or not order or not isinstance(tiers, dict):
            raise TierTableError(f"{source}: needs a non-empty 'order' list and a [tiers] table")
        if set(order) != set(tiers) or len(order) != len(set(order)):
            raise TierTableError(f"{source}: 'order' {order} must name each tier of [tiers] {sorted(tiers)} once")
        self.source = source
        self.order: tuple[str, ...] = tuple(order)
        self._tiers: dict[str, TierPolicyData] = {}
        for rank, name in enumerate(order):
            entry = tiers[name]
            limits = entry.get("limits", {})
            missing = [n for n in LIMIT_NAMES if n not in limits]
            if missing:
                raise TierTableError(f"{source}: tier {name!r} does not set {', '.join(missing)}")
            try:
                checked = {k: check_limit(k, v) for k, v in limits.items()}
            except TierTableError as exc:
                raise TierTableError(f"{source}: tier {name!r}: {exc}") from None
            tools = entry.get("tools")
            if not isinstance(tools, list) or not all(isinstance(t, str) for t in tools):
                raise TierTableError(f"{source}: tier {name!r} needs a 'tools' list of names")
            self._tiers[name] = TierPolicyData(
                tier=name,
                rank=rank,
                description=str(entry.get("description", "")),
                tools=frozenset(tools),
                limits=ToolLimits(**checked),
            )

    def __contains__(self, tier: object) -> bool:
        return tier in self._tiers

    @property
    def lowest(self) -> str:
        return self.order[0]

    def get(self, tier: str) -> TierPolicyData:
        try:
            return self._tiers[tier]
        except KeyError:
            raise TierTableError(f"unknown tier {tier!r}; known: {', '.join(self.order)}") from None

    def all_tools(self) -> frozenset[str]:
        return frozenset().union(*(t.tools for t in self._tiers.values()))

    def lowest_tier_with(self, tool: str) -> str | None:
        return next((name for name in self.order if tool in self._tiers[name].tools), None)

    def tier_lifting(self, limit: str, tier: str, value: Any = None) -> str | None:
        """The first tier above ``tier`` whose ``limit`` allows more than ``value`` (default: the tier's own)."""
        if limit not in LIMIT_NAMES:
            return None
        base = self.get(tier)
        current = generosity(limit, getattr(base.limits, limit) if value is None else value)
        for name in self.order[base.rank + 1 :]:
            if generosity(limit, getattr(self._tiers[name].limits, limit)) > current:
                return name
        return None

    def resolve(
        self,
        tier: str,
        limit_overrides: Mapping[str, Any] | None = None,
        features: Iterable[str] = (),
    ) -> TierPolicyData:
        """A tier's policy with a license's overrides: ``limits`` replace entries, ``features`` add tools."""
        base = self.get(tier)
        overrides = {k: check_limit(k, v) for k, v in (limit_overrides or {}).items()}
        extra = frozenset(features) & self.all_tools()
        if not overrides and not extra:
            return base
        return replace(base, tools=base.tools | extra, limits=replace(base.limits, **overrides))

    def rows(self) -> list[TierPolicyData]:
        return [self._tiers[name] for name in self.order]


@functools.cache
def load_tiers() -> TierTable:
    """The packaged table, read and checked once per process."""
    text = resources.files(__package__).joinpath("tiers.toml").read_text("utf-8")
    return TierTable(tomllib.loads(text), source="code_scalpel/licensing/tiers.toml")


def resolve(
    tier: str, limit_overrides: Mapping[str, Any] | None = None, features: Iterable[str] = ()
) -> TierPolicyData:
    return load_tiers().resolve(tier, limit_overrides, features)


def tighten(limits: ToolLimits, operator: Mapping[str, Any] | None) -> ToolLimits:
    """Apply an operator's ``[limits]`` (config file): they may lower a tier's limits, never raise them."""
    if not operator:
        return limits
    stricter = {}
    for name, value in operator.items():
        check_limit(name, value)
        if generosity(name, value) < generosity(name, getattr(limits, name)):
            stricter[name] = value
    return replace(limits, **stricter) if stricter else limits


def explain_cut(limit: str, tier: str, value: Any = None) -> dict[str, Any]:
    """What a truncated result says about the limit that cut it: ``{"limit", "lifted_by"}``.

    ``lifted_by`` is ``None`` when no tier allows more (the highest tier, or a
    license override already past it).
    """
    return {"limit": limit, "lifted_by": load_tiers().tier_lifting(limit, tier, value)}
