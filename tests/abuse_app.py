"""A server process for multi-process tests: the abuse-control stack over the echo app.

Run as ``python tests/abuse_app.py SETTINGS_JSON``; prints ``PORT <n>`` once listening.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).parent))

from abuse_helpers import FakeBearerAuth, echo_app
from code_scalpel.http.middleware.client_address import ClientAddressMiddleware
from code_scalpel.http.middleware.rate_limit import (
    AuthFailureThrottle,
    RateLimiter,
    RateLimitMiddleware,
    RateLimitSettings,
)


def build(settings: RateLimitSettings) -> object:
    limiter = RateLimiter(settings)
    inner = FakeBearerAuth(RateLimitMiddleware(echo_app(), limiter))
    return ClientAddressMiddleware(AuthFailureThrottle(inner, limiter), ["127.0.0.1"])


def main() -> None:
    settings = RateLimitSettings(**json.loads(sys.argv[1]))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print("PORT", sock.getsockname()[1], flush=True)
    config = uvicorn.Config(build(settings), log_level="warning", lifespan="off", proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
