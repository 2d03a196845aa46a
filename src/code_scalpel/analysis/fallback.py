"""Code written for a newer Python than the one we run on.

When the running interpreter cannot parse a file (even after the PEP 758
rewrite), the *same* analysis function is run in the newest interpreter found
(``$CODE_SCALPEL_NEWER_PYTHON`` if set, then ``python3.14``, ``python3.13``,
``python3.12`` on ``PATH`` or installed by pyenv; only ones newer than the
running one; looked up once per process), in isolated mode with nothing but our ``src`` directory on
``sys.path``, exchanging JSON on stdin/stdout through :mod:`._worker`.  That
child parses the file too; it never imports or runs it.  If it cannot parse the
file either, the caller gets the *original* syntax error.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from code_scalpel import errors
from code_scalpel.analysis.parsing import RUNNING
from code_scalpel.errors import ParseFailure, ScalpelError

log = logging.getLogger(__name__)

#: Minor versions of Python 3 worth trying, newest first.
NEWER_MINORS = tuple(m for m in (14, 13, 12) if m > sys.version_info[1])
TIMEOUT_SECONDS = 60.0
RESULT_CACHE_SIZE = 16
#: Requests bigger than this (mostly the source they carry) are not kept in the result cache.
RESULT_CACHE_MAX_CHARS = 1024 * 1024
#: The directory holding the ``code_scalpel`` package (``src`` in a checkout, site-packages when installed).
SRC_DIR = str(Path(__file__).resolve().parents[2])
_BOOT = "import sys; sys.path.append(sys.argv[1]); from code_scalpel.analysis._worker import main; main()"

#: False inside the worker, so a child never looks for yet another interpreter.
enabled = os.environ.get("CODE_SCALPEL_NO_NEWER_PYTHON", "") == ""

F = TypeVar("F", bound=Callable[..., dict[str, Any]])


class Interpreter:
    def __init__(self, executable: str, version: tuple[int, int]) -> None:
        self.executable = executable
        self.version = version

    @property
    def label(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


_probe_lock = threading.Lock()
_probed = False
_newer: Interpreter | None = None


def newer_interpreter() -> Interpreter | None:
    """The newest interpreter on PATH that is newer than this one (looked up once)."""
    global _probed, _newer
    with _probe_lock:
        if not _probed:
            _newer = _find_newer()
            _probed = True
        return _newer


def _candidates() -> Iterator[str]:
    explicit = os.environ.get("CODE_SCALPEL_NEWER_PYTHON")
    if explicit:
        yield explicit
    # pyenv keeps installed versions off PATH unless they are selected, so look there too.
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for minor in NEWER_MINORS:
        path = shutil.which(f"python3.{minor}")
        if path is not None:
            yield path
        if pyenv.is_dir():
            for version_dir in sorted(pyenv.glob(f"3.{minor}.*"), reverse=True):
                exe = version_dir / "bin" / f"python3.{minor}"
                if exe.is_file():
                    yield str(exe)


def _find_newer() -> Interpreter | None:
    for path in _candidates():
        try:
            # Ask the interpreter itself: a pyenv shim may name a version that is not installed,
            # and sys.executable skips the shim's own start-up on every later call.
            out = subprocess.run(
                [path, "-I", "-S", "-c", "import sys; print(*sys.version_info[:2], sys.executable)"],
                capture_output=True,
                text=True,
                timeout=20,
                check=True,
            ).stdout.split(maxsplit=2)
            version = (int(out[0]), int(out[1]))
            executable = out[2].strip() or path
        except (OSError, subprocess.SubprocessError, ValueError, IndexError):
            continue
        if version > sys.version_info[:2]:
            log.debug("newer-syntax fallback interpreter: %s (%s.%s)", executable, *version)
            return Interpreter(executable, version)
    return None


_results: OrderedDict[str, str] = OrderedDict()
#: SHA-256 of sources the newer interpreter could not parse either: real syntax errors cost one worker run.
_unparseable: OrderedDict[bytes, None] = OrderedDict()
UNPARSEABLE_SIZE = 256
_results_lock = threading.Lock()


def run_in_newer(function: str, kwargs: dict[str, Any], original: ParseFailure) -> dict[str, Any]:
    """Result of ``function(**kwargs)`` computed by the newer interpreter, or ``original`` raised."""
    tried = [RUNNING]
    interpreter = newer_interpreter() if enabled else None
    if interpreter is None:
        original.data["parsers_tried"] = tried
        raise original
    tried.append(interpreter.label)
    original.data["parsers_tried"] = tried
    source = kwargs.get("source", "")
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).digest()
    request = json.dumps({"function": function, "kwargs": kwargs})
    with _results_lock:
        if digest in _unparseable:  # the newer parser already said no to this text
            raise original
        cached = _results.get(request)
        if cached is not None:
            _results.move_to_end(request)
    if cached is None:
        cached = _call_worker(interpreter, request)
    reply = json.loads(cached) if cached is not None else None
    if reply is None:
        raise original
    if "error" in reply and reply["error"].get("type") == "ParseFailure":
        with _results_lock:
            _unparseable[digest] = None
            if len(_unparseable) > UNPARSEABLE_SIZE:
                _unparseable.popitem(last=False)
        raise original
    if len(request) + len(cached) <= RESULT_CACHE_MAX_CHARS:
        with _results_lock:
            _results[request] = cached
            if len(_results) > RESULT_CACHE_SIZE:
                _results.popitem(last=False)
    if "error" in reply:
        raise _rebuild_error(reply["error"])
    return reply["result"]


def _call_worker(interpreter: Interpreter, request: str) -> str | None:
    try:
        done = subprocess.run(
            [interpreter.executable, "-I", "-S", "-c", _BOOT, SRC_DIR],
            input=request.encode("utf-8", "surrogatepass"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("python %s analysis worker failed to run: %s", interpreter.label, exc)
        return None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        log.warning("python %s analysis worker exited %s: %s", interpreter.label, done.returncode, tail)
        return None
    text = done.stdout.decode("utf-8", "surrogatepass")
    try:
        json.loads(text)
    except ValueError:
        log.warning("python %s analysis worker replied with something that is not JSON", interpreter.label)
        return None
    return text


def _rebuild_error(error: dict[str, Any]) -> ScalpelError:
    cls = getattr(errors, str(error.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, ScalpelError)):
        cls = ScalpelError
    return cls(str(error.get("message", "analysis failed")), **dict(error.get("data") or {}))


def newer_syntax_fallback(func: F) -> F:
    """Run ``func`` in a newer interpreter when this one cannot parse its source."""
    names = func.__code__.co_varnames[: func.__code__.co_argcount + func.__code__.co_kwonlyargcount]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return func(*args, **kwargs)
        except ParseFailure as failure:
            if not getattr(failure, "newer_may_parse", False):
                raise
            call = dict(zip(names, args, strict=False))
            call.update(kwargs)
            return run_in_newer(func.__name__, call, failure)

    return wrapper  # type: ignore[return-value]
