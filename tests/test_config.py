"""Settings: defaults < TOML file < flags; the data directory; the log level variable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from code_scalpel.cli import build_parser
from code_scalpel.config import build_config
from code_scalpel.datadir import resolve_data_dir
from code_scalpel.errors import InvalidArgument
from support import http_server, run_cli


def config_from(*argv: str):
    return build_config(build_parser().parse_args(["mcp", *argv]))


def test_precedence(tmp_path: Path) -> None:
    file = tmp_path / "scalpel.toml"
    file.write_text('transport = "sse"\nport = 9000\nroots = ["src"]\n[limits]\nmax_code_bytes = 100\n')
    (tmp_path / "src").mkdir()
    config = config_from("--config", str(file), "--port", "9100")
    assert config.transport == "sse"  # from the file
    assert config.port == 9100  # the flag wins
    assert config.host == "127.0.0.1"  # default
    assert config.roots == [str(tmp_path / "src")]  # relative to the file
    assert config.limits == {"max_code_bytes": 100}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("portt = 1\n", "unknown setting(s) portt"),
        ("port = \n", "not valid TOML"),
        ('transport = "carrier-pigeon"\n', "carrier-pigeon"),
    ],
)
def test_bad_config_files(tmp_path: Path, content: str, says: str) -> None:
    file = tmp_path / "c.toml"
    file.write_text(content)
    with pytest.raises(InvalidArgument) as caught:
        config_from("--config", str(file))
    assert says in caught.value.message
    result = run_cli("mcp", "--config", str(file), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_limit_is_refused_at_start(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text("[limits]\nmax_widgets = 3\n")
    result = run_cli("mcp", "--config", str(file), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert "max_widgets" in result.stderr


@pytest.mark.parametrize(
    ("env", "flag", "expected"),
    [({}, None, "INFO"), ({"SCALPEL_MCP_OUTPUT": "debug"}, None, "DEBUG"),
     ({"SCALPEL_MCP_OUTPUT": "ERROR"}, "INFO", "INFO")],
)  # fmt: skip
def test_log_level(monkeypatch: pytest.MonkeyPatch, env: dict, flag: str | None, expected: str) -> None:
    monkeypatch.delenv("SCALPEL_MCP_OUTPUT", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = config_from(*(["--log-level", flag] if flag else []))
    assert config.effective_log_level == expected


@pytest.mark.parametrize(("level", "banner"), [("INFO", True), ("WARNING", False)])
def test_log_level_env_reaches_the_server(tmp_path: Path, level: str, banner: bool) -> None:
    with http_server(tmp_path, env={"SCALPEL_MCP_OUTPUT": level}) as server:
        pass
    assert ("Code Scalpel serving" in server.stderr()) is banner


@pytest.mark.parametrize("source", ["flag", "env"])
def test_data_dir_is_created_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    target = tmp_path / "deep" / "state"
    if source == "env":
        monkeypatch.setenv("CODE_SCALPEL_HOME", str(target))
        path = resolve_data_dir(None)
    else:
        path = resolve_data_dir(target)
    assert path == target
    assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_existing_data_dir_is_tightened(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    loose.chmod(0o777)
    assert stat.S_IMODE(resolve_data_dir(loose).stat().st_mode) == 0o700


UNREADABLE = [
    ("a directory", lambda p: p.mkdir(), "cannot be read: Is a directory"),
    ("missing", lambda p: None, "cannot be read: No such file or directory"),
    ("not UTF-8", lambda p: p.write_bytes(b"port = 1\n\xff\xfe\n"), "is not UTF-8 text"),
]


@pytest.mark.parametrize(("case", "make", "says"), UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_unreadable_config_file_is_a_clear_error(tmp_path: Path, case: str, make, says: str) -> None:
    file = tmp_path / "c.toml"
    make(file)
    result = run_cli("mcp", "--config", str(file), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert f"config file {str(file)!r} {says}" in result.stderr
    assert "Traceback" not in result.stderr
