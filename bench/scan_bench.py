"""Security scanner benchmark: accuracy against bandit on the labelled corpus, speed against ast.parse.

    python bench/scan_bench.py            # both parts
    python bench/scan_bench.py --corpus   # accuracy only
    python bench/scan_bench.py --speed    # stdlib speed only

Accuracy: every case of ``tests/corpus/security`` is scanned by code-scalpel and, in the same run, by bandit
(``pip install -e '.[bench]'``).  A case counts as flagged by a tool when the tool reports an issue of the case's
category in that file; bandit's test ids are mapped to categories by ``BANDIT_MAP`` below.  TPR = flagged
vulnerable cases / vulnerable cases, FPR = flagged safe look-alikes / safe cases, per category.

Speed: every ``.py`` file of the running interpreter's standard library is read into memory once; then the bench
times ``ast.parse`` of all of them, and a whole-project scan (parse + taint analysis of every module with
cross-module summaries + pattern rules) of the same texts, alternately, and reports the best of each and the ratio.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import shutil
import subprocess
import sys
import sysconfig
import time
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from code_scalpel.scanning.api import scan_code  # noqa: E402
from code_scalpel.scanning.project import Project, python_files  # noqa: E402
from code_scalpel.scanning.rules import RULES  # noqa: E402

CORPUS = ROOT / "tests" / "corpus" / "security"

#: bandit test id -> our category.  Categories bandit has no test for are absent (path traversal, SSRF beyond
#: urlopen, LDAP, XPath, open redirect, trust boundary, cookies).  Import-only tests (B4xx) are not mapped: they
#: flag a module import, not a use.
BANDIT_MAP = {
    "B608": "sql-injection",  # hardcoded_sql_expressions
    "B602": "command-injection",  # subprocess_popen_with_shell_equals_true
    "B603": "command-injection",  # subprocess_without_shell_equals_true
    "B604": "command-injection",  # any_other_function_with_shell_equals_true
    "B605": "command-injection",  # start_process_with_a_shell (os.system, os.popen)
    "B606": "command-injection",  # start_process_with_no_shell
    "B607": "command-injection",  # start_process_with_partial_path
    "B609": "command-injection",  # linux_commands_wildcard_injection
    "B307": "code-injection",  # eval
    "B102": "code-injection",  # exec_used
    "B310": "ssrf",  # urllib_urlopen
    "B308": "xss",  # mark_safe
    "B703": "xss",  # django_mark_safe
    "B704": "xss",  # markupsafe_markup_xss
    "B701": "xss",  # jinja2_autoescape_false
    "B301": "unsafe-deserialization",  # pickle
    "B302": "unsafe-deserialization",  # marshal
    "B506": "unsafe-deserialization",  # yaml_load
    **{f"B3{n}": "xxe" for n in range(13, 21)},  # xml.etree, minidom, sax, expat, pulldom, lxml
    "B324": "weak-password-hash",  # hashlib md5/sha1
    "B303": "weak-password-hash",  # md5 (older bandit)
    "B311": "weak-random",  # random
}


def cases() -> list[tuple[Path, str, bool]]:
    out = []
    for path in sorted(CORPUS.rglob("*.py")):
        out.append((path, path.parent.name, path.name.startswith("vuln_")))
    return out


def run_bandit(paths: list[Path]) -> dict[str, set[str]] | None:
    exe = shutil.which("bandit") or str(Path(sys.executable).parent / "bandit")
    if not Path(exe).exists():
        return None
    done = subprocess.run([exe, "-q", "-f", "json", "-r", str(CORPUS)], capture_output=True, text=True)
    report = json.loads(done.stdout)
    flagged: dict[str, set[str]] = defaultdict(set)
    for issue in report["results"]:
        category = BANDIT_MAP.get(issue["test_id"])
        if category:
            flagged[str(Path(issue["filename"]).resolve())].add(category)
    return flagged


def corpus_part() -> None:
    items = cases()
    ours: dict[str, set[str]] = {}
    exact = 0
    start = time.perf_counter()
    for path, _category, _vulnerable in items:
        result = scan_code(path.read_text(), str(path))
        ours[str(path.resolve())] = {f["rule_id"] for f in result["findings"]}
        header = path.read_text().splitlines()[0].removeprefix("# expect: ").strip()
        want = set() if header == "none" else {tuple(x.strip().split("@")) for x in header.split(",")}
        exact += {(f["rule_id"], str(f["line"])) for f in result["findings"]} == want
    ours_time = time.perf_counter() - start
    start = time.perf_counter()
    bandit = run_bandit([p for p, _, _ in items])
    bandit_time = time.perf_counter() - start
    print(
        f"corpus: {len(items)} cases ({sum(v for _, _, v in items)} vulnerable, "
        f"{sum(not v for _, _, v in items)} safe look-alikes); exact findings (rule+line) on {exact}/{len(items)}"
    )
    print(
        f"time: code-scalpel {ours_time:.2f}s, bandit {bandit_time:.2f}s"
        + (" (bandit missing: pip install -e '.[bench]')" if bandit is None else "")
    )
    header = (
        f"{'category':<24} {'vuln':>4} {'safe':>4} | {'TPR':>5} {'FPR':>5} {'T-F':>5} | "
        f"{'bandit TPR':>10} {'FPR':>5} {'T-F':>5}"
    )
    print(header)
    print("-" * len(header))
    totals = {"ours": [0, 0], "bandit": [0, 0]}
    n_vuln = n_safe = 0
    for category in RULES:
        rows = [(p, v) for p, c, v in items if c == category]
        vuln = [p for p, v in rows if v]
        safe = [p for p, v in rows if not v]
        n_vuln += len(vuln)
        n_safe += len(safe)

        def rates(
            flagged: dict[str, set[str]], vuln: list[Path] = vuln, safe: list[Path] = safe, category: str = category
        ) -> tuple[float, float, int, int]:
            tp = sum(category in flagged.get(str(p.resolve()), ()) for p in vuln)
            fp = sum(category in flagged.get(str(p.resolve()), ()) for p in safe)
            return tp / len(vuln), fp / len(safe), tp, fp

        tpr, fpr, tp, fp = rates(ours)
        totals["ours"][0] += tp
        totals["ours"][1] += fp
        line = f"{category:<24} {len(vuln):>4} {len(safe):>4} | {tpr:>5.0%} {fpr:>5.0%} {tpr - fpr:>+5.0%} | "
        covered = bandit is not None and category in BANDIT_MAP.values()
        if covered:
            btpr, bfpr, btp, bfp = rates(bandit)  # type: ignore[arg-type]
            totals["bandit"][0] += btp
            totals["bandit"][1] += bfp
            verdict = "better" if tpr - fpr > btpr - bfpr else "NOT better"
            line += f"{btpr:>10.0%} {bfpr:>5.0%} {btpr - bfpr:>+5.0%}  {verdict}"
        else:
            line += f"{'no rule':>10}"
        print(line)
    tpr, fpr = totals["ours"][0] / n_vuln, totals["ours"][1] / n_safe
    line = f"{'ALL':<24} {n_vuln:>4} {n_safe:>4} | {tpr:>5.0%} {fpr:>5.0%} {tpr - fpr:>+5.0%} | "
    if bandit is not None:
        btpr, bfpr = totals["bandit"][0] / n_vuln, totals["bandit"][1] / n_safe
        line += f"{btpr:>10.0%} {bfpr:>5.0%} {btpr - bfpr:>+5.0%}"
    print(line)


def speed_part(rounds: int) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [p for p in python_files(stdlib)]
    texts: dict[Path, str] = {}
    for path in files:
        try:
            texts[path] = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
    files = list(texts)
    warnings.simplefilter("ignore")

    def parse_all() -> float:
        start = time.perf_counter()
        for path in files:
            with contextlib.suppress(SyntaxError, ValueError):
                ast.parse(texts[path], filename=str(path))
        return time.perf_counter() - start

    def scan_all() -> tuple[float, Project]:
        start = time.perf_counter()
        project = Project(stdlib, files, read=texts.__getitem__, max_depth=5)
        project.run()
        return time.perf_counter() - start, project

    parse_times, scan_times = [], []
    project = None
    for _ in range(rounds):
        parse_times.append(parse_all())
        elapsed, project = scan_all()
        scan_times.append(elapsed)
    parse_best, scan_best = min(parse_times), min(scan_times)
    assert project is not None
    print(
        f"stdlib: {len(files)} files under {stdlib} ({sum(len(t) for t in texts.values()) / 1e6:.1f} MB), "
        f"{len(project.findings)} findings, {len(project.errors)} files not parsed by this interpreter"
    )
    print(
        f"ast.parse alone: {parse_best:.2f}s   whole-project scan: {scan_best:.2f}s   "
        f"ratio {scan_best / parse_best:.2f}x (target <= 3.0x; best of {rounds})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="store_true", help="accuracy part only")
    parser.add_argument("--speed", action="store_true", help="speed part only")
    parser.add_argument("--rounds", type=int, default=2, help="alternating timing rounds (default 2)")
    args = parser.parse_args()
    both = not (args.corpus or args.speed)
    if args.corpus or both:
        corpus_part()
    if args.speed or both:
        if args.corpus or both:
            print()
        speed_part(args.rounds)


if __name__ == "__main__":
    main()
