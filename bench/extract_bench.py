"""extract_code latency on a ~2,000-line file, beside ``ast.parse`` of the same file in the same run.

    python bench/extract_bench.py [FILE]

Default file: the standard library's ``difflib.py`` (about 2,050 lines).  Parsed
modules are cached by content (a small LRU in ``analysis.parsing``), so after
the first call an extraction does not parse again; the figures show the cold
first call, the cached calls, and the full tool path that re-reads the file
through the sandbox on every call (as the MCP tool does).
"""

from __future__ import annotations

import ast
import statistics
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from code_scalpel.analysis import parsing
from code_scalpel.analysis.api import analyze_code, extract_code, file_context
from code_scalpel.sandbox import Sandbox
from code_scalpel.tools.base import ToolContext
from code_scalpel.tools.file_tools import TOOLS

TARGET = 2000


def median_ms(fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None) -> float:
    samples = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1e6


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(sysconfig.get_paths()["stdlib"]) / "difflib.py"
    source = path.read_text(encoding="utf-8")
    lines = source.count("\n")
    target = ("method", "SequenceMatcher.find_longest_match") if path.name == "difflib.py" else None
    if target is None:
        tree = ast.parse(source)
        node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef))
        target = ("class" if isinstance(node, ast.ClassDef) else "function", node.name)

    floor = median_ms(lambda: ast.parse(source), 30)
    cold = median_ms(lambda: extract_code(source, *target), 30, setup=parsing.clear_cache)
    extract_code(source, *target)  # parsed and indexed
    warm = median_ms(lambda: extract_code(source, *target), 2000)
    warm_ctx = median_ms(lambda: extract_code(source, *target, include_context=True), 500)
    outline = median_ms(lambda: file_context(source), 200)
    analyze = median_ms(lambda: analyze_code(source), 50)

    spec = next(t for t in TOOLS if t.name == "extract_code")
    ctx = ToolContext(sandbox=Sandbox([path.parent]))
    args = spec.args.model_validate({"file_path": path.name, "target_type": target[0], "target_name": target[1]})
    tool = median_ms(lambda: spec.run(args, ctx), 500)

    print(f"file: {path} ({lines} lines, {len(source.encode())} bytes); target: {target[0]} {target[1]}")
    print(f"{'measure':<52} {'median ms':>10} {'× ast.parse':>12}")
    rows = [
        ("ast.parse of the file (floor, same run)", floor),
        ("extract_code, cold (parse + index + slice)", cold),
        ("extract_code, parsed (cache hit)", warm),
        ("extract_code include_context, parsed", warm_ctx),
        ("extract_code tool run: sandbox read + decode + extract", tool),
        ("file_context (outline), parsed", outline),
        ("analyze_code, parsed", analyze),
    ]
    for name, ms in rows:
        print(f"{name:<52} {ms:>10.3f} {ms / floor:>12.2f}")
    verdict = "PASS" if warm < 5 else "FAIL"
    print(f"target: extract_code once parsed < 5 ms on a ~{TARGET}-line file: {warm:.3f} ms {verdict}")


if __name__ == "__main__":
    main()
