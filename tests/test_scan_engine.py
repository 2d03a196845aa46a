"""Taint engine behaviour beyond the corpus: constant folding, paths, thresholds, cross-file, robustness."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

from code_scalpel.errors import InvalidArgument
from code_scalpel.scanning.api import scan_code, scan_project
from code_scalpel.scanning.consts import UNKNOWN, fold


def _rules(code: str, **kw) -> list[tuple[str, int]]:
    result = scan_code(textwrap.dedent(code), **kw)
    return [(f["rule_id"], f["line"]) for f in result["findings"]]


@pytest.mark.parametrize(
    ("expr", "consts", "value"),
    [
        ("7 * 18 + 3 > 200", {}, False),
        ("(7 * 42) - num > 200", {"num": 86}, True),
        ("'a' * 3 == 'aaa'", {}, True),
        ("2 ** 4 < 10", {}, False),
        ("x in ('a', 'b')", {"x": "a"}, True),
        ("not (1 and 0)", {}, True),
        ("500 / 42 + 196 > 200", {}, True),
        ("10 // 0", {}, UNKNOWN),
        ("2 ** 100000", {}, UNKNOWN),
        ("'x' * 10**9", {}, UNKNOWN),
        ("1 << 100000", {}, UNKNOWN),
        ("unknown + 1", {}, UNKNOWN),
        ("f(1)", {}, UNKNOWN),
        ("1 if 2 > 1 else y", {}, 1),
    ],
)
def test_constant_folding(expr: str, consts: dict, value: object) -> None:
    assert fold(ast.parse(expr, mode="eval").body, consts) == value or fold(
        ast.parse(expr, mode="eval").body, consts) is value  # fmt: skip


def test_taint_path_steps_name_what_happened() -> None:
    code = """
    import os
    from flask import Flask, request
    app = Flask(__name__)

    def build(part):
        return "ls " + part

    @app.route("/x")
    def x():
        data = {"k": request.args["q"]}
        value = data["k"]
        os.system(build(f"{value}"))
    """
    finding = scan_code(textwrap.dedent(code))["findings"][0]
    kinds = [step["kind"] for step in finding["path"]]
    assert kinds[0] == "source" and kinds[-1] == "sink"
    for kind in ("container", "assignment", "string", "call", "return"):
        assert kind in kinds, kinds
    assert finding["source"]["expression"] == "request.args" and finding["source"]["line"] == 11


def test_threshold_drops_and_counts() -> None:
    code = """
    import os
    cmd = os.environ["CMD"]
    os.system(cmd)
    """
    assert scan_code(textwrap.dedent(code))["dropped_below_threshold"] == 1
    kept = scan_code(textwrap.dedent(code), confidence_threshold=0.3)
    assert kept["total"] == 1 and kept["dropped_below_threshold"] == 0
    with pytest.raises(InvalidArgument):
        scan_code("x = 1", confidence_threshold=1.5)


@pytest.mark.parametrize(
    ("code", "rules"),
    [
        # FastAPI: a typed int path parameter is converted before the view runs; a str one is not.
        (
            "from fastapi import FastAPI\nimport os\napp = FastAPI()\n@app.get('/a/{n}')\ndef a(n: int):\n"
            "    os.system('x %s' % n)\n",
            [],
        ),
        (
            "from fastapi import FastAPI\nimport os\napp = FastAPI()\n@app.get('/a/{n}')\ndef a(n: str):\n"
            "    os.system('x %s' % n)\n",
            [("command-injection", 6)],
        ),
        (
            "from fastapi import Depends, FastAPI\nimport os\napp = FastAPI()\n@app.get('/a')\n"
            "def a(db=Depends(lambda: 1)):\n    os.system('x %s' % db)\n",
            [],
        ),
        # Starlette and aiohttp request objects.
        ("import os\nasync def h(request):\n    os.system(request.path_params['p'])\n", [("command-injection", 3)]),
        (
            "import os\nasync def h(request):\n    data = await request.post()\n    os.system(data['p'])\n",
            [("command-injection", 4)],
        ),
        # Django URL captures are parameters after request.
        (
            "from django.http import HttpResponse\nimport os\ndef v(request, slug):\n    os.system(slug)\n",
            [("command-injection", 4)],
        ),
        # sys.argv, input(), sockets.
        ("import os, sys\nos.system(sys.argv[1])\n", [("command-injection", 2)]),
        ("import os\nos.system(input())\n", [("command-injection", 2)]),
        ("import os, socket\ns = socket.socket()\nos.system(s.recv(10).decode())\n", [("command-injection", 3)]),
        # Augmented assignment and unpacking.
        ("import os, sys\ncmd = 'ls '\ncmd += sys.argv[1]\nos.system(cmd)\n", [("command-injection", 4)]),
        ("import os, sys\na, b = 'ls', sys.argv[1]\nos.system(a)\n", []),
        ("import os, sys\n*rest, last = ['x', sys.argv[1]]\nos.system(last)\n", [("command-injection", 3)]),
        # A loop carries taint to the next iteration.
        (
            "import os, sys\nprev = 'x'\nfor i in range(3):\n    os.system(prev)\n    prev = sys.argv[i]\n",
            [("command-injection", 4)],
        ),
        # try/except branches join.
        (
            "import os, sys\ntry:\n    v = sys.argv[1]\nexcept IndexError:\n    v = 'x'\nos.system(v)\n",
            [("command-injection", 6)],
        ),
    ],
)
def test_sources_and_propagation(code: str, rules: list[tuple[str, int]]) -> None:
    assert _rules(code) == rules


def test_syntax_error_is_reported_not_raised() -> None:
    result = scan_code("def broken(:\n    pass\n", "bad.py")
    assert result["findings"] == [] and result["errors"][0]["file"] == "bad.py"
    assert result["errors"][0]["line"] == 1 and "syntax error" in result["errors"][0]["message"]


def test_scanned_code_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    code = f"open({str(marker)!r}, 'w').write('ran')\nimport os\nos.system('touch {marker}')\n"
    (tmp_path / "evil.py").write_text(code)
    scan_code(code)
    scan_project(tmp_path)
    assert not marker.exists()


def _project(tmp_path: Path) -> Path:
    files = {
        "app/__init__.py": "",
        "app/views.py": """
            from flask import Flask, request
            from app.service import lookup
            app = Flask(__name__)

            @app.route("/u")
            def u():
                return str(lookup(request.args["name"]))
            """,
        "app/service.py": """
            from app import middle
            def lookup(who):
                return middle.relay(who.strip())
            """,
        "app/middle.py": """
            from app.db.repo import find as find_user
            def relay(x):
                return find_user(x)
            """,
        "app/db/__init__.py": "",
        "app/db/repo.py": """
            import sqlite3
            def find(n):
                return sqlite3.connect("x").execute("SELECT * FROM u WHERE n = '%s'" % n)
            def safe(n):
                return sqlite3.connect("x").execute("SELECT * FROM u WHERE n = ?", (n,))
            """,
        "app/broken.py": "def x(:\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_cross_file_three_calls_away(tmp_path: Path) -> None:
    root = _project(tmp_path)
    result = scan_project(root)
    assert [(f["rule_id"], f["file"], f["line"]) for f in result["findings"]] == [
        ("sql-injection", "app/db/repo.py", 4)
    ]
    finding = result["findings"][0]
    assert finding["source"]["file"] == "app/views.py"
    files = [step.get("file") for step in finding["path"]]
    assert {"app/service.py", "app/middle.py", "app/db/repo.py"} <= set(files)
    assert result["errors"][0]["file"] == "app/broken.py"
    # The sink is three calls from the view: max_depth below that loses it.
    assert scan_project(root, max_depth=2)["total"] == 0
    assert scan_project(root, max_depth=3)["total"] == 1


def test_cross_file_entry_points(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert scan_project(root, entry_points=["app/views.py"])["total"] == 1
    assert scan_project(root, entry_points=["app.service"])["total"] == 0
    with pytest.raises(InvalidArgument):
        scan_project(root, entry_points=["nope.py"])


def test_deeply_nested_code_is_an_error_not_a_crash(tmp_path: Path) -> None:
    # Parses (the parser's own limit is higher) but nests deeper than a recursive visitor can follow.
    depth = 180
    code = "import os, sys\nx = sys.argv[1]\n" + "os.system(" + "str(" * depth + "x" + ")" * depth + ")\n"
    try:
        compile(code, "deep.py", "exec", ast.PyCF_ONLY_AST)
    except (RecursionError, SyntaxError, MemoryError):
        pytest.skip("this interpreter cannot parse the sample")
    (tmp_path / "deep.py").write_text(code)
    result = scan_project(tmp_path)
    assert result["errors"] == [] or "nested too deeply" in result["errors"][0]["message"]


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from code_scalpel.cli.scan_cmd import ProgressBar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = ProgressBar(stream)
        for done in range(0, 101, 50):
            bar(done, 100, f"module{done}")
    assert "100/100" in tty.getvalue() and tty.getvalue().endswith("\n")
    assert pipe.getvalue() == ""


NEWER = (
    "import os, sys\n"
    "type Names = list[str]\n"
    "def first[T](items: list[T]) -> T:\n"
    "    return items[0]\n"
    "name = sys.argv[1]\n"
    'os.system(f"ls {name + f\'{"-l"}\'}")\n'
)


def test_newer_syntax_is_scanned_not_refused(tmp_path: Path) -> None:
    from code_scalpel.analysis import fallback

    if sys.version_info >= (3, 12):
        pytest.skip("the running interpreter parses this itself")
    if fallback.newer_interpreter() is None:
        pytest.skip("no newer Python on this machine")
    assert _rules(NEWER) == [("command-injection", 6)]
    (tmp_path / "new.py").write_text(NEWER)
    result = scan_project(tmp_path)
    assert [(f["rule_id"], f["file"], f["line"]) for f in result["findings"]] == [("command-injection", "new.py", 6)]
    assert result["errors"] == []
