"""Concurrency per principal and per-tool time budgets at the tool-call layer."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anyio
import pytest

from code_scalpel.auth.principal import Principal
from code_scalpel.sandbox import Sandbox
from code_scalpel.server.call_guard import BudgetExceeded, Busy, CallGuard
from code_scalpel.tools.base import Cancelled, ToolContext

ALICE = Principal(method="apikey", subject="alice", key_id="a1")
BOB = Principal(method="apikey", subject="bob", key_id="b1")


def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(sandbox=Sandbox([str(tmp_path)]))


def cooperative_loop(c: ToolContext, stopped: threading.Event) -> dict:
    try:
        while True:
            c.report(0)  # raises Cancelled once the guard gives up on us
            time.sleep(0.01)
    finally:
        stopped.set()


@pytest.mark.anyio
async def test_budget_cancels_the_call_and_others_keep_being_served(tmp_path: Path) -> None:
    guard = CallGuard(max_concurrent=2, budgets={"crawl": 0.3}, default_budget=5)
    slow_ctx, stopped = ctx(tmp_path), threading.Event()
    results: dict[str, object] = {}

    async def slow() -> None:
        try:
            await guard.run(ALICE, "crawl", slow_ctx, lambda: cooperative_loop(slow_ctx, stopped))
        except BudgetExceeded as exc:
            results["slow"] = exc

    async def quick() -> None:
        await anyio.sleep(0.05)
        results["quick"] = await guard.run(BOB, "outline", ctx(tmp_path), lambda: {"ok": True})

    async with anyio.create_task_group() as tg:
        tg.start_soon(slow)
        tg.start_soon(quick)
    assert results["quick"] == {"ok": True}  # answered while the runaway call was still running
    error = results["slow"]
    assert isinstance(error, BudgetExceeded)
    assert "crawl ran past its time budget of 0.3 s" in error.message
    assert error.to_dict()["code"] == "time_budget_exceeded"
    assert slow_ctx.cancelled.is_set()
    await anyio.to_thread.run_sync(stopped.wait, 5)  # the worker stopped at its next progress check
    with pytest.raises(Cancelled):
        slow_ctx.report(1)


@pytest.mark.anyio
async def test_concurrency_limit_per_principal(tmp_path: Path) -> None:
    guard = CallGuard(max_concurrent=2, default_budget=None)
    release = threading.Event()
    started = anyio.Event()
    count = 0
    outcomes: list[str] = []

    def blocking() -> str:
        nonlocal count
        count += 1
        if count == 2:
            anyio.from_thread.run_sync(started.set)
        release.wait(10)
        return "done"

    async def call(principal: Principal) -> None:
        try:
            outcomes.append(await guard.run(principal, "t", ctx(tmp_path), blocking))
        except Busy as exc:
            outcomes.append(exc.message)

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, ALICE)
        tg.start_soon(call, ALICE)
        await started.wait()
        assert guard.in_flight(ALICE) == 2
        await call(ALICE)  # third concurrent call of the same principal: refused at once
        assert guard.in_flight(BOB) == 0
        release.set()
    assert outcomes[0].startswith("2 tool calls of yours are already running (the limit is 2)")
    assert outcomes[1:] == ["done", "done"]
    assert guard.in_flight(ALICE) == 0 and guard._running == {}  # no state left for idle principals


@pytest.mark.anyio
async def test_abandoned_worker_keeps_its_slot_until_it_stops(tmp_path: Path) -> None:
    guard = CallGuard(max_concurrent=1, default_budget=0.1)
    gate = threading.Event()

    def stubborn() -> None:
        gate.wait(10)  # never checks ctx.cancelled: the slot stays taken until it returns

    with pytest.raises(BudgetExceeded):
        await guard.run(ALICE, "t", ctx(tmp_path), stubborn)
    with pytest.raises(Busy):
        await guard.run(ALICE, "t", ctx(tmp_path), lambda: None)
    gate.set()
    for _ in range(100):
        if guard.in_flight(ALICE) == 0:
            break
        await anyio.sleep(0.02)
    assert await guard.run(ALICE, "t", ctx(tmp_path), lambda: "free again") == "free again"


@pytest.mark.anyio
async def test_anonymous_callers_are_told_apart_by_address(tmp_path: Path) -> None:
    from code_scalpel.auth.principal import ANONYMOUS

    guard = CallGuard(max_concurrent=1, default_budget=None)
    gate = threading.Event()
    started = anyio.Event()

    def blocking() -> str:
        anyio.from_thread.run_sync(started.set)
        gate.wait(10)
        return "done"

    async with anyio.create_task_group() as tg:
        tg.start_soon(guard.run, ANONYMOUS, "t", ctx(tmp_path), blocking, "198.51.100.1")
        await started.wait()
        with pytest.raises(Busy):
            await guard.run(ANONYMOUS, "t", ctx(tmp_path), lambda: None, "198.51.100.1")
        assert (
            await guard.run(ANONYMOUS, "t", ctx(tmp_path), lambda: "other address", "198.51.100.2") == "other address"
        )
        gate.set()
