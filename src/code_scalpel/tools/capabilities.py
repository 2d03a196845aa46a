"""``get_capabilities``: what this server offers the caller, and under which limits."""

from __future__ import annotations

from typing import Any

from code_scalpel.tools.base import Args, ToolContext, ToolSpec


class CapabilitiesArgs(Args):
    pass


def run(_: CapabilitiesArgs, ctx: ToolContext) -> dict[str, Any]:
    assert ctx.describe_server is not None
    return ctx.describe_server()


def summarize(result: dict[str, Any]) -> str:
    server = result["server"]
    return (
        f"{server['name']} {server['version']} over {result['transport']}; "
        f"{len(result['tools'])} tools: {', '.join(result['tools'])}"
    )


OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
            "required": ["name", "version"],
        },
        "transport": {"type": "string"},
        "transports": {"type": "array", "items": {"type": "string"}},
        "tls": {"type": "boolean"},
        "roots": {"type": "array", "items": {"type": "string"}},
        "tools": {"type": "array", "items": {"type": "string"}},
        "limits": {"type": "object", "additionalProperties": {"type": ["integer", "string", "number"]}},
    },
    "required": ["server", "transport", "tools", "limits"],
}

TOOLS = [
    ToolSpec(
        name="get_capabilities",
        title="Server capabilities",
        description="Server version, transports, the tools this caller may use and the limits in force.",
        args=CapabilitiesArgs,
        output_schema=OUTPUT_SCHEMA,
        run=run,
        summarize=summarize,
    )
]
