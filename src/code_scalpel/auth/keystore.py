"""Server-issued API keys in SQLite, in the data directory.

WAL mode and a busy timeout make the file safe for several server processes
and the ``keys`` CLI at once.  Only the SHA-256 of a key is stored.  Usage
counters are gathered in memory and written in one transaction by a
background flusher (and on close), so the request path never waits on a
database write; increments are additive upserts, so two processes flushing
the same key add up rather than overwrite.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sqlite3
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from code_scalpel.auth import apikeys
from code_scalpel.auth.principal import SCOPES
from code_scalpel.errors import InvalidArgument, SymbolNotFound

log = logging.getLogger(__name__)

DB_NAME = "keys.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    tools TEXT,
    note TEXT,
    created REAL NOT NULL,
    expires REAL,
    revoked REAL,
    replaced_by TEXT,
    last_used REAL,
    calls INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS api_key_usage (
    key_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    calls INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    last_used REAL,
    PRIMARY KEY (key_id, tool)
);
"""

_DURATION_RE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """``90d``, ``24h``, ``30m``, ``45s``, ``2w`` → seconds."""
    match = _DURATION_RE.match(text.strip().lower())
    if not match or int(match.group(1)) <= 0:
        raise InvalidArgument(f"duration {text!r} is not a positive number followed by s, m, h, d or w (e.g. 90d)")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    prefix: str
    scopes: tuple[str, ...]
    tools: tuple[str, ...] | None
    note: str | None
    created: float
    expires: float | None
    revoked: float | None
    replaced_by: str | None
    last_used: float | None
    calls: int
    errors: int

    def state(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        if self.revoked is not None:
            return "revoked"
        if self.expires is not None and self.expires <= now:
            return "expired"
        return "active"

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "scopes": list(self.scopes),
            "tools": list(self.tools) if self.tools is not None else None,
            "note": self.note,
            "created": self.created,
            "expires": self.expires,
            "revoked": self.revoked is not None,
            "revoked_at": self.revoked,
            "replaced_by": self.replaced_by,
            "last_used": self.last_used,
            "calls": self.calls,
            "errors": self.errors,
            "state": self.state(),
        }


def _record(row: sqlite3.Row) -> KeyRecord:
    return KeyRecord(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=tuple(json.loads(row["scopes"])),
        tools=tuple(json.loads(row["tools"])) if row["tools"] is not None else None,
        note=row["note"],
        created=row["created"],
        expires=row["expires"],
        revoked=row["revoked"],
        replaced_by=row["replaced_by"],
        last_used=row["last_used"],
        calls=row["calls"],
        errors=row["errors"],
    )


def _check_scopes(scopes: list[str]) -> list[str]:
    if not scopes:
        raise InvalidArgument(f"give at least one scope (one of {', '.join(SCOPES)})")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise InvalidArgument(f"unknown scope(s) {', '.join(unknown)}; known scopes: {', '.join(SCOPES)}")
    return sorted(set(scopes), key=SCOPES.index)


class KeyStore:
    def __init__(self, data_dir: str | Path, *, flush_interval: float = 2.0) -> None:
        self.path = Path(data_dir) / DB_NAME
        self.flush_interval = flush_interval
        self._local = threading.local()
        self._pending_lock = threading.Lock()
        # key id → [calls, errors, last_used]; (key id, tool) → same.
        self._pending_keys: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
        self._pending_tools: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        with self._connect() as db:
            db.executescript(_SCHEMA)
        self.path.chmod(0o600)

    # -- connections -------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=10000")
            self._local.db = db
        return db

    # -- management (CLI, admin) -------------------------------------------
    def create(
        self,
        name: str,
        scopes: list[str],
        *,
        expires_in: float | None = None,
        tools: list[str] | None = None,
        note: str | None = None,
    ) -> tuple[KeyRecord, str]:
        """A new key; returns the record and the key itself, which is never shown again."""
        if not name.strip():
            raise InvalidArgument("a key needs a --name")
        scopes = _check_scopes(scopes)
        key = apikeys.generate()
        now = time.time()
        key_id = "key_" + secrets.token_hex(6)
        db = self._connect()
        db.execute(
            "INSERT INTO api_keys (id, name, hash, prefix, scopes, tools, note, created, expires) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key_id,
                name,
                apikeys.key_hash(key),
                apikeys.display_prefix(key),
                json.dumps(scopes),
                json.dumps(sorted(set(tools))) if tools else None,
                note,
                now,
                now + expires_in if expires_in else None,
            ),
        )
        return self.get(key_id), key

    def get(self, key_id: str) -> KeyRecord:
        row = self._connect().execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        if row is None:
            raise SymbolNotFound(f"no API key with id {key_id!r}; `codescalpel keys list` shows the ids")
        return _record(row)

    def list(self) -> list[KeyRecord]:
        rows = self._connect().execute("SELECT * FROM api_keys ORDER BY created").fetchall()
        return [_record(r) for r in rows]

    def revoke(self, key_id: str) -> KeyRecord:
        self.get(key_id)
        self._connect().execute(
            "UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked IS NULL", (time.time(), key_id)
        )
        return self.get(key_id)

    def rotate(self, key_id: str, grace: float = 0.0) -> tuple[KeyRecord, str, KeyRecord]:
        """A new key with the same name, scopes, tools and lifetime; the old one works ``grace`` seconds more."""
        old = self.get(key_id)
        if old.state() != "active":
            raise InvalidArgument(f"key {key_id} is {old.state()}; only an active key can be rotated")
        lifetime = old.expires - old.created if old.expires is not None else None
        new, key = self.create(
            old.name, list(old.scopes), expires_in=lifetime, tools=old.tools and list(old.tools), note=old.note
        )
        now = time.time()
        db = self._connect()
        if grace > 0:
            until = now + grace if old.expires is None else min(old.expires, now + grace)
            db.execute("UPDATE api_keys SET expires = ?, replaced_by = ? WHERE id = ?", (until, new.id, key_id))
        else:
            db.execute("UPDATE api_keys SET revoked = ?, replaced_by = ? WHERE id = ?", (now, new.id, key_id))
        return new, key, self.get(key_id)

    def usage(self, key_id: str) -> list[dict[str, Any]]:
        self.get(key_id)
        rows = (
            self._connect()
            .execute(
                "SELECT tool, calls, errors, last_used FROM api_key_usage WHERE key_id = ? ORDER BY calls DESC, tool",
                (key_id,),
            )
            .fetchall()
        )
        return [dict(r) for r in rows]

    # -- request path ------------------------------------------------------
    def lookup(self, key: str) -> KeyRecord | None:
        """The record of a well-formed key, whatever its state; ``None`` when unknown.

        The lookup is by hash (an index seek), then the stored hash is compared
        in constant time so the answer never depends on how much of it matched.
        """
        digest = apikeys.key_hash(key)
        row = self._connect().execute("SELECT * FROM api_keys WHERE hash = ?", (digest,)).fetchone()
        if row is None or not secrets.compare_digest(row["hash"], digest):
            return None
        return _record(row)

    def record_use(self, key_id: str, tool: str | None = None, error: bool = False) -> None:
        """Count a use in memory; the flusher writes it out."""
        now = time.time()
        with self._pending_lock:
            entry = self._pending_keys[key_id]
            if tool is not None:
                entry[0] += 1
                entry[1] += int(error)
                tool_entry = self._pending_tools[(key_id, tool)]
                tool_entry[0] += 1
                tool_entry[1] += int(error)
                tool_entry[2] = now
            entry[2] = now

    def flush(self) -> None:
        with self._pending_lock:
            keys, self._pending_keys = self._pending_keys, defaultdict(lambda: [0, 0, 0.0])
            tools, self._pending_tools = self._pending_tools, defaultdict(lambda: [0, 0, 0.0])
        if not keys and not tools:
            return
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "UPDATE api_keys SET calls = calls + ?, errors = errors + ?, "
                "last_used = max(coalesce(last_used, 0), ?) WHERE id = ?",
                [(int(c), int(e), t, k) for k, (c, e, t) in keys.items()],
            )
            db.executemany(
                "INSERT INTO api_key_usage (key_id, tool, calls, errors, last_used) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (key_id, tool) DO UPDATE SET calls = calls + excluded.calls, "
                "errors = errors + excluded.errors, last_used = max(coalesce(last_used, 0), excluded.last_used)",
                [(k, tool, int(c), int(e), t) for (k, tool), (c, e, t) in tools.items()],
            )
            db.execute("COMMIT")
        except sqlite3.Error:
            db.execute("ROLLBACK") if db.in_transaction else None
            log.exception("could not write API key usage counters; they will be retried")
            with self._pending_lock:
                for k, (c, e, t) in keys.items():
                    entry = self._pending_keys[k]
                    entry[0] += c
                    entry[1] += e
                    entry[2] = max(entry[2], t)
                for kt, (c, e, t) in tools.items():
                    entry = self._pending_tools[kt]
                    entry[0] += c
                    entry[1] += e
                    entry[2] = max(entry[2], t)

    def start(self) -> None:
        """Start the background flusher (the server calls this; the CLI does not need it)."""
        if self._flusher is None:
            self._stop.clear()
            self._flusher = threading.Thread(target=self._run_flusher, name="keystore-flush", daemon=True)
            self._flusher.start()

    def _run_flusher(self) -> None:
        while not self._stop.wait(self.flush_interval):
            self.flush()
        self.flush()

    def close(self) -> None:
        """Stop the flusher and write every pending counter: nothing is lost on a clean shutdown."""
        if self._flusher is not None:
            self._stop.set()
            self._flusher.join()
            self._flusher = None
        self.flush()
