"""Small templates and conditions, in a sandbox.

``template:`` is a Jinja text (``"{{ doc.number }}/{{ doc.date }}"``) and ``when:``
is a Jinja expression (``line.requisites.get("ТипНоменклатуры") == "Услуга"``), both
run by Jinja's ``SandboxedEnvironment``: no access to Python internals, no file or
network, and a name that is not there is an error rather than an empty string.
Nothing is ever handed to ``eval``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from gateway.mapping import fastpath
from gateway.mapping.convert import to_amount, to_date
from gateway.mapping.suggest import close

Condition = Callable[[dict[str, Any]], Any]
Render = Callable[[dict[str, Any]], str]


class TemplateProblem(ValueError):
    """A template or condition that cannot be used; ``line`` is within its text."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.line = line


def _environment() -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    environment.filters["decimal"] = to_amount
    environment.filters["date"] = to_date
    return environment


ENVIRONMENT = _environment()
RUNTIME_ERRORS = (TemplateError, TypeError, ValueError, ArithmeticError, KeyError)
"""What a template or condition may raise while running on a document."""


def compile_template(source: str, names: Iterable[str]) -> Render:
    """A template that may only read ``names``; call it with the scope dict."""
    tree = _parse(source)
    _check_names(tree, names)
    try:
        return fastpath.template(tree)
    except fastpath.Unsupported:
        return ENVIRONMENT.from_string(tree).render


def compile_condition(source: str, names: Iterable[str]) -> Condition:
    """An expression that may only read ``names``; call it with the scope dict."""
    if "{{" in source or "{%" in source:
        raise TemplateProblem(
            "a condition is a bare expression, without {{ }} or {% %}: "
            "line.quantity != '0'"
        )
    try:
        compiled = ENVIRONMENT.compile_expression(source, undefined_to_none=False)
    except TemplateSyntaxError as error:
        raise TemplateProblem(error.message or str(error), error.lineno) from None
    tree = _parse("{{ (" + source + ") }}")
    _check_names(tree, names)
    output = tree.body[0]
    try:
        assert isinstance(output, nodes.Output)
        return fastpath.expression(output.nodes[0])
    except fastpath.Unsupported:
        return lambda scope: compiled(**scope)


def _parse(source: str) -> nodes.Template:
    try:
        return ENVIRONMENT.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateProblem(error.message or str(error), error.lineno) from None


def _check_names(tree: nodes.Template, names: Iterable[str]) -> None:
    allowed = set(names) | set(ENVIRONMENT.globals)
    unknown = sorted(meta.find_undeclared_variables(tree) - allowed)
    if unknown:
        offered = sorted(set(names))
        raise TemplateProblem(
            f"unknown name {unknown[0]!r}{close(unknown[0], offered)}; "
            f"names here: {', '.join(offered)}"
        )
