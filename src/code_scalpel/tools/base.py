"""What a tool is: a thin adapter from MCP arguments to an analysis function.

A tool declares its arguments as a pydantic model (which gives the input
schema and fast validation), the JSON schema of its structured result, the
scope needed to call it, and a ``run`` function that takes the validated
arguments and a :class:`ToolContext`.  ``run`` is synchronous and runs in a
worker thread, so a long parse never stalls the event loop; it returns a plain
dict and raises :class:`~code_scalpel.errors.ScalpelError` for bad input.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from code_scalpel.auth.principal import LOCAL, Principal
from code_scalpel.errors import InvalidArgument, ScalpelError, TooLarge
from code_scalpel.sandbox import Sandbox
from code_scalpel.tool_limits import DEFAULT_LIMITS, ToolLimits


class Args(BaseModel):
    """Base for tool argument models: unknown arguments are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Cancelled(ScalpelError):
    code = "cancelled"


@dataclass
class ToolContext:
    sandbox: Sandbox
    limits: ToolLimits = DEFAULT_LIMITS
    principal: Principal = LOCAL
    data_dir: Path | None = None
    #: ``progress(done, total, message)``; safe to call from the worker thread.
    progress: Callable[[float, float | None, str | None], None] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    #: Extra fields a policy adds to every result (the tier, for instance).
    stamp: dict[str, Any] = field(default_factory=dict)
    #: ``() -> dict`` describing the running server as this caller sees it (for get_capabilities).
    describe_server: Callable[[], dict[str, Any]] | None = None

    def report(self, done: float, total: float | None = None, message: str | None = None) -> None:
        if self.cancelled.is_set():
            raise Cancelled("the request was cancelled by the client")
        if self.progress is not None:
            self.progress(done, total, message)

    def source(self, code: str | None, file_path: str | None) -> tuple[str, Path | None]:
        """The source text a tool analyzes: inline ``code`` or a sandboxed ``file_path`` (exactly one)."""
        if (code is None) == (file_path is None):
            raise InvalidArgument("pass exactly one of 'code' or 'file_path'")
        if code is not None:
            size = len(code.encode("utf-8", "surrogatepass"))
            if size > self.limits.max_code_bytes:
                raise TooLarge(
                    f"inline code is {size} bytes; the limit is {self.limits.max_code_bytes} bytes "
                    "(max_code_bytes): pass file_path instead, or a smaller excerpt",
                    limit="max_code_bytes",
                    limit_value=self.limits.max_code_bytes,
                    actual=size,
                )
            return code, None
        assert file_path is not None
        path, text = self.sandbox.read_source(file_path, self.limits.max_file_bytes)
        return text, path


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    args: type[Args]
    output_schema: dict[str, Any]
    run: Callable[[Any, ToolContext], dict[str, Any]]
    #: One concise line (or a few) for the text content; the structured content carries the detail.
    summarize: Callable[[dict[str, Any]], str]
    scope: str = "tools:read"
    read_only: bool = True
    #: Weight of one call against a rate limit (a project crawl costs more than an outline).
    cost: int = 1

    def input_schema(self) -> dict[str, Any]:
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        return schema
