"""Function summaries: what a function does with tainted arguments.

A summary is computed once per function (and cached) by analyzing its body
with each parameter bound to a symbolic :class:`~.values.Param` origin.  It
records which parameters flow to the return value (and through which
sanitizers), and which parameters reach a sink inside the function or its
callees.  A call site then combines the summary with the taint of its actual
arguments without walking the callee again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from code_scalpel.scanning.values import Step, Value


@dataclass
class ParamSink:
    index: int
    rule: str
    file: str
    line: int
    col: int
    call: str
    steps: tuple[Step, ...]
    cleared: frozenset[str]
    weight: float


@dataclass
class Summary:
    returns: Value = None
    sinks: list[ParamSink] = field(default_factory=list)
    #: Parameter names by position, so keyword arguments map to indices.
    params: tuple[str, ...] = ()
    #: The file the function is in (steps inside it are labelled with it when seen from another file).
    file: str = ""
    #: True while being computed: a recursive call sees a conservative "returns its arguments".
    pending: bool = False

    def add_sink(self, sink: ParamSink) -> None:
        for known in self.sinks:
            if (
                known.index == sink.index
                and known.rule == sink.rule
                and known.line == sink.line
                and known.file == sink.file
            ):
                return
        if len(self.sinks) < 64:
            self.sinks.append(sink)
