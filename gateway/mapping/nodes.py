"""The compiled parts of a mapping, as they run on a document.

A *scope* is a dict of the names a mapping line may read (``doc``, ``line``,
``tenant``, ``index``, …). Every node knows the file and line it came from, so a
failure names the mapping line, the output field, the input it read and the value.
``evaluate`` returns ``OMITTED`` when a ``when`` condition leaves a field out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.mapping.convert import Converter, is_blank
from gateway.mapping.errors import NO_VALUE, MappingFailed
from gateway.mapping.paths import FieldPath, PathError
from gateway.mapping.tables import Table
from gateway.mapping.templates import RUNTIME_ERRORS, Condition, Render

OMITTED: Any = object()
"""A field a ``when`` left out: not written at all."""


class Trace(dict[str, str]):
    """Output field → ``file:line`` of the mapping line that produced it.

    ``values`` keeps what each field came out as, so a preview can show the fields
    a document got before a later line failed.
    """

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, Any] = {}

    def note(self, field: str, origin: str, value: Any) -> None:
        self[field] = origin
        self.values[field] = value


def joined(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


@dataclass
class Origin:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def failure(
        self,
        reason: str,
        field: str,
        source: str | None = None,
        value: Any = NO_VALUE,
    ) -> MappingFailed:
        return MappingFailed(
            reason,
            file=self.file,
            line=self.line,
            field=field,
            source=source,
            value=value,
        )


@dataclass
class Test:
    """A compiled ``when`` or ``skip_when``."""

    text: str
    condition: Condition
    origin: Origin
    keyword: str = "when"

    def holds(self, scope: dict[str, Any], field: str) -> bool:
        try:
            return bool(self.condition(scope))
        except RUNTIME_ERRORS as error:
            raise self.origin.failure(
                f"{self.keyword} {self.text!r} could not be worked out: {error}", field
            ) from error


# -- where a value comes from --------------------------------------------------------


class PathSource:
    def __init__(self, paths: tuple[FieldPath, ...]):
        self.paths = paths
        self.text = (
            paths[0].text if len(paths) == 1 else " | ".join(p.text for p in paths)
        )
        if len(paths) == 1:
            self.read = self._read_one  # type: ignore[method-assign]

    def _read_one(self, scope: dict[str, Any], origin: Origin, field: str) -> Any:
        path = self.paths[0]
        try:
            return path.resolve(scope)
        except PathError as error:
            raise origin.failure(str(error), field, path.text) from None

    def read(self, scope: dict[str, Any], origin: Origin, field: str) -> Any:
        found = None
        for path in self.paths:
            try:
                found = path.resolve(scope)
            except PathError as error:
                raise origin.failure(str(error), field, path.text) from None
            if not is_blank(found):
                return found
        return found

    def describe(self, scope: dict[str, Any]) -> str:
        for path in self.paths:
            try:
                if not is_blank(path.resolve(scope)):
                    return path.text
            except PathError:
                return path.text
        return self.paths[-1].text


class LiteralSource:
    text = "value"

    def __init__(self, value: Any):
        self.value = value

    def read(self, scope: dict[str, Any], origin: Origin, field: str) -> Any:
        return self.value

    def describe(self, scope: dict[str, Any]) -> str:
        return "value"


class TemplateSource:
    text = "template"

    def __init__(self, template: Render, source: str):
        self.template = template
        self.source = source

    def read(self, scope: dict[str, Any], origin: Origin, field: str) -> Any:
        try:
            return self.template(scope)
        except RUNTIME_ERRORS as error:
            raise origin.failure(
                f"template {self.source!r} could not be rendered: {error}", field
            ) from error

    def describe(self, scope: dict[str, Any]) -> str:
        return "template"


Source = PathSource | LiteralSource | TemplateSource


# -- look-ups ------------------------------------------------------------------------


@dataclass
class Lookup:
    """Find the value in a table's ``by`` column and take the row's ``column``."""

    table: Table
    column: str
    by: str | None
    policy: str  # fail, pass, default
    default: Any = None

    def apply(
        self, value: Any, origin: Origin, field: str, source: Callable[[], str]
    ) -> Any:
        """The row's column; ``source`` names the input, asked only on failure."""
        key = value if type(value) is str else str(value)
        row = self.table.find(key, self.by)
        if row is not None:
            return row.get(self.column)
        if self.policy == "pass":
            return value
        if self.policy == "default":
            return self.default
        searched = self.by or self.table.key
        raise origin.failure(
            f"{key!r} is not in table {self.table.name!r} (column {searched}); add "
            f"a row to {self.table.file} or set lookup.missing to pass or "
            "{default: …}",
            field,
            source(),
            value,
        )


# -- nodes ---------------------------------------------------------------------------


class ValueNode:
    """One field from a path, a literal or a template, converted and looked up.

    Order: ``when`` → source → (blank is no value) → ``convert`` → ``default`` or
    ``required`` → each look-up → the target's own conversion.
    """

    def __init__(
        self,
        *,
        name: str,
        origin: Origin,
        source: Source,
        convert: tuple[str, Converter] | None = None,
        lookups: tuple[Lookup, ...] = (),
        finish: tuple[str, Converter] | None = None,
        default: Any = NO_VALUE,
        required: bool = False,
        when: Test | None = None,
    ):
        self.name = name
        self.origin = origin
        self.source = source
        self.convert = convert
        self.lookups = lookups
        self.finish = finish
        self.default = default
        self.required = required
        self.when = when
        self.trace_origin = str(origin)

    def evaluate(
        self, scope: dict[str, Any], where: str, trace: Trace | None = None
    ) -> Any:
        """The field's value; ``where`` is its output path (``lines[2].quantity``)."""
        if self.when is not None and not self.when.holds(scope, where):
            return OMITTED
        value = self.source.read(scope, self.origin, where)
        if value is None or (type(value) is str and not value.strip()):
            value = None
        elif self.convert is not None:
            value = self._converted(self.convert, value, scope, where)
        if value is None:
            if self.default is not NO_VALUE:
                value = self.default
            elif self.required:
                raise self.origin.failure(
                    "required, but there is no value; give a default or fix the "
                    "document",
                    where,
                    self.source.describe(scope),
                    None,
                )
        for lookup in self.lookups:
            if value is None:
                break
            value = lookup.apply(
                value, self.origin, where, lambda: self.source.describe(scope)
            )
        if self.finish is not None and value is not None:
            value = self._converted(self.finish, value, scope, where)
        if trace is not None:
            trace.note(where, self.trace_origin, value)
        return value

    def _converted(
        self,
        conversion: tuple[str, Converter],
        value: Any,
        scope: dict[str, Any],
        where: str,
    ) -> Any:
        try:
            return conversion[1](value)
        except (ValueError, TypeError, ArithmeticError) as error:
            raise self.origin.failure(
                f"cannot convert to {conversion[0]}: {error}",
                where,
                self.source.describe(scope),
                value,
            ) from None


class ObjectNode:
    """``fields:`` — a mapping of named nodes."""

    def __init__(
        self,
        *,
        name: str,
        origin: Origin,
        fields: list[tuple[str, Node]],
        when: Test | None = None,
    ):
        self.name = name
        self.origin = origin
        self.fields = fields
        self.when = when

    def evaluate(
        self, scope: dict[str, Any], where: str, trace: Trace | None = None
    ) -> Any:
        if self.when is not None and not self.when.holds(scope, where):
            return OMITTED
        return self.build(scope, where, trace)

    def build(
        self, scope: dict[str, Any], where: str, trace: Trace | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, node in self.fields:
            value = node.evaluate(scope, joined(where, name), trace)
            if value is not OMITTED:
                result[name] = value
        return result


class EachNode:
    """``each:`` — one output item per input item, filtered by ``when``/``skip_when``.

    The item is named by ``as`` (``item`` unless said) and ``index`` counts input
    items from 1; output paths (``Товары[2]``) count the items produced.
    """

    def __init__(
        self,
        *,
        name: str,
        origin: Origin,
        items: PathSource,
        variable: str,
        item: Node,
        when: Test | None = None,
        skip_when: Test | None = None,
    ):
        self.name = name
        self.origin = origin
        self.items = items
        self.variable = variable
        self.item = item
        self.when = when
        self.skip_when = skip_when

    def sequence(self, scope: dict[str, Any], where: str) -> list[Any]:
        found = self.items.read(scope, self.origin, where)
        if found is None:
            return []
        if not isinstance(found, list):
            raise self.origin.failure(
                "each needs a list here", where, self.items.text, found
            )
        return found

    def evaluate(
        self, scope: dict[str, Any], where: str, trace: Trace | None = None
    ) -> Any:
        result = []
        inner = dict(scope)
        for index, item in enumerate(self.sequence(scope, where), start=1):
            inner[self.variable] = item
            inner["index"] = index
            at = f"{where}[{len(result) + 1}]"
            if self.when is not None and not self.when.holds(inner, at):
                continue
            if self.skip_when is not None and self.skip_when.holds(inner, at):
                continue
            value = self.item.evaluate(inner, at, trace)
            if value is not OMITTED:
                result.append(value)
        return result


class ListNode:
    """``list:`` — a fixed list of nodes; a node left out by ``when`` is dropped."""

    def __init__(
        self,
        *,
        name: str,
        origin: Origin,
        items: list[Node],
        when: Test | None = None,
    ):
        self.name = name
        self.origin = origin
        self.items = items
        self.when = when

    def evaluate(
        self, scope: dict[str, Any], where: str, trace: Trace | None = None
    ) -> Any:
        if self.when is not None and not self.when.holds(scope, where):
            return OMITTED
        result = []
        for position, node in enumerate(self.items, start=1):
            value = node.evaluate(scope, f"{where}[{position}]", trace)
            if value is not OMITTED:
                result.append(value)
        return result


Node = ValueNode | ObjectNode | EachNode | ListNode
