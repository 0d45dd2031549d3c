"""Reading a mapping file into compiled nodes, with every problem located.

A mapping file is ``mappings/<tenant>/<channel>.yaml`` (or ``mappings/shared/…`` for
every tenant) with an ``inbound:`` part (source record → requisition), named
``outbound:`` parts (a dict → what the channel sends), or both. The loader reports
all it finds wrong, each as ``mappings/FILE.yaml:LINE:COL: path.to.field: message``,
and builds nothing from a file that has a problem.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from gateway.errors import ConfigProblem
from gateway.mapping import yamltree
from gateway.mapping.convert import CONVERSIONS, Converter, to_text
from gateway.mapping.engine import (
    InboundMapping,
    LinesSpec,
    MappingFile,
    OutboundMapping,
)
from gateway.mapping.errors import NO_VALUE
from gateway.mapping.nodes import (
    EachNode,
    ListNode,
    LiteralSource,
    Lookup,
    Node,
    ObjectNode,
    Origin,
    PathSource,
    Source,
    TemplateSource,
    Test,
    ValueNode,
)
from gateway.mapping.paths import FieldPath, PathSyntaxError, parse_path
from gateway.mapping.suggest import close, hint
from gateway.mapping.tables import TableStore
from gateway.mapping.targets import HEADER_TARGETS, LINE_TARGETS, Target
from gateway.mapping.templates import (
    TemplateProblem,
    compile_condition,
    compile_template,
)

FILE_KEYS = ("name", "description", "reader", "inbound", "outbound")
INBOUND_KEYS = ("description", "header", "lines")
LINES_KEYS = ("description", "each", "as", "when", "skip_when", "fields")
OUTBOUND_KEYS = ("description", "output")
SOURCE_KEYS = ("path", "value", "template")
VALUE_KEYS = (
    "description",
    *SOURCE_KEYS,
    "convert",
    "required",
    "default",
    "when",
    "lookup",
)
STRUCTURE_KEYS = ("fields", "each", "as", "skip_when", "list")
FIELD_KEYS = (*VALUE_KEYS, *STRUCTURE_KEYS)
LOOKUP_KEYS = ("table", "column", "by", "missing")
POLICIES = ("fail", "pass", "default")
SHARED = "shared"
RESERVED_NAMES = frozenset({"doc", "tenant", "index"})

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ALLOWED_BY_KIND = {
    "list": frozenset({"description", "list", "when"}),
    "each": frozenset({*VALUE_KEYS, "each", "as", "skip_when", "fields"}),
    "fields": frozenset({"description", "fields", "when"}),
    "value": frozenset(VALUE_KEYS),
}

Container = CommentedMap | CommentedSeq


def location_of(path: Path, directory: Path) -> tuple[str, str] | None:
    """(tenant, channel) of a mapping file, or None when it is not where one goes."""
    parts = path.relative_to(directory).parts
    if len(parts) != 2:
        return None
    return parts[0], Path(parts[1]).stem


def compile_file(
    path: Path,
    directory: Path,
    tables: TableStore,
    *,
    readers: Collection[str] | None = None,
) -> tuple[MappingFile | None, list[ConfigProblem]]:
    """Load one mapping file; tables come from ``tables`` (already refreshed)."""
    file = tables.display(path)
    place = location_of(path, directory)
    if place is None:
        return None, [
            ConfigProblem(
                file,
                1,
                1,
                "",
                "a mapping file goes in mappings/<tenant>/<channel>.yaml or "
                "mappings/shared/<channel>.yaml",
            )
        ]
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [ConfigProblem(file, 1, 1, "", f"cannot read: {error}")]
    return compile_bytes(data, file, place, tables, readers=readers)


def compile_bytes(
    data: bytes,
    file: str,
    place: tuple[str, str],
    tables: TableStore,
    *,
    readers: Collection[str] | None = None,
) -> tuple[MappingFile | None, list[ConfigProblem]]:
    text, problems = yamltree.decode(data, file)
    if text is None:
        return None, problems
    tree, problems = yamltree.parse(text, file)
    if problems:
        return None, problems
    compiler = Compiler(file, text, tables, readers)
    mapping = compiler.compile(tree, place)
    if compiler.problems or mapping is None:
        return None, sorted(compiler.problems, key=lambda p: (p.line, p.column))
    mapping.version = _version(data, file, place, compiler.used_tables, tables)
    for part in (mapping.inbound, *mapping.outbound.values()):
        if part is not None:
            part.version = mapping.version
    return mapping, []


def _version(
    data: bytes,
    file: str,
    place: tuple[str, str],
    used: set[str],
    tables: TableStore,
) -> str:
    """``demo/onec.yaml@sha256:…`` over the file and the tables it looks into."""
    digest = hashlib.sha256(data)
    for name in sorted(used):
        table = tables.get(name)
        digest.update(f"\0{name}\0{table.digest if table else ''}".encode())
    name = file.rsplit("/", 2)
    short = "/".join(name[-2:]) if len(name) >= 2 else file
    return f"{short}@sha256:{digest.hexdigest()[:16]}"


class Compiler:
    """Walks one file's YAML tree; collects problems instead of stopping at one."""

    def __init__(
        self,
        file: str,
        text: str,
        tables: TableStore,
        readers: Collection[str] | None,
    ):
        self.file = file
        self.lines = text.splitlines()
        self.tables = tables
        self.readers = readers
        self.problems: list[ConfigProblem] = []
        self.used_tables: set[str] = set()

    # -- reporting ---------------------------------------------------------------

    def problem(self, position: tuple[int, int], path: str, message: str) -> None:
        self.problems.append(
            ConfigProblem(self.file, position[0], position[1], path, message)
        )

    def origin(self, container: Container, key: Any) -> Origin:
        return Origin(self.file, _key_position(container, key)[0])

    def unknown_keys(
        self, spec: CommentedMap, allowed: Collection[str], path: str
    ) -> None:
        for key in spec:
            if key not in allowed:
                self.problem(
                    yamltree.key_position(spec, key),
                    _join(path, key),
                    "unknown key" + hint(key, allowed),
                )

    # -- scalars -----------------------------------------------------------------

    def text(self, spec: CommentedMap, key: str, path: str) -> str | None:
        value = spec.get(key)
        if value is None:
            return None
        if isinstance(value, CommentedMap | CommentedSeq):
            self.problem(
                yamltree.value_position(spec, key),
                _join(path, key),
                f"expected text, got {_shown(value)}",
            )
            return None
        return str(value)

    def flag(self, spec: CommentedMap, key: str, path: str) -> bool:
        value = spec.get(key)
        if value is None:
            return False
        if value in ("true", "false"):
            return value == "true"
        self.problem(
            yamltree.value_position(spec, key),
            _join(path, key),
            f"expected true or false, got {_shown(value)}",
        )
        return False

    def inner_position(
        self, spec: Container, key: Any, line: int, column: int
    ) -> tuple[int, int]:
        """Where a spot inside a scalar value (1-based ``line``/``column``) is."""
        start_line, start_column = _value_position(spec, key)
        source = self.lines[start_line - 1] if start_line <= len(self.lines) else ""
        marker = source[start_column - 1 : start_column]
        if marker in ("|", ">"):
            return start_line + line, 1
        if line > 1:
            return start_line + line - 1, 1
        shift = 1 if marker in ("'", '"') else 0
        return start_line, start_column + shift + column - 1

    # -- the file ----------------------------------------------------------------

    def compile(self, tree: Any, place: tuple[str, str]) -> MappingFile | None:
        tenant, channel = place
        if not isinstance(tree, CommentedMap):
            self.problem(
                (1, 1),
                "",
                "a mapping file is a YAML mapping with inbound:, outbound: or both",
            )
            return None
        if tree.get("kind") == "table":
            self.problem(
                yamltree.key_position(tree, "kind"),
                "kind",
                "this is a value table; tables go in mappings/tables/",
            )
            return None
        self.unknown_keys(tree, FILE_KEYS, "")
        name = self.text(tree, "name", "") or f"{tenant}/{channel}"
        description = self.text(tree, "description", "")
        reader = self.text(tree, "reader", "")
        known = self.readers
        if reader is not None and known is not None and reader not in known:
            self.problem(
                yamltree.value_position(tree, "reader"),
                "reader",
                f"unknown reader {reader!r}" + hint(reader, known),
            )
        inbound = None
        if "inbound" in tree:
            inbound = self.inbound(tree, "inbound")
        outbound = {}
        if "outbound" in tree:
            outbound = self.outbound(tree, "outbound")
        if "inbound" not in tree and "outbound" not in tree:
            self.problem(
                yamltree.start_position(tree),
                "",
                "nothing to map: add inbound:, outbound: or both",
            )
        return MappingFile(
            file=self.file,
            name=name,
            version="",
            tenant=tenant,
            channel=channel,
            reader=reader,
            description=description,
            inbound=inbound,
            outbound=outbound,
            tables=frozenset(self.used_tables),
        )

    def mapping_at(
        self, container: Container, key: Any, path: str, example: str
    ) -> CommentedMap | None:
        value = container[key]
        if isinstance(value, CommentedMap):
            return value
        self.problem(
            _value_position(container, key),
            path,
            f"expected a mapping such as {example}, got {_shown(value)}",
        )
        return None

    # -- inbound -----------------------------------------------------------------

    def inbound(self, tree: CommentedMap, path: str) -> InboundMapping | None:
        spec = self.mapping_at(tree, "inbound", path, "{header: …, lines: …}")
        if spec is None:
            return None
        self.unknown_keys(spec, INBOUND_KEYS, path)
        header: list[tuple[str, ValueNode]] = []
        if "header" in spec:
            header = self.targets(
                spec, "header", f"{path}.header", HEADER_TARGETS, {"doc", "tenant"}
            )
        lines = None
        if "lines" in spec:
            lines = self.lines_spec(spec, f"{path}.lines")
        if "header" not in spec and "lines" not in spec:
            self.problem(
                _key_position(tree, "inbound"),
                path,
                "say how to fill the requisition: add header:, lines: or both",
            )
        return InboundMapping(file=self.file, version="", header=header, lines=lines)

    def targets(
        self,
        container: CommentedMap,
        key: str,
        path: str,
        targets: dict[str, Target],
        names: set[str],
    ) -> list[tuple[str, ValueNode]]:
        spec = self.mapping_at(container, key, path, "{number: {path: doc.number}}")
        if spec is None:
            return []
        compiled: list[tuple[str, ValueNode]] = []
        for name in spec:
            target = targets.get(name)
            if target is None:
                self.problem(
                    yamltree.key_position(spec, name),
                    _join(path, name),
                    "not a requisition field" + hint(name, targets),
                )
                continue
            node = self.field(spec, name, _join(path, name), names, target=target)
            if isinstance(node, ValueNode):
                compiled.append((name, node))
        return compiled

    def lines_spec(self, container: CommentedMap, path: str) -> LinesSpec | None:
        spec = self.mapping_at(container, "lines", path, "{each: doc.lines, …}")
        if spec is None:
            return None
        self.unknown_keys(spec, LINES_KEYS, path)
        items_text = self.text(spec, "each", path) or "doc.lines"
        items = self.path_in(
            spec, "each", items_text, _join(path, "each"), {"doc", "tenant"}
        )
        variable = self.variable(spec, path, "line")
        names = {"doc", "tenant", "index", variable}
        when = self.test(spec, "when", path, names)
        skip_when = self.test(spec, "skip_when", path, names)
        fields: list[tuple[str, ValueNode]] = []
        if "fields" not in spec:
            self.problem(
                _key_position(container, "lines"),
                path,
                "lines need fields: at least {quantity: {path: line.quantity}}",
            )
        else:
            fields = self.targets(spec, "fields", f"{path}.fields", LINE_TARGETS, names)
            given = spec["fields"]
            if isinstance(given, CommentedMap) and "quantity" not in given:
                self.problem(
                    _key_position(spec, "fields"),
                    f"{path}.fields",
                    "every line needs a quantity: add quantity: {path: …}",
                )
        if items is None:
            return None
        return LinesSpec(
            items=items,
            variable=variable,
            origin=self.origin(container, "lines"),
            fields=fields,
            when=when,
            skip_when=skip_when,
        )

    def variable(self, spec: CommentedMap, path: str, default: str) -> str:
        name = self.text(spec, "as", path)
        if name is None:
            return default
        if not _IDENTIFIER.fullmatch(name) or name in RESERVED_NAMES:
            taken = f"; {', '.join(sorted(RESERVED_NAMES))} are taken"
            self.problem(
                yamltree.value_position(spec, "as"),
                _join(path, "as"),
                f"{name!r} cannot name the item: use letters, digits and _{taken}",
            )
            return default
        return name

    # -- outbound ----------------------------------------------------------------

    def outbound(self, tree: CommentedMap, path: str) -> dict[str, OutboundMapping]:
        spec = self.mapping_at(
            tree, "outbound", path, "{order_status: {output: {fields: …}}}"
        )
        if spec is None:
            return {}
        compiled = {}
        for name in spec:
            where = _join(path, name)
            entry = self.mapping_at(spec, name, where, "{output: {fields: …}}")
            if entry is None:
                continue
            self.unknown_keys(entry, OUTBOUND_KEYS, where)
            if "output" not in entry:
                self.problem(
                    yamltree.key_position(spec, name),
                    where,
                    "say what to send: add output: {fields: …}",
                )
                continue
            node = self.field(entry, "output", f"{where}.output", {"doc", "tenant"})
            if node is not None:
                compiled[str(name)] = OutboundMapping(
                    file=self.file, version="", name=str(name), output=node
                )
        return compiled

    # -- fields --------------------------------------------------------------------

    def field(
        self,
        container: Container,
        key: Any,
        path: str,
        names: set[str],
        *,
        target: Target | None = None,
    ) -> Node | None:
        spec = container[key]
        if not isinstance(spec, CommentedMap):
            self.problem(
                _value_position(container, key),
                path,
                "a field is a mapping such as {path: line.quantity} or "
                f"{{value: RUB}}, got {_shown(spec)}",
            )
            return None
        self.unknown_keys(spec, FIELD_KEYS, path)
        if target is not None:
            structures = [k for k in STRUCTURE_KEYS if k in spec]
            for key_name in structures:
                self.problem(
                    yamltree.key_position(spec, key_name),
                    _join(path, key_name),
                    f"{key_name} builds lists and objects for outbound mappings; "
                    "a requisition field takes path, value or template",
                )
            if structures:
                return None
            return self.value_node(container, key, spec, path, names, target)
        kind = next((k for k in ("list", "each", "fields") if k in spec), "value")
        for key_name in spec:
            if key_name in FIELD_KEYS and key_name not in _ALLOWED_BY_KIND[kind]:
                self.problem(
                    yamltree.key_position(spec, key_name),
                    _join(path, key_name),
                    f"{key_name!r} does not go with {kind!r}",
                )
        if kind == "list":
            return self.list_node(container, key, spec, path, names)
        if kind == "each":
            return self.each_node(container, key, spec, path, names)
        if kind == "fields":
            return self.object_node(container, key, spec, path, names)
        return self.value_node(container, key, spec, path, names, None)

    def object_node(
        self,
        container: Container,
        key: Any,
        spec: CommentedMap,
        path: str,
        names: set[str],
    ) -> ObjectNode | None:
        fields = self.fields(spec, path, names)
        when = self.test(spec, "when", path, names)
        if fields is None:
            return None
        return ObjectNode(
            name=str(key), origin=self.origin(container, key), fields=fields, when=when
        )

    def fields(
        self, spec: CommentedMap, path: str, names: set[str]
    ) -> list[tuple[str, Node]] | None:
        where = _join(path, "fields")
        members = self.mapping_at(spec, "fields", where, "{Ид: {path: doc.id}}")
        if members is None:
            return None
        compiled: list[tuple[str, Node]] = []
        for name in members:
            node = self.field(members, name, _join(where, name), names)
            if node is not None:
                compiled.append((str(name), node))
        return compiled

    def each_node(
        self,
        container: Container,
        key: Any,
        spec: CommentedMap,
        path: str,
        names: set[str],
    ) -> EachNode | None:
        items_text = self.text(spec, "each", path)
        items = None
        if items_text is not None:
            items = self.path_in(spec, "each", items_text, _join(path, "each"), names)
        variable = self.variable(spec, path, "item")
        inner = names | {variable, "index"}
        when = self.test(spec, "when", path, inner)
        skip_when = self.test(spec, "skip_when", path, inner)
        item: Node | None
        if "fields" in spec:
            for source in SOURCE_KEYS:
                if source in spec:
                    self.problem(
                        yamltree.key_position(spec, source),
                        _join(path, source),
                        "each makes its items from fields: or from path/value/"
                        "template, not both",
                    )
            fields = self.fields(spec, path, inner)
            item = None
            if fields is not None:
                item = ObjectNode(
                    name=str(key), origin=self.origin(container, key), fields=fields
                )
        else:
            item = self.value_node(
                container, key, spec, path, inner, None, conditional=False
            )
        if items is None or item is None:
            return None
        return EachNode(
            name=str(key),
            origin=self.origin(container, key),
            items=PathSource((items,)),
            variable=variable,
            item=item,
            when=when,
            skip_when=skip_when,
        )

    def list_node(
        self,
        container: Container,
        key: Any,
        spec: CommentedMap,
        path: str,
        names: set[str],
    ) -> ListNode | None:
        members = spec["list"]
        where = _join(path, "list")
        if not isinstance(members, CommentedSeq):
            self.problem(
                yamltree.value_position(spec, "list"),
                where,
                f"expected a list of fields, got {_shown(members)}",
            )
            return None
        items = []
        for index in range(len(members)):
            node = self.field(members, index, f"{where}[{index}]", names)
            if node is not None:
                items.append(node)
        when = self.test(spec, "when", path, names)
        return ListNode(
            name=str(key), origin=self.origin(container, key), items=items, when=when
        )

    def value_node(
        self,
        container: Container,
        key: Any,
        spec: CommentedMap,
        path: str,
        names: set[str],
        target: Target | None,
        *,
        conditional: bool = True,
    ) -> ValueNode | None:
        source = self.source(container, key, spec, path, names)
        when = self.test(spec, "when", path, names) if conditional else None
        lookups = self.lookups(spec, path) if "lookup" in spec else []
        convert = self.conversion(spec, path, target, has_lookups="lookup" in spec)
        finish = None
        if target is not None and "lookup" in spec:
            finish = (target.convert, CONVERSIONS[target.convert])
        required = self.flag(spec, "required", path)
        default = self.default(spec, path, convert)
        if source is None or lookups is None:
            return None
        return ValueNode(
            name=str(key),
            origin=self.origin(container, key),
            source=source,
            convert=convert,
            lookups=tuple(lookups),
            finish=finish,
            default=default,
            required=required,
            when=when,
        )

    def source(
        self,
        container: Container,
        key: Any,
        spec: CommentedMap,
        path: str,
        names: set[str],
    ) -> Source | None:
        given = [k for k in SOURCE_KEYS if k in spec]
        if not given:
            self.problem(
                _key_position(container, key),
                path,
                "where does the value come from? give path:, value: or template:",
            )
            return None
        if len(given) > 1:
            self.problem(
                yamltree.key_position(spec, given[1]),
                _join(path, given[1]),
                f"give one of path, value or template, not {' and '.join(given)}",
            )
            return None
        kind = given[0]
        if kind == "value":
            return LiteralSource(yamltree.plain(spec["value"]))
        if kind == "template":
            return self.template(spec, path, names)
        return self.path_source(spec, path, names)

    def path_source(
        self, spec: CommentedMap, path: str, names: set[str]
    ) -> PathSource | None:
        raw = spec["path"]
        where = _join(path, "path")
        if isinstance(raw, CommentedSeq):
            parsed = []
            for index, item in enumerate(raw):
                if not isinstance(item, str):
                    self.problem(
                        yamltree.item_position(raw, index),
                        f"{where}[{index}]",
                        "each alternative is a path such as doc.number",
                    )
                    continue
                found = self.path_in(raw, index, item, f"{where}[{index}]", names)
                if found is not None:
                    parsed.append(found)
            if not raw:
                self.problem(
                    yamltree.value_position(spec, "path"),
                    where,
                    "an empty list; give at least one path",
                )
            if len(parsed) != len(raw) or not parsed:
                return None
            return PathSource(tuple(parsed))
        if not isinstance(raw, str):
            self.problem(
                yamltree.value_position(spec, "path"),
                where,
                f"expected a path such as line.quantity, got {_shown(raw)}",
            )
            return None
        found = self.path_in(spec, "path", raw, where, names)
        return None if found is None else PathSource((found,))

    def path_in(
        self, container: Container, key: Any, text: str, where: str, names: set[str]
    ) -> FieldPath | None:
        try:
            path = parse_path(text)
        except PathSyntaxError as error:
            self.problem(
                self.inner_position(container, key, 1, error.column),
                where,
                f"cannot read path {text!r}: {error}",
            )
            return None
        if path.root not in names:
            inside = ""
            if path.root == "line":
                inside = "; line is known only inside inbound.lines"
            elif path.root in ("item", "index"):
                inside = f"; {path.root} is known only inside each:"
            self.problem(
                _value_position(container, key),
                where,
                f"unknown name {path.root!r}{close(path.root, names)}; paths here "
                f"start with {', '.join(sorted(names))}{inside}",
            )
            return None
        return path

    def template(
        self, spec: CommentedMap, path: str, names: set[str]
    ) -> TemplateSource | None:
        text = spec["template"]
        where = _join(path, "template")
        if not isinstance(text, str):
            self.problem(
                yamltree.value_position(spec, "template"),
                where,
                f'a template is text such as "{{{{ doc.number }}}}", got '
                f"{_shown(text)}",
            )
            return None
        try:
            compiled = compile_template(text, names)
        except TemplateProblem as error:
            self.problem(
                self.inner_position(spec, "template", error.line, 1),
                where,
                f"broken template: {error}",
            )
            return None
        return TemplateSource(compiled, text)

    def test(
        self, spec: CommentedMap, key: str, path: str, names: set[str]
    ) -> Test | None:
        if key not in spec:
            return None
        text = self.text(spec, key, path)
        if text is None:
            return None
        try:
            condition = compile_condition(text, names)
        except TemplateProblem as error:
            self.problem(
                self.inner_position(spec, key, error.line, 1),
                _join(path, key),
                f"cannot read the condition {text!r}: {error}",
            )
            return None
        return Test(text, condition, self.origin(spec, key), key)

    def conversion(
        self,
        spec: CommentedMap,
        path: str,
        target: Target | None,
        *,
        has_lookups: bool,
    ) -> tuple[str, Converter] | None:
        name = self.text(spec, "convert", path)
        if name is None:
            if target is not None and not has_lookups:
                return target.convert, CONVERSIONS[target.convert]
            if has_lookups:
                return "string", to_text
            return None
        if name not in CONVERSIONS:
            self.problem(
                yamltree.value_position(spec, "convert"),
                _join(path, "convert"),
                f"unknown conversion {name!r}" + hint(name, CONVERSIONS),
            )
            return None
        if target is not None and not has_lookups and name not in target.accepts:
            self.problem(
                yamltree.value_position(spec, "convert"),
                _join(path, "convert"),
                f"{target.name} holds a {target.convert} value; convert: {name} "
                f"does not give one (use {' or '.join(sorted(target.accepts))})",
            )
            return None
        return name, CONVERSIONS[name]

    def default(
        self,
        spec: CommentedMap,
        path: str,
        convert: tuple[str, Converter] | None,
    ) -> Any:
        if "default" not in spec or spec["default"] is None:
            return NO_VALUE
        value = yamltree.plain(spec["default"])
        if convert is None:
            return value
        try:
            return convert[1](value)
        except (ValueError, TypeError, ArithmeticError) as error:
            self.problem(
                yamltree.value_position(spec, "default"),
                _join(path, "default"),
                f"the default {_shown(value)} is not a {convert[0]}: {error}",
            )
            return NO_VALUE

    # -- look-ups ------------------------------------------------------------------

    def lookups(self, spec: CommentedMap, path: str) -> list[Lookup] | None:
        raw = spec["lookup"]
        where = _join(path, "lookup")
        if isinstance(raw, CommentedMap):
            found = self.lookup(spec, "lookup", raw, where)
            return None if found is None else [found]
        if isinstance(raw, CommentedSeq) and raw:
            compiled = []
            for index, item in enumerate(raw):
                step = f"{where}[{index}]"
                if not isinstance(item, CommentedMap):
                    self.problem(
                        yamltree.item_position(raw, index),
                        step,
                        "each look-up is a mapping: {table: …, column: …, missing: …}",
                    )
                    continue
                found = self.lookup(raw, index, item, step)
                if found is not None:
                    compiled.append(found)
            return compiled if len(compiled) == len(raw) else None
        self.problem(
            yamltree.value_position(spec, "lookup"),
            where,
            "a look-up is a mapping such as {table: units, column: okei, "
            f"missing: fail}}, got {_shown(raw)}",
        )
        return None

    def lookup(
        self, container: Container, key: Any, spec: CommentedMap, path: str
    ) -> Lookup | None:
        self.unknown_keys(spec, LOOKUP_KEYS, path)
        name = self.text(spec, "table", path)
        table = None
        if name is None:
            self.problem(
                _key_position(container, key),
                path,
                "which table? add table: NAME (a file in mappings/tables/)",
            )
        else:
            self.used_tables.add(name)
            table = self.tables.get(name)
            if table is None and self.tables.is_broken(name):
                self.problem(
                    yamltree.value_position(spec, "table"),
                    _join(path, "table"),
                    f"table {name!r} has problems of its own (reported at its file);"
                    " fix them first",
                )
            elif table is None:
                self.problem(
                    yamltree.value_position(spec, "table"),
                    _join(path, "table"),
                    f"no table {name!r} in {self.tables.display_root}/tables"
                    + hint(name, self.tables.names()),
                )
        column = self.text(spec, "column", path)
        if column is None:
            self.problem(
                _key_position(container, key),
                path,
                "which column of the row to take? add column: NAME",
            )
        by = self.text(spec, "by", path)
        for key_name, value in (("column", column), ("by", by)):
            if table is not None and value is not None and value not in table.columns:
                self.problem(
                    yamltree.value_position(spec, key_name),
                    _join(path, key_name),
                    f"table {table.name!r} has no column {value!r}"
                    + hint(value, table.columns),
                )
                table = None
        policy, default = self.policy(container, key, spec, path)
        if table is None or column is None or policy is None:
            return None
        return Lookup(
            table=table,
            column=column,
            by=None if by == table.key else by,
            policy=policy,
            default=default,
        )

    def policy(
        self, container: Container, key: Any, spec: CommentedMap, path: str
    ) -> tuple[str | None, Any]:
        where = _join(path, "missing")
        choices = "missing: fail, missing: pass or missing: {default: VALUE}"
        if "missing" not in spec:
            self.problem(
                _key_position(container, key),
                path,
                f"say what happens when the value is not in the table: {choices}",
            )
            return None, None
        raw = spec["missing"]
        if isinstance(raw, CommentedMap):
            if list(raw) == ["default"]:
                return "default", yamltree.plain(raw["default"])
            self.unknown_keys(raw, ("default",), where)
            if "default" not in raw:
                self.problem(
                    yamltree.value_position(spec, "missing"),
                    where,
                    f"expected {{default: VALUE}}; {choices}",
                )
            return None, None
        if raw in ("fail", "pass"):
            return raw, None
        position = yamltree.value_position(spec, "missing")
        if raw == "default":
            self.problem(
                position, where, "write the value too: missing: {default: VALUE}"
            )
        else:
            self.problem(
                position,
                where,
                f"unknown policy {_shown(raw)}" + hint(str(raw), POLICIES) + f"; "
                f"{choices}",
            )
        return None, None


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _key_position(container: Container, key: Any) -> tuple[int, int]:
    if isinstance(container, CommentedSeq):
        return yamltree.item_position(container, key)
    return yamltree.key_position(container, key)


def _value_position(container: Container, key: Any) -> tuple[int, int]:
    if isinstance(container, CommentedSeq):
        return yamltree.item_position(container, key)
    return yamltree.value_position(container, key)


def _shown(value: Any) -> str:
    if isinstance(value, CommentedMap):
        return "a mapping"
    if isinstance(value, CommentedSeq):
        return "a list"
    if value is None:
        return "nothing"
    return repr(str(value))
