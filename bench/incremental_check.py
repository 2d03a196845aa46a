"""Random edits of a real package, each refreshed in place and compared with a build from scratch.

    python bench/incremental_check.py [PACKAGE ...] [--seed N] [--edits N] [--workers N] [--restart]

Each package of the standard library (default: json email asyncio unittest logging xml http importlib
concurrent) is copied to a temporary folder and edited at random by the tests' ``_random_edit``
(statements swapped, duplicated or deleted, functions passed, returned, added, removed or renamed,
aliases and methods added).  After each edit the incremental call graph must equal a fresh build's; the
counters say how each edit was handled.  With ``--restart`` each edit is made while no server runs: a
new index on the same cache takes it in.  Exit status 1 on any mismatch.  Not a timing: a correctness
check too long for the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from code_scalpel.project.graph import call_graph_of
from code_scalpel.project.index import ProjectIndex
from project_support import build
from test_project_index import _bump, _random_edit

PACKAGES = ["json", "email", "asyncio", "unittest", "logging", "xml", "http", "importlib", "concurrent"]


#: Counters summed over the edits (a restart starts an index with counters of its own).
COUNTED = ("unseen_changes", "received_local", "received_checks")


def check(package: str, seed: int, edits: int, workers: int, restart: bool, tmp: Path) -> int:
    root = tmp / f"{package}-{seed}"
    source = Path(importlib.import_module(package).__file__ or "").parent
    shutil.copytree(source, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp / f"{package}-{seed}-cache" if restart else None
    index = build(root, cache=cache, workers=workers)
    call_graph_of(index)
    files = sorted(root.rglob("*.py"))
    rng = random.Random(seed)
    done = mismatches = everything = 0
    totals = dict.fromkeys(COUNTED, 0)
    while done < edits:
        path = rng.choice(files)
        text = _random_edit(path.read_text(), rng)
        if text is None:  # a module without functions
            continue
        _bump(path, text)
        if restart:  # the edit was made while no server ran: a new index on the same cache
            index.close()
            index = ProjectIndex(root.resolve(), lambda p: True, cache, workers=workers)
        before = {key: index.stats[key] for key in (*COUNTED, "resolved")}
        index.refresh()
        got = call_graph_of(index).edges.keys()
        everything += index.stats["resolved"] - before["resolved"] >= len(index.summaries)
        for key in COUNTED:
            totals[key] += index.stats[key] - before[key]
        want = call_graph_of(build(root, workers=workers)).edges.keys()
        if got != want:
            mismatches += 1
            print(f"  MISMATCH after editing {path.relative_to(root)}: {sorted(got ^ want)[:4]}")
        done += 1
    print(
        f"{package:<11} seed {seed}{' (restarts)' if restart else ''}: {done} edits, {mismatches} mismatches; "
        f"edits re-resolving every file {everything}, interface changes handled as body edits "
        f"{totals['unseen_changes']}; new parameter values read only inside {totals['received_local']} "
        f"(of {totals['received_checks']} checks)"
    )
    return mismatches


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("packages", nargs="*", default=PACKAGES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--restart", action="store_true", help="each edit made while no server ran")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bad = sum(check(p, args.seed, args.edits, args.workers, args.restart, Path(tmp)) for p in args.packages)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
