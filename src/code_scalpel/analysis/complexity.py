"""Cyclomatic complexity of one function (McCabe), counted over its own scope.

1 + one per branch point: ``if``/``elif``, conditional expression, ``for``,
``while``, ``except`` clause, each extra operand of ``and``/``or``, each
``for`` and ``if`` of a comprehension, each ``case`` of a ``match``, and
``assert``.  Nested functions and classes are not counted in their parent;
they have their own figure.  Lambdas count in the function that contains them.
"""

from __future__ import annotations

import ast

from code_scalpel.analysis.walk import ScopeVisitor


class ComplexityVisitor(ScopeVisitor):
    def __init__(self) -> None:
        self.complexity = 1

    def _one(self, node: ast.AST) -> None:
        self.complexity += 1

    visit_If = visit_IfExp = visit_For = visit_AsyncFor = visit_While = _one
    visit_ExceptHandler = visit_Assert = visit_match_case = _one

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self.complexity += len(node.values) - 1

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.complexity += 1 + len(node.ifs)


def cyclomatic_complexity(node: ast.AST) -> int:
    visitor = ComplexityVisitor()
    visitor.run(node)
    return visitor.complexity
