"""Named static bearer tokens from a TOML file (or one from the environment).

File format::

    [[tokens]]
    name = "ci"
    scopes = ["tools:read"]
    tools = ["analyze_code"]          # optional
    sha256 = "<hex SHA-256 of the token>"   # or: token = "..."

The file is re-read when it changes (checked at most once a second, on use)
or on ``SIGHUP``, so rotation needs no restart: put the new token beside the
old one, switch the clients, remove the old one.  A file that no longer
parses keeps the last good set and logs why — a typo must not lock everyone
out nor open the door.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from code_scalpel.auth.principal import SCOPES, Principal
from code_scalpel.errors import InvalidArgument
from code_scalpel.tomlfile import read_toml

log = logging.getLogger(__name__)

ENV_TOKEN = "CODE_SCALPEL_TOKEN"
ENV_TOKEN_SCOPES = "CODE_SCALPEL_TOKEN_SCOPES"
_HEX = set("0123456789abcdef")


@dataclass(frozen=True)
class TokenEntry:
    name: str
    digest: str
    scopes: frozenset[str]
    tools: frozenset[str] | None

    def principal(self) -> Principal:
        return Principal(
            method="token", subject=f"token:{self.name}", name=self.name, scopes=self.scopes, tools=self.tools
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_tokens(data: dict, source: str) -> list[TokenEntry]:
    items = data.get("tokens")
    if not isinstance(items, list) or not items:
        raise InvalidArgument(f"{source}: expected one or more [[tokens]] tables")
    entries: list[TokenEntry] = []
    for i, item in enumerate(items, 1):
        where = f"{source}: token #{i}"
        if not isinstance(item, dict):
            raise InvalidArgument(f"{where} is not a table")
        unknown = sorted(set(item) - {"name", "scopes", "tools", "sha256", "token"})
        if unknown:
            raise InvalidArgument(f"{where}: unknown key(s) {', '.join(unknown)}")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"{where}: 'name' is required")
        scopes = item.get("scopes", [])
        if not isinstance(scopes, list) or any(s not in SCOPES for s in scopes):
            raise InvalidArgument(f"{where} ({name}): 'scopes' must be a list of {', '.join(SCOPES)}")
        tools = item.get("tools")
        if tools is not None and (not isinstance(tools, list) or not all(isinstance(t, str) for t in tools)):
            raise InvalidArgument(f"{where} ({name}): 'tools' must be a list of tool names")
        if ("sha256" in item) == ("token" in item):
            raise InvalidArgument(f"{where} ({name}): give exactly one of 'sha256' or 'token'")
        if "sha256" in item:
            digest = str(item["sha256"]).lower()
            if len(digest) != 64 or not set(digest) <= _HEX:
                raise InvalidArgument(f"{where} ({name}): 'sha256' must be 64 hex characters")
        else:
            token = item["token"]
            if not isinstance(token, str) or len(token) < 16:
                raise InvalidArgument(f"{where} ({name}): 'token' must be a string of at least 16 characters")
            digest = _digest(token)
        entries.append(TokenEntry(name, digest, frozenset(scopes), frozenset(tools) if tools is not None else None))
    return entries


def load_token_file(path: str | os.PathLike[str]) -> list[TokenEntry]:
    return parse_tokens(read_toml(path, "token file"), f"token file {os.fspath(path)!r}")


def env_tokens() -> list[TokenEntry]:
    token = os.environ.get(ENV_TOKEN)
    if not token:
        return []
    scopes = os.environ.get(ENV_TOKEN_SCOPES, "tools:read tools:security").replace(",", " ").split()
    return parse_tokens({"tokens": [{"name": "env", "token": token, "scopes": scopes}]}, f"${ENV_TOKEN}")


class TokenStore:
    """The set of valid static tokens, kept fresh from the file."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, check_interval: float = 1.0) -> None:
        self.path = Path(path) if path else None
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._checked = 0.0
        self._reload_requested = False
        self._by_digest: dict[str, TokenEntry] = {}
        if self.path is None and not os.environ.get(ENV_TOKEN):
            raise InvalidArgument(f"--auth token needs --token-file FILE or ${ENV_TOKEN}")
        self._load(initial=True)
        # The initial load is a check: counting from 0.0 would make the first interval depend on uptime.
        self._checked = time.monotonic()

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat() if self.path else None
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino) if st else None

    def _load(self, initial: bool = False) -> None:
        stamp = self._file_stamp()
        try:
            entries = env_tokens() + (load_token_file(self.path) if self.path else [])
        except InvalidArgument as exc:
            if initial:
                raise
            log.error("token file not reloaded, the previous tokens stay in force: %s", exc.message)
            self._stamp = stamp
            return
        self._by_digest = {e.digest: e for e in entries}
        self._stamp = stamp
        if not initial:
            log.warning("token file reloaded: %d token(s) in force", len(entries))

    def request_reload(self) -> None:
        """Signal-safe: the next verification re-reads the file."""
        self._reload_requested = True

    def install_sighup(self) -> None:
        """Re-read the file on SIGHUP (main thread only; no-op where SIGHUP does not exist)."""
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: self.request_reload())

    def _refresh(self) -> None:
        now = time.monotonic()
        if not self._reload_requested and now - self._checked < self.check_interval:
            return
        with self._lock:
            self._checked = now
            if self._reload_requested or self._file_stamp() != self._stamp:
                self._reload_requested = False
                self._load()

    def verify(self, token: str) -> Principal | None:
        self._refresh()
        digest = _digest(token)
        entry = self._by_digest.get(digest)
        # The dict finds the entry by hash; the final comparison is constant-time anyway.
        if entry is None or not secrets.compare_digest(entry.digest, digest):
            return None
        return entry.principal()
