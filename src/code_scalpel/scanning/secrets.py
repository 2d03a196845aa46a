"""Hard-coded credentials: known token formats plus entropy.

The secret itself never leaves this module: a finding carries its first four
characters, its length and a fingerprint (SHA-256 of kind and secret).  A
baseline file lists fingerprints of accepted findings, so they stay silent
without the baseline ever holding a secret.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from code_scalpel.auth import apikeys
from code_scalpel.errors import InvalidArgument

#: This project's own API keys, in the auth layer's format (one definition, so the two never drift apart).
CSK_PATTERN = rf"\b{re.escape(apikeys.PREFIX)}[0-9A-Za-z]{{{apikeys.KEY_LENGTH - len(apikeys.PREFIX)}}}\b"


@dataclass(frozen=True)
class SecretKind:
    id: str
    name: str
    pattern: re.Pattern[str]
    severity: str
    confidence: float
    #: Index of the regex group holding the secret (0 = the whole match).
    group: int = 0
    #: Extra check on the secret: (secret) -> confidence multiplier (0 rejects).
    check: Callable[[str], float] | None = None


def entropy(text: str) -> float:
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[\w.]+\}?|\{\{?[^}]*\}?\}|<[^>]*>|%\(?\w*\)?s|x{3,}|\*{3,}|\.{3,}|changeme|change_me|password|passwd|"
    r"secret|example\w*|dummy\w*|test\w*|fake\w*|sample\w*|your[_-]?\w*|placeholder|none|null|redacted|todo)$",
    re.IGNORECASE,
)


def _not_placeholder(value: str) -> float:
    return 0.0 if _PLACEHOLDER.match(value) else 1.0


_KEY_BODY = re.compile(r"^(?:\\n|\\r\\n)?[A-Za-z0-9+/=]{32,}")


def _key_body_follows(rest: str, following: list[str]) -> bool:
    """Base64 key material right after the header, on the same line (an escaped newline) or the next one."""
    if _KEY_BODY.match(rest.lstrip()):
        return True
    return not rest.strip(" \"'") and bool(following) and bool(_KEY_BODY.match(following[0].strip(" \"'")))


def _generic(value: str) -> float:
    if _PLACEHOLDER.match(value) or (value.isidentifier() and "_" in value) or _is_alphabet(value):
        return 0.0
    if re.fullmatch(r"[A-Za-z_][\w.]*\(.*", value) or value.startswith(("os.", "env", "getenv")):
        return 0.0
    score = entropy(value)
    if score < 2.8 or len(set(value)) < 6:
        return 0.0
    return 1.0 if score >= 3.5 else 0.8


def _csk(token: str) -> float:
    # A valid checksum makes it near certain; a wrong one may be a typo'd or truncated real key.
    return 1.0 if apikeys.well_formed(token) else 0.75


def _jwt(token: str) -> float:
    try:
        header = token.split(".", 1)[0]
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        return 1.0 if b'"alg"' in decoded or b"alg" in decoded else 0.7
    except Exception:
        return 0.0


def _is_alphabet(value: str) -> bool:
    """``0123…xyz``-style character sets: every character once, mostly in ascending runs."""
    if len(set(value)) != len(value):
        return False
    ascending = sum(1 for a, b in itertools.pairwise(value) if ord(b) == ord(a) + 1)
    return ascending >= len(value) * 0.6


def _high_entropy(value: str) -> float:
    if _PLACEHOLDER.match(value) or _is_alphabet(value) or (value.isidentifier() and "_" in value):
        return 0.0
    if re.fullmatch(r"[0-9a-f]+", value):
        return 1.0 if entropy(value) >= 3.5 and len(value) >= 40 else 0.0
    return 1.0 if entropy(value) >= 4.5 else 0.0


_SECRET_NAME = (
    r"(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|"
    r"private[_-]?key|client[_-]?secret|credentials?)"
)

KINDS: tuple[SecretKind, ...] = (
    SecretKind(
        "aws-access-key-id",
        "AWS access key id",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b"),
        "high",
        0.95,
    ),
    SecretKind(
        "aws-secret-access-key",
        "AWS secret access key",
        re.compile(r"(?i)aws_?secret_?(?:access_?)?key\W{0,6}[=:]\s*[\"']?([A-Za-z0-9/+=]{40})\b"),
        "critical",
        0.95,
        1,
    ),
    SecretKind(
        "gcp-service-account-key",
        "GCP service account private key",
        re.compile(r"\"private_key\"\s*:\s*\"(-----BEGIN PRIVATE KEY-----[^\"]{40,})"),
        "critical",
        0.95,
        1,
    ),
    SecretKind("gcp-api-key", "Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "high", 0.9),
    SecretKind(
        "azure-storage-key",
        "Azure storage account key",
        re.compile(r"(?i)AccountKey=([A-Za-z0-9+/]{86}==)"),
        "critical",
        0.95,
        1,
    ),
    SecretKind(
        "azure-sas-token",
        "Azure SAS signature",
        re.compile(r"[?&]sig=([A-Za-z0-9%+/]{43,}(?:%3D|=){0,2})"),
        "high",
        0.8,
        1,
    ),
    SecretKind(
        "github-token",
        "GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b"),
        "critical",
        0.95,
    ),
    SecretKind("gitlab-token", "GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"), "critical", 0.95),
    SecretKind("slack-token", "Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), "high", 0.95),
    SecretKind(
        "slack-webhook",
        "Slack webhook URL",
        re.compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+"),
        "medium",
        0.9,
    ),
    SecretKind(
        "stripe-key", "Stripe secret key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b"), "critical", 0.95
    ),
    SecretKind(
        "private-key",
        "Private key block",
        re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"),
        "critical",
        0.95,
    ),
    SecretKind(
        "jwt",
        "JSON Web Token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}\b"),
        "medium",
        0.8,
        check=_jwt,
    ),
    SecretKind(
        "connection-string-password",
        "Password in a connection string",
        re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^/\s:@'\"]{1,64}:([^@\s/'\"]{3,128})@[^\s'\"]+"),
        "high",
        0.9,
        1,
        _not_placeholder,
    ),
    SecretKind("code-scalpel-api-key", "Code Scalpel API key", re.compile(CSK_PATTERN), "critical", 0.95, check=_csk),
    SecretKind(
        "generic-secret",
        "Hard-coded secret assigned to a credential name",
        re.compile(r"(?i)\b[\w.-]*" + _SECRET_NAME + r"[\w]*[\"']?\s*(?::=|=|:)\s*[bru]?[\"']([^\"'\s]{8,200})[\"']"),
        "high",
        0.7,
        1,
        _generic,
    ),
    SecretKind(
        "high-entropy-string",
        "High-entropy string literal",
        re.compile(r"[\"']([A-Za-z0-9+/=_-]{32,200})[\"']"),
        "low",
        0.45,
        1,
        _high_entropy,
    ),
)

TEXT_SUFFIXES = frozenset(
    {
        ".py",
        ".pyi",
        ".env",
        ".cfg",
        ".ini",
        ".toml",
        ".yaml",
        ".yml",
        ".json",
        ".txt",
        ".conf",
        ".properties",
        ".sh",
        ".bash",
        ".js",
        ".ts",
        ".xml",
        ".pem",
        ".key",
        ".tf",
        ".md",
        ".rst",
        ".html",
        ".sql",
        ".cnf",
        ".envrc",
    }
)
TEXT_NAMES = frozenset({".env", "Dockerfile", ".npmrc", ".pypirc", ".netrc", "credentials", "id_rsa", "id_ed25519"})
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
        "dist",
        "build",
    }
)


def fingerprint(kind: str, secret: str) -> str:
    return hashlib.sha256(f"{kind}:{secret}".encode()).hexdigest()


def preview(secret: str) -> str:
    return f"{secret[:4]}… ({len(secret)} chars)"


def scan_text(text: str, file: str = "<text>") -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = []
    claimed: list[tuple[int, int]] = []
    lines = text.splitlines()
    for line_no, line in enumerate(lines, 1):
        if len(line) > 10_000 or "no-secret" in line:
            continue
        for kind in KINDS:
            for match in kind.pattern.finditer(line):
                secret = match.group(kind.group)
                start = match.start(kind.group)
                span = (line_no, start)
                # A token already reported by a precise format is not reported again as generic or entropy.
                if any(ln == line_no and s <= start < s + 200 for ln, s in claimed) and kind.id in (
                    "generic-secret",
                    "high-entropy-string",
                ):
                    continue
                factor = kind.check(secret) if kind.check else 1.0
                if kind.id == "private-key" and not _key_body_follows(
                    line[match.end() :], lines[line_no : line_no + 1]
                ):
                    factor = 0.0  # a header alone (a regex, a docstring) is not a key
                if factor <= 0:
                    continue
                claimed.append(span)
                findings.append(
                    {
                        "rule_id": "hardcoded-secret",
                        "kind": kind.id,
                        "name": kind.name,
                        "cwe": "CWE-798",
                        "severity": kind.severity,
                        "confidence": round(kind.confidence * factor, 2),
                        "file": file,
                        "line": line_no,
                        "column": start,
                        "secret_preview": preview(secret),
                        "length": len(secret),
                        "fingerprint": fingerprint(kind.id, secret),
                        "fix": "Remove the secret from the source, rotate it, and load it from the environment or a "
                        "secret manager.",
                    }
                )
    return findings


def load_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidArgument(f"baseline file {str(path)!r} does not exist") from None
    except (OSError, ValueError) as exc:
        raise InvalidArgument(f"baseline file {str(path)!r} is not valid JSON: {exc}") from None
    entries = data.get("fingerprints", []) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise InvalidArgument('baseline must be a JSON list of fingerprints or {"fingerprints": [...]}')
    out = set()
    for entry in entries:
        value = entry.get("fingerprint") if isinstance(entry, dict) else entry
        if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value):
            out.add(value)
        else:
            raise InvalidArgument(f"baseline entry {entry!r} is not a 64-hex-digit fingerprint")
    return out


def baseline_document(findings: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A baseline accepting ``findings``: fingerprints and where they were seen, never the secrets."""
    return {
        "version": 1,
        "fingerprints": [
            {"fingerprint": f["fingerprint"], "kind": f["kind"], "file": f["file"], "line": f["line"]} for f in findings
        ],
    }


def text_files(root: Path, contains: Callable[[Path], bool] | None = None) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.suffix.lower() in TEXT_SUFFIXES or name in TEXT_NAMES or name.startswith(".env"):
                if path.is_symlink() and (contains is None or not contains(path.resolve())):
                    continue
                yield path


def scan_secrets(
    paths: Iterable[tuple[Path, str]], *, baseline: set[str] | None = None, read: Callable[[Path], str]
) -> dict[str, Any]:
    findings: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    files = 0
    suppressed = 0
    for path, shown in paths:
        files += 1
        try:
            text = read(path)
        except Exception as exc:
            errors.append({"file": shown, "message": f"not scanned: {getattr(exc, 'message', None) or exc}"})
            continue
        for finding in scan_text(text, shown):
            if baseline and finding["fingerprint"] in baseline:
                suppressed += 1
            else:
                findings.append(finding)
    return {
        "findings": findings,
        "total": len(findings),
        "files_scanned": files,
        "suppressed_by_baseline": suppressed,
        "errors": errors,
    }
