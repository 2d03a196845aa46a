"""The public analysis functions: plain ``str`` in, plain ``dict`` out.

Each raises :class:`~code_scalpel.errors.ParseFailure` (with line and column)
for code that no available Python can parse, and
:class:`~code_scalpel.errors.SymbolNotFound` or
:class:`~code_scalpel.errors.InvalidArgument` for bad targets.
"""

from __future__ import annotations

from code_scalpel.analysis.analyze import analyze_code
from code_scalpel.analysis.extract import extract_code
from code_scalpel.analysis.outline import file_context

#: By name, for the newer-interpreter worker.
PUBLIC = {"analyze_code": analyze_code, "extract_code": extract_code, "file_context": file_context}

__all__ = ["PUBLIC", "analyze_code", "extract_code", "file_context"]
