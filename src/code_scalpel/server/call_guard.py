"""Concurrency and time budgets for tool calls, at the MCP tool-call layer.

Rate limits count requests; this bounds what runs *at once*.  A principal may
have at most ``max_concurrent`` calls in flight (the next one is refused at
once with :class:`Busy`, never queued, so a client cannot pile up work), and a
call that runs past its tool's time budget is cancelled: ``ctx.cancelled`` is
set so the worker stops at its next progress check, the caller gets
:class:`BudgetExceeded` straight away, and the event loop never waited on the
worker.  The principal's slot is given back only when the worker has really
stopped, so abandoned threads still count against their owner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import anyio

from code_scalpel.auth.principal import Principal
from code_scalpel.errors import ScalpelError
from code_scalpel.tools.base import ToolContext

T = TypeVar("T")

DEFAULT_BUDGET_SECONDS = 60.0


class Busy(ScalpelError):
    code = "too_many_concurrent_calls"


class BudgetExceeded(ScalpelError):
    code = "time_budget_exceeded"


def principal_key(principal: Principal, client: str | None = None) -> str:
    # Unauthenticated HTTP callers all share the anonymous principal: tell them apart by address,
    # so one client's slow calls cannot take every slot.
    if principal.method == "anonymous" and client:
        return f"address:{client}"
    return f"{principal.method}:{principal.key_id or principal.subject}"


class CallGuard:
    def __init__(
        self,
        max_concurrent: int | Callable[[Principal], int] = 8,
        budgets: Mapping[str, float] | None = None,
        default_budget: float | None = DEFAULT_BUDGET_SECONDS,
    ) -> None:
        self._max = max_concurrent
        self.budgets = dict(budgets or {})
        self.default_budget = default_budget
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}

    @classmethod
    def from_table(cls, table: Mapping[str, Any], max_concurrent: int) -> CallGuard:
        """From the config file's ``[rate_limits]`` table: ``tool_budgets`` and ``default_budget`` (seconds)."""
        budgets = {str(k): float(v) for k, v in (table.get("tool_budgets") or {}).items()}
        default = table.get("default_budget", DEFAULT_BUDGET_SECONDS)
        return cls(max_concurrent=max_concurrent, budgets=budgets, default_budget=float(default) if default else None)

    def max_for(self, principal: Principal) -> int:
        return self._max(principal) if callable(self._max) else self._max

    def budget_for(self, tool: str) -> float | None:
        return self.budgets.get(tool, self.default_budget)

    def in_flight(self, principal: Principal, client: str | None = None) -> int:
        with self._lock:
            return self._running.get(principal_key(principal, client), 0)

    def _acquire(self, key: str, limit: int) -> None:
        with self._lock:
            running = self._running.get(key, 0)
            if running >= limit:
                raise Busy(
                    f"{running} tool calls of yours are already running (the limit is {limit}); "
                    "wait for one to finish and call again",
                    limit=limit,
                )
            self._running[key] = running + 1

    def _release(self, key: str) -> None:
        with self._lock:
            left = self._running.get(key, 1) - 1
            if left > 0:
                self._running[key] = left
            else:
                self._running.pop(key, None)  # idle principals leave no state behind

    async def run(
        self, principal: Principal, tool: str, ctx: ToolContext, func: Callable[[], T], client: str | None = None
    ) -> T:
        """Run ``func`` (the tool's synchronous ``run``) in a worker thread under the guard.

        ``client``: the resolved client address, which keys unauthenticated callers.
        """
        key = principal_key(principal, client)
        self._acquire(key, self.max_for(principal))

        def worker() -> T:
            try:
                return func()
            finally:
                self._release(key)

        budget = self.budget_for(tool)
        try:
            with anyio.fail_after(budget):
                return await anyio.to_thread.run_sync(worker, abandon_on_cancel=True)
        except TimeoutError:
            ctx.cancelled.set()
            raise BudgetExceeded(
                f"{tool} ran past its time budget of {budget:g} s and was cancelled; "
                "narrow the request (a smaller file, directory or depth) and call again",
                budget_seconds=budget,
            ) from None
        except BaseException:
            ctx.cancelled.set()  # cancelled by the client: let the worker stop too
            raise
