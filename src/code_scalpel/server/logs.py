"""Logging setup: every line to stderr, because stdout carries the stdio protocol."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The SDK and uvicorn are chatty at INFO about every session; keep them one step quieter.
    for noisy in ("mcp", "uvicorn.error", "httpx", "sse_starlette"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
    logging.captureWarnings(True)
