"""Mapping ``ast`` positions back onto the original text.

``ast`` reports lines split on ``\\r\\n``, ``\\r`` and ``\\n`` and columns in
UTF-8 *bytes*; slicing the original ``str`` with them directly would cut
non-ASCII lines in the wrong place, so every slice goes through here.
"""

from __future__ import annotations

import re

_NEWLINE = re.compile(r"\r\n|\r|\n")


class SourceText:
    __slots__ = ("_ascii", "line_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        starts.extend(m.end() for m in _NEWLINE.finditer(text))
        self.line_starts = starts
        self._ascii = text.isascii()

    @property
    def total_lines(self) -> int:
        if not self.text:
            return 0
        # A trailing newline ends the last line rather than starting a new, empty one.
        return len(self.line_starts) - (1 if self.line_starts[-1] == len(self.text) else 0)

    def line(self, lineno: int) -> str:
        """Line ``lineno`` (1-based) without its line break."""
        start = self.line_starts[lineno - 1]
        end = self.line_starts[lineno] if lineno < len(self.line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def offset(self, lineno: int, col_bytes: int) -> int:
        """Index into ``text`` of an ``ast`` position (1-based line, UTF-8 byte column)."""
        start = self.line_starts[lineno - 1]
        if self._ascii:
            return start + col_bytes
        line = self.line(lineno)
        if line.isascii():
            return start + col_bytes
        return start + len(line.encode("utf-8", "surrogatepass")[:col_bytes].decode("utf-8", "surrogatepass"))

    def segment(self, node: object) -> str:
        """The exact text of a node that has positions (like ``ast.get_source_segment``)."""
        return self.text[
            self.offset(node.lineno, node.col_offset) : self.offset(
                node.end_lineno, node.end_col_offset
            )  # type: ignore[attr-defined]
        ]

    def span(self, start_line: int, start_col_bytes: int, end_line: int, end_col_bytes: int) -> str:
        return self.text[self.offset(start_line, start_col_bytes) : self.offset(end_line, end_col_bytes)]
