"""The path sandbox: what a tool may read, as a table of attempts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from code_scalpel.errors import FileUnreadable, InvalidArgument, PathRefused, TooLarge
from code_scalpel.sandbox import Sandbox, decode_source


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Sandbox, Path, Path]:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    (root / "pkg").mkdir(parents=True)
    outside.mkdir()
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    (outside / "secret.py").write_text("TOKEN = 'x'\n")
    (root / "escape.py").symlink_to(outside / "secret.py")
    (root / "escape_dir").symlink_to(outside, target_is_directory=True)
    (root / "inside_link.py").symlink_to(root / "pkg" / "mod.py")
    (root / "loop.py").symlink_to(root / "loop.py")
    os.mkfifo(root / "fifo.py")
    (root / "dev.py").symlink_to("/dev/zero")
    (root / "big.py").write_text("#" * 2048)
    return Sandbox([root]), root, outside


ALLOWED = ["pkg/mod.py", "inside_link.py", "pkg/../pkg/mod.py", "{root}/pkg/mod.py", "./pkg/mod.py"]
REFUSED = [
    ("../outside/secret.py", PathRefused, "outside the allowed roots"),
    ("{outside}/secret.py", PathRefused, "outside the allowed roots"),
    ("/etc/passwd", PathRefused, "outside the allowed roots"),
    ("pkg/../../outside/secret.py", PathRefused, "outside the allowed roots"),
    ("escape.py", PathRefused, "symlink"),
    ("escape_dir/secret.py", PathRefused, "symlink"),
    ("fifo.py", PathRefused, "not a regular file"),
    ("dev.py", PathRefused, "outside the allowed roots"),
    ("pkg", PathRefused, "is a directory"),
    ("missing.py", FileUnreadable, "does not exist"),
    ("big.py", TooLarge, "1024 bytes"),
    ("", InvalidArgument, "non-empty"),
    ("pkg/mod.py\x00.txt", InvalidArgument, "NUL"),
]


@pytest.mark.parametrize("raw", ALLOWED)
def test_allowed(tree, raw: str) -> None:
    sandbox, root, _ = tree
    path, text = sandbox.read_source(raw.format(root=root), 1024)
    assert text == "x = 1\n"
    assert sandbox.contains(path)


@pytest.mark.parametrize(("raw", "error", "says"), REFUSED)
def test_refused(tree, raw: str, error: type[Exception], says: str) -> None:
    sandbox, root, outside = tree
    with pytest.raises(error) as caught:
        sandbox.read_source(raw.format(root=root, outside=outside), 1024)
    assert says in str(caught.value)
    if error is PathRefused:
        assert str(root) in str(caught.value)  # the message names the allowed roots


def test_symlink_loop_is_an_error_not_a_hang(tree) -> None:
    sandbox, _, _ = tree
    with pytest.raises((PathRefused, FileUnreadable, InvalidArgument)):
        sandbox.read_source("loop.py", 1024)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"x = 1\n", "x = 1\n"),
        (b"\xef\xbb\xbfx = 1\n", "x = 1\n"),
        (b"# -*- coding: latin-1 -*-\nname = '\xe9'\n", "# -*- coding: latin-1 -*-\nname = '\u00e9'\n"),
        (b"name = '\xe9'\n", FileUnreadable),
        (b"\x7fELF\x02\x01\x01\x00\x00", FileUnreadable),
        (b"# coding: no-such-codec\n", FileUnreadable),
    ],
)
def test_decoding(data: bytes, expected: object) -> None:
    if isinstance(expected, str):
        assert decode_source(data) == expected
    else:
        with pytest.raises(FileUnreadable) as caught:
            decode_source(data)
        assert caught.value.message


def test_roots_must_be_directories(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(InvalidArgument):
        Sandbox([tmp_path / "f"])
    with pytest.raises(InvalidArgument):
        Sandbox([])
