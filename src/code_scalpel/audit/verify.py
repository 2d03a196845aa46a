"""Check an audit log's hash chain and name the first line where it breaks."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from code_scalpel.audit.log import DEFAULT_BACKUPS, GENESIS


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    lines: int
    file: str | None = None
    line: int | None = None
    reason: str = ""
    head: str = GENESIS

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "lines": self.lines,
            "file": self.file,
            "line": self.line,
            "reason": self.reason,
            "head": self.head,
        }


def rotation_set(path: Path, backups: int = DEFAULT_BACKUPS) -> list[Path]:
    """``FILE`` with its rotated predecessors, oldest first."""
    older = [path.with_name(f"{path.name}.{i}") for i in range(backups, 0, -1)]
    return [p for p in older if p.exists()] + [path]


def verify_files(paths: list[Path], *, partial: bool = False) -> VerifyResult:
    """Verify files in chain order (oldest first).

    Unless ``partial``, the chain must start at its genesis record: otherwise lines were cut from
    the start, or the oldest rotated files are gone (``partial`` checks what remains).
    """
    entries: list[tuple[str, int, bytes]] = []
    for path in paths:
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                entries.append((str(path), number, raw.rstrip(b"\n")))
    hashes = [hashlib.sha256(raw).hexdigest() for _, _, raw in entries]
    records: list[dict | None] = []
    for _, _, raw in entries:
        try:
            value = json.loads(raw)
            records.append(value if isinstance(value, dict) else None)
        except ValueError:
            records.append(None)

    def fail(i: int, reason: str) -> VerifyResult:
        file, number, _ = entries[i]
        return VerifyResult(False, len(entries), file, number, reason)

    prev_hash: str | None = None
    prev_seq: int | None = None
    for i, record in enumerate(records):
        if record is None or not isinstance(record.get("prev"), str) or not isinstance(record.get("seq"), int):
            return fail(i, "not a valid audit record (altered or corrupted)")
        seq = record["seq"]
        if prev_hash is None:
            # The oldest surviving line: the genesis, or the start of a chain whose older files rotated away.
            if seq == 1 and record["prev"] != GENESIS:
                return fail(i, "the first record does not start the chain")
            if not partial and (seq != 1 or record["prev"] != GENESIS):
                return fail(
                    i,
                    f"the chain does not start at its first record (this is seq {seq}): {seq - 1} line(s) deleted "
                    "at the start, or older rotated files are missing (--partial checks what remains)",
                )
        elif record["prev"] != prev_hash:
            nxt = records[i + 1] if i + 1 < len(records) else None
            if nxt is not None and nxt.get("prev") == hashes[i - 1]:
                return fail(i, "a line was inserted here (it does not chain to the line before)")
            if seq <= prev_seq:  # type: ignore[operator]
                return fail(i - 1, "a line was inserted here (the next line does not chain to it)")
            if seq > prev_seq + 1:  # type: ignore[operator]
                return fail(i, f"{seq - prev_seq - 1} line(s) deleted before this one")  # type: ignore[operator]
            return fail(i - 1, "this line was altered (its hash does not match what the next line recorded)")
        elif seq != prev_seq + 1:  # type: ignore[operator]
            return fail(i, f"sequence jumps from {prev_seq} to {seq}")
        prev_hash, prev_seq = hashes[i], seq
    return VerifyResult(True, len(entries), head=prev_hash or GENESIS)
