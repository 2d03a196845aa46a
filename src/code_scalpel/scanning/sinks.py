"""Sink checks: does a tainted value reach a dangerous call in a dangerous way?

The table in :mod:`.rules` says which argument of which call is a sink; this
visitor applies it, plus the few checks that depend on the call's shape
(``shell=True``, the program of a subprocess, a safe YAML loader, an lxml
parser without entity resolution, a non-HTML response type, a URL whose
scheme and host are fixed).
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any

from code_scalpel.scanning.consts import UNKNOWN, fold
from code_scalpel.scanning.expr import _NO_SINK, ExprTaint, _join_all
from code_scalpel.scanning.names import dotted
from code_scalpel.scanning.rules import (
    RECEIVER_SINK_METHODS,
    RESPONSE_BODY_ATTRS,
    RESPONSE_FACTORIES,
    SAFE_YAML_LOADERS,
    SHELLS,
    SINK_CALLS,
    SINK_METHODS,
    Sink,
)
from code_scalpel.scanning.summaries import ParamSink
from code_scalpel.scanning.values import Elems, Flow, Source, Value, clean_for, flat

if TYPE_CHECKING:
    pass

#: Sinks whose result still carries the data (minus the rule just reported, so it is not reported twice).
ELEMENTPATH_METHODS = frozenset({"find", "findall", "iterfind", "findtext"})
_ELEMENTPATH = Sink("xpath-injection", (0,), ("path", "match"))
_KEEP_RESULT = frozenset({"sql-injection", "code-injection", "unsafe-deserialization", "xxe"})
_FIXED_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#{}%]+[/?#]")
_HTML_TYPES = ("text/html", "application/xhtml")


def constant_prefix(node: ast.expr | None) -> str | None:
    """The constant text a built string starts with (f-string, ``+``, ``%``, ``.format``)."""
    if node is None:
        return None
    kind = type(node)
    if kind is ast.Constant and isinstance(node.value, str):  # type: ignore[attr-defined]
        return node.value  # type: ignore[attr-defined]
    if kind is ast.JoinedStr and node.values and type(node.values[0]) is ast.Constant:  # type: ignore[attr-defined]
        return node.values[0].value  # type: ignore[attr-defined]
    if kind is ast.BinOp:
        left = constant_prefix(node.left)  # type: ignore[attr-defined]
        if left is None:
            return None
        if type(node.op) is ast.Mod:  # type: ignore[attr-defined]
            return left.split("%", 1)[0]
        return left
    if kind is ast.Call and type(node.func) is ast.Attribute and node.func.attr == "format":  # type: ignore
        base = node.func.value  # type: ignore[attr-defined]
        if type(base) is ast.Constant and isinstance(base.value, str):
            return base.value.split("{", 1)[0]
    return None


def _safe_by_prefix(rule: str, prefix: str | None) -> bool:
    if prefix is None:
        return False
    if rule == "ssrf":
        return bool(_FIXED_HOST.match(prefix))
    if rule == "open-redirect":
        return (len(prefix) >= 2 and prefix[0] == "/" and prefix[1] not in "/\\") or bool(_FIXED_HOST.match(prefix))
    return False


class SinkChecks(ExprTaint):
    prefixes: dict[str, str]
    safe_parsers: set[str]
    #: SAX parsers told to resolve external entities (``setFeature(feature_external_ges, True)``).
    unsafe_parsers: set[str]

    def check_call(
        self,
        node: ast.Call,
        q: str | None,
        attr: str | None,
        receiver: Value,
        args: list[Value],
        kwargs: dict[str, Value],
    ) -> Any:
        sink: Sink | None = SINK_CALLS.get(q) if q is not None else None
        callee = q or attr or "<call>"
        if attr is not None and attr in ("parse", "feed", "parseString") and args:
            owner = dotted(node.func.value)  # type: ignore[attr-defined]
            if owner is not None and owner in self.unsafe_parsers:
                self.report_value("xxe", args[0], node, f"{owner}.{attr}", 1.0)
                return None
        if attr == "set_cookie":
            value = args[1] if len(args) > 1 else kwargs.get("value")
            self.report_value("weak-random", value, node, f"{dotted(node.func.value) or '<response>'}.set_cookie", 1.0)  # type: ignore[attr-defined]
        if attr == "setFeature" and len(node.args) == 2:
            owner = dotted(node.func.value)  # type: ignore[attr-defined]
            feature = dotted(node.args[0]) or str(fold(node.args[0], self.consts))
            if owner is not None and feature.endswith(
                (
                    "feature_external_ges",
                    "feature_external_pes",
                    "external-general-entities",
                    "external-parameter-entities",
                )
            ):
                if fold(node.args[1], self.consts) is True:
                    self.unsafe_parsers.add(owner)
                else:
                    self.unsafe_parsers.discard(owner)
            return None
        if sink is None and attr in ELEMENTPATH_METHODS and type(node.func.value) is ast.Name:  # type: ignore
            # ElementPath on a parsed tree: tree.find(f"./user[@name='{x}']") is XPath injection.
            made_by = self.types.get(node.func.value.id, "")  # type: ignore[attr-defined]
            if "etree" in made_by or "ElementTree" in made_by:
                sink = _ELEMENTPATH
                callee = f"{node.func.value.id}.{attr}"  # type: ignore[attr-defined]
        if sink is None and attr is not None:
            sink = SINK_METHODS.get(attr)
            if sink is not None:
                callee = f"{dotted(node.func.value) or '<object>'}.{attr}"  # type: ignore[attr-defined]
        if attr is not None and receiver is not None and attr in RECEIVER_SINK_METHODS:
            rule = RECEIVER_SINK_METHODS[attr]
            self.report_value(rule, receiver, node, f"{dotted(node.func.value) or '<path>'}.{attr}", 1.0)  # type: ignore
            if sink is None:
                return None
        if sink is None:
            return _NO_SINK
        rule = sink.rule
        weight = sink.weight
        mode = sink.mode
        if mode:
            verdict = self._mode_check(mode, node, args, kwargs)
            if verdict is None:
                return _result(rule, args, kwargs)
            if verdict is not True:
                value, weight_factor = verdict
                self.report_value(rule, value, node, callee, weight * weight_factor)
                return _result(rule, args, kwargs)
        for i in sink.args:
            if i < len(args) and args[i] is not None:
                arg_node = node.args[i]
                if type(arg_node) is ast.Starred:
                    continue
                if not self._safe_shape(rule, arg_node):
                    self.report_value(rule, args[i], node, callee, weight)
        for key in sink.kwargs:
            value = kwargs.get(key)
            if value is not None:
                kw_node = next(k.value for k in node.keywords if k.arg == key)
                if not self._safe_shape(rule, kw_node):
                    self.report_value(rule, value, node, callee, weight)
        return _result(rule, args, kwargs)

    def _safe_shape(self, rule: str, node: ast.expr) -> bool:
        if rule not in ("ssrf", "open-redirect"):
            return False
        if type(node) is ast.Name:
            prefix = self.prefixes.get(node.id)
            return prefix == QUERY_ONLY or _safe_by_prefix(rule, prefix)
        return _safe_by_prefix(rule, constant_prefix(node)) or self.taints_only_query(node)

    def taints_only_query(self, node: ast.expr) -> bool:
        """A URL built from clean parts where user data appears only after a literal ``?`` or ``#``.

        ``f"{url_for('login')}?next={request.url}"`` cannot change where the request or redirect goes.
        """
        parts = _url_parts(node)
        if parts is None or (type(parts[0]) is ast.Constant and not parts[0].value):  # type: ignore[attr-defined]
            return False
        seen = ""
        for i, part in enumerate(parts):
            if type(part) is ast.Constant:
                seen += str(part.value)  # type: ignore[attr-defined]
                continue
            if self.is_tainted(part):
                return i > 0 and ("?" in seen or "#" in seen)
        return False

    def _mode_check(self, mode: str, node: ast.Call, args: list[Value], kwargs: dict[str, Value]) -> Any:
        """``None``: not a sink here; ``True``: check as usual; ``(value, weight)``: check just this value."""
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if mode == "subprocess":
            shell = keywords.get("shell")
            if shell is not None and fold(shell, self.consts) not in (False, None, 0, UNKNOWN):
                return (args[0] if args else kwargs.get("args"), 1.0)
            if shell is not None and fold(shell, self.consts) is UNKNOWN and self.is_tainted(shell) is False:
                pass
            program_node = node.args[0] if node.args else keywords.get("args")
            if program_node is None:
                return None
            if type(program_node) in (ast.List, ast.Tuple):
                return self._argv_check(program_node.elts, node)  # type: ignore[attr-defined]
            value = args[0] if node.args else kwargs.get("args")
            if type(value) is Elems:
                if value.seq and 0 in value.items:
                    return (value.items[0], 1.0)
                return (value.rest, 0.8)
            return (value, 0.9)
        if mode == "exec_args":
            return self._argv_check([a for a in node.args if type(a) is not ast.Starred], node)
        if mode == "hash_new":
            algo = fold(node.args[0], self.consts) if node.args else None
            return True if isinstance(algo, str) and algo.lower() in ("md5", "sha1", "md4") else None
        if mode == "stdlib_xml":
            parser = keywords.get("parser") or (node.args[1] if len(node.args) > 1 else None)
            name = dotted(parser) if parser is not None else None
            if name is not None and name in self.unsafe_parsers:
                return (args[0] if args else None, 2.0)  # 0.5 * 2: as sure as an lxml parser resolving entities
            return True
        if mode == "yaml":
            loader = keywords.get("Loader") or (node.args[1] if len(node.args) > 1 else None)
            if loader is not None:
                name = self.qualify(loader) or ""
                if name in SAFE_YAML_LOADERS or name.rsplit(".", 1)[-1] in SAFE_YAML_LOADERS:
                    return None
            return True
        if mode == "lxml":
            parser = keywords.get("parser") or (node.args[1] if len(node.args) > 1 else None)
            if parser is not None:
                name = dotted(parser)
                if name is not None and name in self.safe_parsers:
                    return None
                if type(parser) is ast.Call and _parser_is_safe(parser, self.consts):
                    return None
                return True
            return (args[0] if args else kwargs.get("source") or kwargs.get("text"), 0.85)
        if mode == "numpy":
            allow = keywords.get("allow_pickle")
            return True if allow is not None and fold(allow, self.consts) is True else None
        if mode == "response":
            for key in ("mimetype", "content_type", "media_type"):
                value = keywords.get(key)
                if value is not None:
                    text = fold(value, self.consts)
                    if isinstance(text, str) and not text.startswith(_HTML_TYPES):
                        return None
            return True
        return True

    def check_response_body(self, target: ast.Attribute, value: Value) -> None:
        """``response.data = html`` / ``response.data += html`` on a response object built in this function."""
        if value is None or target.attr not in RESPONSE_BODY_ATTRS or type(target.value) is not ast.Name:
            return
        made_by = self.types.get(target.value.id, "")
        if made_by.rsplit(".", 1)[-1] in RESPONSE_FACTORIES:
            self.report_value("xss", value, target, f"{target.value.id}.{target.attr} =", 0.9)

    def _argv_check(self, elts: list[ast.expr], node: ast.Call) -> Any:
        """An argument vector: a tainted program, or tainted code after ``sh -c`` / ``python -c``."""
        if not elts:
            return None
        first = fold(elts[0], self.consts)
        name = first.rsplit("/", 1)[-1] if isinstance(first, str) else self.qualify(elts[0])
        dash_c = next((i for i, e in enumerate(elts[1:], 1) if fold(e, self.consts) in ("-c", "/c", "-Command")), None)
        if dash_c is not None and name in SHELLS:
            value: Value = None
            for elt in elts[dash_c + 1 :]:
                value = _merge(value, self.eval(elt))
            return (value, 1.0)
        if dash_c is not None and isinstance(name, str) and (name == "sys.executable" or name.startswith("python")):
            if dash_c + 1 < len(elts):
                self.report_value("code-injection", self.eval(elts[dash_c + 1]), node, f"{name} -c", 1.0)
            return (self.eval(elts[0]), 1.0)
        return (self.eval(elts[0]), 1.0)

    def report_value(self, rule: str, value: Value, node: ast.expr, call: str, weight: float) -> None:
        for f in flat(value) or ():
            if rule == "weak-random" and (type(f.origin) is not Source or f.origin.kind != "weak-random"):
                continue
            if f.reaches(rule):
                self.hit(rule, f, node.lineno, node.col_offset, call, weight)

    def hit(
        self, rule: str, flow: Flow, line: int, col: int, call: str, weight: float, file: str | None = None
    ) -> None:
        if type(flow.origin) is Source:
            self.ctx.report(rule, flow, line, col, call, weight, file)
        elif self.summary is not None:
            self.summary.add_sink(
                ParamSink(
                    flow.origin.index,
                    rule,
                    file or self.ctx.path,
                    line,
                    col,
                    call,  # type: ignore
                    flow.steps,
                    flow.cleared,
                    weight,
                )
            )


#: Marks, in the prefixes table, a URL whose user-controlled parts are all in its query string.
QUERY_ONLY = "\x00query-only"


def _url_parts(node: ast.expr) -> list[ast.expr] | None:
    """The pieces of an f-string or a ``+`` chain, in order; ``None`` for any other expression."""
    if type(node) is ast.JoinedStr:
        return [v.value if type(v) is ast.FormattedValue else v for v in node.values]  # type: ignore[attr-defined]
    if type(node) is ast.BinOp and type(node.op) is ast.Add:
        left = _url_parts(node.left) or [node.left]
        right = _url_parts(node.right) or [node.right]
        return left + right
    return None


def _parser_is_safe(call: ast.Call, consts: dict[str, Any]) -> bool:
    return any(kw.arg == "resolve_entities" and fold(kw.value, consts) is False for kw in call.keywords)


def parser_is_safe(call: ast.Call, consts: dict[str, Any]) -> bool:
    return _parser_is_safe(call, consts)


def _merge(a: Value, b: Value) -> Value:
    from code_scalpel.scanning.values import join

    return join(flat(a), flat(b))


def _result(rule: str, args: list[Value], kwargs: dict[str, Value]) -> Value:
    if rule not in _KEEP_RESULT:
        return None
    return clean_for(_join_all(args, kwargs), frozenset({rule}))
