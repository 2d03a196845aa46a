"""Every tool the server offers, gathered from the tool modules.

A tool module exports ``TOOLS: list[ToolSpec]``; adding a module here is all
it takes to offer its tools on every transport.
"""

from __future__ import annotations

import importlib

from code_scalpel.tools.base import ToolSpec

TOOL_MODULES = (
    "code_scalpel.tools.file_tools",
    "code_scalpel.tools.capabilities",
    "code_scalpel.tools.security_tools",
    "code_scalpel.tools.project_tools",
)


def all_tools() -> dict[str, ToolSpec]:
    tools: dict[str, ToolSpec] = {}
    for name in TOOL_MODULES:
        for spec in importlib.import_module(name).TOOLS:
            if spec.name in tools:
                raise RuntimeError(f"tool {spec.name!r} is defined twice")
            tools[spec.name] = spec
    return tools
