"""The mypyc-compiled analysis modules (setup.py): the same answers as the sources, and never stale.

Skipped, saying so, where the package was installed without compiling them (no C compiler).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import marshal
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import code_scalpel.project as project
from code_scalpel.project import NATIVE_MODULES, NATIVE_RECORD

HERE = Path(project.__file__).parent
BUILT = (HERE / NATIVE_RECORD).exists()
needs_build = pytest.mark.skipif(not BUILT, reason="installed without compiled modules (no C compiler at install)")

#: Builds an index of the tree in argv[1] and writes its summaries and call results to argv[2].
BUILD = """
import marshal, sys
from pathlib import Path
import code_scalpel.project as project
from code_scalpel.project.index import ProjectIndex
root = Path(sys.argv[1])
index = ProjectIndex(root, lambda p: True, None, workers=int(sys.argv[3]))
index.refresh()
results = index.call_results()
Path(sys.argv[2]).write_bytes(marshal.dumps((project.COMPILED, index.summaries, results)))
"""

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _run(code: str, *args: str, pure: bool = False, path: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CODE_SCALPEL_PURE_PYTHON", "PYTHONPATH")}
    if pure:
        env["CODE_SCALPEL_PURE_PYTHON"] = "1"
    if path is not None:
        env["PYTHONPATH"] = str(path)
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _c_compiler() -> str | None:
    return shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0])


@pytest.mark.skipif(os.environ.get("CODE_SCALPEL_PURE_PYTHON") == "1", reason="CODE_SCALPEL_PURE_PYTHON=1")
def test_the_modules_are_compiled_where_a_c_compiler_is() -> None:
    if _c_compiler() is None:
        pytest.skip("no C compiler here: the install uses the Python sources")
    # A type error makes mypyc give up, and the install falls back to the sources: it must not go unseen.
    assert BUILT, "installed without compiling the analysis: see the install's output (pip install -v -e .)"
    assert project.COMPILED, "the compiled modules were built from other sources: reinstall (pip install -e .)"
    for name in NATIVE_MODULES:
        origin = importlib.import_module(f"code_scalpel.project.{name}").__file__ or ""
        assert origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), origin


@needs_build
@pytest.mark.parametrize("workers", [1, 2])
def test_compiled_and_source_modules_give_the_same_summaries_and_calls(tmp_path: Path, workers: int) -> None:
    tree = tmp_path / "tree"
    for package in ("json", "email", "unittest", "logging", "concurrent", "asyncio", "importlib", "xml", "http"):
        shutil.copytree(STDLIB / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    got = {}
    for pure in (False, True):
        out = tmp_path / f"pure-{pure}.bin"
        proc = _run(BUILD, str(tree), str(out), str(workers), pure=pure)
        assert proc.returncode == 0, proc.stderr
        got[pure] = marshal.loads(out.read_bytes())
    compiled, pure = got[False], got[True]
    assert compiled[0] is True and pure[0] is False
    assert len(compiled[1]) > 150  # the pool and the forked shares are used from 150 files
    assert compiled[1] == pure[1]
    assert compiled[2] == pure[2]
    assert sum(len(r["edges"]) for r in compiled[2].values()) > 1000


def _copy_of_the_package(to: Path) -> Path:
    shutil.copytree(HERE.parent, to / "code_scalpel", ignore=shutil.ignore_patterns("__pycache__"))
    spec = importlib.util.find_spec("code_scalpel_native__mypyc")
    assert spec is not None and spec.origin is not None
    shutil.copy2(spec.origin, to)
    return to


PROBE = (
    "import code_scalpel.project as p, code_scalpel.project.summary as s, code_scalpel.project.resolve as r;"
    "print(p.COMPILED, hasattr(s, 'EDITED'), s.__file__.endswith('.py'), r.__file__.endswith('.py'))"
)


@needs_build
@pytest.mark.parametrize(
    ("edit", "pure", "expected", "warned"),
    [
        (False, False, "True False False False", False),  # as built: the compiled modules
        (True, False, "False True True True", True),  # a source edited since the build: every source
        (False, True, "False False True True", False),  # CODE_SCALPEL_PURE_PYTHON=1
    ],
    ids=["as-built", "edited-since", "pure-asked"],
)
def test_sources_edited_after_the_build_are_used_instead_of_it(
    tmp_path: Path, edit: bool, pure: bool, expected: str, warned: bool
) -> None:
    root = _copy_of_the_package(tmp_path)
    if edit:
        with open(root / "code_scalpel" / "project" / "summary.py", "a") as handle:
            handle.write("\nEDITED = True\n")
    proc = _run(PROBE, pure=pure, path=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[0] == expected
    assert ("reinstall the package" in proc.stderr) is warned


@needs_build
def test_a_damaged_record_means_the_sources(tmp_path: Path) -> None:
    root = _copy_of_the_package(tmp_path)
    (root / "code_scalpel" / "project" / NATIVE_RECORD).write_text("{not json")
    proc = _run(PROBE, path=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[0] == "False False True True"
