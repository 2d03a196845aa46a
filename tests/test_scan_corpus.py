"""The labelled corpus: every case must produce exactly the findings its header states."""

from __future__ import annotations

from pathlib import Path

import pytest

from code_scalpel.scanning.api import scan_code
from code_scalpel.scanning.rules import RULES

CORPUS = Path(__file__).parent / "corpus" / "security"
CASES = sorted(CORPUS.rglob("*.py"))


def expected(path: Path) -> set[tuple[str, int]]:
    header = path.read_text().splitlines()[0]
    assert header.startswith("# expect: "), f"{path} lacks an '# expect:' header"
    spec = header.removeprefix("# expect: ").strip()
    if spec == "none":
        return set()
    out = set()
    for item in spec.split(","):
        rule, line = item.strip().split("@")
        out.add((rule, int(line)))
    return out


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(CORPUS)) for c in CASES])
def test_case(case: Path) -> None:
    result = scan_code(case.read_text(), str(case), confidence_threshold=0.5)
    assert result["errors"] == []
    assert {(f["rule_id"], f["line"]) for f in result["findings"]} == expected(case)
    for finding in result["findings"]:
        assert finding["cwe"] == f"CWE-{RULES[finding['rule_id']].cwe}"
        assert finding["sink"]["line"] == finding["line"] and finding["sink"]["call"]
        assert finding["path"][-1]["kind"] == "sink" and finding["fix"]


def test_corpus_shape() -> None:
    """At least 200 cases, every rule covered, with about as many safe look-alikes as vulnerabilities."""
    assert len(CASES) >= 200
    categories = {c.parent.name for c in CASES}
    assert categories == set(RULES)
    for category in categories:
        kinds = [c.name.split("_", 1)[0] for c in CASES if c.parent.name == category]
        assert kinds.count("vuln") >= 6 and kinds.count("safe") >= 6, category
        for case in CASES:
            if case.parent.name == category:
                rules = {rule for rule, _ in expected(case)}
                assert rules <= {category}, f"{case} expects findings of another category"
                assert bool(rules) == case.name.startswith("vuln_"), case
