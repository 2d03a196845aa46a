"""The project index: file summaries kept fresh incrementally, and the call graph derived from them.

An unchanged file (same size and mtime, or same content hash) is never parsed
again; a changed file is parsed alone and only its call edges are recomputed,
unless what other modules can see of it (its interface) changed, in which case
the edges of every file are recomputed from the summaries (no parsing).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import marshal
import os
import stat
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from code_scalpel.errors import FileUnreadable
from code_scalpel.project.cache import SummaryCache
from code_scalpel.project.calls import file_calls
from code_scalpel.project.resolve import Resolver, reach_signature
from code_scalpel.project.shares import can_fork, resolve_in_shares
from code_scalpel.project.summary import is_name, summarize
from code_scalpel.project.walker import FileEntry, module_name, walk_python_files
from code_scalpel.sandbox import decode_source

log = logging.getLogger(__name__)

Progress = Callable[[float, float | None, str | None], None]

#: Below this many files to parse, a process pool costs more than it saves.
POOL_THRESHOLD = 150


def default_workers() -> int:
    """Processes for a big build: one per core (up to 8), both to parse and to resolve the calls.

    Measured with bench/project_bench.py on the 2-core machine this was built on, shared with other
    jobs: two parse workers and two resolution shares built the standard library's map and call graph
    in 12.2-15.3 s against 18.5-21.9 s in one process (6 runs).  ``CODE_SCALPEL_INDEX_WORKERS=1``
    turns both off.
    """
    cores = os.cpu_count() or 1
    return min(cores, 8)


def digest_of(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def snapshot_of(digests: dict[str, bytes]) -> str:
    """One digest of a project's files (path -> content digest): what stored call results are those of."""
    h = hashlib.blake2b(digest_size=16)
    for rel in sorted(digests):
        h.update(rel.encode("utf-8", "surrogatepass") + b"\0" + digests[rel])
    return h.hexdigest()


def parse_file(path: str, rel: str, max_bytes: int) -> tuple[str, int, int, bytes, bytes]:
    """Read, hash and summarize one file; returns marshalled bytes (cheap to send between processes)."""
    import gc

    gc.disable()  # summaries are many small tuples: collecting while building them costs a lot
    try:
        return _parse_file(path, rel, max_bytes)
    finally:
        gc.enable()


def _parse_file(
    path: str, rel: str, max_bytes: int, keep: dict[str, Any] | None = None
) -> tuple[str, int, int, bytes, bytes]:
    """Like :func:`parse_file`; with ``keep``, also leaves the summary object there (no unmarshalling)."""
    module, is_pkg = module_name(rel)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):  # swapped for a FIFO or device since the walk
                return rel, 0, 0, b"", marshal.dumps(_error_summary(module, is_pkg, "not a regular file"))
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        summary = _error_summary(module, is_pkg, f"cannot read: {exc.strerror}")
        return rel, 0, 0, b"", marshal.dumps(summary)
    if len(data) > max_bytes:
        summary = _error_summary(module, is_pkg, f"larger than max_file_bytes ({max_bytes})")
    else:
        try:
            summary = summarize(decode_source(data, rel), module, is_pkg)
        except FileUnreadable as exc:
            summary = _error_summary(module, is_pkg, exc.message)
    if keep is not None:
        keep[rel] = summary
    return rel, st.st_size, st.st_mtime_ns, digest_of(data), marshal.dumps(summary)


def _parse_chunk(items: list[tuple[str, str]], max_bytes: int) -> list[tuple[str, int, int, bytes, bytes]]:
    return [parse_file(path, rel, max_bytes) for path, rel in items]


def _error_summary(module: str, is_pkg: bool, message: str) -> dict[str, Any]:
    return {
        "module": module,
        "is_pkg": is_pkg,
        "lines": 0,
        "scopes": {},
        "imports": [],
        "main": None,
        "error": {"message": message, "line": 0, "column": 0},
    }


class ProjectIndex:
    """Everything known about one project root; thread-safe (one refresh at a time)."""

    def __init__(self, root: Path, contains: Callable[[Path], bool], cache_dir: Path | None, workers: int = 0) -> None:
        self.root = root
        self.contains = contains
        self.cache = SummaryCache(cache_dir, root) if cache_dir is not None else None
        self.workers = workers if workers > 0 else default_workers()
        self.lock = threading.RLock()
        self.files: dict[str, tuple[int, int, bytes]] = {}  # rel -> (size, mtime_ns, digest)
        self.summaries: dict[str, dict[str, Any]] = {}
        self._fresh: dict[str, dict[str, Any]] = {}  # summaries parsed in this process, not yet adopted
        self.truncated = False
        self.resolver: Resolver | None = None
        self.results: dict[str, dict[str, Any]] = {}
        #: What each parameter was found to receive while the results were computed, in every process:
        #: the answers may rest on it, so an edit that changes it re-resolves every file.
        self.received: dict[tuple[str, str], bytes] = {}
        self.stale: set[str] = set()
        #: Stale files whose call sites may now pass other values (see :func:`passes`).
        self.passes_changed: set[str] = set()
        self.full_recompute = True
        #: Whether the resolver holds what every current result rested on besides the interfaces (absent
        #: names, used returns: :meth:`Resolver.seen`): recorded while computing them, or stored with them.
        self.seen_known = False
        #: The snapshot of results loaded (or to be loaded) from the cache whose record has not been read yet.
        self.seen_pending: str | None = None
        #: The resolver's :meth:`~Resolver.seen_state` when its record was last stored (None: none stored).
        self.seen_stored: tuple[int, ...] | None = None
        self.results_checked = False
        #: After a restart, the snapshot of the cached files when the stored call results are theirs: those
        #: files were taken as the state before the first refresh, and the results are loaded on first need.
        self.baseline: str | None = None
        self.loaded = False
        #: Bumped whenever the call results change, so derived views (the graph) know when to rebuild.
        self.generation = 0
        self.derived: dict[str, tuple[int, Any]] = {}
        #: (generation, files whose call results it recomputed, or None for all): lets views update in place.
        self.change_log: list[tuple[int, set[str] | None]] = []
        #: Counters tests and benchmarks read: how much work each refresh really did.
        self.stats: dict[str, Any] = {
            "parsed": 0,
            "reused": 0,
            "last_parsed": [],
            "cache_hits": 0,
            "refreshes": 0,
            "received_checks": 0,  # body-only edits whose call sites changed: what parameters receive compared
            #: edits that changed what a parameter receives where only its own file read it (that file re-resolved)
            "received_local": 0,
            "unseen_changes": 0,  # interface edits no answer had seen (see interface_growth): handled as body-only
            "resolved": 0,  # files whose calls were resolved, all refreshes together
        }

    # -- freshness ----------------------------------------------------------------------------
    def refresh(
        self, progress: Progress | None = None, max_files: int | None = None, max_bytes: int = 10 << 20
    ) -> dict:
        with self.lock, _no_gc():
            return self._refresh(progress, max_files, max_bytes)

    def _refresh(self, progress: Progress | None, max_files: int | None, max_bytes: int) -> dict:
        self.stats["refreshes"] += 1
        self._fresh.clear()
        cached: dict[str, tuple[int, int, bytes, dict[str, Any]]] = {}
        if not self.loaded:
            self.loaded = True
            if self.cache is not None:
                cached = self.cache.load()
                self._adopt(cached)
        entries, self.truncated = walk_python_files(self.root, self.contains, max_files=max_files)
        todo: list[FileEntry] = []
        seen = set()
        for entry in entries:
            seen.add(entry.rel)
            known = self.files.get(entry.rel)
            if known is not None and known[0] == entry.size and known[1] == entry.mtime_ns:
                self.stats["cache_hits"] += entry.rel in cached
                continue
            record = cached.get(entry.rel)
            if record is not None and record[0] == entry.size and record[1] == entry.mtime_ns:
                # Stored results of other files than these: the summary is reused, the calls are not.
                self.files[entry.rel] = record[:3]
                self.summaries[entry.rel] = record[3]
                self.stats["cache_hits"] += 1
                continue
            todo.append(entry)
        removed = [rel for rel in self.files if rel not in seen]
        parsed = self._parse(todo, progress, max_bytes)
        changed: list[str] = []
        records = []
        for rel, size, mtime, digest, blob in parsed:
            known = self.files.get(rel)
            if known is None and rel in cached and cached[rel][2] == digest:
                known = cached[rel][:3]
            self.files[rel] = (size, mtime, digest)
            records.append((rel, size, mtime, digest, blob))
            if known is not None and known[2] == digest and rel in self.summaries:
                continue  # touched, not changed
            changed.append(rel)
            fresh = self._fresh.pop(rel, None)
            self._replace(rel, fresh if fresh is not None else marshal.loads(blob))
        self._fresh.clear()
        for rel in removed:
            self.files.pop(rel, None)
            self._replace(rel, None)
        if self.cache is not None and (records or removed or (cached and len(cached) != len(self.files))):
            stale_rows = [rel for rel in cached if rel not in self.files]
            self.cache.store(records, removed + stale_rows)
        self.stats["last_parsed"] = [p[0] for p in parsed]
        self.stats["parsed"] += len(parsed)
        self.stats["reused"] = len(entries) - len(parsed)
        return {"files": len(entries), "parsed": len(parsed), "changed": len(changed), "removed": len(removed)}

    def _parse(self, todo: list[FileEntry], progress: Progress | None, max_bytes: int) -> list[tuple]:
        if not todo:
            return []
        total = len(todo)
        out: list[tuple] = []
        if self.workers > 1 and total >= POOL_THRESHOLD:
            import multiprocessing

            chunk = max(16, total // (self.workers * 8))
            batches = [[(str(e.path), e.rel) for e in todo[i : i + chunk]] for i in range(0, total, chunk)]
            pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"))
            try:
                for result in pool.map(_parse_chunk, batches, [max_bytes] * len(batches)):
                    # Unpacked while the workers parse the rest, not all at the end.
                    for item in result:
                        self._fresh[item[0]] = marshal.loads(item[4])
                    out.extend(result)
                    if progress is not None:
                        progress(len(out), total, f"parsed {len(out)}/{total} files")
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            return out
        for i, entry in enumerate(todo):
            out.append(_parse_file(str(entry.path), entry.rel, max_bytes, self._fresh))
            if progress is not None and (i % 50 == 49 or i + 1 == total):
                progress(i + 1, total, f"parsed {i + 1}/{total} files")
        return out

    def _replace(self, rel: str, summary: dict[str, Any] | None) -> None:
        old = self.summaries.get(rel)
        if self.resolver is not None:
            self.resolver.remove(rel)
            if summary is not None:
                self.resolver.summaries[rel] = summary
                self.resolver.add(rel, summary)
            else:
                self.resolver.summaries.pop(rel, None)
        if summary is None:
            self.summaries.pop(rel, None)
            self.results.pop(rel, None)
        else:
            self.summaries[rel] = summary
        if self.full_recompute:
            return
        if old is None or summary is None:
            self.full_recompute = True
            return
        before, after = _interface_parts(old), _interface_parts(summary)
        if _fingerprint(before) != _fingerprint(after):
            # Names added that no answer so far looked for (a new function, say), returns that no answer used:
            # nothing computed changes, and the edit is handled like one of bodies.
            change = interface_growth(old, summary, before, after)
            if change is None or not self._seen_known() or self.ensure_resolver().rests_on(*change):
                self.full_recompute = True
                return
            self.stats["unseen_changes"] += 1
        self.stale.add(rel)
        if passes(old) != passes(summary):
            self.passes_changed.add(rel)

    # -- call graph ---------------------------------------------------------------------------
    def call_results(self, progress: Progress | None = None) -> dict[str, dict[str, Any]]:
        """Per-file call edges, recomputed only where stale."""
        with self.lock, _no_gc():
            if self.baseline is not None:
                self._load_baseline()
                if not self.stale and not self.full_recompute:
                    return self.results
            if self.full_recompute and self.cache is not None and not self.results_checked:
                # A restart on an unchanged project: the stored results are exactly those of these files.
                self.results_checked = True
                snapshot = self._snapshot()
                if self._use_stored_results(snapshot):
                    self.seen_pending = snapshot
                    self.full_recompute = False
                    self.stale = set()
                    return self.results
            resolver = self.ensure_resolver()
            changed: set[str] | None = set()
            blobs: dict[str, bytes] = {}
            if self.full_recompute:
                resolver.reset()
                self.seen_pending = None  # the record is made anew
                self.results = {}
                self.received = {}
                self.stale = set(self.summaries)
                self.full_recompute = False
                blobs = self._compute(self.stale, progress)
                self.seen_known = True
                changed = None
            elif self.stale:
                # Only bodies changed: what other modules see of these files is the same, so the resolver keeps
                # its answers about everything else and forgets the changed files' scopes.  Their calls may now
                # pass other values to functions elsewhere, and answers anywhere can rest on what a parameter
                # receives (a callback stored on self and called from a third file): if a parameter of a
                # function they call receives other values than before, that function's file is resolved
                # again when only its own answers can have read them, and every file otherwise.
                self._seen_known()  # read before anything is stored: storing without it drops it
                stale = set(self.stale)
                received = dict(self.received)
                called = self._flow_targets(stale)
                resolver.forget(self._scopes_of(stale))
                blobs = self._compute(stale, progress)
                check = bool(stale & self.passes_changed)
                self.stats["received_checks"] += check
                receiving: set[str] = set()
                if check:
                    receiving = resolver.receiving_otherwise(received, called | self._flow_targets(stale))
                if receiving and (not self._seen_known() or not resolver.read_only_inside(receiving)):
                    resolver.reset()
                    self.results = {}
                    self.received = {}
                    blobs = self._compute(set(self.summaries), progress)
                    self.seen_known = True
                    changed = None
                else:
                    changed = stale  # what the parameters received is recorded by _compute
                    self.stats["received_local"] += bool(receiving)
                    readers = {resolver.scope_rel[fq] for fq in receiving} - stale
                    if readers:
                        resolver.forget(self._scopes_of(readers))
                        blobs.update(self._compute(readers, progress))
                        changed = stale | readers
            if self.stale:
                self.generation += 1
                self.change_log.append((self.generation, changed))
                del self.change_log[:-64]
                if self.cache is not None:
                    seen, unchanged = self._seen_to_store(changed is None)
                    self.cache.store_results(
                        self._snapshot(), self.results, self.received, changed, blobs, seen, unchanged
                    )
            self.stale = set()
            self.passes_changed = set()
            return self.results

    def _load_baseline(self) -> None:
        """The stored call results of the files adopted at the restart (:meth:`_adopt`), unless an edit since
        means every file is resolved again anyway."""
        assert self.baseline is not None
        baseline, self.baseline = self.baseline, None
        if self.full_recompute or not self._use_stored_results(baseline):
            self.full_recompute = True

    def _use_stored_results(self, snapshot: str) -> bool:
        """Takes the call results stored for ``snapshot``, if they are there, whole and of these files."""
        assert self.cache is not None
        stored = self.cache.load_results(snapshot)
        if stored is None or set(stored[0]) != set(self.summaries):
            return False
        self.results, self.received = stored
        self.stats["results_from_cache"] = True
        self.generation += 1
        self.change_log.append((self.generation, None))
        return True

    def _seen_known(self) -> bool:
        """Whether :attr:`seen_known`, reading the record stored with cached results on first need."""
        if self.seen_pending is not None and self.cache is not None:
            record = self.cache.load_seen(self.seen_pending)
            self.seen_pending = None
            if record is not None:
                resolver = self.ensure_resolver()
                for blob in record:
                    resolver.add_seen(blob)
                self.seen_known = True
                self.seen_stored = resolver.seen_state()
        return self.seen_known

    def _seen_to_store(self, everything: bool) -> tuple[list[bytes] | None, bool]:
        """The record to store with the results (None: drop the stored one), or whether it is unchanged."""
        if not self.seen_known or self.resolver is None:
            self.seen_stored = None
            return None, False
        state = self.resolver.seen_state()
        if not everything and state == self.seen_stored:
            return None, True
        self.seen_stored = state
        return self.resolver.seen_record(), False

    def ensure_resolver(self) -> Resolver:
        """The resolver over the current summaries (created on first need: cached results do not need it)."""
        with self.lock:
            if self.resolver is None:
                self.resolver = Resolver(self.summaries)
            return self.resolver

    def _snapshot(self) -> str:
        return snapshot_of({rel: record[2] for rel, record in self.files.items()})

    def _adopt(self, cached: dict[str, tuple[int, int, bytes, dict[str, Any]]]) -> None:
        """After a restart: if the stored call results are those of the cached files, take those files as
        the state before this refresh, so that what changed while no server ran is handled as edits are
        (a body edited re-resolves its file, not the project)."""
        assert self.cache is not None
        snapshot = snapshot_of({rel: record[2] for rel, record in cached.items()})
        if not cached or self.cache.results_snapshot() != snapshot:
            return
        for rel, (size, mtime, digest, summary) in cached.items():
            self.files[rel] = (size, mtime, digest)
            self.summaries[rel] = summary
        self.baseline = self.seen_pending = snapshot
        self.results_checked = True
        self.full_recompute = False

    def changed_since(self, generation: int) -> set[str] | None:
        """Files whose call results changed after ``generation``; None when unknown or everything."""
        entries = [rels for gen, rels in self.change_log if gen > generation]
        if len(entries) != self.generation - generation or any(r is None for r in entries):
            return None
        return set().union(*entries) if entries else set()

    def _scopes_of(self, rels: set[str]) -> set[str]:
        return {q for rel in rels if rel in self.summaries for q in self.summaries[rel]["scopes"]}

    def _compute(self, rels: set[str], progress: Progress | None) -> dict[str, bytes]:
        """Resolves the calls of ``rels``; returns the results already marshalled (by the shares), by file."""
        assert self.resolver is not None
        todo = sorted(rel for rel in rels if rel in self.summaries)
        total = len(todo)
        n = self.workers if total >= POOL_THRESHOLD and can_fork() else 1

        reported = 0

        def report(done: int) -> None:
            nonlocal reported
            if progress is not None and (done - reported >= 100 or done == total):
                reported = done
                progress(done, total, f"resolved calls in {done}/{total} files")

        self.stats["resolver_processes"] = n
        self.stats["resolved"] += total
        if n > 1:
            results, received, blobs = resolve_in_shares(self.resolver, self.summaries, todo, n, report)
            self.results.update(results)
            self.received.update(received)
            return blobs
        for i, rel in enumerate(todo):
            self.results[rel] = file_calls(self.resolver, self.summaries[rel])
            report(i + 1)
        self.received.update(self.resolver.received())
        return {}

    def _flow_targets(self, rels: set[str]) -> set[str]:
        """The project functions these files' calls pass non-literal values to."""
        return {fq for rel in rels if rel in self.results for fq, _ in self.results[rel]["flows"]}

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


_gc_lock = threading.Lock()
#: Net new container objects since the last collection above which a build counts as big.
_FREEZE_AFTER = 1_000_000
_gc_depth = 0


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Summaries are millions of small acyclic tuples: the cyclic GC would rescan them over and over.

    Collection is suspended while they are built.  After a big build the survivors are frozen out of
    future scans (a full collection over millions of live tuples would stall a later call); freezing is
    kept to big builds because it also pins whatever cyclic garbage other threads have pending.
    """
    global _gc_depth
    with _gc_lock:
        _gc_depth += 1
        if _gc_depth == 1:
            gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                if gc.get_count()[0] > _FREEZE_AFTER:
                    gc.freeze()
                gc.enable()


def interface(summary: dict[str, Any]) -> bytes:
    """A fingerprint of what other modules can observe of this one, blind to positions.

    A name is kept with which of its scope's bindings reach it, not where it is: moving a line keeps the
    fingerprint, moving a ``return`` past an assignment does not.
    """
    return _fingerprint(_interface_parts(summary))


def _fingerprint(parts: dict[str, tuple[tuple, dict[str, tuple]]]) -> bytes:
    return digest_of(repr(list(parts.items())).encode())


def interface_growth(
    old: dict[str, Any],
    new: dict[str, Any],
    before: dict[str, tuple[tuple, dict[str, tuple]]],
    after: dict[str, tuple[tuple, dict[str, tuple]]],
) -> tuple[dict[str, set[str]], set[str]] | None:
    """How an edit changed a module's interface (``before`` and ``after``: the two summaries' interface
    parts), if only by names added to module and class scopes and by what functions return: (scope ->
    names added, functions whose returns changed); None if by more.

    New functions and lambdas may come with the names, unless they assign attributes (``self.x = ...``
    makes an attribute of every instance of the class, ``mod.hook = f`` patches another module); a new
    class may not (the class hierarchy is worked out once for all files).  A function whose returns
    changed may have no nested scope and assign no attribute: then nothing but its returns reads the
    locals that changed with them.
    """
    added: dict[str, set[str]] = {}
    returning: set[str] = set()
    for q, (fixed, names) in before.items():
        now = after.get(q)
        if now is None:
            return None
        if now == (fixed, names):
            continue
        kind = fixed[1]
        if kind in ("module", "class") and now[0] == fixed:
            if any(now[1].get(name) != seen for name, seen in names.items()):
                return None
            added[q] = set(now[1]) - set(names)
        elif kind in ("function", "lambda") and now[0][:_RETURNS] == fixed[:_RETURNS] and now[0][-1] == fixed[-1]:
            if fixed[-1] or any(scope["p"] == q for summary in (old, new) for scope in summary["scopes"].values()):
                return None
            returning.add(q)
        else:
            return None
    for q in after.keys() - before.keys():
        scope = new["scopes"][q]
        if scope["k"] not in ("function", "lambda") or scope["attrs"]:
            return None
    return added, returning


#: Where the returns and yields start in an interface part (the attributes assigned come last).
_RETURNS = 12


def _interface_parts(summary: dict[str, Any]) -> dict[str, tuple[tuple, dict[str, tuple]]]:
    """Scope -> (what other modules can observe of it but its bindings, its bindings by name)."""
    scopes = summary["scopes"]
    nested: dict[str, list[dict[str, Any]]] = {}
    for scope in scopes.values():
        if scope["p"] is not None:
            nested.setdefault(scope["p"], []).append(scope)
    parts = {}
    for q, scope in scopes.items():
        bindings = scope["b"]
        if scope["k"] in ("function", "lambda"):
            # A local that nothing observable reads (a temporary of the body) is the body's business.
            seen = _observed_names(scope, nested)
            bindings = {name: bs for name, bs in bindings.items() if name in seen}
        here = _reaches(scope)
        parent = scopes.get(scope["p"]) if scope["p"] is not None else None
        outer = _reaches(parent) if parent is not None else here  # bases and defaults are evaluated outside
        fixed = (
            q,
            scope["k"],
            tuple(scope["params"]),
            tuple(scope["kwonly"]),
            scope["vararg"],
            scope["kwarg"],
            scope["mk"],
            tuple(scope["star"]),
            tuple(scope["glob"]),
            tuple(scope["nonloc"]),
            tuple(outer(b) for b in scope["bases"]),
            tuple((name, outer(d)) for name, d in scope["defaults"].items()),
            tuple(here(r) for r in scope["ret"]),
            tuple(here(y) for y in scope["yld"]),
            tuple((here(b), a, here(v)) for b, a, v in scope["attrs"]),
        )
        parts[q] = (fixed, {name: _described(here, bs) for name, bs in bindings.items()})
    return parts


def passes(summary: dict[str, Any]) -> bytes:
    """A fingerprint of what a module's call sites pass (its calls with arguments that are not literals),
    blind to positions like :func:`interface`.

    Each call is kept with the bindings of the scope that its names read, and theirs in turn.  The
    values an argument evaluates to, where parameters receive none from call sites, rest on nothing
    else that a body-only edit can change: when this is the same, every parameter of the project
    receives what it did, and the edit needs no global check (which, in a file another process
    resolved in the cold build, first groups every call site of the project spelled like a callee).
    """
    scopes = summary["scopes"]
    by_scope: dict[str, list[tuple]] = {}
    for sites in summary.get("sites", {}).values():
        for q, call in sites:
            by_scope.setdefault(q, []).append(call)
    parts = []
    for q, calls in by_scope.items():
        scope = scopes[q]
        here = _reaches(scope)
        read = sorted(_names_read(scope, list(calls)))
        bindings = tuple((name, _described(here, scope["b"].get(name, ()))) for name in read)
        parts.append((q, tuple(here(call) for call in calls), bindings))
    return digest_of(repr(parts).encode())


def _described(here: Callable[[Any], Any], bindings: list[tuple]) -> tuple:
    """Bindings of a name as fingerprints keep them: each value by what reaches it, and whether it is
    unconditional."""
    return tuple((here(e), blk == 0) for _, e, blk in bindings)


def _observed_names(function: dict[str, Any], nested: dict[str, list[dict[str, Any]]]) -> set[str]:
    """Names of a function whose values other modules can observe, through what it returns or yields or
    assigns to attributes, or through the scopes nested in it (anything of theirs may read its names):
    those, and what their bindings read in turn."""
    exprs = [*function["ret"], *function["yld"], *(e for b, _, v in function["attrs"] for e in (b, v))]
    inner = list(nested.get(function["q"], ()))
    while inner:
        scope = inner.pop()
        exprs += [*scope["ret"], *scope["yld"], *scope["bases"], *scope["defaults"].values()]
        exprs += [e for b, _, v in scope["attrs"] for e in (b, v)]
        exprs += [e for bs in scope["b"].values() for _, e, _ in bs]
        exprs += [call for _, _, call in scope["calls"]]
        inner += nested.get(scope["q"], ())
    return _names_read(function, exprs)


def _names_read(scope: dict[str, Any], exprs: list[Any]) -> set[str]:
    """The names ``exprs`` read, and those that the bindings of these names in ``scope`` read in turn."""
    names: set[str] = set()
    while exprs:
        for name in _names_in(exprs.pop()):
            if name not in names:
                names.add(name)
                exprs += [e for _, e, _ in scope["b"].get(name, ())]
    return names


def _names_in(expr: Any) -> Iterator[str]:
    if not isinstance(expr, tuple):
        return
    if is_name(expr):
        yield expr[1]
        return
    for e in expr:
        yield from _names_in(e)


def _reaches(scope: dict[str, Any]) -> Callable[[Any], Any]:
    """Rewrites an expression of ``scope`` with each name as (name, the bindings that reach it)."""

    def rewrite(expr: Any) -> Any:
        if not isinstance(expr, tuple):
            return expr
        if is_name(expr):
            return ("n", expr[1], reach_signature(scope, scope["b"].get(expr[1]), expr[2], expr[3]))
        return tuple(rewrite(e) for e in expr)

    return rewrite
