"""What of a request may enter the audit log: digests, paths and names, never bodies or secrets."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

#: Strings that look like credentials: bearer values, JWTs, key=value secrets, long opaque runs.
_SECRETISH = re.compile(
    r"(?i)\bbearer\s+\S+"
    r"|eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*"
    r"|\b(?:api[_-]?key|token|secret|password|passwd|signature)\s*[=:]\s*\S+"
    r"|[A-Za-z0-9_+/=-]{32,}"
)
#: Control characters (including ESC for ANSI sequences); JSON escapes them anyway, we drop them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

MAX_STRING = 512
MAX_LIST = 20
PATH_KEYS = ("path", "paths", "file", "files", "root", "dir", "directory")


def clean(text: Any, limit: int = MAX_STRING) -> str:
    """A string safe for one log line: no control characters, no credential-looking runs, bounded."""
    value = _CONTROL.sub("?", str(text))
    value = _SECRETISH.sub("[redacted]", value)
    return value if len(value) <= limit else value[:limit] + "…[truncated]"


def digest_arguments(arguments: Any) -> dict[str, Any]:
    """SHA-256 of the canonical arguments plus argument names and paths: enough to correlate, no code."""
    try:
        canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    except (TypeError, ValueError):
        canonical = repr(arguments)
    result: dict[str, Any] = {"sha256": hashlib.sha256(canonical.encode()).hexdigest()}
    if isinstance(arguments, dict):
        result["keys"] = [clean(k, 64) for k in sorted(arguments, key=str)[:MAX_LIST]]
        paths = {}
        for key, value in arguments.items():
            if not isinstance(key, str) or not key.lower().endswith(PATH_KEYS):
                continue
            if isinstance(value, str):
                paths[clean(key, 64)] = clean(value)
            elif isinstance(value, list):
                paths[clean(key, 64)] = [clean(v) for v in value[:MAX_LIST] if isinstance(v, str)]
        if paths:
            result["paths"] = paths
    return result
