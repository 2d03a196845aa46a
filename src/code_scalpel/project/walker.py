"""Finds the Python files of a project.

Honours ``.gitignore`` files (root and nested), skips the folders nobody wants
analyzed (VCS, virtual environments, caches, build output) and never follows a
symlink whose real path leaves the sandbox roots.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: Folder names skipped wherever they appear.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "env",
        ".env",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".idea",
        ".vscode",
        "node_modules",
        "build",
        "dist",
        ".eggs",
        "site-packages",
        ".bench-cache",
    }
)
TEST_DIR_NAMES = frozenset({"tests", "test", "testing"})


@dataclass(frozen=True)
class FileEntry:
    rel: str  # posix path relative to the project root
    path: Path
    size: int
    mtime_ns: int


class _Rule:
    __slots__ = ("base", "dir_only", "negate", "regex")

    def __init__(self, base: str, pattern: str) -> None:
        self.negate = pattern.startswith("!")
        if self.negate:
            pattern = pattern[1:]
        self.dir_only = pattern.endswith("/")
        pattern = pattern.rstrip("/")
        anchored = "/" in pattern
        pattern = pattern.lstrip("/")
        self.base = base
        body = _glob_to_regex(pattern)
        # A pattern without a slash matches at any depth below its .gitignore.
        self.regex = re.compile(("" if anchored else r"(?:.*/)?") + body + r"\Z")

    def matches(self, rel: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        if self.base:
            if not rel.startswith(self.base + "/"):
                return False
            rel = rel[len(self.base) + 1 :]
        return self.regex.match(rel) is not None


def _glob_to_regex(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append(r"(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append(r"/.*")
            i += 3
        elif pattern[i] == "*":
            out.append(r"[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append(r"[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i : end + 1])[4:-3])
                i = end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def _read_gitignore(folder: Path, base: str) -> list[_Rule]:
    try:
        text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    rules = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        rules.append(_Rule(base, line))
    return rules


def _ignored(rules: list[_Rule], rel: str, is_dir: bool) -> bool:
    verdict = False
    for rule in rules:
        if rule.matches(rel, is_dir):
            verdict = not rule.negate
    return verdict


def walk_python_files(
    root: Path,
    contains: Callable[[Path], bool],
    exclude_dirs: Iterable[str] = (),
    include_tests: bool = True,
    max_files: int | None = None,
) -> tuple[list[FileEntry], bool]:
    """Every ``.py`` file under ``root`` (sorted), and whether ``max_files`` cut the list."""
    excluded = {e.strip("/") for e in exclude_dirs if e.strip("/")}
    files: list[FileEntry] = []
    truncated = False
    for entry in _walk(root, "", _read_gitignore(root, ""), contains, excluded, include_tests, set()):
        if max_files is not None and len(files) >= max_files:
            truncated = True
            break
        files.append(entry)
    files.sort(key=lambda f: f.rel)
    return files, truncated


def _walk(
    folder: Path,
    rel_dir: str,
    rules: list[_Rule],
    contains: Callable[[Path], bool],
    excluded: set[str],
    include_tests: bool,
    seen: set[tuple[int, int]],
) -> Iterator[FileEntry]:
    try:
        st = folder.stat()
        key = (st.st_dev, st.st_ino)
        if key in seen:  # a symlink loop inside the root
            return
        seen.add(key)
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    subdirs = []
    for entry in entries:
        name = entry.name
        rel = f"{rel_dir}/{name}" if rel_dir else name
        try:
            is_link = entry.is_symlink()
            st = entry.stat()  # follows links; the real path is checked below
        except OSError:
            continue
        is_dir = stat.S_ISDIR(st.st_mode)
        if is_link and not contains(Path(entry.path).resolve()):
            continue
        if is_dir:
            if name in SKIP_DIRS or name.endswith(".egg-info") or rel in excluded or name in excluded:
                continue
            if not include_tests and name in TEST_DIR_NAMES:
                continue
            if _ignored(rules, rel, True):
                continue
            subdirs.append((Path(entry.path), rel))
        elif stat.S_ISREG(st.st_mode) and name.endswith(".py"):
            if not include_tests and is_test_file(rel):
                continue
            if _ignored(rules, rel, False):
                continue
            yield FileEntry(rel, Path(entry.path), st.st_size, st.st_mtime_ns)
    for path, rel in subdirs:
        nested = rules + _read_gitignore(path, rel)
        yield from _walk(path, rel, nested, contains, excluded, include_tests, seen)


def is_test_file(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    return (
        any(p in TEST_DIR_NAMES for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def module_name(rel: str) -> tuple[str, bool]:
    """Dotted module name of a root-relative path, and whether it is a package ``__init__``.

    A ``src/`` layout is unwrapped so that ``src/pkg/mod.py`` is ``pkg.mod``.
    """
    parts = rel[:-3].split("/")
    if len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    is_pkg = parts[-1] == "__init__"
    if is_pkg:
        parts = parts[:-1]
    if not parts:
        return "__init__", True
    return ".".join(parts), is_pkg
