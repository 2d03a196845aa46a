"""The MCP face of the tools: a low-level SDK ``Server`` over the tool registry.

The low-level server is used rather than ``MCPServer`` so that listing can be
filtered per caller, errors keep their structure, and a call costs little more
than a ping (arguments are validated by a compiled pydantic model; results are
not re-validated on the way out).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from code_scalpel import __version__
from code_scalpel.auth.principal import ANONYMOUS, LOCAL, Principal, principal_of
from code_scalpel.errors import ScalpelError
from code_scalpel.server.runtime import Runtime
from code_scalpel.tools.base import ToolContext, ToolSpec

log = logging.getLogger("code_scalpel.server")

#: JSON-RPC error code for a call refused by a policy (scope, tier); -32000..-32099 is for servers.
FORBIDDEN = -32003

INSTRUCTIONS = (
    "Code Scalpel parses code (never runs it) and answers structural questions: analyze_code for a file's "
    "structure, extract_code for one symbol's exact source, get_file_context for a cheap outline. "
    "Paths are relative to the server's roots."
)


def _principal(ctx: Any) -> Principal:
    request = getattr(ctx, "request", None)
    if request is None:
        return LOCAL
    return principal_of(request.scope) or ANONYMOUS


def _client_ip(ctx: Any) -> str | None:
    """The resolved client address (ClientAddressMiddleware), for per-address concurrency of anonymous callers."""
    request = getattr(ctx, "request", None)
    state = getattr(request, "scope", {}).get("state") if request is not None else None
    return state.get("client_ip") if isinstance(state, dict) else None


def _audited(runtime: Runtime, call_tool: Any) -> Any:
    """On stdio (no HTTP layer to do it) write one audit line per tool call; HTTP calls are audited there."""
    import time

    from code_scalpel.audit.redact import clean, digest_arguments

    async def audited(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        if getattr(ctx, "request", None) is not None:
            return await call_tool(ctx, params)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await call_tool(ctx, params)
            outcome = "tool_error" if result.is_error else "ok"
            return result
        finally:
            principal = _principal(ctx)
            runtime.audit_log.write(  # type: ignore[union-attr]
                {
                    "event": "tool_call",
                    "tool": clean(params.name, 128),
                    "args": digest_arguments(params.arguments or {}),
                    "outcome": outcome,
                    "principal": {"method": principal.method, "id": principal.key_id or principal.subject},
                    "transport": "stdio",
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                }
            )

    return audited


def _mcp_tool(spec: ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=spec.input_schema(),
        output_schema=spec.output_schema,
        annotations=types.ToolAnnotations(
            title=spec.title, read_only_hint=spec.read_only, destructive_hint=not spec.read_only, open_world_hint=False
        ),
    )


def _error_result(error: ScalpelError, stamp: dict[str, Any]) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=f"{error.code}: {error.message}")],
        structured_content={"error": error.to_dict(), **stamp},
        is_error=True,
    )


def _argument_error(tool: str, exc: ValidationError) -> MCPError:
    # Field names and expectations only: the rejected values are the caller's data.
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(arguments)'}: {err['msg']}" for err in exc.errors()
    )
    return MCPError(code=types.INVALID_PARAMS, message=f"invalid arguments for {tool}: {problems}")


def build_server(runtime: Runtime) -> Server[Any]:
    listed = {name: _mcp_tool(spec) for name, spec in runtime.tools.items()}

    def visible(ctx: ToolContext) -> list[types.Tool]:
        return [listed[n] for n, spec in runtime.tools.items() if runtime.denial(spec, ctx) is None]

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=visible(runtime.context(_principal(ctx))))

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        spec = runtime.tools.get(params.name)
        if spec is None:
            raise MCPError(
                code=types.INVALID_PARAMS,
                message=f"unknown tool {params.name!r}; call tools/list for the available tools",
            )
        tool_ctx = runtime.context(_principal(ctx))
        refusal = runtime.denial(spec, tool_ctx)
        if refusal is not None:
            raise MCPError(code=FORBIDDEN, message=refusal.message, data=refusal.to_dict())
        try:
            args = spec.args.model_validate(params.arguments or {})
        except ValidationError as exc:
            raise _argument_error(spec.name, exc) from None

        session = ctx.session

        def progress(done: float, total: float | None, message: str | None) -> None:
            # A no-op in the SDK unless the client sent a progress token.
            anyio.from_thread.run(session.report_progress, done, total, message)

        tool_ctx.progress = progress

        def refuse(error: ScalpelError) -> types.CallToolResult:
            result = _error_result(error, tool_ctx.stamp)
            if runtime.decorate_result is not None and result.structured_content is not None:
                # A refusal by a limit (too_large) names the tier that lifts it, like a cut result.
                result.structured_content = runtime.decorate_result(result.structured_content)
            return result

        try:
            if runtime.call_guard is not None:
                result = await runtime.call_guard.run(
                    tool_ctx.principal, spec.name, tool_ctx, lambda: spec.run(args, tool_ctx), client=_client_ip(ctx)
                )
            else:
                result = await anyio.to_thread.run_sync(spec.run, args, tool_ctx, abandon_on_cancel=True)
        except ScalpelError as exc:
            log.info("tool %s refused: %s", spec.name, exc.code)
            return refuse(exc)
        except anyio.get_cancelled_exc_class():
            tool_ctx.cancelled.set()  # the abandoned worker stops at its next progress check
            raise
        except RecursionError:
            return refuse(ScalpelError("the code is nested too deeply to analyze"))
        except Exception:
            log.exception("tool %s failed unexpectedly", spec.name)
            return refuse(ScalpelError("internal error; the server log has the details"))
        result = {**result, **tool_ctx.stamp}
        if runtime.decorate_result is not None:
            result = runtime.decorate_result(result)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=spec.summarize(result))],
            structured_content=result,
        )

    return Server(
        "code-scalpel",
        version=__version__,
        title="Code Scalpel",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=_audited(runtime, call_tool) if runtime.audit_log is not None else call_tool,
        get_tool_input_schema=lambda name: listed[name].input_schema if name in listed else None,
    )
