"""``codescalpel analyze|extract|outline``: human output, --json, and exit code 2 with a message on bad input."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from code_scalpel.cli import main
from support import run_cli

SOURCE = '''\
import os


class Greeter:
    """Says hello."""

    @staticmethod
    def hello(name: str) -> str:
        return f"hello {name}" + os.sep


def outer():
    def inner():
        return 1
    return inner
'''


@pytest.fixture
def src(tmp_path: Path) -> Path:
    path = tmp_path / "greet.py"
    path.write_text(SOURCE, encoding="utf-8")
    (tmp_path / "bad.py").write_text("class X:\n    def f(self:\n        pass\n", encoding="utf-8")
    (tmp_path / "bin.py").write_bytes(b"\x7fELF\x00\x00")
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


EXTRACT = [
    # (symbol, extra flags, expected first line of the code printed)
    ("Greeter", [], "class Greeter:"),
    ("Greeter.hello", [], "@staticmethod"),
    ("outer", [], "def outer():"),
    ("outer.inner", [], "def inner():"),  # dotted, guessed 'method', corrected to function
    ("Greeter.hello", ["--type", "method"], "@staticmethod"),
    ("Greeter.hello", ["--context"], "import os"),
]


@pytest.mark.parametrize(("symbol", "flags", "first"), EXTRACT)
def test_extract_prints_the_exact_source(capsys, src: Path, symbol: str, flags: list[str], first: str) -> None:
    code, out, err = cli(capsys, "extract", str(src), symbol, *flags)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == first
    assert out.rstrip("\n") in SOURCE or "--context" in flags


def test_extract_json(capsys, src: Path) -> None:
    code, out, _ = cli(capsys, "extract", str(src), "Greeter.hello", "--json")
    result = json.loads(out)
    assert code == 0
    assert result["target_code"] == (
        '@staticmethod\n    def hello(name: str) -> str:\n        return f"hello {name}" + os.sep'
    )
    assert (result["kind"], result["line_start"], result["line_end"]) == ("method", 7, 9)


def test_analyze_human_and_json(capsys, src: Path) -> None:
    code, out, _ = cli(capsys, "analyze", str(src))
    assert code == 0
    assert out.splitlines()[0] == f"{src}: 15 lines, 3 functions, 1 class, 1 import, complexity 3"
    assert "class Greeter" in out and "Greeter.hello(name)" in out and "methods: hello" in out
    code, out, _ = cli(capsys, "analyze", str(src), "--json")
    assert json.loads(out)["totals"] == {"functions": 3, "classes": 1}


def test_outline(capsys, src: Path) -> None:
    code, out, _ = cli(capsys, "outline", str(src))
    assert code == 0
    assert "    def hello(name: str) -> str: ...  # L7-9" in out
    assert json.loads(cli(capsys, "outline", str(src), "--json")[1])["symbols_total"] == 4


def test_standard_input(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SOURCE.encode())))
    code, out, _ = cli(capsys, "extract", "-", "outer")
    assert code == 0 and out.startswith("def outer():")


FAILURES = [
    # (arguments, words on stderr, error code in --json)
    (["analyze", "{dir}/missing.py"], "does not exist", "file_unreadable"),
    (["analyze", "{dir}/nodir/missing.py"], "does not exist", "file_unreadable"),
    (["outline", "{dir}"], "is a directory", "path_refused"),
    (["analyze", "{dir}/bin.py"], "binary", "file_unreadable"),
    (["analyze", "{dir}/bad.py"], "bad.py:2:10: syntax error", "syntax_error"),
    (["extract", "{dir}/greet.py", "Greet"], "closest names: Greeter", "symbol_not_found"),
    (["extract", "{dir}/greet.py", "outer.inner", "--type", "method"], "is a function, not a method",
     "symbol_not_found"),
    (["extract", "{dir}/greet.py", "Greeter", "--type", "function"], "is a class, not a function",
     "symbol_not_found"),
]  # fmt: skip


@pytest.mark.parametrize(("arguments", "words", "error_code"), FAILURES)
def test_bad_input_exits_2_with_a_message(capsys, src: Path, arguments: list[str], words: str, error_code: str) -> None:
    argv = [a.format(dir=src.parent) for a in arguments]
    code, out, err = cli(capsys, *argv)
    assert code == 2
    assert words in err and err.startswith("codescalpel: ")
    assert out == ""
    code, out, err = cli(capsys, *argv, "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"] == error_code


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(capsys, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    code, _, err = cli(capsys, "analyze", str(tmp_path / "pipe.py"))
    assert code == 2 and "not a regular file" in err


def test_the_console_command(src: Path) -> None:
    done = run_cli("extract", str(src), "Greeter.hello")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("@staticmethod\n    def hello")
    done = run_cli("analyze", str(src.parent / "bad.py"))
    assert done.returncode == 2 and done.stdout == "" and "bad.py:2:10" in done.stderr
