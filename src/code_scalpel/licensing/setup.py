"""Plug licensing into the server runtime: one call from the launcher."""

from __future__ import annotations

from typing import Any

from code_scalpel.errors import InvalidArgument
from code_scalpel.licensing.manager import LicenseManager, LicenseSettings, Reporter, log_reporter
from code_scalpel.licensing.tier_policy import TierPolicy


def install_licensing(runtime: Any, config: Any, report: Reporter = log_reporter) -> TierPolicy:
    """Find and verify the license (reporting it on stderr) and make the runtime follow it.

    After this, tools outside the tier are neither listed nor callable, every
    call runs under the tier's limits (the operator's ``[limits]`` may only
    tighten them), every result carries ``tier``, and ``get_capabilities``
    has a ``license`` section.
    """
    try:
        settings = LicenseSettings.from_config(config)
    except ValueError as exc:
        raise InvalidArgument(f"license_grace: {exc}") from None
    manager = LicenseManager(settings, report=report)
    policy = TierPolicy(manager)
    runtime.policies.append(policy)
    runtime.limits_provider = policy.limits_provider()
    runtime.stamp_provider = policy.stamp_provider()
    runtime.decorate_result = policy.decorate
    runtime.capability_sections["license"] = manager.describe
    return policy
