"""Parsing with ``ast`` only: one clear :class:`ParseFailure`, and a small cache.

Nothing here imports, compiles to bytecode, or evaluates the analyzed code.
Parsed modules are cached by their text (a small LRU bounded in entries and in
characters), so several tool calls on the same file parse it once.
"""

from __future__ import annotations

import ast
import sys
import threading
from collections import OrderedDict
from functools import cached_property
from typing import TYPE_CHECKING

from code_scalpel.analysis import pep758
from code_scalpel.analysis.source import SourceText
from code_scalpel.errors import ParseFailure

if TYPE_CHECKING:
    from code_scalpel.analysis.symbols import ModuleIndex

RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"
#: At most this many parsed modules are kept...
CACHE_SIZE = 8
#: ...holding at most this many characters of source between them (a tree is ~10-20x its text).
CACHE_CHARS = 8 * 1024 * 1024


class ParsedModule:
    """A parsed file: its tree, its text, and indexes computed on first use."""

    def __init__(self, tree: ast.Module, source: SourceText, parser: str) -> None:
        self.tree = tree
        self.source = source
        #: Which grammar accepted the file, e.g. ``"3.11"`` or ``"3.11+pep758"``.
        self.parser = parser

    @cached_property
    def index(self) -> ModuleIndex:
        from code_scalpel.analysis.symbols import ModuleIndex

        return ModuleIndex(self.tree, self.source)


_cache: OrderedDict[str, ParsedModule] = OrderedDict()
_cached_chars = 0
_lock = threading.Lock()


def parse_module(source: str, filename: str = "<code>") -> ParsedModule:
    """Parse ``source``; raise :class:`ParseFailure` with line and column when it is not Python."""
    global _cached_chars
    if source.startswith("\ufeff"):
        source = source[1:]
    with _lock:
        hit = _cache.get(source)
        if hit is not None:
            _cache.move_to_end(source)
            return hit
    parsed = _parse(source, filename)
    if len(source) <= CACHE_CHARS:
        with _lock:
            if source not in _cache:  # another thread may have parsed it meanwhile
                _cached_chars += len(source)
            _cache[source] = parsed
            while len(_cache) > CACHE_SIZE or _cached_chars > CACHE_CHARS:
                evicted, _ = _cache.popitem(last=False)
                _cached_chars -= len(evicted)
    return parsed


def clear_cache() -> None:
    global _cached_chars
    with _lock:
        _cache.clear()
        _cached_chars = 0


def _parse(source: str, filename: str) -> ParsedModule:
    try:
        return ParsedModule(_ast_parse(source, filename), SourceText(source), RUNNING)
    except SyntaxError as exc:
        original = exc
    rewritten = pep758.parenthesize_except_lists(source)
    if rewritten is not None:
        text, moved = rewritten
        try:
            tree = _ast_parse(text, filename)
        except SyntaxError:
            pass
        else:
            pep758.restore_positions(tree, moved)
            return ParsedModule(tree, SourceText(source), f"{RUNNING}+pep758")
    failure = syntax_failure(original, filename)
    # Only a syntax error may be newer syntax; a newer interpreter is worth asking.
    failure.newer_may_parse = True  # type: ignore[attr-defined]
    raise failure


def _ast_parse(source: str, filename: str) -> ast.Module:
    try:
        return ast.parse(source, filename=filename)
    except SyntaxError:
        raise
    except ValueError as exc:  # NUL bytes on 3.11
        raise ParseFailure(f"{filename}: {exc}", filename=filename, line=1, column=1) from None
    except UnicodeError as exc:  # lone surrogates in inline code
        raise ParseFailure(f"{filename}: the source is not valid Unicode ({exc.reason})", filename=filename) from None
    except (RecursionError, MemoryError):
        raise ParseFailure(
            f"{filename}: the code is nested too deeply for the parser; split the expression", filename=filename
        ) from None


def syntax_failure(exc: SyntaxError, filename: str) -> ParseFailure:
    line = exc.lineno or 1
    column = exc.offset or 1
    text = (exc.text or "").rstrip("\r\n")
    kind = "indentation error" if isinstance(exc, IndentationError) else "syntax error"
    message = f"{filename}:{line}:{column}: {kind}: {exc.msg}"
    data: dict[str, object] = {"filename": filename, "line": line, "column": column}
    if text:
        data["text"] = text[:200]
    return ParseFailure(message, **data)
