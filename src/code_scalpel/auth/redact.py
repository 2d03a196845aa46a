"""Keep credentials out of uvicorn's access log.

A credential in a query string is refused, but uvicorn logs the request line
before anyone can refuse it; this filter blanks the values of credential
parameters (the same names the authentication layer refuses) in that line.
"""

from __future__ import annotations

import logging
import re

from code_scalpel.auth.authenticators import QUERY_CREDENTIALS

_PARAM_RE = re.compile(
    r"(?i)([?&](?:" + "|".join(re.escape(n) for n in sorted(QUERY_CREDENTIALS, key=len, reverse=True)) + r")=)[^&\s]*"
)


def redact_url(text: str) -> str:
    return _PARAM_RE.sub(r"\1[REDACTED]", text)


class RedactCredentialsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_url(record.msg)
        return True


def install_access_log_redaction() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactCredentialsFilter) for f in logger.filters):
        logger.addFilter(RedactCredentialsFilter())
