"""Plain Python closures for the simplest templates and conditions.

Most ``when:`` conditions and many templates only read names, compare them with
constants and join text: ``line.requisites.get("ТипНоменклатуры") == "Услуга"``,
``"{{ doc.number }}/{{ doc.date }}"``. Running each through a Jinja context costs
more than the rest of a line's mapping, so such expressions are compiled from
Jinja's own parse tree into closures. Only the node kinds below are taken; any
other expression (filters, tests, calls other than ``dict.get``, arithmetic) keeps
running in Jinja's sandbox. The closures behave as the sandbox does with
``StrictUndefined``: a name or key that is not there raises ``UndefinedError``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import UndefinedError

Expression = Callable[[dict[str, Any]], Any]

_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "gt": operator.gt,
    "lteq": operator.le,
    "gteq": operator.ge,
    "in": lambda left, right: left in right,
    "notin": lambda left, right: left not in right,
}


class Unsupported(Exception):
    """The expression needs Jinja itself."""


def expression(node: nodes.Node) -> Expression:
    """A closure over a scope dict; ``Unsupported`` for anything not listed here."""
    if isinstance(node, nodes.Const):
        constant = node.value
        return lambda scope: constant
    if isinstance(node, nodes.Tuple | nodes.List):
        items = [expression(item) for item in node.items]
        kind = tuple if isinstance(node, nodes.Tuple) else list
        return lambda scope: kind(item(scope) for item in items)
    if isinstance(node, nodes.Name) and node.ctx == "load":
        return _name(node.name)
    if isinstance(node, nodes.Getattr):
        return _key(expression(node.node), node.attr)
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return _key(expression(node.node), node.arg.value)
    if isinstance(node, nodes.Compare):
        return _compare(node)
    if isinstance(node, nodes.And):
        left, right = expression(node.left), expression(node.right)
        return lambda scope: left(scope) and right(scope)
    if isinstance(node, nodes.Or):
        left, right = expression(node.left), expression(node.right)
        return lambda scope: left(scope) or right(scope)
    if isinstance(node, nodes.Not):
        inner = expression(node.node)
        return lambda scope: not inner(scope)
    if isinstance(node, nodes.Call):
        return _dict_get(node)
    raise Unsupported(type(node).__name__)


def template(body: nodes.Template) -> Expression:
    """Literal text and ``{{ expression }}`` outputs, joined; else ``Unsupported``."""
    parts: list[Expression] = []
    for statement in body.body:
        if not isinstance(statement, nodes.Output):
            raise Unsupported(type(statement).__name__)
        for item in statement.nodes:
            if isinstance(item, nodes.TemplateData):
                text = item.data
                parts.append(lambda scope, text=text: text)
            else:
                parts.append(_text(expression(item)))
    return lambda scope: "".join(part(scope) for part in parts)


def _text(inner: Expression) -> Expression:
    return lambda scope: str(inner(scope))


def _name(name: str) -> Expression:
    def read(scope: dict[str, Any]) -> Any:
        try:
            return scope[name]
        except KeyError:
            raise UndefinedError(f"{name!r} is undefined") from None

    return read


def _key(owner: Expression, key: Any) -> Expression:
    if isinstance(key, str) and hasattr(dict, key):
        raise Unsupported(f"{key} is also a dict method")

    def read(scope: dict[str, Any]) -> Any:
        value = owner(scope)
        if type(value) is dict:
            try:
                return value[key]
            except KeyError:
                pass
        elif isinstance(value, list | tuple) and type(key) is int:
            try:
                return value[key]
            except IndexError:
                pass
        raise UndefinedError(f"{_described(value)} has no attribute {key!r}")

    return read


def _compare(node: nodes.Compare) -> Expression:
    first = expression(node.expr)
    steps = []
    for operand in node.ops:
        if operand.op not in _COMPARISONS:
            raise Unsupported(operand.op)
        steps.append((_COMPARISONS[operand.op], expression(operand.expr)))

    def compare(scope: dict[str, Any]) -> bool:
        left = first(scope)
        for test, right_of in steps:
            right = right_of(scope)
            if not test(left, right):
                return False
            left = right
        return True

    return compare


def _dict_get(node: nodes.Call) -> Expression:
    """``mapping.get("key")`` or ``mapping.get("key", default)``, nothing else."""
    target = node.node
    simple = not (node.kwargs or node.dyn_args or node.dyn_kwargs)
    if not (
        simple
        and isinstance(target, nodes.Getattr)
        and target.attr == "get"
        and 1 <= len(node.args) <= 2
    ):
        raise Unsupported("call")
    owner = expression(target.node)
    arguments = [expression(argument) for argument in node.args]

    def get(scope: dict[str, Any]) -> Any:
        value = owner(scope)
        if type(value) is not dict:
            raise UndefinedError(f"{_described(value)} has no attribute 'get'")
        return value.get(*(argument(scope) for argument in arguments))

    return get


def _described(value: Any) -> str:
    return f"'{type(value).__name__} object'"
