"""Confines every path a tool receives to the configured roots.

Paths are resolved to their real location (symlinks followed) before the
check, so a link inside a root that points outside it is refused.  Only
regular files are ever opened for reading: a FIFO would block the server and a
device could be endless.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import tokenize
from collections.abc import Iterable
from pathlib import Path

from code_scalpel.errors import FileUnreadable, InvalidArgument, PathRefused, TooLarge


class Sandbox:
    def __init__(self, roots: Iterable[str | os.PathLike[str]]) -> None:
        resolved = []
        for root in roots:
            path = Path(root).expanduser().resolve()
            try:
                is_dir = path.is_dir()
            except OSError as exc:
                raise InvalidArgument(f"root {str(path)!r} cannot be opened: {exc.strerror}") from None
            if not is_dir:
                raise InvalidArgument(f"root {str(path)!r} is not a directory")
            resolved.append(path)
        if not resolved:
            raise InvalidArgument("at least one root directory is required")
        self.roots: tuple[Path, ...] = tuple(resolved)

    def describe(self) -> str:
        return ", ".join(str(r) for r in self.roots)

    def contains(self, real_path: Path) -> bool:
        return any(real_path == root or real_path.is_relative_to(root) for root in self.roots)

    def _refuse(self, raw: str, why: str) -> PathRefused:
        return PathRefused(
            f"path {raw!r} {why}; allowed roots: {self.describe()}",
            path=raw,
            allowed_roots=[str(r) for r in self.roots],
        )

    def resolve(self, raw: str | os.PathLike[str]) -> Path:
        """The real path of ``raw`` (relative paths are taken from the first root that has them)."""
        text = os.fspath(raw)
        if not text or "\x00" in text:
            raise InvalidArgument("path must be a non-empty string without NUL bytes")
        candidate = Path(text).expanduser()
        if not candidate.is_absolute():
            options = [root / candidate for root in self.roots]
            candidate = next((p for p in options if os.path.lexists(p)), options[0])
        # Refuse the lexical escape too, so `..` cannot probe outside a root even for missing files.
        lexical = Path(os.path.normpath(candidate))
        if not self.contains(lexical) and not self.contains(Path(os.path.realpath(lexical))):
            raise self._refuse(text, "is outside the allowed roots")
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            raise self._refuse(text, "is a symlink loop") from None
        if not self.contains(real):
            raise self._refuse(text, "resolves (through a symlink or '..') outside the allowed roots")
        return real

    def resolve_dir(self, raw: str | os.PathLike[str] | None) -> Path:
        path = self.roots[0] if raw in (None, "") else self.resolve(raw)  # type: ignore[arg-type]
        if not path.is_dir():
            raise self._refuse(os.fspath(raw or path), "is not a directory")
        return path

    def read_bytes(self, raw: str | os.PathLike[str], max_bytes: int) -> tuple[Path, bytes]:
        path = self.resolve(raw)
        text = os.fspath(raw)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise FileUnreadable(f"file {text!r} does not exist under the allowed roots", path=text) from None
        except OSError as exc:
            raise FileUnreadable(f"cannot read {text!r}: {exc.strerror}", path=text) from None
        if stat.S_ISDIR(st.st_mode):
            raise self._refuse(text, "is a directory, a file was expected")
        if not stat.S_ISREG(st.st_mode):
            raise self._refuse(text, "is not a regular file (device, FIFO or socket)")
        if st.st_size > max_bytes:
            raise TooLarge(
                f"file {text!r} is {st.st_size} bytes; the limit is {max_bytes} bytes (max_file_bytes)",
                limit="max_file_bytes",
                limit_value=max_bytes,
                actual=st.st_size,
            )
        # O_NONBLOCK: if the file was swapped for a FIFO after the check, open must not hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise self._refuse(text, "is not a regular file")
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise TooLarge(f"file {text!r} grew past the limit of {max_bytes} bytes", limit="max_file_bytes")
        return path, data

    def read_source(self, raw: str | os.PathLike[str], max_bytes: int) -> tuple[Path, str]:
        path, data = self.read_bytes(raw, max_bytes)
        return path, decode_source(data, os.fspath(raw))


def decode_source(data: bytes, name: str = "<code>") -> str:
    """Text of a Python source file, honouring a PEP 263 coding line; binary is refused."""
    if b"\x00" in data:
        raise FileUnreadable(f"{name!r} looks binary (it contains NUL bytes); only text source files can be analyzed")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise FileUnreadable(f"{name!r}: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileUnreadable(
            f"{name!r} is not valid {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 or declare its encoding in a PEP 263 coding line",
            encoding=encoding,
            offset=exc.start,
        ) from None
    if text.startswith(codecs.BOM_UTF8.decode()):
        text = text[1:]
    return text
