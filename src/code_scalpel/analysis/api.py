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


def scan_source(**kwargs):  # type: ignore[no-untyped-def]
    """The security scanner of one source text (imported on first use: the worker needs it by name)."""
    from code_scalpel.scanning.api import scan_source as scan

    return scan(**kwargs)


#: By name, for the newer-interpreter worker.
PUBLIC = {
    "analyze_code": analyze_code,
    "extract_code": extract_code,
    "file_context": file_context,
    "scan_source": scan_source,
}

__all__ = ["PUBLIC", "analyze_code", "extract_code", "file_context"]
