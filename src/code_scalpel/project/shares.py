"""A whole project's call resolution split across forked processes, each taking a fixed share of the files.

Resolution is pure Python over summaries already in memory: threads would
wait on each other, and a process pool would first have to rebuild the
summaries (tens of MB to unpack).  A forked child has them for free, copy on
write, and only sends its files' results back.  Where the results of a file
could depend on what was resolved before it (the few cycles the resolver cuts
short), every share starts from the same state and takes the same files for a
given number of processes, so the same project gives the same graph again.

Fork is used on Linux only (macOS frameworks are not fork-safe); the child
runs nothing but the resolver and ``os.write``, and leaves with ``os._exit``,
which flushes no buffer it inherited: under stdio, stdout is the protocol.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import signal
import sys
import warnings
from collections.abc import Callable
from typing import Any

from code_scalpel.project.calls import file_calls
from code_scalpel.project.resolve import Resolver

log = logging.getLogger(__name__)

#: The first share, this process's, is larger: a child also marshals and sends its results (about 5% of
#: a share's time on the standard library) while this process waits for them.  Over 8 alternated runs
#: the shares took 2.80 s (median) against 2.89 s with equal shares.
FIRST_SHARE_WEIGHT = 1.08

#: ``report(done)``: about how many of the files are resolved, all processes together.
Report = Callable[[int], None]


def can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork")


def split(rels: list[str], summaries: dict[str, dict[str, Any]], n: int) -> list[list[str]]:
    """``rels`` (sorted) cut into ``n`` runs of consecutive files of about the same number of calls (the
    first one a little more: :data:`FIRST_SHARE_WEIGHT`).

    Consecutive files share most of what they need (a package's own modules), which each share would
    otherwise resolve again.
    """
    cost = [sum(len(scope["calls"]) for scope in summaries[rel]["scopes"].values()) + 5 for rel in rels]
    weights = [FIRST_SHARE_WEIGHT] + [1.0] * (n - 1)
    bounds = [sum(cost) * sum(weights[: i + 1]) / sum(weights) for i in range(n)]
    parts: list[list[str]] = [[] for _ in range(n)]
    acc = 0
    i = 0
    for rel, c in zip(rels, cost, strict=True):
        while i < n - 1 and acc >= bounds[i]:
            i += 1
        parts[i].append(rel)
        acc += c
    return parts


def resolve_in_shares(
    resolver: Resolver, summaries: dict[str, dict[str, Any]], rels: list[str], n: int, report: Report
) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], bytes], dict[str, bytes]]:
    """``file_calls`` of every file in ``rels``, what parameters received (:meth:`Resolver.received`), and
    each file's results marshalled, as the cache stores them.

    This process takes the first share, ``n - 1`` children the rest.  A child sends each file's results
    marshalled apart, kept as they came; this process marshals its own while it waits for the children.
    What else the children's answers rested on (:meth:`Resolver.seen`) is added to ``resolver``'s record.
    """
    resolver.prepare()
    first, *rest = [p for p in split(rels, summaries, n) if p]
    children: dict[int, tuple[int, list[str]]] = {}
    try:
        for part in rest:
            try:
                pid, fd = _fork(resolver, summaries, part)
            except OSError as exc:  # out of memory or processes: this one does the work
                log.warning("cannot start a resolver process (%s); resolving its files in this one", exc.strerror)
                first = first + part
                continue
            children[pid] = (fd, part)
        results = {}
        received: dict[tuple[str, str], bytes] = {}
        for i, rel in enumerate(first):
            results[rel] = file_calls(resolver, summaries[rel])
            # The other shares advance at about this one's pace.
            report(min(len(rels) - 1, (i + 1) * len(rels) // len(first)))
        blobs = {rel: marshal.dumps(results[rel]) for rel in first}
        for pid in list(children):
            fd, part = children.pop(pid)
            got = _collect(pid, fd)
            if got is None or set(got[0]) != set(part):
                log.warning("a resolver process failed; resolving its %d files in this one", len(part))
                for rel in part:
                    results[rel] = file_calls(resolver, summaries[rel])
                    blobs[rel] = marshal.dumps(results[rel])
                continue
            for rel, blob in got[0].items():
                results[rel] = marshal.loads(blob)
            blobs.update(got[0])
            received.update(got[1])
            resolver.add_seen(got[2])
        report(len(rels))
        received.update(resolver.received())
        return results, received, blobs
    finally:
        for pid, (fd, _) in children.items():  # cancelled, or an error: leave no process behind
            os.close(fd)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _fork(resolver: Resolver, summaries: dict[str, dict[str, Any]], part: list[str]) -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a threaded process: the child below takes no lock another
        # thread may hold (no logging, no I/O but os.write, no import) and never returns.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        code = 1
        try:
            os.close(read_fd)
            blobs = {rel: marshal.dumps(file_calls(resolver, summaries[rel])) for rel in part}
            data = memoryview(marshal.dumps((blobs, resolver.received(), resolver.seen())))
            while data:
                data = data[os.write(write_fd, data) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _collect(pid: int, fd: int) -> tuple[dict[str, bytes], dict, bytes] | None:
    """A child's marshalled results, what its parameters received and what else its answers rested on (it
    is reaped), or None if it did not finish."""
    try:
        with os.fdopen(fd, "rb") as pipe:
            data = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
