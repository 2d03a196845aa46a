"""Per-file Python analysis through the standard library's ``ast``: parse only, never import or run.

This package uses the standard library alone, so the same functions can run in a
newer interpreter (see :mod:`code_scalpel.analysis.fallback`) with nothing but
our ``src`` directory on ``sys.path``.  Import the public functions from
:mod:`code_scalpel.analysis.api`; this ``__init__`` stays empty so that
importing a sibling module costs nothing extra.
"""
