"""Compiles the project analysis's hot paths with mypyc where this machine can; pure Python otherwise.

The summaries' extraction and the call resolver are most of a cold project index's time (see
docs/project-analysis.md, *Performance*).  The modules stay plain, typed Python: without a C
compiler, or with ``CODE_SCALPEL_PURE_PYTHON=1`` at install time, the package installs and works the
same, only slower.  A record of the compiled sources' digests (``native.json``) lets the package
notice sources edited after the build and load them instead (``code_scalpel/project/__init__.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

PACKAGE = "code_scalpel.project"
MODULES = ("summary", "resolve", "calls")  # as NATIVE_MODULES in code_scalpel/project/__init__.py
SOURCES = [f"src/{PACKAGE.replace('.', '/')}/{name}.py" for name in MODULES]


class OptionalBuildExt(build_ext):
    """Builds the extensions; if any fails (no C compiler, no Python headers), the sources are used."""

    def run(self) -> None:
        record = Path(self.get_ext_fullpath(f"{PACKAGE}.{MODULES[0]}")).parent / "native.json"
        record.unlink(missing_ok=True)
        try:
            super().run()
        except Exception as exc:  # any build failure means: install the pure Python modules
            print(f"code-scalpel: not compiled, the Python sources are used ({exc})", file=sys.stderr)
            return
        if not self.extensions:
            return
        digests = {
            name: hashlib.blake2b(Path(src).read_bytes(), digest_size=16).hexdigest()
            for name, src in zip(MODULES, SOURCES, strict=True)
        }
        record.write_text(json.dumps(digests, indent=1) + "\n")


def _extensions() -> list:
    if os.environ.get("CODE_SCALPEL_PURE_PYTHON") == "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("code-scalpel: mypyc is not installed, the Python sources are used", file=sys.stderr)
        return []
    try:
        return mypycify(SOURCES, opt_level="3", group_name="code_scalpel_native")
    except (Exception, SystemExit) as exc:  # mypyc exits on a type error: still install, uncompiled
        print(f"code-scalpel: mypyc failed, the Python sources are used ({exc})", file=sys.stderr)
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
