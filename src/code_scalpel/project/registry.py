"""One live index per project root, shared by every call in this process."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from code_scalpel.project.index import Progress, ProjectIndex

WORKERS_ENV = "CODE_SCALPEL_INDEX_WORKERS"
_lock = threading.Lock()
_indexes: dict[tuple[str, str | None], ProjectIndex] = {}


def open_index(
    root: Path,
    contains: Callable[[Path], bool],
    data_dir: Path | None,
    progress: Progress | None = None,
    max_files: int | None = None,
    max_bytes: int = 10 << 20,
) -> ProjectIndex:
    """The index of ``root``, built on first use and brought up to date (cheaply) on every call."""
    cache_dir = data_dir / "index" if data_dir is not None else None
    key = (str(root), str(cache_dir) if cache_dir else None)
    with _lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = ProjectIndex(root, contains, cache_dir, workers=_workers())
    index.refresh(progress, max_files=max_files, max_bytes=max_bytes)
    return index


def _workers() -> int:
    """``$CODE_SCALPEL_INDEX_WORKERS``: processes for cold builds (1 = no pool; default: one per core)."""
    raw = os.environ.get(WORKERS_ENV, "")
    return int(raw) if raw.isdigit() else 0


def forget_all() -> None:
    """Drop every live index (tests use this to simulate a server restart)."""
    with _lock:
        for index in _indexes.values():
            index.close()
        _indexes.clear()
