"""The audit log writer: append-only JSON lines, each carrying the hash of the line before.

``prev`` is the SHA-256 of the previous line's bytes (without the newline),
``seq`` counts lines across rotations, so an edited, deleted or inserted line
breaks the chain where it happened.  Rotation is by size (``FILE`` →
``FILE.1`` → … → ``FILE.N``); the first line of a new file carries the hash of
the last line of the old one, so the chain continues across files.  Several
processes may share one file: every append takes an exclusive ``flock`` and
re-reads the tail when another writer moved it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUPS = 5


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def _last_line(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            end = handle.tell()
            block = 65536
            data = b""
            pos = end
            while pos > 0:
                step = min(block, pos)
                pos -= step
                handle.seek(pos)
                data = handle.read(step) + data
                stripped = data.rstrip(b"\n")
                if b"\n" in stripped:
                    return stripped.rsplit(b"\n", 1)[1]
            stripped = data.rstrip(b"\n")
            return stripped or None
    except FileNotFoundError:
        return None


def chain_state(path: Path, backups: int = DEFAULT_BACKUPS) -> tuple[str, int]:
    """(hash of the last line, its seq) of the newest non-empty file in the rotation set."""
    candidates = [path] + [path.with_name(f"{path.name}.{i}") for i in range(1, backups + 1)]
    for candidate in candidates:
        last = _last_line(candidate)
        if last:
            try:
                seq = int(json.loads(last).get("seq", 0))
            except (ValueError, AttributeError):
                seq = 0  # a corrupt tail: keep chaining; `audit verify` will point at it
            return line_hash(last), seq
    return GENESIS, 0


class AuditLog:
    def __init__(
        self, path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS
    ):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        self._fd = -1
        self._ino = -1
        self._size = -1
        self._prev = GENESIS
        self._seq = 0
        self._open()

    def _open(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        st = os.fstat(self._fd)
        self._ino = st.st_ino
        self._size = -1  # forces a re-read of the chain state on the next write

    def _sync_state(self) -> None:
        """Called under the file lock: reopen after another process rotated, re-read the tail if it moved."""
        try:
            if os.stat(self.path).st_ino != self._ino:
                self._open()
        except FileNotFoundError:
            self._open()
        size = os.fstat(self._fd).st_size
        if size != self._size:
            self._prev, self._seq = chain_state(self.path, self.backups)
            self._size = size

    def _rotate(self) -> None:
        for i in range(self.backups, 0, -1):
            src = self.path if i == 1 else self.path.with_name(f"{self.path.name}.{i - 1}")
            dst = self.path.with_name(f"{self.path.name}.{i}")
            if src.exists():
                os.replace(src, dst)
        self._open()
        self._size = 0

    def write(self, event: dict[str, Any]) -> None:
        """Append one event; ``ts``, ``seq`` and ``prev`` are added here."""
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                self._sync_state()
                if self._size >= self.max_bytes:
                    held = self._fd
                    self._rotate()
                    fcntl.flock(self._fd, fcntl.LOCK_EX)
                    fcntl.flock(held, fcntl.LOCK_UN)
                now = time.time()
                record = {
                    "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z",
                    "seq": self._seq + 1,
                    **event,
                    "prev": self._prev,
                }
                # ensure_ascii: newlines, ANSI escapes and any non-ASCII become \u escapes, so a value
                # can never end a line or repaint a terminal.
                line = json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=str).encode()
                os.write(self._fd, line + b"\n")
                self._prev = hashlib.sha256(line).hexdigest()
                self._seq += 1
                self._size += len(line) + 1
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
