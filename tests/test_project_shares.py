"""A big build's call resolution split across forked processes: the same results, and no process left behind.

The threshold is lowered so that a 40-module project counts as big; the
processes and pipes are real.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

import code_scalpel.project.index as index_module
from code_scalpel.project import shares
from project_support import build, edges

MODULES = 40


def _project() -> dict[str, str]:
    files = {
        "pkg/__init__.py": "",
        "pkg/m0.py": "class C0:\n    def run(self):\n        self.step()\n    def step(self):\n        pass\n",
    }
    for i in range(1, MODULES):
        files[f"pkg/m{i}.py"] = (
            f"from pkg import m{i - 1}\n"
            f"from pkg.m{i - 1} import C{i - 1} as Base\n"
            f"class C{i}(Base):\n"
            "    def step(self):\n"
            "        super().step()\n"
            f"        helper{i}(self.run)\n"
            f"def helper{i}(callback):\n"
            "    callback()\n"
            f"def main():\n"
            f"    C{i}().run()\n"
            f"    m{i - 1}.C{i - 1}().step()\n"
        )
    return files


@pytest.fixture
def big(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "POOL_THRESHOLD", 20)


@pytest.fixture
def serial(tmp_path: Path) -> dict:
    index = build(tmp_path / "serial", _project(), workers=1)
    results = index.call_results()
    assert index.stats["resolver_processes"] == 1
    assert sum(len(r["edges"]) for r in results.values()) > 5 * MODULES  # a real graph
    return results


@pytest.mark.skipif(not shares.can_fork(), reason="shares are forked on Linux only")
def test_shares_give_the_serial_results(tmp_path: Path, big: None, serial: dict) -> None:
    index = build(tmp_path / "shared", _project(), workers=2)
    seen: list[tuple[float, float | None]] = []
    assert index.call_results(lambda done, total, message: seen.append((done, total))) == serial
    assert index.stats["resolver_processes"] == 2
    assert seen and seen[-1] == (MODULES + 1, MODULES + 1)  # the progress reported covers every share


@pytest.mark.skipif(not shares.can_fork(), reason="shares are forked on Linux only")
def test_a_share_whose_process_dies_is_resolved_here(
    tmp_path: Path, big: None, serial: dict, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    parent, real = os.getpid(), shares.file_calls

    def dies_in_the_child(resolver, summary):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os._exit(3)
        return real(resolver, summary)

    monkeypatch.setattr(shares, "file_calls", dies_in_the_child)
    with caplog.at_level(logging.WARNING, logger="code_scalpel.project.shares"):
        index = build(tmp_path / "shared", _project(), workers=2)
        assert index.call_results() == serial
    assert "a resolver process failed" in caplog.text


@pytest.mark.skipif(not shares.can_fork(), reason="shares are forked on Linux only")
def test_an_error_here_kills_and_reaps_the_other_shares(
    tmp_path: Path, big: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent, real, real_fork = os.getpid(), shares.file_calls, shares._fork
    forked: list[int] = []
    calls = 0

    def fork(*args):  # type: ignore[no-untyped-def]
        pid, fd = real_fork(*args)
        forked.append(pid)
        return pid, fd

    def fails_here(resolver, summary):  # type: ignore[no-untyped-def]
        nonlocal calls
        if os.getpid() == parent:
            calls += 1
            if calls == 3:
                raise RuntimeError("stop")
        return real(resolver, summary)

    monkeypatch.setattr(shares, "_fork", fork)
    monkeypatch.setattr(shares, "file_calls", fails_here)
    index = build(tmp_path / "shared", _project(), workers=2)
    with pytest.raises(RuntimeError, match="stop"):
        index.call_results()
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):  # already reaped: no zombie, no orphan still computing
        os.waitpid(forked[0], os.WNOHANG)


@pytest.mark.skipif(not shares.can_fork(), reason="shares are forked on Linux only")
def test_an_edit_changing_what_another_share_received_is_seen(tmp_path: Path, big: None) -> None:
    """What a function in the child's share receives is known here too: changing it re-resolves that share."""
    files = {
        **_project(),
        "a_caller.py": "from z_run import run\ndef a():\n    pass\ndef b():\n    pass\ndef main():\n    run(a)\n",
        "z_run.py": "def run(cb):\n    cb()\n",  # sorted last: resolved in the child
    }
    index = build(tmp_path / "p", files, workers=2)
    assert ("z_run.run", "a_caller.a") in edges(index) and index.stats["resolver_processes"] == 2
    path = tmp_path / "p/a_caller.py"
    path.write_text(files["a_caller.py"].replace("run(a)", "run(b)"))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    index.refresh()
    assert edges(index) == edges(build(tmp_path / "p", workers=1))
    assert ("z_run.run", "a_caller.b") in edges(index)


@pytest.mark.skipif(not shares.can_fork(), reason="shares are forked on Linux only")
def test_a_name_the_other_share_looked_for_is_not_added_cheaply(tmp_path: Path, big: None) -> None:
    """Which absent names the child's answers rested on is known here too: adding one re-resolves every
    file, while adding a name nothing looked for is handled like an edit of bodies."""
    files = {
        **_project(),
        "a_lib.py": "def present():\n    pass\n",
        "z_use.py": "import a_lib\ndef main():\n    a_lib.later()\n",  # sorted last: resolved in the child
    }
    index = build(tmp_path / "p", files, workers=2)
    assert ("z_use.main", "a_lib.later") not in edges(index) and index.stats["resolver_processes"] == 2
    path = tmp_path / "p/a_lib.py"
    for added, cheap in (("def unused():\n    present()\n", True), ("def later():\n    pass\n", False)):
        path.write_text(path.read_text() + added)
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
        index.refresh()
        assert index.full_recompute != cheap
        assert edges(index) == edges(build(tmp_path / "p", workers=1))
    assert index.stats["unseen_changes"] == 1
    assert ("z_use.main", "a_lib.later") in edges(index)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_split_cuts_consecutive_runs_the_first_a_little_larger(n: int) -> None:
    """Every file once, in order; shares of about equal cost but the first (this process's, which does not
    marshal and send its results) about FIRST_SHARE_WEIGHT times the others."""
    rels = [f"m{i:03}.py" for i in range(300)]
    summaries = {rel: {"scopes": {"m": {"calls": [None] * 20}}} for rel in rels}  # 25 each, with the 5 per file
    parts = shares.split(rels, summaries, n)
    assert [rel for part in parts for rel in part] == rels
    assert len(parts) == n
    others = [len(part) for part in parts[1:]]
    if others:
        assert max(others) - min(others) <= 1
        assert len(parts[0]) / (sum(others) / len(others)) == pytest.approx(shares.FIRST_SHARE_WEIGHT, abs=0.05)
