"""get_symbol_references against jedi's reference search, on an installed package not written here.

    pip install -e '.[bench]'
    python bench/refs_vs_jedi.py [--package starlette] [--symbols 80] [-v]

The package is copied to a temporary project folder.  For a deterministic
sample of its functions, classes and methods, both tools are asked for every
reference in the project; locations are compared as (file, line) pairs.
"Agreement" is the share of symbols where both return the same set.  With
``-v`` every disagreement is printed, for the explanation in the docs.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _symbols(root: Path, package: str, limit: int) -> list[tuple[str, str, int, int]]:
    """(qualified name, file, line, column of the name) of top-level functions, classes and methods."""
    out = []
    for path in sorted((root / package).rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        module = rel[:-3].replace("/", ".").removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                out.append((f"{module}.{node.name}", rel, node.lineno, _name_col(path, node)))
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and not item.name.startswith("__"):
                        out.append((f"{module}.{node.name}.{item.name}", rel, item.lineno, _name_col(path, item)))
    step = max(1, len(out) // limit)
    return out[::step][:limit]


def _name_col(path: Path, node: ast.AST) -> int:
    line = path.read_text().splitlines()[node.lineno - 1]
    return line.index(node.name, node.col_offset)  # type: ignore[attr-defined]


def main() -> int:
    import jedi

    from code_scalpel.project.index import ProjectIndex
    from code_scalpel.project.refs import references

    parser = argparse.ArgumentParser()
    parser.add_argument("--package", default="starlette")
    parser.add_argument("--symbols", type=int, default=80)
    parser.add_argument("-v", action="store_true")
    args = parser.parse_args()
    spec = importlib.util.find_spec(args.package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {args.package!r} is not installed")
    source = Path(next(iter(spec.submodule_search_locations)))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        shutil.copytree(source, root / args.package, ignore=shutil.ignore_patterns("__pycache__"))
        index = ProjectIndex(root, lambda p: True, None, workers=1)
        index.refresh()
        project = jedi.Project(root, added_sys_path=[str(root)], smart_sys_path=False, load_unsafe_extensions=False)
        symbols = _symbols(root, args.package, args.symbols)
        same = 0
        ours_only_total = jedi_only_total = both_total = 0
        t_ours = t_jedi = 0.0
        jedi_errors: list[str] = []
        for qname, rel, line, col in symbols:
            start = time.perf_counter()
            result = references(index, qname, None, True, 100_000, None, 100_000)
            t_ours += time.perf_counter() - start
            ours = {(r["file"], r["line"]) for r in result["references"]}
            start = time.perf_counter()
            script = jedi.Script(path=str(root / rel), project=project)
            try:
                found = script.get_references(line, col, scope="project")
            except Exception as exc:  # jedi has internal errors on some inputs; count them, don't abort
                jedi_errors.append(f"{qname}: {type(exc).__name__}: {exc}")
                continue
            finally:
                t_jedi += time.perf_counter() - start
            theirs = set()
            for name in found:
                if name.module_path is None:
                    continue
                path = Path(name.module_path).resolve()
                if path.is_relative_to(root):
                    theirs.add((path.relative_to(root).as_posix(), name.line))
            both_total += len(ours & theirs)
            ours_only_total += len(ours - theirs)
            jedi_only_total += len(theirs - ours)
            if ours == theirs:
                same += 1
            elif args.v:
                print(f"{qname}:")
                for f, ln in sorted(ours - theirs):
                    print(f"   only ours : {f}:{ln}: {(root / f).read_text().splitlines()[ln - 1].strip()}")
                for f, ln in sorted(theirs - ours):
                    print(f"   only jedi : {f}:{ln}: {(root / f).read_text().splitlines()[ln - 1].strip()}")
        n = len(symbols) - len(jedi_errors)
        for error in jedi_errors:
            print(f"jedi failed on {error} (symbol left out)")
        print(f"package {args.package} ({len(index.summaries)} files), {n} symbols")
        print(f"agreement (identical location sets): {same}/{n} = {same / n:.1%}")
        print(f"locations found by both: {both_total}, only by us: {ours_only_total}, only by jedi: {jedi_only_total}")
        print(f"time: code-scalpel {t_ours:.2f} s, jedi {t_jedi:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
