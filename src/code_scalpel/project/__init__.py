"""Project-wide analysis: the index, the call resolver and the views built on them.

Three of these modules may be compiled with mypyc when the package is installed (see ``setup.py``):
the summaries' extraction and the resolver are most of a cold build's time.  The build records a
digest of each compiled module's source in ``native.json``; the compiled modules are used only while
every source still matches (an editable install whose sources were edited since would otherwise run
the old code) and ``CODE_SCALPEL_PURE_PYTHON=1`` is not set.  Otherwise the Python sources are loaded
in their place: the same results, only slower.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
from pathlib import Path

#: The modules setup.py compiles, in an order each one's imports of the others allow.
NATIVE_MODULES = ("summary", "resolve", "calls")
NATIVE_RECORD = "native.json"


def _source_digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def _compiled_is_current(here: Path) -> bool:
    try:
        record = json.loads((here / NATIVE_RECORD).read_text())
        return set(record) == set(NATIVE_MODULES) and all(
            _source_digest(here / f"{name}.py") == record[name] for name in NATIVE_MODULES
        )
    except (OSError, ValueError, TypeError):
        return False


def _has_extensions(here: Path) -> bool:
    return any(
        (here / f"{name}{suffix}").exists()
        for name in NATIVE_MODULES
        for suffix in importlib.machinery.EXTENSION_SUFFIXES
    )


def _load_sources(here: Path) -> None:
    package = sys.modules[__name__]
    for name in NATIVE_MODULES:
        qualified = f"{__name__}.{name}"
        spec = importlib.util.spec_from_file_location(qualified, here / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
        setattr(package, name, module)


def _choose() -> bool:
    here = Path(__file__).parent
    if not _has_extensions(here):
        return False
    if os.environ.get("CODE_SCALPEL_PURE_PYTHON") == "1":
        _load_sources(here)
        return False
    if _compiled_is_current(here):
        return True
    logging.getLogger(__name__).warning(
        "the compiled analysis modules were built from other sources than these; the sources are used "
        "(slower): reinstall the package (pip install -e .) to compile them again"
    )
    _load_sources(here)
    return False


#: Whether the compiled modules are the ones in use.
COMPILED = _choose()
