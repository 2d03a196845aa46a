"""The index: incremental, persisted, safe with a bad cache, confined to the project root."""

from __future__ import annotations

import ast
import contextlib
import email
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from code_scalpel.project import index as index_module
from code_scalpel.project.cache import SummaryCache
from code_scalpel.project.graph import call_graph_of
from code_scalpel.project.index import ProjectIndex, interface, passes
from code_scalpel.project.summary import summarize
from code_scalpel.project.walker import walk_python_files
from project_support import APP, build, edges, write_tree


def _bump(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # mtime granularity must not hide it


def test_unchanged_files_are_never_reparsed(tmp_path: Path) -> None:
    index = build(tmp_path, APP)
    assert sorted(index.stats["last_parsed"]) == sorted(APP)
    before = edges(index)
    assert index.refresh()["parsed"] == 0
    assert index.stats["last_parsed"] == [] and edges(index) == before


def test_one_changed_file_is_reparsed_alone_and_its_edges_replaced(tmp_path: Path) -> None:
    index = build(tmp_path, APP)
    assert ("app.other.run", "app.other.helper") in edges(index)
    _bump(tmp_path / "app/other.py", "def helper():\n    pass\ndef run(thing):\n    pass\ndef new():\n    helper()\n")
    stats = index.refresh()
    assert index.stats["last_parsed"] == ["app/other.py"] and stats["changed"] == 1
    got = edges(index)
    assert ("app.other.run", "app.other.helper") not in got
    assert ("app.other.new", "app.other.helper") in got
    assert ("app.core.Engine.step", "app.util.helper") in got  # other files' edges untouched


def test_body_only_change_recomputes_only_that_file(tmp_path: Path) -> None:
    index = build(tmp_path, APP)
    edges(index)
    computed = []
    original = index_module.file_calls

    def spy(resolver, summary):
        computed.append(summary["module"])
        return original(resolver, summary)

    index_module.file_calls = spy
    try:
        text = (
            (tmp_path / "app/util.py").read_text().replace("        helper()\n", "        helper()\n        helper()\n")
        )
        _bump(tmp_path / "app/util.py", text)
        index.refresh()
        edges(index)
    finally:
        index_module.file_calls = original
    assert computed == ["app.util"]


def test_touched_but_identical_file_is_not_changed(tmp_path: Path) -> None:
    index = build(tmp_path, APP)
    path = tmp_path / "app/util.py"
    _bump(path, path.read_text())
    stats = index.refresh()
    assert stats["parsed"] == 1 and stats["changed"] == 0


def test_added_and_removed_files(tmp_path: Path) -> None:
    index = build(tmp_path, APP)
    (tmp_path / "app/other.py").unlink()
    write_tree(tmp_path, {"app/extra.py": "from .util import helper\nhelper()\n"})
    stats = index.refresh()
    assert stats["removed"] == 1 and index.stats["last_parsed"] == ["app/extra.py"]
    got = edges(index)
    assert ("app.extra", "app.util.helper") in got
    assert not any(a.startswith("app.other") for a, _ in got)


def test_cache_persists_between_runs(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    project = tmp_path / "p"
    first = build(project, APP, cache=cache)
    expected = edges(first)
    first.close()
    second = ProjectIndex(project.resolve(), lambda p: True, cache, workers=1)
    second.refresh()
    assert second.stats["parsed"] == 0 and second.stats["cache_hits"] == len(APP)
    assert edges(second) == expected


def _corrupt_garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database" * 100)


def _execute(db_file: Path, sql: str, params: tuple = ()) -> int:
    """Runs one statement on a cache file as another program could; returns the rows it changed."""
    with contextlib.closing(sqlite3.connect(db_file)) as db:
        changed = db.execute(sql, params).rowcount
        db.commit()
    return changed


def _cache_file(cache: Path) -> Path:
    (db_file,) = cache.glob("*.sqlite")
    return db_file


def _corrupt_blob(path: Path) -> None:
    _execute(path, "UPDATE files SET summary = X'00010203'")


def _swapped_blobs(path: Path) -> None:
    """Two rows' summaries (with their checksums) swapped: each blob is intact, but under the wrong file."""
    db = sqlite3.connect(path)
    (a, sa, ca), (b, sb, cb) = db.execute("SELECT rel, summary, checksum FROM files ORDER BY rel LIMIT 2").fetchall()
    db.execute("UPDATE files SET summary = ?, checksum = ? WHERE rel = ?", (sb, cb, a))
    db.execute("UPDATE files SET summary = ?, checksum = ? WHERE rel = ?", (sa, ca, b))
    db.commit()
    db.close()


def _foreign_version(path: Path) -> None:
    _execute(path, "UPDATE meta SET value = 'other' WHERE key = 'version'")


def _other_root(path: Path) -> None:
    _execute(path, "UPDATE meta SET value = '/elsewhere' WHERE key = 'root'")


@pytest.mark.parametrize("damage", [_corrupt_garbage, _corrupt_blob, _swapped_blobs, _foreign_version, _other_root])
def test_bad_cache_is_discarded_and_rebuilt(tmp_path: Path, damage) -> None:
    cache = tmp_path / "cache"
    project = tmp_path / "p"
    first = build(project, APP, cache=cache)
    expected = edges(first)
    first.close()
    damage(_cache_file(cache))
    second = ProjectIndex(project.resolve(), lambda p: True, cache, workers=1)
    second.refresh()
    assert second.stats["cache_hits"] == 0 and second.stats["parsed"] == len(APP)
    assert edges(second) == expected
    third = ProjectIndex(project.resolve(), lambda p: True, cache, workers=1)  # and the rebuilt cache is good
    third.refresh()
    assert third.stats["cache_hits"] == len(APP)


def test_cache_file_is_owner_only(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path / "c", tmp_path)
    assert cache.path.stat().st_mode & 0o077 == 0
    assert (tmp_path / "c").stat().st_mode & 0o077 == 0


def test_symlink_escaping_the_root_is_not_followed(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"secret.py": "def leaked():\n    pass\n", "pkg/x.py": "y = 1\n"})
    root = write_tree(tmp_path / "root", {"main.py": "x = 1\n", "inner/ok.py": "z = 1\n"})
    (root / "link.py").symlink_to(outside / "secret.py")
    (root / "linkdir").symlink_to(outside / "pkg", target_is_directory=True)
    (root / "inside_link.py").symlink_to(root / "main.py")
    files, _ = walk_python_files(root, lambda p: p.is_relative_to(root))
    assert [f.rel for f in files] == ["inner/ok.py", "inside_link.py", "main.py"]


def test_gitignore_and_skipped_folders(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            ".gitignore": "generated/\n*_pb2.py\n!keep_pb2.py\n/top_only.py\n",
            "main.py": "",
            "top_only.py": "",
            "sub/top_only.py": "",
            "generated/a.py": "",
            "x_pb2.py": "",
            "keep_pb2.py": "",
            ".venv/lib/site.py": "",
            "node_modules/m.py": "",
            "build/b.py": "",
            "__pycache__/c.py": "",
            ".git/hooks/h.py": "",
            "sub/.gitignore": "local.py\n",
            "sub/local.py": "",
            "sub/kept.py": "",
        },
    )
    files, _ = walk_python_files(root, lambda p: True)
    assert [f.rel for f in files] == ["keep_pb2.py", "main.py", "sub/kept.py", "sub/top_only.py"]


def test_max_files_truncates_and_says_so(tmp_path: Path) -> None:
    index = ProjectIndex(write_tree(tmp_path, APP), lambda p: True, None, workers=1)
    index.refresh(max_files=2)
    assert index.truncated and len(index.summaries) == 2


def test_process_pool_gives_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {**APP, **{f"gen/m{i}.py": f"from app.util import helper\ndef f{i}():\n    helper()\n" for i in range(30)}}
    serial = edges(build(tmp_path / "a", files, workers=1))
    monkeypatch.setattr(index_module, "POOL_THRESHOLD", 4)
    pooled_index = build(tmp_path / "b", files, workers=2)
    assert len(pooled_index.stats["last_parsed"]) == len(files)
    assert edges(pooled_index) == serial


def test_syntax_errors_and_undecodable_files_are_reported_not_fatal(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"ok.py": "def f():\n    pass\nf()\n", "bad.py": "def (:\n"})
    (root / "bin.py").write_bytes(b"\x00\x01\x02")
    index = build(root)
    assert index.summaries["bad.py"]["error"]["line"] == 1
    assert "binary" in index.summaries["bin.py"]["error"]["message"]
    assert ("ok", "ok.f") in edges(index)


def test_an_edit_after_a_restart_on_cached_results_is_seen(tmp_path: Path) -> None:
    """Restarted on stored results, the index still knows what each parameter received, to compare."""
    files = {
        "g.py": "def run(cb):\n    cb()\n",
        "f.py": "from g import run\ndef a():\n    pass\ndef b():\n    pass\ndef main():\n    run(a)\n",
    }
    cache = tmp_path / "cache"
    first = build(tmp_path / "p", files, cache=cache)
    edges(first)  # computes and stores the call results
    first.close()
    restarted = ProjectIndex((tmp_path / "p").resolve(), lambda p: True, cache, workers=1)
    restarted.refresh()
    assert ("g.run", "f.a") in edges(restarted) and restarted.stats.get("results_from_cache")
    _bump(tmp_path / "p/f.py", files["f.py"].replace("run(a)", "run(b)"))
    restarted.refresh()
    assert edges(restarted) == edges(build(tmp_path / "p"))


RUN_CALLS = "def run(cb):\n    cb()\n"
# The value passed reaches the call through a loop variable, through an attribute set in __init__ and
# called from a third file, and through a local returned to a third file: none is a call on the parameter.
RUN_LOOPS = "def run(cbs):\n    for cb in cbs:\n        cb()\n"
BOX = "class Box:\n    def __init__(self, cb):\n        self.cb = cb\ndef run(cb):\n    pass\n"
PICK = "def pick(x):\n    y = x\n    return y\ndef run(cb):\n    pass\n"


NESTED = "def run(cb):\n    def inner():\n        cb()\n    inner()\n"
# The class is passed on: its attribute, read in another file, holds what cb receives.
CLASS_INSIDE = "from h import keep\ndef run(cb):\n    class Holder:\n        held = cb\n    keep(Holder)\n"


@pytest.mark.parametrize(
    ("g", "h", "local"),
    [
        (RUN_CALLS, "run(a)\n", True),  # only run's own calls read what cb receives
        (NESTED, "run(a)\n", True),  # and a function nested in it
        (RUN_CALLS, "x = run(a)\nx()\n", False),  # run's return was used: answers elsewhere may read it
        (PICK, "from g import pick\npick(a)()\n", False),
        (BOX, "from g import Box\nBox(a).cb()\n", False),  # stored on self: every instance has it
        (CLASS_INSIDE, "def keep(k):\n    k.held()\n", False),
    ],
    ids=["called", "nested", "return-used", "returned", "stored", "class-inside"],
)
def test_new_values_for_a_parameter_re_resolve_only_its_file_if_nothing_else_read_them(
    tmp_path: Path, g: str, h: str, local: bool
) -> None:
    files = {
        "g.py": g,
        "f.py": (
            "from g import *\ndef a():\n    pass\ndef b():\n    pass\n"
            "def main():\n    pick(a)\n    Box(a)\n    run(a)\n"
        ),
        "h.py": "from g import *\nfrom f import a\n" + h,
    }
    index = build(tmp_path / "p", files)
    before = edges(index)
    call_graph_of(index)
    _bump(tmp_path / "p/f.py", files["f.py"].replace("(a)", "(b)"))
    index.refresh()
    assert not index.full_recompute
    after = edges(index)
    assert index.stats["received_checks"] == 1 and index.stats["received_local"] == int(local)
    assert after != before and after == edges(build(tmp_path / "p"))
    updated, rebuilt = call_graph_of(index), call_graph_of(build(tmp_path / "p"))
    assert updated.edges == rebuilt.edges and updated.inc == rebuilt.inc and updated.out == rebuilt.out


@pytest.mark.parametrize(
    ("g", "h", "before", "after", "body_only"),
    [
        (RUN_CALLS, "run(a)\n", "run(a)\n", "run(b)\n", True),  # what the function in another file calls changes
        (RUN_CALLS, "run(a)\n", "run(a)\n", "pass\n", True),
        (RUN_CALLS, "from f import b\nrun(b)\n", "run(a)\n", "pass\n", True),  # what it received shrinks
        (RUN_CALLS, "run(a)\n", "pass\n", "run(b)\n", True),
        (RUN_CALLS, "run(a)\n", "run(a)\n", "global zz\n    run(a)\n", False),  # a global declared: the interface
        # What main returns is part of the interface, but no answer used it.
        (RUN_CALLS, "run(a)\n", "run(a)\n", "run(a)\n    return a\n", True),
        # A new scope that nothing could have looked for: the interface grew, but no answer rested on it.
        (RUN_CALLS, "run(a)\n", "run(a)\n", "run(lambda: b())\n", True),
        (RUN_LOOPS, "run([a])\n", "run([a])\n", "run([b])\n", True),
        (BOX, "from g import Box\nBox(a).cb()\n", "Box(a)\n", "Box(b)\n", True),
        (PICK, "from g import pick\npick(a)()\n", "pick(a)\n", "pick(b)\n", True),
        # A line added above a lambda moves it, but does not rename it: still a body-only change.
        (RUN_CALLS, "run(a)\n", "run(lambda: a())\n", "len([])\n    run(lambda: a())\n", True),
    ],
    ids=[
        "call",
        "call-removed",
        "call-removed-other-caller-left",
        "call-added",
        "interface",
        "unused-return",
        "new-lambda",
        "loop-variable",
        "instance-attribute",
        "returned-local",
        "lambda-moved",
    ],
)
def test_incremental_equals_from_scratch(
    tmp_path: Path, g: str, h: str, before: str, after: str, body_only: bool
) -> None:
    files = {
        "g.py": g,
        "f.py": "from g import *\ndef a():\n    pass\ndef b():\n    pass\ndef main():\n    " + before,
        "h.py": "from g import run\nfrom f import a\n" + h,
    }
    index = build(tmp_path / "p", files)
    call_graph_of(index)
    _bump(tmp_path / "p/f.py", files["f.py"].replace(before, after))
    index.refresh()
    assert index.stats["last_parsed"] == ["f.py"] and index.full_recompute != body_only
    fresh = build(tmp_path / "p")
    assert edges(index) == edges(fresh)
    updated, rebuilt = call_graph_of(index), call_graph_of(fresh)
    assert updated.edges == rebuilt.edges and updated.defs == rebuilt.defs
    assert updated.unresolved == rebuilt.unresolved and updated.inc == rebuilt.inc


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # Another file calls what these return: a moved return or an edited default changes it, though
        # neither adds, removes or renames a binding.
        (
            "def pick():\n    x = a\n    if ok():\n        x = b\n    return x\n",
            "def pick():\n    x = a\n    return x\n    if ok():\n        x = b\n",
        ),
        ("def pick(x=a):\n    return x\n", "def pick(x=b):\n    return x\n"),
    ],
    ids=["return-moved", "default-changed"],
)
def test_what_another_file_sees_through_a_return_is_kept_fresh(tmp_path: Path, before: str, after: str) -> None:
    head = "def a():\n    pass\ndef b():\n    pass\ndef ok():\n    return True\n"
    files = {"g.py": head + before, "h.py": "from g import pick\npick()()\n"}
    index = build(tmp_path / "p", files)
    call_graph_of(index)
    _bump(tmp_path / "p/g.py", head + after)
    index.refresh()
    assert edges(index) == edges(build(tmp_path / "p"))


@pytest.mark.parametrize(
    ("after", "same"),
    [
        ("    scratch = make()\n    scratch.go()\n    return x\n", True),  # a temporary only the body reads
        ("    x = make()\n    return x\n", False),  # now it is what the function returns
        ("    tmp = make()\n    return x\n", False),  # the nested function (returned or not) reads it
    ],
    ids=["temporary", "returned", "closure"],
)
def test_a_new_local_is_part_of_the_interface_only_if_observable(after: str, same: bool) -> None:
    before = "def make():\n    pass\ndef f(x):\n    def inner():\n        return tmp\n    return x\n"
    changed = before.replace("    return x\n", after)
    assert (interface(summarize(before, "m", False)) == interface(summarize(changed, "m", False))) is same


@pytest.mark.parametrize(
    ("after", "same"),
    [
        ("    size = cb.__name__\n    run(cb)\n", True),  # a temporary: what is passed is the same
        ("\n\n    run(cb)  # moved\n", True),  # positions are not what is passed
        ("    cb = other\n    run(cb)\n", False),  # what is passed is now bound otherwise
        ("    run(cb)\n    run(cb)\n", False),  # one more call site
        ("    run(other)\n", False),
        ("    run(lambda: cb)\n", False),
    ],
    ids=["temporary", "moved", "rebound", "one-more-site", "other-argument", "lambda"],
)
def test_passes_changes_only_with_what_the_call_sites_pass(after: str, same: bool) -> None:
    before = "def other():\n    pass\ndef run(f):\n    f()\ndef g(cb):\n    run(cb)\n"
    changed = before.replace("    run(cb)\n", after)
    assert (passes(summarize(before, "m", False)) == passes(summarize(changed, "m", False))) is same


def test_an_edit_that_passes_the_same_values_needs_no_global_check(tmp_path: Path) -> None:
    """What parameters receive is compared across the project only when the edited file's call sites
    pass something else; either way the graph is the one a fresh build gives."""
    files = {
        "g.py": "def run(f):\n    f()\n",
        "f.py": "from g import run\ndef a():\n    pass\ndef b():\n    pass\ndef main():\n    run(a)\n",
    }
    index = build(tmp_path / "p", files)
    call_graph_of(index)
    for after, checks in [("    x = 1\n    run(a)\n", 0), ("    run(b)\n", 1), ("    run(b)\n    x = 1\n", 1)]:
        _bump(tmp_path / "p/f.py", files["f.py"].replace("    run(a)\n", after))
        index.refresh()
        assert not index.full_recompute
        call_graph_of(index)
        assert index.stats["received_checks"] == checks
        assert edges(index) == edges(build(tmp_path / "p"))
    assert ("g.run", "f.b") in edges(index)


def test_interface_reads_names_not_pairs_that_look_like_them() -> None:
    """A dict key or a keyword argument spelled ``n`` is a pair, not a name: the fingerprint once crashed on it."""
    before = "ESCAPES = {'n': '\\n', 't': '\\t'}\ndef f(x):\n    return g(n=x)\n"
    after = "\n\n" + before.replace("    return", "    len([])\n    return")
    assert interface(summarize(before, "m", False)) == interface(summarize(after, "m", False))
    assert interface(summarize(before, "m", False)) != interface(summarize(before.replace("n=x", "n=g"), "m", False))


def test_reformatting_a_module_keeps_its_interface() -> None:
    """Every module of a few standard library packages, rewritten by ast.unparse (every line moves, comments
    and blank lines go): what other modules can see of it is the same, so such an edit is body-only."""
    stdlib = Path(email.__file__).parent.parent
    checked = 0
    for package in ("email", "json", "asyncio", "importlib", "logging", "xml"):
        for path in sorted((stdlib / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            before = summarize(source, "m", path.name == "__init__.py")
            after = summarize(ast.unparse(ast.parse(source)), "m", path.name == "__init__.py")
            assert interface(before) == interface(after), path
            checked += 1
    assert checked > 100


def _random_edit(source: str, rng: random.Random) -> str | None:
    """``source`` edited at random: in a function body, two statements swapped, one duplicated or deleted, a
    call added that passes one of the module's functions to another or to a function it calls (what a
    parameter receives changes), or a function returned; or, at the top, a function added, removed or
    renamed, an alias or a method added, a function added that passes a function (the interface changes)."""
    tree = ast.parse(source)
    bodies = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and len(n.body) > 1]
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    if not bodies or not functions:
        return None
    body = rng.choice(bodies).body
    i = rng.randrange(len(body) - 1)
    kinds = ["swap", "duplicate", "delete", "pass-a-function", "return"]  # bodies
    kinds += ["add", "remove", "rename", "alias", "add-passing"]  # the module's top level
    callees = sorted({n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)})
    kinds += ["pass-to-a-callee"] * bool(callees)
    kind = rng.choice(kinds + ["add-method"] * bool(classes))
    name = rng.choice(functions).name
    if kind == "alias":
        tree.body.append(ast.parse(f"alias_{rng.randrange(1000)} = {name}").body[0])
    elif kind == "add-passing":
        tree.body.append(ast.parse(f"def passing_{rng.randrange(1000)}():\n    {name}({name})").body[0])
    elif kind == "pass-to-a-callee":  # often a function of another module: its file reads the new value
        body.insert(i, ast.parse(f"{rng.choice(callees)}({name})").body[0])
    elif kind == "return":
        body.append(ast.parse(f"return {name}").body[0])
    elif kind == "add-method":
        method = rng.choice(["get", "close", "run", "__call__", "added"])
        rng.choice(classes).body.append(ast.parse(f"def {method}(self, *args):\n    return {name}()").body[0])
    elif kind == "swap":
        body[i], body[i + 1] = body[i + 1], body[i]
    elif kind == "duplicate":
        body.insert(i, body[i])
    elif kind == "delete":
        del body[i]
    elif kind == "pass-a-function":
        body.insert(i, ast.parse(f"{rng.choice(functions).name}({rng.choice(functions).name})").body[0])
    elif kind == "add":
        tree.body.append(ast.parse(f"def added_{rng.randrange(1000)}(cb):\n    return cb()").body[0])
    elif kind == "remove":
        tree.body.remove(rng.choice(functions))
    else:
        rng.choice(functions).name += "_renamed"
    return ast.unparse(tree)  # also moves every line: comments and blank lines are gone


def test_random_edits_of_a_real_package_match_a_fresh_build(tmp_path: Path) -> None:
    """Seeded edits of the standard library's email package, each refreshed in place and compared with a
    build from scratch: the incremental graph must be exactly the same."""
    root = tmp_path / "p"
    shutil.copytree(Path(email.__file__).parent, root / "email", ignore=shutil.ignore_patterns("__pycache__"))
    index = build(root)
    call_graph_of(index)
    files = sorted(root.rglob("*.py"))
    rng = random.Random(7)
    edited = 0
    for _ in range(200):
        path = rng.choice(files)
        text = _random_edit(path.read_text(), rng)
        if text is None:  # a module without functions
            continue
        _bump(path, text)
        index.refresh()
        assert call_graph_of(index).edges.keys() == call_graph_of(build(root)).edges.keys(), path.name
        edited += 1
        if edited == 20:
            break
    assert edited == 20
    assert index.stats["unseen_changes"] > 0  # some edits only added names: handled like edits of bodies


RESHAPE_BASE = {
    "pkg/__init__.py": "from .core import *\n",
    "pkg/core.py": "def make():\n    return Thing()\nclass Thing:\n    def go(self):\n        pass\n",
    "app.py": (
        "import pkg\nimport pkg.core as core\nfrom newmod import f\n"
        "def main():\n    core.make().go()\n    core.helper()\n    pkg.extra()\n    f()\n"
    ),
    "other.py": "from app import main\nmain()\n",
    "lone.py": "def z():\n    pass\nz()\n",
}
_CORE = RESHAPE_BASE["pkg/core.py"]

# (what changes: rel -> new text, or None to delete it; the edge that must appear or go)
RESHAPES = {
    "function added, imported by module alias": (
        {"pkg/core.py": _CORE + "def helper():\n    pass\n"},
        "pkg.core.helper",
    ),
    "method renamed": ({"pkg/core.py": _CORE.replace("def go", "def run")}, "pkg.core.Thing.go"),
    "function added, re-exported by the package": (
        {"pkg/core.py": _CORE + "def extra():\n    pass\n"},
        "pkg.core.extra",
    ),
    "new module that was imported already": ({"newmod.py": "def f():\n    pass\n"}, "newmod.f"),
    "module removed": ({"pkg/core.py": None}, "pkg.core.make"),
}


@pytest.mark.parametrize("case", list(RESHAPES), ids=list(RESHAPES))
def test_interface_change_equals_from_scratch(tmp_path: Path, case: str) -> None:
    changes, edge_callee = RESHAPES[case]
    index = build(tmp_path / "p", RESHAPE_BASE)
    before = edges(index)
    call_graph_of(index)
    for rel, text in changes.items():
        path = tmp_path / "p" / rel
        if text is None:
            path.unlink()
        else:
            _bump(path, text) if path.exists() else path.write_text(text)
    index.refresh()
    assert index.full_recompute  # what other modules see changed: every file's edges are recomputed
    after = edges(index)
    assert (("app.main", edge_callee) in before) != (("app.main", edge_callee) in after)
    fresh = build(tmp_path / "p")
    assert after == edges(fresh)
    updated, rebuilt = call_graph_of(index), call_graph_of(fresh)
    assert updated.edges == rebuilt.edges and updated.defs == rebuilt.defs
    assert updated.unresolved == rebuilt.unresolved


ADDITION_BASE = {
    "pkg/__init__.py": "from .core import *\n",
    "pkg/core.py": (
        "class Base:\n    def run(self):\n        self.step()\n    def step(self):\n        pass\n"
        "class Sub(Base):\n    pass\n"
        "def make():\n    len([])\n    return Sub()\n"
        "def pick():\n    return outer\n"
        "def outer():\n    def inner():\n        pass\n    return inner\n"
    ),
    "app.py": (
        "import pkg.core as core\nfrom pkg import *\n"
        "def main():\n    core.Sub().run()\n    core.missing()\n    from_star()\n    make()\n    core.Sub().other()\n"
        "    core.pick()()\n"
    ),
}
_SUB = "class Sub(Base):\n    pass\n"


def _in_sub(method: str) -> str:
    return _core(_SUB, "class Sub(Base):\n" + method)


def _core(old: str, new: str) -> str:
    assert old in ADDITION_BASE["pkg/core.py"]
    return ADDITION_BASE["pkg/core.py"].replace(old, new)


# pkg/core.py's interface changed: (its new text, whether it is handled like a body edit, an edge that
# must appear or go, or None).  Names nothing looked for are cheap to add, returns nothing used cheap to
# change; a name an answer looked for (and found missing), or a return it used, may change answers
# anywhere, so every file is resolved again.
UNSEEN = {
    "function nothing named": (
        ADDITION_BASE["pkg/core.py"] + "def fresh():\n    make()\n",
        True,
        ("pkg.core.fresh", "pkg.core.make"),
    ),
    "alias nothing named": (ADDITION_BASE["pkg/core.py"] + "alias = make\n", True, None),
    "method nothing called": (
        _in_sub("    def unused(self):\n        self.step()\n"),
        True,
        ("pkg.core.Sub.unused", "pkg.core.Base.step"),
    ),
    "function looked for through a module alias": (
        ADDITION_BASE["pkg/core.py"] + "def missing():\n    pass\n",
        False,
        ("app.main", "pkg.core.missing"),
    ),
    "function looked for through two star imports": (
        ADDITION_BASE["pkg/core.py"] + "def from_star():\n    pass\n",
        False,
        ("app.main", "pkg.core.from_star"),
    ),
    "__all__ that stops a star import": (
        ADDITION_BASE["pkg/core.py"] + "__all__ = ['Base']\n",
        False,
        ("app.main", "pkg.core.make"),
    ),
    "function shadowing a builtin the module calls": (
        ADDITION_BASE["pkg/core.py"] + "def len(x):\n    return 0\n",
        False,
        ("pkg.core.make", "pkg.core.len"),
    ),
    "method looked for on an instance": (
        _in_sub("    def other(self):\n        pass\n"),
        False,
        ("app.main", "pkg.core.Sub.other"),
    ),
    "method overriding one called on self in a base class": (
        _in_sub("    def step(self):\n        pass\n"),
        False,
        ("pkg.core.Base.run", "pkg.core.Sub.step"),
    ),
    "method that sets an instance attribute": (_in_sub("    def setup(self):\n        self.x = make\n"), False, None),
    "class": (ADDITION_BASE["pkg/core.py"] + "class New(Base):\n    pass\n", False, None),
    "return nothing used": (_core("    len([])\n    return Sub()", "    x = Base\n    return x()"), True, None),
    "return a call used": (_core("    return outer\n", "    return make\n"), False, ("app.main", "pkg.core.outer")),
    "return of a function with a nested one": (_core("    return inner\n", "    return make\n"), False, None),
}


@pytest.mark.parametrize("case", list(UNSEEN), ids=list(UNSEEN))
def test_an_interface_change_recomputes_every_file_only_if_an_answer_saw_it(tmp_path: Path, case: str) -> None:
    text, body_only, edge = UNSEEN[case]
    index = build(tmp_path / "p", ADDITION_BASE)
    before = edges(index)
    call_graph_of(index)
    _bump(tmp_path / "p/pkg/core.py", text)
    index.refresh()
    assert index.full_recompute != body_only
    assert index.stats["unseen_changes"] == int(body_only)
    after = edges(index)
    if edge is not None:
        assert (edge in before) != (edge in after)
    fresh = build(tmp_path / "p")
    assert after == edges(fresh)
    updated, rebuilt = call_graph_of(index), call_graph_of(fresh)
    assert updated.edges == rebuilt.edges and updated.defs == rebuilt.defs
    assert updated.unresolved == rebuilt.unresolved and updated.inc == rebuilt.inc


@pytest.mark.parametrize("record", ["stored", "missing"])
def test_an_addition_after_a_restart_on_cached_results(tmp_path: Path, record: str) -> None:
    """What the results' answers looked for is stored with them: after a restart, an addition no answer
    looked for is cheap.  Without that record (a cache written before it was kept), the first addition is
    taken as one that may matter; once every file was resolved in this process, the next is cheap."""
    cache = tmp_path / "cache"
    call_graph_of(build(tmp_path / "p", ADDITION_BASE, cache=cache))
    if record == "missing":
        assert _execute(_cache_file(cache), "DELETE FROM results WHERE rel = ?", ("\0seen",)) == 1
    index = build(tmp_path / "p", cache=cache)
    call_graph_of(index)
    assert index.stats.get("results_from_cache")
    core = tmp_path / "p/pkg/core.py"
    _bump(core, core.read_text() + "def fresh():\n    make()\n")
    index.refresh()
    assert index.full_recompute == (record == "missing")
    assert edges(index) == edges(build(tmp_path / "p"))
    _bump(core, core.read_text() + "def fresher():\n    fresh()\n")
    index.refresh()
    assert not index.full_recompute and index.stats["unseen_changes"] == (1 if record == "missing" else 2)
    assert edges(index) == edges(build(tmp_path / "p"))


def test_restart_reuses_stored_call_results_and_stays_correct(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    project = tmp_path / "p"
    first = build(project, APP, cache=cache)
    expected = edges(first)
    first.close()
    second = ProjectIndex(project.resolve(), lambda p: True, cache, workers=1)
    second.refresh()
    assert edges(second) == expected and second.stats.get("results_from_cache")
    assert second.resolver is None  # the graph came from the cache: nothing was resolved
    _bump(project / "app/other.py", "def helper():\n    pass\ndef run(thing):\n    helper()\n    helper()\n")
    second.refresh()
    assert edges(second) == edges(
        build(tmp_path / "fresh", {**APP, "app/other.py": (project / "app/other.py").read_text()})
    )
    second.close()
    third = ProjectIndex(project.resolve(), lambda p: True, cache, workers=1)  # results stored for the new snapshot
    third.refresh()
    assert edges(third) == edges(second) and third.stats.get("results_from_cache")


def test_stored_results_of_another_snapshot_are_not_used(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    project = tmp_path / "p"
    build(project, APP, cache=cache).close()
    _bump(project / "app/other.py", "def helper():\n    pass\n")
    index = ProjectIndex(project.resolve(), lambda p: True, cache, workers=1)
    index.refresh()
    got = edges(index)
    assert not index.stats.get("results_from_cache")
    assert not any(a.startswith("app.other.run") for a, _ in got)


def test_corrupt_stored_results_are_recomputed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    project = tmp_path / "p"
    first = build(project, APP, cache=cache)
    expected = edges(first)
    first.close()
    _execute(_cache_file(cache), "UPDATE results SET blob = X'00010203'")
    second = ProjectIndex(project.resolve(), lambda p: True, cache, workers=1)
    second.refresh()
    assert edges(second) == expected and not second.stats.get("results_from_cache")


RESTART_BASE = {
    "g.py": "def run(cb):\n    cb()\n\ndef helper():\n    return 1\n",
    "f.py": "from g import run, helper\ndef a():\n    helper()\ndef b():\n    pass\ndef main():\n    run(a)\n",
    "h.py": "import f\nimport g\nf.main()\ng.later()\n",
}
_F = RESTART_BASE["f.py"]

# Edits made while no server ran (rel -> new text, None: deleted), and how many files the restarted index
# resolves again: "all" where an answer rested on what changed (the record of what they looked for is
# stored with the results), or for a file added or removed.
RESTART_EDITS = {
    "a body edited": ({"f.py": _F.replace("def b():\n    pass", "def b():\n    helper()")}, 1),
    "bodies of two files": (
        {
            "f.py": _F.replace("def b():\n    pass", "def b():\n    helper()"),
            "g.py": RESTART_BASE["g.py"].replace("    cb()\n", "    cb()\n    cb()\n"),
        },
        2,
    ),
    "touched, same text": ({"f.py": _F}, 0),
    "a function added that nothing looked for": ({"g.py": RESTART_BASE["g.py"] + "def extra():\n    pass\n"}, 1),
    "a function added that a call looked for": ({"g.py": RESTART_BASE["g.py"] + "def later():\n    pass\n"}, "all"),
    # run's parameter now receives b too, and nothing outside run can have read it: f.py and g.py again
    "another function passed": ({"f.py": _F.replace("run(a)", "run(a)\n    run(b)")}, 2),
    "a file removed": ({"h.py": None}, "all"),
    "a file added": ({"k.py": "from g import helper\nhelper()\n"}, "all"),
}


@pytest.mark.parametrize("case", list(RESTART_EDITS), ids=list(RESTART_EDITS))
def test_edits_made_while_no_server_ran_are_taken_in_as_edits(tmp_path: Path, case: str) -> None:
    """After a restart the cached files are the state before the first refresh and their stored results
    are reused: a body edited since re-resolves its own file, not the project."""
    changes, resolved = RESTART_EDITS[case]
    cache = tmp_path / "cache"
    project = tmp_path / "p"
    call_graph_of(build(project, RESTART_BASE, cache=cache))
    for rel, text in changes.items():
        if text is None:
            (project / rel).unlink()
        else:
            _bump(project / rel, text)
    restarted = ProjectIndex(project.resolve(), lambda p: True, cache, workers=1)
    restarted.refresh()
    graph = call_graph_of(restarted)
    fresh = call_graph_of(build(tmp_path / "fresh", {rel: (project / rel).read_text() for rel in restarted.files}))
    assert graph.edges.keys() == fresh.edges.keys() and graph.inc == fresh.inc
    if resolved == "all":  # (after the edited file alone, where what it passes was compared first)
        assert restarted.stats["resolved"] >= len(restarted.summaries)
    else:
        assert restarted.stats["resolved"] == resolved and restarted.stats["results_from_cache"]


def test_damaged_stored_results_after_an_edit_while_no_server_ran(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    project = tmp_path / "p"
    call_graph_of(build(project, RESTART_BASE, cache=cache))
    _execute(_cache_file(cache), "UPDATE results SET blob = X'00010203' WHERE rel = 'g.py'")
    _bump(project / "f.py", _F.replace("def b():\n    pass", "def b():\n    helper()"))
    restarted = build(project, cache=cache)
    assert edges(restarted) == edges(
        build(tmp_path / "fresh", {**RESTART_BASE, "f.py": (project / "f.py").read_text()})
    )
    assert restarted.stats["resolved"] == len(RESTART_BASE) and not restarted.stats.get("results_from_cache")


def test_random_edits_each_taken_in_by_a_restart_match_a_fresh_build(tmp_path: Path) -> None:
    root = tmp_path / "p"
    cache = tmp_path / "cache"
    shutil.copytree(Path(email.__file__).parent, root / "email", ignore=shutil.ignore_patterns("__pycache__"))
    call_graph_of(build(root, cache=cache))
    files = sorted(root.rglob("*.py"))
    rng = random.Random(11)
    edited = cheap = 0
    while edited < 12:
        path = rng.choice(files)
        text = _random_edit(path.read_text(), rng)
        if text is None:
            continue
        _bump(path, text)
        index = build(root, cache=cache)
        assert call_graph_of(index).edges.keys() == call_graph_of(build(root)).edges.keys(), path.name
        cheap += index.stats["resolved"] < len(index.summaries)
        index.close()
        edited += 1
    assert cheap > 0  # some of them were body edits: one file resolved again, not the package
