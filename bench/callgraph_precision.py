"""Precision and recall of get_call_graph on the labelled micro-benchmarks in tests/callgraph_cases.py.

    python bench/callgraph_precision.py [-v]

Each case is a small project written to a temporary folder; the project edges
the index reports are compared with the labelled ones.
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from callgraph_cases import CASES
from code_scalpel.project.index import ProjectIndex


def edges_of(files: dict[str, str]) -> set[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        index = ProjectIndex(root, lambda p: True, None, workers=1)
        index.refresh()
        return {e for r in index.call_results().values() for e in r["edges"]}


def main() -> int:
    verbose = "-v" in sys.argv
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for category, name, files, expected in CASES:
        got = edges_of(files)
        tp, fp, fn = len(got & expected), len(got - expected), len(expected - got)
        stats = per[category]
        stats[0] += tp
        stats[1] += fp
        stats[2] += fn
        if verbose and (fp or fn):
            print(f"{category}/{name}: extra {sorted(got - expected)} missing {sorted(expected - got)}")
    print(f"{'category':<14} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}")
    total = [0, 0, 0]
    for category, (tp, fp, fn) in sorted(per.items()):
        total = [total[0] + tp, total[1] + fp, total[2] + fn]
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        print(f"{category:<14} {tp:>4} {fp:>4} {fn:>4} {p:>10.1%} {r:>8.1%}")
    tp, fp, fn = total
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    print(f"{'ALL':<14} {tp:>4} {fp:>4} {fn:>4} {p:>10.1%} {r:>8.1%}   ({len(CASES)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
