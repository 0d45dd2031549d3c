"""Run a real document through a mapping and show where each output field came from.

``preview`` is what ``komus-gateway mappings preview`` and the REST API call: it
reads the input with a reader (CommerceML, JSON, …), maps every record, and keeps,
for each output field, the ``file:line`` of the mapping line that produced it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from gateway.config import TenantSettings
from gateway.errors import ConfigProblem, GatewayError
from gateway.mapping.engine import MappingFile
from gateway.mapping.loader import compile_file
from gateway.mapping.nodes import Trace
from gateway.mapping.readers import reader_named, reader_names
from gateway.mapping.tables import TableStore
from gateway.records import LineDraft, RequisitionDraft, SourceRecord

DEFAULT = "(default)"
_KEPT_LINE = re.compile(r"^lines\[(\d+)\]$")
_HEADER = [f.name for f in fields(RequisitionDraft) if f.name not in ("lines",)]
_LINE = [f.name for f in fields(LineDraft)]


@dataclass
class PreviewField:
    field: str
    value: Any
    origin: str


@dataclass
class PreviewDocument:
    external_id: str | None
    revision: str | None
    output: Any = None
    fields: list[PreviewField] = field(default_factory=list)
    failure: str | None = None


@dataclass
class PreviewResult:
    mapping: str
    version: str | None = None
    reader: str | None = None
    outbound: str | None = None
    documents: list[PreviewDocument] = field(default_factory=list)
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(d.failure is None for d in self.documents)

    def as_dict(self) -> dict[str, Any]:
        return canonical(asdict(self))

    def render(self) -> str:
        """The result as a terminal shows it, one output field a line."""
        lines = [f"mapping  {self.mapping}  {self.version or ''}".rstrip()]
        for problem in self.problems:
            lines.append(f"  {problem}")
        if self.problems:
            return "\n".join(lines)
        what = f"outbound {self.outbound}" if self.outbound else f"reader {self.reader}"
        lines.append(f"{what}, {len(self.documents)} document(s)")
        for document in self.documents:
            lines.append("")
            title = f"document {document.external_id}" if document.external_id else ""
            if document.revision:
                title += f" (revision {document.revision})"
            lines.append(title or "document")
            width = max((len(f.field) for f in document.fields), default=0)
            shown = [_shown(f.value) for f in document.fields]
            value_width = min(max((len(s) for s in shown), default=0), 48)
            for item, text in zip(document.fields, shown, strict=True):
                lines.append(
                    f"  {item.field:<{width}}  {text:<{value_width}}  {item.origin}"
                )
            if document.failure:
                lines.append(f"  FAILED: {document.failure}")
        return "\n".join(lines)


def preview(
    mapping_path: Path | str,
    input_bytes: bytes,
    reader_name: str | None = None,
    *,
    outbound: str | None = None,
    tenant: TenantSettings | None = None,
    directory: Path | str | None = None,
    filename: str | None = None,
) -> PreviewResult:
    """Map ``input_bytes`` with the mapping file at ``mapping_path``.

    The mappings directory (for tables) is the file's grandparent unless given.
    Without ``tenant`` a stand-in with the folder's name and no addresses is used.
    An outbound mapping reads the input as one JSON document.
    """
    mapping_path = Path(mapping_path)
    root = Path(directory) if directory else mapping_path.parent.parent
    tables = TableStore(root)
    tables.refresh()
    mapping, problems = compile_file(mapping_path, root, tables, readers=reader_names())
    shown = (
        tables.display(mapping_path)
        if _inside(mapping_path, root)
        else str(mapping_path)
    )
    if mapping is None:
        extra = [p for p in tables.problems() if p not in problems]
        return PreviewResult(mapping=shown, problems=[*problems, *extra])
    result = PreviewResult(mapping=shown, version=mapping.version)
    if outbound is not None or mapping.inbound is None:
        _outbound(mapping, input_bytes, outbound, tenant, result)
    else:
        _inbound(mapping, input_bytes, reader_name, tenant, filename, result)
    return result


def _inbound(
    mapping: MappingFile,
    payload: bytes,
    reader_name: str | None,
    tenant: TenantSettings | None,
    filename: str | None,
    result: PreviewResult,
) -> None:
    assert mapping.inbound is not None
    name = reader_name or mapping.reader or _guess_reader(payload)
    result.reader = name
    stand_in = tenant or stand_in_tenant(mapping.tenant)
    try:
        reader = reader_named(name)
        records = reader(
            payload, tenant_id=stand_in.id, channel=mapping.channel, filename=filename
        )
    except (KeyError, GatewayError) as error:
        result.problems.append(
            ConfigProblem(filename or "input", 1, 1, "", _message(error))
        )
        return
    for record in records:
        result.documents.append(_mapped(mapping, stand_in, record))


def _mapped(
    mapping: MappingFile, tenant: TenantSettings, record: SourceRecord
) -> PreviewDocument:
    assert mapping.inbound is not None
    document = PreviewDocument(record.external_id, record.revision or None)
    trace = Trace()
    try:
        draft = mapping.inbound.to_requisition(tenant, record, trace)
    except GatewayError as error:
        document.failure = str(error)
        document.fields = [
            PreviewField(key, trace.values.get(key), origin)
            for key, origin in trace.items()
            if not _KEPT_LINE.match(key)
        ]
        return document
    document.output = requisition_as_dict(draft)
    for name in _HEADER:
        if name == "problems":
            continue
        value = getattr(draft, name)
        document.fields.append(PreviewField(name, value, trace.get(name, DEFAULT)))
    kept = [int(m.group(1)) for k in trace if (m := _KEPT_LINE.match(k))]
    positions = kept or range(1, 1 + len(draft.lines))
    for line, index in zip(draft.lines, positions, strict=False):
        for name in _LINE:
            path = f"lines[{index}].{name}"
            if name == "line_no" and path not in trace:
                origin = f"source position {index}"
            else:
                origin = trace.get(path, DEFAULT)
            document.fields.append(PreviewField(path, getattr(line, name), origin))
    return document


def _outbound(
    mapping: MappingFile,
    payload: bytes,
    name: str | None,
    tenant: TenantSettings | None,
    result: PreviewResult,
) -> None:
    if name is None:
        names = sorted(mapping.outbound)
        if len(names) != 1:
            result.problems.append(
                ConfigProblem(
                    mapping.file,
                    1,
                    1,
                    "outbound",
                    f"name the outbound mapping to preview: {', '.join(names)}",
                )
            )
            return
        name = names[0]
    result.outbound = name
    if name not in mapping.outbound:
        result.problems.append(
            ConfigProblem(
                mapping.file,
                1,
                1,
                "outbound",
                f"no outbound mapping {name!r} here; there are: "
                f"{', '.join(sorted(mapping.outbound)) or 'none'}",
            )
        )
        return
    try:
        doc = json.loads(payload)
    except ValueError as error:
        result.problems.append(
            ConfigProblem("input", 1, 1, "", f"an outbound preview reads JSON: {error}")
        )
        return
    document = PreviewDocument(None, None)
    trace = Trace()
    try:
        document.output = canonical(
            mapping.outbound[name].render(doc, tenant=tenant, trace=trace)
        )
    except GatewayError as error:
        document.failure = str(error)
    document.fields = [
        PreviewField(key, trace.values.get(key), origin)
        for key, origin in trace.items()
    ]
    result.documents.append(document)


def stand_in_tenant(tenant_id: str) -> TenantSettings:
    """A tenant with only an id, for previews without a config file."""
    return TenantSettings.model_construct(
        id=tenant_id,
        legal_name=f"{tenant_id} (preview)",
        inn="",
        kpp=None,
        channels={},
        delivery_addresses=[],
    )


def requisition_as_dict(draft: RequisitionDraft) -> dict[str, Any]:
    """The draft as plain text values, the way fixtures and the API show it."""
    values = {name: canonical(getattr(draft, name)) for name in _HEADER}
    values["lines"] = [
        {name: canonical(getattr(line, name)) for name in _LINE} for line in draft.lines
    ]
    return values


def canonical(value: Any) -> Any:
    """Text for every scalar (``Decimal`` as written, dates ISO, true/false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    return str(value)


def _guess_reader(payload: bytes) -> str:
    head = payload[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "commerceml" if head.startswith(b"<") else "json"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _message(error: Exception) -> str:
    return str(error.args[0]) if isinstance(error, KeyError) else str(error)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return repr(value)
    return str(canonical(value))
