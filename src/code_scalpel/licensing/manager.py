"""The license in force, found, verified and kept current while the server runs.

:meth:`LicenseManager.current` is called on every tool call, so it is cheap:
a clock comparison against the instant the license's status next changes
(``nbf``, ``exp``, end of grace) and, at most once per ``stat_interval``, a
``stat`` of the license and revocation-list files.  A changed file (mtime,
size or inode) is re-read and re-verified; an expiring license downgrades at
the moment it expires.  Every change of the tier in force is reported with one
line on stderr.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from code_scalpel.licensing.license import (
    DEFAULT_GRACE,
    ENV_LICENSE_PATH,
    LICENSE_FILENAME,
    PROJECT_DIRNAME,
    LicenseClaims,
    LicenseError,
    iso,
    load_crl,
    parse_duration,
    permission_warning,
    read_token_file,
    time_status,
    trusted_keys,
    verify_license,
)
from code_scalpel.licensing.tiers import TierPolicyData, load_tiers, tighten

Reporter = Callable[[str], None]


log = logging.getLogger("code_scalpel.license")


def log_reporter(line: str) -> None:
    # Through the server's logging (stderr only; text or JSON lines).  WARNING so that the default
    # level shows which license and tier are in force, as the start-up line must.
    log.warning("%s", line)


@dataclass(frozen=True)
class LicenseSettings:
    license_file: str | None = None
    public_keys: tuple[str, ...] = ()
    grace: float = parse_duration(DEFAULT_GRACE)
    crl_file: str | None = None
    #: The first ``--root``: its ``.code-scalpel/license.jwt`` is the last place looked.
    project_root: str | None = None
    #: ``None`` means platformdirs' ``user_config_dir("code-scalpel")``.
    user_config_dir: str | None = None
    env: Mapping[str, str] | None = None
    include_shipped_keys: bool = True
    #: The operator's ``[limits]`` from the config file: applied only where stricter than the tier.
    operator_limits: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Any) -> LicenseSettings:
        """From a ``ServerConfig`` (its ``license_*`` fields and first root)."""
        roots = list(getattr(config, "roots", None) or [])
        grace = getattr(config, "license_grace", None)
        keys = getattr(config, "license_public_key", None) or ()
        return cls(
            license_file=getattr(config, "license_file", None),
            # The config file may give one path as a plain string.
            public_keys=(keys,) if isinstance(keys, str) else tuple(keys),
            grace=parse_duration(str(grace)) if grace is not None else parse_duration(DEFAULT_GRACE),
            crl_file=getattr(config, "license_crl", None),
            project_root=roots[0] if roots else None,
            operator_limits=dict(getattr(config, "limits", None) or {}),
        )

    def locate(self) -> tuple[Path | None, str]:
        """The license file to use and where it was found; first match wins."""
        if self.license_file:
            return Path(self.license_file).expanduser(), "--license-file"
        env = os.environ if self.env is None else self.env
        if env.get(ENV_LICENSE_PATH):
            return Path(env[ENV_LICENSE_PATH]).expanduser(), f"${ENV_LICENSE_PATH}"
        config_dir = self.user_config_dir
        if config_dir is None:
            from platformdirs import user_config_dir

            config_dir = user_config_dir("code-scalpel", appauthor=False)
        user_file = Path(config_dir) / LICENSE_FILENAME
        if os.path.lexists(user_file):
            return user_file, "user config directory"
        if self.project_root:
            project_file = Path(self.project_root) / PROJECT_DIRNAME / LICENSE_FILENAME
            if os.path.lexists(project_file):
                return project_file, "project .code-scalpel/"
        return None, "none"


@dataclass(frozen=True)
class LicenseState:
    policy: TierPolicyData
    #: "valid", "grace" (expired, within the grace period), "none" (no license) or "invalid".
    status: str
    #: One line saying why this tier is in force.
    reason: str
    file: str | None = None
    source: str = "none"
    claims: LicenseClaims | None = None
    #: The failure's kind (see LicenseError) when ``status`` is "invalid".
    error: str | None = None
    warnings: tuple[str, ...] = ()
    grace_until: float | None = None

    @property
    def tier(self) -> str:
        return self.policy.tier

    def headline(self) -> str:
        where = f"{self.file} ({self.source})" if self.file else "no license file found"
        if self.status == "none":
            return f"{where}; running the {self.tier} tier"
        if self.status == "invalid":
            return f"{where}: {self.reason}; running the {self.tier} tier"
        customer = self.claims.sub if self.claims else "?"
        return f"{where}: tier {self.tier} for {customer!r} in force — {self.reason}"


@dataclass
class _Loaded:
    """The clock-independent outcome of reading and verifying the files."""

    file: Path | None
    source: str
    claims: LicenseClaims | None = None
    error: LicenseError | None = None
    warnings: list[str] = field(default_factory=list)


class LicenseManager:
    def __init__(
        self,
        settings: LicenseSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        report: Reporter | None = log_reporter,
        stat_interval: float = 1.0,
    ) -> None:
        self.settings = settings or LicenseSettings()
        self._clock = clock
        self._report = report or (lambda _line: None)
        self._stat_interval = stat_interval
        self._tiers = load_tiers()
        self._keys, self._key_warnings = trusted_keys(
            self.settings.public_keys, include_shipped=self.settings.include_shipped_keys
        )
        self._lock = threading.Lock()
        self._signature: tuple[Any, ...] | None = None
        self._loaded = _Loaded(None, "none")
        self._next_stat = 0.0
        self._changes_at: float | None = None
        self._state: LicenseState | None = None
        for warning in self._key_warnings:
            self._report(warning)
        self._refresh(self._clock(), force=True)

    # -- the hot path ---------------------------------------------------------

    def current(self) -> LicenseState:
        t = self._clock()
        changes_at = self._changes_at
        if t >= self._next_stat or (changes_at is not None and t >= changes_at):
            with self._lock:
                self._refresh(t)
        assert self._state is not None
        return self._state

    # -- loading --------------------------------------------------------------

    def _stat_signature(self, path: Path | None, source: str) -> tuple[Any, ...]:
        def sig(p: str | os.PathLike[str] | None) -> tuple[Any, ...] | None:
            if p is None:
                return None
            try:
                st = os.stat(p)
            except OSError as exc:
                return ("missing", exc.errno)
            return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev, st.st_mode)

        return (os.fspath(path) if path else None, source, sig(path), sig(self.settings.crl_file))

    def _load(self, path: Path | None, source: str) -> _Loaded:
        loaded = _Loaded(path, source)
        if path is None:
            return loaded
        try:
            revoked: frozenset[str] = frozenset()
            if self.settings.crl_file:
                revoked = load_crl(self.settings.crl_file, self._keys)
            token = read_token_file(path)
            loaded.claims = verify_license(token, self._keys, revoked)
        except LicenseError as exc:
            loaded.error = exc
            return loaded
        except Exception as exc:  # a license problem must never take the server down
            loaded.error = LicenseError("malformed", f"license could not be verified ({type(exc).__name__})")
            return loaded
        warning = permission_warning(path)
        if warning:
            loaded.warnings.append(warning)
        if loaded.claims.ignored_limits:
            loaded.warnings.append(
                f"license sets limit(s) this version does not know: {', '.join(loaded.claims.ignored_limits)}; ignored"
            )
        unknown = sorted(set(loaded.claims.features) - self._tiers.all_tools())
        if unknown:
            loaded.warnings.append(f"license grants unknown feature(s) {', '.join(unknown)}; ignored")
        return loaded

    def _refresh(self, t: float, force: bool = False) -> None:
        if force or t >= self._next_stat:
            self._next_stat = t + self._stat_interval
            path, source = self.settings.locate()
            signature = self._stat_signature(path, source)
            if force or signature != self._signature:
                self._signature = signature
                self._loaded = self._load(path, source)
                for warning in self._loaded.warnings:
                    self._report(warning)
        state, self._changes_at = self._evaluate(self._loaded, t)
        previous = self._state
        self._state = state
        if previous is None or (previous.tier, previous.status, previous.reason, previous.file) != (
            state.tier,
            state.status,
            state.reason,
            state.file,
        ):
            self._report(state.headline())

    def _evaluate(self, loaded: _Loaded, t: float) -> tuple[LicenseState, float | None]:
        lowest = self._policy(self._tiers.lowest, {}, ())
        file = os.fspath(loaded.file) if loaded.file else None
        base = {"file": file, "source": loaded.source, "warnings": (*self._key_warnings, *loaded.warnings)}
        if loaded.file is None:
            return LicenseState(lowest, "none", "no license; the community tier needs none", **base), None
        if loaded.error is not None:
            err = loaded.error
            return LicenseState(lowest, "invalid", err.message, error=err.kind, **base), None
        claims = loaded.claims
        assert claims is not None
        when = time_status(claims, t, self.settings.grace)
        if when.status in ("not_yet_valid", "expired"):
            state = LicenseState(lowest, "invalid", when.message, claims=claims, error=when.status, **base)
            return state, when.changes_at
        policy = self._policy(claims.tier, claims.limits, claims.features)
        grace_until = when.changes_at if when.status == "grace" else None
        state = LicenseState(policy, when.status, when.message, claims=claims, grace_until=grace_until, **base)
        return state, when.changes_at

    def _policy(self, tier: str, limits: Mapping[str, Any], features: Any) -> TierPolicyData:
        policy = self._tiers.resolve(tier, limits, features)
        effective = tighten(policy.limits, self.settings.operator_limits)
        return policy if effective is policy.limits else replace(policy, limits=effective)

    # -- reporting ------------------------------------------------------------

    def describe(self, include_file: bool = False) -> dict[str, Any]:
        """What ``get_capabilities`` and ``codescalpel license show`` report.

        The file path is left out by default: a remote caller has no use for
        the server's home directory.
        """
        state = self.current()
        claims = state.claims
        result: dict[str, Any] = {
            "tier": state.tier,
            "status": state.status,
            "reason": state.reason,
            "licensed_tier": claims.tier if claims else None,
            "customer": claims.sub if claims else None,
            "license_id": claims.jti if claims else None,
            "issued_at": iso(claims.iat) if claims else None,
            "expires_at": iso(claims.exp) if claims else None,
            "grace_until": iso(state.grace_until),
            "features": sorted(claims.features) if claims else [],
            "seats": claims.seats if claims else None,
            "source": state.source,
            "tools": sorted(state.policy.tools),
            "limits": state.policy.limits.as_dict(),
            "limit_overrides": dict(claims.limits) if claims else {},
            "warnings": list(state.warnings),
        }
        if include_file:
            result["file"] = state.file
        return result
