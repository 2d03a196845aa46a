"""The on-disk cache of file summaries: one SQLite file per project root.

Blobs are ``marshal`` data (builtin types only, so loading never runs code);
each row carries a CRC-32 of all its fields.  It guards against accidents (a
torn page, a blob filed under the wrong path), not against someone who can
write the cache (0600, in the user's cache directory) and so any checksum too;
BLAKE2 cost 0.07 s more on each cold build and each restart.  The cache is a
convenience, never trusted: a foreign format version, an unreadable database
or a checksum mismatch makes the whole file be discarded and rebuilt.

Because it can always be rebuilt, it is written for speed, not durability:
a rollback journal (WAL would write every page twice, once to the log and once
at the checkpoint) and no fsync.  A process that dies mid-write leaves the last
committed state; an OS crash may leave a torn page, which SQLite or the row
checksums detect.  Pages are 64 KiB: summaries are tens of KiB each, and with
4 KiB pages SQLite spent twice as long chaining overflow pages.  On the standard
library the cold build's cache writes went from 0.45 s to 0.2 s with these, and to
0.1 s with CRC-32 and the larger pages.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sqlite3
import sys
import zlib
from pathlib import Path
from typing import Any

from code_scalpel.project.summary import FORMAT

log = logging.getLogger(__name__)

#: The layout of the tables and their checksums.
SCHEMA = 4
#: Changes with the cache and summary layouts and the interpreter (whose ast it reflects).
VERSION = f"{SCHEMA}.{FORMAT}:{sys.version_info[0]}.{sys.version_info[1]}:{marshal.version}"


def checksum(blob: bytes, *fields: object) -> bytes:
    """Of a row: its blob and its other fields, so that a torn row is caught whichever part is torn."""
    return zlib.crc32(blob, zlib.crc32(repr(fields).encode("utf-8", "surrogatepass"))).to_bytes(4, "big")


#: The row of the results table that holds what parameters received (no file has this path: it has a NUL).
_RECEIVED = "\0received"
#: The row that holds what the results' answers rested on besides the interfaces (``Resolver.seen_record``).
_SEEN = "\0seen"


class CacheCorrupt(Exception):
    pass


#: What reading a stored row can raise when the file is damaged or foreign: the row is not used.
_UNUSABLE = (sqlite3.DatabaseError, CacheCorrupt, ValueError, EOFError, TypeError)


class SummaryCache:
    def __init__(self, directory: Path, root: Path) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = hashlib.sha256(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:20]
        self.path = directory / f"{key}.sqlite"
        self.root = str(root)
        self.discarded = False
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect()
            row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            root = db.execute("SELECT value FROM meta WHERE key = 'root'").fetchone()
            if row is None or row[0] != VERSION or root is None or root[0] != self.root:
                raise CacheCorrupt("foreign version or root")
            return db
        except (sqlite3.DatabaseError, CacheCorrupt) as exc:
            log.info("index cache %s discarded (%s); rebuilding", self.path, exc)
            return self._recreate()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA page_size=65536")  # takes effect when the file is created
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS files (rel TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, "
            "digest BLOB, summary BLOB, checksum BLOB)"
        )
        # Call results of the whole project as of one snapshot of file digests (valid only for exactly it).
        db.execute("CREATE TABLE IF NOT EXISTS results (rel TEXT PRIMARY KEY, blob BLOB, checksum BLOB)")
        return db

    def _recreate(self) -> sqlite3.Connection:
        self.discarded = True
        db = getattr(self, "db", None)
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")
        db = self._connect()
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [("version", VERSION), ("root", self.root)])
        return db

    def load(self) -> dict[str, tuple[int, int, bytes, dict[str, Any]]]:
        """Every cached record: rel -> (size, mtime_ns, digest, summary); corrupt -> empty, file rebuilt."""
        try:
            rows = self.db.execute("SELECT rel, size, mtime_ns, digest, summary, checksum FROM files").fetchall()
            out = {}
            for rel, size, mtime, digest, blob, check in rows:
                if checksum(blob, rel, size, mtime, digest) != check:
                    raise CacheCorrupt(f"checksum mismatch for {rel}")
                out[rel] = (size, mtime, digest, marshal.loads(blob))
            return out
        except _UNUSABLE as exc:
            log.warning("index cache %s is corrupt (%s); rebuilding", self.path, exc)
            self.db = self._recreate()
            return {}

    def store(self, records: list[tuple[str, int, int, bytes, bytes]], removed: list[str]) -> None:
        """Upsert ``(rel, size, mtime_ns, digest, marshalled summary)`` and drop removed files."""
        try:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (rel, size, mtime, digest, blob, checksum(blob, rel, size, mtime, digest))
                    for rel, size, mtime, digest, blob in records
                ],
            )
            self.db.executemany("DELETE FROM files WHERE rel = ?", [(r,) for r in removed])
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:  # a full disk must not fail the analysis
            log.warning("could not write the index cache %s: %s", self.path, exc)
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    def results_snapshot(self) -> str | None:
        """The snapshot of file digests the stored call results are those of (None: none stored)."""
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'results_snapshot'").fetchone()
        except sqlite3.DatabaseError as exc:
            log.warning("stored call results in %s are unusable (%s); recomputing", self.path, exc)
            return None
        return row[0] if row is not None else None

    def load_results(self, snapshot: str) -> tuple[dict[str, dict[str, Any]], dict] | None:
        """The call results stored for this exact snapshot of the project, and what parameters received."""
        if self.results_snapshot() != snapshot:
            return None
        try:
            out = {}
            for rel, blob, check in self.db.execute("SELECT rel, blob, checksum FROM results"):
                if checksum(blob, rel) != check:
                    raise CacheCorrupt(f"checksum mismatch for the results of {rel}")
                out[rel] = marshal.loads(blob)
            received = out.pop(_RECEIVED, None)
            out.pop(_SEEN, None)  # read apart, by load_seen
            if received is None:
                raise CacheCorrupt("what parameters received is missing")
            return out, received
        except _UNUSABLE as exc:
            log.warning("stored call results in %s are unusable (%s); recomputing", self.path, exc)
            return None

    def load_seen(self, snapshot: str) -> list[bytes] | None:
        """What the answers of the results stored for ``snapshot`` rested on, if it was stored with them."""
        if self.results_snapshot() != snapshot:
            return None
        try:
            row = self.db.execute("SELECT blob, checksum FROM results WHERE rel = ?", (_SEEN,)).fetchone()
            if row is None:
                return None
            if checksum(row[0], _SEEN) != row[1]:
                raise CacheCorrupt("checksum mismatch for what the answers rested on")
            record = marshal.loads(row[0])
            if not isinstance(record, list) or not all(isinstance(blob, bytes) for blob in record):
                raise CacheCorrupt("what the answers rested on is not a list of records")
            return record
        except _UNUSABLE as exc:
            log.warning("the record stored with the call results in %s is unusable (%s)", self.path, exc)
            return None

    def store_results(
        self,
        snapshot: str,
        results: dict[str, dict[str, Any]],
        received: dict,
        rels: set[str] | None,
        blobs: dict[str, bytes] | None = None,
        seen: list[bytes] | None = None,
        seen_unchanged: bool = False,
    ) -> None:
        """Record the results of ``rels`` (None: all), and what parameters received, as those of ``snapshot``.

        ``blobs``: results already marshalled, by file.  ``seen``: what every answer of the results rested
        on; None drops the stored one (it would not cover these results), unless ``seen_unchanged``.
        """
        blobs = blobs or {}
        try:
            rows = [
                (rel, blob, checksum(blob, rel))
                for rel in (results if rels is None else rels)
                if rel in results
                for blob in [blobs.get(rel) or marshal.dumps(results[rel])]
            ]
            blob = marshal.dumps(received)
            rows.append((_RECEIVED, blob, checksum(blob, _RECEIVED)))
            if seen is not None:
                blob = marshal.dumps(seen)
                rows.append((_SEEN, blob, checksum(blob, _SEEN)))
            self.db.execute("BEGIN")
            if rels is None:
                self.db.execute("DELETE FROM results")
            else:
                gone = [*rels, _SEEN] if seen is None and not seen_unchanged else rels
                self.db.executemany("DELETE FROM results WHERE rel = ?", [(r,) for r in gone])
            self.db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", rows)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('results_snapshot', ?)", (snapshot,))
            self.db.execute("COMMIT")
        except (sqlite3.Error, ValueError) as exc:
            log.warning("could not write call results to %s: %s", self.path, exc)
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
