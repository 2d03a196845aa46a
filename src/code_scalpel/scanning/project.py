"""Cross-file scanning: modules of a project, resolved through their imports.

Every module that can read untrusted data is analyzed; the functions it calls
in other project modules are summarized on demand (parsed lazily, each summary
computed once), so a request parameter that reaches a sink three calls away in
another module is found, down to ``max_depth`` calls.
"""

from __future__ import annotations

import ast
import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from code_scalpel.errors import ParseFailure
from code_scalpel.project.walker import module_name
from code_scalpel.scanning.module import ModuleScan
from code_scalpel.scanning.patterns import HINT, PatternRules
from code_scalpel.scanning.summaries import Summary


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many syntax trees are alive.

    A project scan keeps every parsed module (summaries are computed on demand), and each collection of the
    oldest generation would walk millions of AST nodes again: that made a scan of the standard library several
    times slower.  Trees and taint values hold no reference cycles, so reference counting frees them anyway.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Project:
    def __init__(
        self,
        root: Path,
        files: Iterable[Path],
        *,
        read: Callable[[Path], str],
        max_depth: int = 5,
        extra_sources: Iterable[str] = (),
    ) -> None:
        self.root = root
        self.read = read
        self.max_depth = max_depth
        self.extra_sources = tuple(extra_sources)
        self.modules: dict[str, tuple[Path, bool]] = {}
        self.paths: dict[Path, str] = {}
        for path in files:
            name, is_package = module_name(path.relative_to(root).as_posix())
            self.modules.setdefault(name, (path, is_package))
            self.paths[path.resolve()] = name
        self.scans: dict[str, tuple[ModuleScan, str] | None] = {}
        self.findings: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        #: Scan files only a newer Python parses in that interpreter (see ``analysis.fallback``).
        self.newer_fallback = True

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def load(self, modname: str) -> tuple[ModuleScan, str] | None:
        if modname in self.scans:
            return self.scans[modname]
        path, is_package = self.modules[modname]
        self.scans[modname] = None
        shown = self.display(path)
        try:
            text = self.read(path)
        except Exception as exc:  # OSError, or a ScalpelError from the sandbox (too large, binary, not decodable)
            message = getattr(exc, "message", None) or str(exc)
            self.errors.append({"file": shown, "line": 0, "column": 0, "message": f"not scanned: {message}"})
            return None
        try:
            tree = ast.parse(text, filename=shown)
        except (SyntaxError, ValueError):
            parsed = self._parse_harder(text, shown)
            if parsed is None:
                return None
            tree = parsed
        except (RecursionError, MemoryError):
            self.errors.append(
                {
                    "file": shown,
                    "line": 0,
                    "column": 0,
                    "message": "not scanned: the code is nested too deeply for the parser",
                }
            )
            return None
        scan = ModuleScan(
            tree,
            shown,
            text=text,
            modname=modname,
            is_package=is_package,
            project=self,
            findings=self.findings,
            max_depth=self.max_depth,
            extra_sources=self.extra_sources,
        )
        self.scans[modname] = (scan, text)
        return scan, text

    def _parse_harder(self, text: str, shown: str) -> ast.Module | None:
        """Parse what this interpreter's ``ast.parse`` refused: PEP 758 ``except`` lists in process, other newer
        syntax by scanning the file alone in a newer interpreter (its summaries then stay unknown to the rest)."""
        from code_scalpel.analysis.parsing import parse_module

        try:
            return parse_module(text, shown).tree
        except ParseFailure as failure:
            if self.newer_fallback and getattr(failure, "newer_may_parse", False):
                from code_scalpel.analysis import fallback

                try:
                    result = fallback.run_in_newer(
                        "scan_source",
                        {
                            "source": text,
                            "path": shown,
                            "confidence_threshold": 0.0,
                            "extra_sources": list(self.extra_sources),
                        },
                        failure,
                    )
                except ParseFailure as original:
                    failure = original
                else:
                    for finding in result["findings"]:
                        self.findings[(finding["rule_id"], shown, finding["line"], finding["column"])] = finding
                    self.errors.extend(result["errors"])
                    return None
            self.errors.append(
                {
                    "file": shown,
                    "line": failure.data.get("line", 0),
                    "column": failure.data.get("column", 0),
                    "message": f"not scanned: {failure.message}",
                }
            )
            return None

    def resolve(self, q: str, depth: int, hops: int = 0, tainted: bool = True) -> tuple[Summary, str, str] | None:
        """The summary of the project function ``q`` (``pkg.mod.func`` or ``pkg.mod.Class.method``)."""
        parts = q.split(".")
        for i in range(len(parts) - 1, 0, -1):
            modname = ".".join(parts[:i])
            if modname in self.modules:
                rest = parts[i:]
                break
        else:
            return None
        loaded = self.load(modname)
        if loaded is None:
            return None
        scan = loaded[0]
        if len(rest) == 1:
            name = rest[0]
            fnode = scan.functions.get(name)
            if fnode is not None:
                summary = scan.summary_for_call(fnode, None, depth, tainted)
                return (summary, q, "function") if summary is not None else None
            methods = scan.classes.get(name)
            if methods is not None:
                init = methods.get("__init__")
                summary = scan.summary_for_call(init, name, depth, tainted) if init is not None else None
                return summary or Summary(file=scan.path), q, "ctor"
            target = scan.aliases.get(name)
            if target and target != q and hops < 3:
                return self.resolve(target, depth, hops + 1, tainted)
        elif len(rest) == 2:
            methods = scan.classes.get(rest[0])
            if methods is not None and rest[1] in methods:
                summary = scan.summary_for_call(methods[rest[1]], rest[0], depth, tainted)
                return (summary, q, "function") if summary is not None else None
        return None

    def run(
        self, entry_modules: Iterable[str] | None = None, progress: Callable[[int, int, str], None] | None = None
    ) -> None:
        with gc_paused():
            self._run(entry_modules, progress)

    def _run(
        self, entry_modules: Iterable[str] | None = None, progress: Callable[[int, int, str], None] | None = None
    ) -> None:
        names = list(entry_modules) if entry_modules is not None else list(self.modules)
        total = len(names)
        for done, modname in enumerate(names):
            if progress is not None:
                progress(done, total, modname)
            loaded = self.load(modname)
            if loaded is None:
                continue
            scan, text = loaded
            try:
                scan.run(text)
            except RecursionError:
                self.errors.append(
                    {
                        "file": scan.path,
                        "line": 0,
                        "column": 0,
                        "message": "not fully scanned: the code is nested too deeply",
                    }
                )
                continue
            if HINT.search(text):
                for finding in PatternRules(scan.tree, scan.path, scan.aliases).run(text):
                    self.findings[(finding["rule_id"], scan.path, finding["line"], finding["column"])] = finding
        if progress is not None:
            progress(total, total, "done")
