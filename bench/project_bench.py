"""Project map + call graph on the standard library: cold, warm, one file changed, against ``ast.parse``.

    python bench/project_bench.py [--root DIR] [--runs N]   (best of N cold runs, default 2)

The tree (default: this interpreter's standard library, without site-packages)
is copied to a temporary folder so that a file can be changed without touching
the real one.  Each scenario runs in a fresh process (so peak memory is its
own); the floor is ``ast.parse`` alone over the same files, measured in the
same run.  Scenarios:

* ``floor``        read + ``ast.parse`` every file, nothing else;
* ``cold-serial``  empty cache, one process: index + project map + full call graph;
* ``cold-pool``    the same with a process pool (2 workers on this machine) and the call
                   resolution split in two forked shares;
* ``cold-pure``    ``cold-pool`` with ``CODE_SCALPEL_PURE_PYTHON=1``: the Python sources of the modules
                   setup.py compiles with mypyc, as where no C compiler was at hand;
* ``warm``         same process, nothing changed: refresh + map + call graph again;
* ``one-body``     one function body edited: refresh + map + call graph;
* ``one-child``    an assertion added to a test helper in a file the other process resolved;
* ``one-local``    a local variable added to that body (still body-only: nothing outside reads it);
* ``one-passes``   a call added that passes a function to one that calls its parameter: what a
                   parameter receives changes, so every file's calls are resolved again;
* ``one-added``    a top-level function added that nothing looked for: the module's interface grew, but
                   no answer rested on the name, so only that file's calls are resolved again;
* ``one-method``   a method added to a class, that nothing looked for either;
* ``one-api``      a parameter added to a function (the module's interface changed: every file's
                   calls are resolved again);
* ``restart``      a new process on the persisted cache: load + map + call graph;
* ``restart-edit`` the same after a body edited and a function added in one file while no server ran:
                   taken in as edits, not as a new project.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

SKIP = {"site-packages", "__pycache__", "dist-packages"}


def _files(root: Path) -> list[Path]:
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP]
        out += [Path(folder, n) for n in names if n.endswith(".py")]
    return out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_peak_mb() -> float:
    """The largest child's peak: a pool worker, or a forked resolver share (its copied pages)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def floor(root: Path) -> dict:
    files = _files(root)
    start = time.perf_counter()
    for path in files:
        with contextlib.suppress(SyntaxError, ValueError):
            ast.parse(path.read_bytes())
    return {"seconds": time.perf_counter() - start, "files": len(files), "peak_mb": _peak_mb()}


def _map_and_graph(index) -> tuple[float, float, int]:
    from code_scalpel.project.graph import call_graph_of
    from code_scalpel.project.projmap import project_map

    t0 = time.perf_counter()
    project_map(index, True, 100, None)
    t1 = time.perf_counter()
    graph = call_graph_of(index)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(graph.edges)


def scenario_cold(root: Path, cache: Path, workers: int, edits: bool) -> dict:
    import code_scalpel.project as project
    from code_scalpel.project.index import ProjectIndex

    out: dict = {}
    start = time.perf_counter()
    index = ProjectIndex(root, lambda p: True, cache, workers=workers)
    index.refresh()
    t_index = time.perf_counter() - start
    t_map, t_graph, n_edges = _map_and_graph(index)
    out["cold"] = {"seconds": time.perf_counter() - start, "index": t_index, "map": t_map, "graph": t_graph}
    out["edges"] = n_edges
    out["files"] = len(index.summaries)
    out["compiled"] = project.COMPILED
    out["peak_mb_cold"] = _peak_mb()
    out["child_peak_mb_cold"] = _child_peak_mb()
    if not edits:
        return out
    out["warm"] = _refreshed(index)

    target = root / "textwrap.py"
    out["one-body"] = _edited(index, target, "def dedent(text):\n", "def dedent(text):\n    len([])\n")
    # In a file the forked share resolved (the parent's resolver knows little around it); an assertion
    # added: its call sites pass what they passed.
    check = "        result = wrap(text, width, **kwargs)\n"
    tests = root / "test" / "test_textwrap.py"
    if tests.exists():  # some distributions ship the standard library without its tests
        out["one-child"] = _edited(index, tests, check, "        assert width > 0\n" + check)
    # Still a body-only edit: a temporary that nothing outside the function can observe.
    out["one-local"] = _edited(index, target, "    len([])\n", "    size = len(text)\n    print(size)\n")
    # indent() calls its predicate: passing it another function changes what a parameter receives.
    fill = "def fill(text, width=70, **kwargs):\n"
    out["one-passes"] = _edited(index, target, fill, fill + "    indent('', '', shorten)\n")
    out["one-added"] = _edited(index, target, "", "\n\ndef _bench_added():\n    return dedent('x')\n")
    method = "    def fill(self, text):\n"
    added = "    def _bench_method(self):\n        return self.wrap('x')\n\n"
    out["one-method"] = _edited(index, target, method, added + method)
    signature = "def shorten(text, width, **kwargs):"
    out["one-api"] = _edited(index, target, signature, signature.replace("width,", "width, x=0,"))
    out["peak_mb"] = _peak_mb()
    index.close()
    return out


def _edited(index, target: Path, old: str, new: str) -> dict:
    """Replace ``old`` (once; "": append ``new``) in ``target``, then time refresh + map + call graph."""
    text = target.read_text()
    assert old in text, f"{old!r} is not in {target}"
    target.write_text(text.replace(old, new, 1) if old else text + new)
    _later(target)
    return _refreshed(index)


def _refreshed(index) -> dict:
    start = time.perf_counter()
    index.refresh()
    _map_and_graph(index)
    return {"seconds": time.perf_counter() - start, "parsed": index.stats["last_parsed"]}


def scenario_restart(root: Path, cache: Path, edit: bool) -> dict:
    from code_scalpel.project.index import ProjectIndex

    if edit:  # made while no server ran: a body, then one function more that nothing names
        target = root / "textwrap.py"
        text = target.read_text().replace("def dedent(text):\n", "def dedent(text):\n    len(())\n", 1)
        target.write_text(text + "\n\ndef _bench_while_down():\n    return 1\n")
        _later(target)
    start = time.perf_counter()
    index = ProjectIndex(root, lambda p: True, cache)
    index.refresh()
    t_index = time.perf_counter() - start
    _, t_graph, _ = _map_and_graph(index)
    return {
        "seconds": time.perf_counter() - start,
        "index": t_index,
        "graph": t_graph,
        "parsed": len(index.stats["last_parsed"]),
        "resolved": index.stats["resolved"],
        "peak_mb": _peak_mb(),
    }


def _later(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def _child(args: list[str], pure: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "CODE_SCALPEL_PURE_PYTHON"}
    if pure:
        env["CODE_SCALPEL_PURE_PYTHON"] = "1"
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"scenario {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--scenario")
    parser.add_argument("--tree")
    parser.add_argument("--cache")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--edits", action="store_true")
    parser.add_argument("--edit-while-down", action="store_true")
    parser.add_argument("--runs", type=int, default=2, help="cold runs of each kind (the best is kept)")
    args = parser.parse_args()
    if args.scenario == "floor":
        print(json.dumps(floor(Path(args.tree))))
        return 0
    if args.scenario == "cold":
        print(json.dumps(scenario_cold(Path(args.tree), Path(args.cache), args.workers, args.edits)))
        return 0
    if args.scenario == "restart":
        print(json.dumps(scenario_restart(Path(args.tree), Path(args.cache), args.edit_while_down)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp, "tree")
        shutil.copytree(args.root, tree, ignore=shutil.ignore_patterns(*SKIP), symlinks=True)
        tree = tree.resolve()
        floors = [_child(["--scenario", "floor", "--tree", str(tree)]) for _ in range(args.runs)]
        fl = min(floors, key=lambda r: r["seconds"])
        base = fl["seconds"]
        print(f"tree: {args.root} ({fl['files']} files), {os.cpu_count()} cores")
        print(f"floor  ast.parse alone            {base:7.2f} s   peak {fl['peak_mb']:.0f} MB")
        # The machine is shared and noisy: alternate serial and pool runs, keep each one's best.
        serials, pools, pures = [], [], []
        for i in range(args.runs):
            serials.append(
                _child(
                    ["--scenario", "cold", "--tree", str(tree), "--cache", str(Path(tmp, f"s{i}")), "--workers", "1"]
                )
            )
            last = i == args.runs - 1
            pools.append(
                _child(
                    ["--scenario", "cold", "--tree", str(tree), "--cache", str(Path(tmp, f"p{i}")), "--workers", "2"]
                    + (["--edits"] if last else [])
                )
            )
            pures.append(
                _child(
                    ["--scenario", "cold", "--tree", str(tree), "--cache", str(Path(tmp, f"q{i}")), "--workers", "2"],
                    pure=True,
                )
            )
        serial = min(serials, key=lambda r: r["cold"]["seconds"])
        pool = pools[-1]
        best_pool = min(pools, key=lambda r: r["cold"]["seconds"])
        pool = {**pool, "cold": best_pool["cold"], "peak_mb_cold": best_pool["peak_mb_cold"]}
        pool["child_peak_mb_cold"] = best_pool["child_peak_mb_cold"]
        pure = min(pures, key=lambda r: r["cold"]["seconds"])
        print(f"compiled modules (setup.py): {'in use' if pool['compiled'] else 'NOT in use: the Python sources'}")
        for name, r in (("cold, 1 process ", serial), ("cold, pool of 2 ", pool), ("  same, sources  ", pure)):
            c = r["cold"]
            print(
                f"{name} map+graph           {c['seconds']:7.2f} s = {c['seconds'] / base:4.2f}x floor "
                f"(index {c['index']:.2f}, map {c['map']:.2f}, graph {c['graph']:.2f})  peak {r['peak_mb_cold']:.0f} MB"
                f" (largest child {r['child_peak_mb_cold']:.0f} MB)"
            )
        print(f"  {pool['files']} files, {pool['edges']} call edges")
        for key, label in (("warm", "warm (nothing changed)"), ("one-body", "one function body edited"),
                           ("one-child", "one body, in the forked share"),
                           ("one-local", "a local added to that body"),
                           ("one-passes", "a call passing a function added"),
                           ("one-added", "a function added, nothing named it"),
                           ("one-method", "a method added, nothing named it"),
                           ("one-api", "a parameter added to a function")):  # fmt: skip
            r = pool.get(key)
            if r is None:
                continue
            print(f"{label:<33} {r['seconds']:7.3f} s   (files parsed: {len(r['parsed'])})")
        restart = _child(["--scenario", "restart", "--tree", str(tree), "--cache", str(Path(tmp, f"p{args.runs - 1}"))])
        print(
            f"restart on the persisted cache {restart['seconds']:7.2f} s = {restart['seconds'] / base:4.2f}x floor "
            f"(load {restart['index']:.2f}, graph {restart['graph']:.2f}, parsed {restart['parsed']})"
            f"  peak {restart['peak_mb']:.0f} MB"
        )
        cache = str(Path(tmp, f"p{args.runs - 1}"))
        down = _child(["--scenario", "restart", "--tree", str(tree), "--cache", cache, "--edit-while-down"])
        print(
            f"restart, a file edited meanwhile {down['seconds']:7.2f} s = {down['seconds'] / base:4.2f}x floor "
            f"(parsed {down['parsed']}, files resolved {down['resolved']})"
        )
        print(f"peak memory (pool run, all scenarios): {pool['peak_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
