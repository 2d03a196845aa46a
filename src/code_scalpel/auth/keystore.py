"""Server-issued API keys in SQLite, in the data directory.

WAL mode and a busy timeout make the file safe for several server processes
and the ``keys`` CLI at once.  Only the SHA-256 of a key is stored.  Usage
counters are gathered in memory and written in one transaction by a
background flusher (and on close), so the request path never waits on a
database write; increments are additive upserts, so two processes flushing
the same key add up rather than overwrite.

A key may carry its own rate limit (``limits`` notation) and require signed
requests; its signing secret is derived from a per-key salt and the server's
master secret (:mod:`code_scalpel.auth.signing_keys`), never stored.  Stores
made before those columns existed are upgraded in place when opened.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import limits

from code_scalpel.auth import apikeys, signing_keys
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
#: Columns added after the first release: (name, declaration). Opening an older store adds them.
_ADDED_COLUMNS = (
    ("rate_limit", "TEXT"),
    ("require_signature", "INTEGER NOT NULL DEFAULT 0"),
    ("signing_salt", "TEXT"),
)
_KEY_ID_RE = re.compile(r"^key_[0-9a-f]{12}$")

_DURATION_RE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """``90d``, ``24h``, ``30m``, ``45s``, ``2w`` → seconds."""
    match = _DURATION_RE.match(text.strip().lower())
    if not match or int(match.group(1)) <= 0:
        raise InvalidArgument(f"duration {text!r} is not a positive number followed by s, m, h, d or w (e.g. 90d)")
    return int(match.group(1)) * _UNITS[match.group(2)]


def check_rate_limit(text: str) -> str:
    """One limit in ``limits`` notation (``120/minute``), checked with the library's own parser."""
    text = text.strip()
    try:
        items = limits.parse_many(text)
    except ValueError:
        items = []
    if len(items) != 1 or items[0].amount < 1:
        raise InvalidArgument(
            f"rate limit {text!r} is not one limit in limits notation with an amount of 1 or more, "
            "e.g. 120/minute, 10/second or 1000 per hour"
        )
    return text


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
    rate_limit: str | None = None
    require_signature: bool = False
    #: Not a secret by itself (the master secret is needed too), but never shown.
    signing_salt: str | None = field(default=None, repr=False)

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
            "rate_limit": self.rate_limit,
            "require_signature": self.require_signature,
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
        rate_limit=row["rate_limit"],
        require_signature=bool(row["require_signature"]),
        signing_salt=row["signing_salt"],
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
        self._master: bytes | None = None
        with self._connect() as db:
            db.executescript(_SCHEMA)
        self._migrate()
        self.path.chmod(0o600)

    def _migrate(self) -> None:
        """Add the columns an older store lacks; several processes may open it at once."""
        db = self._connect()
        have = {row["name"] for row in db.execute("PRAGMA table_info(api_keys)")}
        for name, declaration in _ADDED_COLUMNS:
            if name in have:
                continue
            try:
                db.execute(f"ALTER TABLE api_keys ADD COLUMN {name} {declaration}")
                log.info("key store %s: added column %s", self.path, name)
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):  # another process added it first
                    raise

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
        rate_limit: str | None = None,
        require_signature: bool = False,
    ) -> tuple[KeyRecord, str]:
        """A new key; returns the record and the key itself, which is never shown again.

        With ``require_signature`` the key's signing secret is :meth:`signing_secret` (show it once too).
        """
        if not name.strip():
            raise InvalidArgument("a key needs a --name")
        scopes = _check_scopes(scopes)
        rate_limit = check_rate_limit(rate_limit) if rate_limit is not None else None
        salt = None
        if require_signature:
            self._master_secret(create=True)  # before the insert: a key must never exist without its secret
            salt = signing_keys.new_salt()
        key = apikeys.generate()
        now = time.time()
        key_id = "key_" + secrets.token_hex(6)
        db = self._connect()
        db.execute(
            "INSERT INTO api_keys (id, name, hash, prefix, scopes, tools, note, created, expires, "
            "rate_limit, require_signature, signing_salt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                rate_limit,
                int(require_signature),
                salt,
            ),
        )
        return self.get(key_id), key

    # -- signing secrets ---------------------------------------------------
    def _master_secret(self, *, create: bool = False) -> bytes | None:
        if self._master is None:
            data_dir = self.path.parent
            self._master = (
                signing_keys.load_or_create_master(data_dir) if create else signing_keys.read_master(data_dir)
            )
        return self._master

    def signing_secret(self, record: KeyRecord) -> str | None:
        """The signing secret of a key that requires signatures (for the one-time display)."""
        if not record.require_signature or record.signing_salt is None:
            return None
        master = self._master_secret(create=True)
        assert master is not None
        return signing_keys.derive(master, record.id, record.signing_salt)

    def secret_for(self, key_id: str) -> bytes | None:
        """The signing middleware's lookup: the secret of an active key that requires signatures, else None.

        A revoked or expired key has none, so it can neither authenticate nor sign.
        """
        if not _KEY_ID_RE.match(key_id):
            return None  # not one of ours (e.g. an id from --signing-secrets): skip the query
        row = self._connect().execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        if row is None:
            return None
        record = _record(row)
        if record.state() != "active" or not record.require_signature or record.signing_salt is None:
            return None
        try:
            master = self._master_secret()
        except signing_keys.MasterSecretError as exc:
            log.error("%s; signed requests for API keys are refused", exc)
            return None
        if master is None:
            log.error(
                "the signing master secret %s is missing, so key %s cannot verify signatures: "
                "restore it from a backup of the data directory, or rotate the key",
                signing_keys.master_path(self.path.parent),
                key_id,
            )
            return None
        return signing_keys.derive(master, record.id, record.signing_salt).encode()

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
        """A new key with the same name, scopes, tools, lifetime, rate limit and signature requirement.

        The old key works ``grace`` seconds more; the new one gets a new salt, so a new signing secret.
        """
        old = self.get(key_id)
        if old.state() != "active":
            raise InvalidArgument(f"key {key_id} is {old.state()}; only an active key can be rotated")
        lifetime = old.expires - old.created if old.expires is not None else None
        new, key = self.create(
            old.name,
            list(old.scopes),
            expires_in=lifetime,
            tools=old.tools and list(old.tools),
            note=old.note,
            rate_limit=old.rate_limit,
            require_signature=old.require_signature,
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
