"""The tier table: complete, monotonic, one resolver, and the README generated from it."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from code_scalpel.licensing import render_table
from code_scalpel.licensing.tier_policy import TierPolicy
from code_scalpel.licensing.tiers import (
    LIMIT_NAMES,
    TierTable,
    TierTableError,
    explain_cut,
    generosity,
    load_tiers,
    resolve,
)
from code_scalpel.tool_limits import ToolLimits

REPO = Path(__file__).resolve().parents[2]


def test_every_tier_sets_every_limit_and_higher_tiers_only_add() -> None:
    table = load_tiers()
    assert table.order == ("community", "pro", "enterprise")
    rows = table.rows()
    for lower, higher in itertools.pairwise(rows):
        assert lower.tools <= higher.tools, f"{higher.tier} drops tools of {lower.tier}"
        for limit in LIMIT_NAMES:
            assert generosity(limit, getattr(higher.limits, limit)) >= generosity(limit, getattr(lower.limits, limit))


def test_community_is_genuinely_useful() -> None:
    community = load_tiers().get("community").tools
    assert {"analyze_code", "extract_code", "get_file_context", "get_capabilities"} <= community
    assert {"get_symbol_references", "get_project_map", "security_scan"} <= community


@pytest.mark.parametrize(
    ("tool", "tier"),
    [
        ("analyze_code", "community"),
        ("crawl_project", "pro"),
        ("get_call_graph", "pro"),
        ("cross_file_security_scan", "enterprise"),
        ("no_such_tool", None),
    ],
)
def test_lowest_tier_with(tool: str, tier: str | None) -> None:
    assert load_tiers().lowest_tier_with(tool) == tier


@pytest.mark.parametrize(
    ("limit", "tier", "value", "lifted_by"),
    [
        ("max_references", "community", None, "pro"),
        ("max_references", "pro", None, "enterprise"),
        ("max_references", "enterprise", None, None),
        ("max_references", "pro", 50_000, "enterprise"),  # a license override between pro and enterprise
        ("max_references", "pro", 10**9, None),  # an override past every tier
        ("rate_limit", "community", None, "pro"),
        ("max_callgraph_depth", "community", None, "pro"),
        ("not_a_limit", "community", None, None),
    ],
)
def test_tier_lifting(limit: str, tier: str, value: Any, lifted_by: str | None) -> None:
    assert load_tiers().tier_lifting(limit, tier, value) == lifted_by
    assert explain_cut(limit, tier, value) == {"limit": limit, "lifted_by": lifted_by}


def test_resolve_applies_overrides_and_refuses_bad_ones() -> None:
    policy = resolve("community", {"max_references": 999, "rate_limit": "10/second"}, ["crawl_project", "bogus"])
    assert policy.limits.max_references == 999 and policy.limits.rate_limit == "10/second"
    assert "crawl_project" in policy.tools and "bogus" not in policy.tools
    assert resolve("community") is load_tiers().get("community")
    with pytest.raises(TierTableError, match="unknown limit"):
        resolve("pro", {"max_widgets": 1})
    with pytest.raises(TierTableError, match="unknown tier"):
        resolve("platinum")


def _table(**over: Any) -> dict[str, Any]:
    limits = ToolLimits().as_dict()
    data = {
        "order": ["a", "b"],
        "tiers": {"a": {"tools": ["x"], "limits": dict(limits)}, "b": {"tools": ["x"], "limits": dict(limits)}},
    }
    for key, value in over.items():
        if key == "order":
            data["order"] = value
        else:
            tier, _, field = key.partition("__")
            if value is None:
                data["tiers"][tier]["limits"].pop(field)
            else:
                data["tiers"][tier]["limits"][field] = value
    return data


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"order": ["a"]}, "must name each tier"),
        ({"order": ["a", "b", "b"]}, "must name each tier"),
        ({"a__max_references": None}, "does not set max_references"),
        ({"a__max_widgets": 3}, "unknown limit 'max_widgets'"),
        ({"b__max_references": 0}, "must be a positive integer"),
        ({"b__max_references": True}, "must be a positive integer"),
        ({"b__rate_limit": "lots"}, "is not of the form"),
        ({"b__rate_limit": "0/minute"}, "must be positive"),
    ],
)
def test_table_errors_are_precise(over: dict[str, Any], message: str) -> None:
    with pytest.raises(TierTableError, match=message):
        TierTable(_table(**over))


def test_readme_table_matches_the_toml() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    assert render_table.splice(readme, render_table.render()) == readme, (
        "README tier table is stale: python -m code_scalpel.licensing.render_table --write README.md"
    )
    assert render_table.main(["--check", str(REPO / "README.md")]) == 0


def test_render_check_detects_a_stale_readme(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text("# x\n<!-- tiers:start -->\nold\n<!-- tiers:end -->\n")
    assert render_table.main(["--check", str(stale)]) == 1
    assert render_table.main(["--write", str(stale)]) == 0
    assert render_table.main(["--check", str(stale)]) == 0
    assert "`cross_file_security_scan` | — | — | ✓" in stale.read_text()


def test_no_tier_comparisons_outside_the_resolver() -> None:
    """One source of truth: nothing but the tier table gives a tier name its meaning."""
    pattern = re.compile(
        r"""tier\s*(==|!=)\s*["']"""  # tier == "pro"
        r"""|tier\s+(not\s+)?in\s*[(\[{]\s*["']"""  # tier in ("pro", ...)
        r"""|["'](community|pro|enterprise)["']\s*(==|!=|in\b)"""  # "pro" == tier
    )
    assert pattern.search('if tier in ("pro", "enterprise"):') and pattern.search("if 'pro' == t:")
    offenders = []
    for path in (REPO / "src" / "code_scalpel").rglob("*.py"):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


# -- the policy seen by the server --------------------------------------------------


class _Spec:
    def __init__(self, name: str) -> None:
        self.name = name


def test_policy_denies_naming_the_tier_and_follows_the_license(harness: Any) -> None:
    from tests.licensing.conftest import Clock

    clock = Clock(1_800_000_000.0)
    path = harness.write(harness.vendor.issue(tier="pro", issued_at=clock.t - 60, expires_at=clock.t + 5))
    policy = TierPolicy(harness.manager(clock, license_file=str(path), grace=0))
    assert policy.deny(_Spec("crawl_project")) is None
    refusal = policy.deny(_Spec("cross_file_security_scan"))
    assert refusal is not None and refusal.code == "not_allowed"
    assert refusal.data == {"tool": "cross_file_security_scan", "tier": "pro", "required_tier": "enterprise"}
    assert "needs the enterprise tier" in refusal.message
    assert policy.stamp() == {"tier": "pro"} and policy.limits().max_references == 5_000
    limits, stamp = policy.limits_provider(), policy.stamp_provider()
    clock.advance(5)
    refusal = policy.deny(_Spec("crawl_project"))
    assert refusal is not None and "needs the pro tier; this server runs the community tier" in refusal.message
    assert "expired" in refusal.message
    assert stamp() == {"tier": "community"} and limits().max_references == 200
    unknown = policy.deny(_Spec("rm_rf"))
    assert unknown is not None and unknown.data["required_tier"] is None


def test_decorate_names_the_tier_that_lifts_a_cut(harness: Any) -> None:
    policy = TierPolicy(harness.manager())
    result = policy.decorate({"items": [1], "truncated": True, "limit": "max_references", "total": 900})
    assert result["tier"] == "community" and result["lifted_by"] == "pro"
    assert policy.decorate({"items": []}) == {"items": [], "tier": "community"}
    refused = policy.decorate({"error": {"code": "too_large", "limit": "max_file_bytes"}})
    assert refused == {
        "error": {"code": "too_large", "limit": "max_file_bytes", "lifted_by": "pro"},
        "tier": "community",
    }
    assert policy.explain_cut("max_callgraph_nodes") == {"limit": "max_callgraph_nodes", "lifted_by": "pro"}
    assert policy.explain_cut("bogus") == {"limit": "bogus", "lifted_by": None}
    # a result whose own argument cut it (not a tier limit) gets the tier but no lifted_by
    own = policy.decorate({"truncated": True, "limit": {"max_symbols_arg": 3}})
    assert own == {"truncated": True, "limit": {"max_symbols_arg": 3}, "tier": "community"}
    # the analysis style: limit as {name: value}
    assert policy.decorate({"truncated": True, "limit": {"max_symbols": 5000}})["lifted_by"] == "pro"
    # the project style: limit is the page size, limited_by names the limit
    paged = policy.decorate({"truncated": True, "limit": 50, "limited_by": "max_files_per_crawl"})
    assert paged["lifted_by"] == "pro"
    assert "lifted_by" not in policy.decorate({"truncated": True, "limit": 50, "next_cursor": "50"})  # just a page
    assert "lifted_by" not in policy.decorate({"truncated": True, "limited_by": "max_nodes"})  # the caller's own cap


@pytest.mark.parametrize(
    ("tier", "overrides", "operator", "expected"),
    [
        ("pro", {}, {}, {"lifted_by": "enterprise"}),
        ("pro", {"max_references": 200_000}, {}, {"lifted_by": None}),  # the license already beats every tier
        ("pro", {}, {"max_references": 10}, {"lifted_by": None, "set_by": "operator"}),
        ("enterprise", {}, {}, {"lifted_by": None}),
    ],
)
def test_explain_cut_accounts_for_license_and_operator(harness: Any, tier, overrides, operator, expected) -> None:
    path = harness.write(harness.vendor.issue(tier=tier, limits=overrides))
    policy = TierPolicy(harness.manager(license_file=str(path), operator_limits=operator))
    assert policy.explain_cut("max_references") == {"limit": "max_references", **expected}


@pytest.mark.parametrize(
    ("operator", "ceiling", "default", "anonymous"),
    [
        ({}, None, "600/minute", "300/minute"),  # no license layer: the limiter's own defaults
        ({}, "300/minute", "300/minute", "300/minute"),  # community: the tier is the default
        ({}, "120/minute", "120/minute", "120/minute"),  # a tier stricter than the anonymous default caps it
        ({}, "6000/minute", "6000/minute", "300/minute"),  # enterprise raises principals, not anonymous
        ({"rate_limit": "8/minute"}, "300/minute", "8/minute", "300/minute"),  # the operator may tighten
        ({"rate_limit": "10000/minute"}, "300/minute", "300/minute", "300/minute"),  # ... never loosen
        ({"rate_limits": {"anonymous": "9000/minute"}}, "1200/minute", "1200/minute", "1200/minute"),
    ],
)
def test_rate_limit_follows_the_tier(
    operator: dict[str, Any], ceiling: str | None, default: str, anonymous: str
) -> None:
    from code_scalpel.config import ServerConfig
    from code_scalpel.http.abuse_stack import rate_limit_settings

    settings = rate_limit_settings(ServerConfig(**operator), {}, ceiling)
    assert (settings.default, settings.anonymous) == (default, anonymous)
