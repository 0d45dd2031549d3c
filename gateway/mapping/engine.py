"""Compiled mappings: a source record to a requisition, or a document to a payload.

``InboundMapping`` is what the pipeline calls (it satisfies ``InboundMapper``);
``OutboundMapping.render`` turns a dict (an order, an event, a document) into the
tree a channel sends. Both record, when given a ``trace`` dict, which mapping line
produced each output field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gateway.config import TenantSettings
from gateway.mapping.nodes import OMITTED, Node, Origin, Test, Trace, ValueNode
from gateway.mapping.paths import FieldPath, PathError
from gateway.records import LineDraft, RequisitionDraft, SourceRecord

TENANT_DEFAULT = "tenant's default delivery address"


def tenant_scope(tenant: TenantSettings | None) -> dict[str, Any]:
    """What a mapping may read about the tenant: ``tenant.id``, ``tenant.inn``, …"""
    if tenant is None:
        return {}
    default = next((a.code for a in tenant.delivery_addresses if a.default), None)
    return {
        "id": tenant.id,
        "legal_name": tenant.legal_name,
        "inn": tenant.inn,
        "kpp": tenant.kpp,
        "default_address": default,
        "addresses": [a.code for a in tenant.delivery_addresses],
    }


def document_scope(record: SourceRecord) -> dict[str, Any]:
    """``doc``: the record's fields, its lines and its identity."""
    doc = dict(record.fields)
    doc.setdefault("external_id", record.external_id)
    doc.setdefault("revision", record.revision)
    doc.setdefault("lines", record.lines)
    return doc


@dataclass
class LinesSpec:
    """``inbound.lines``: which input items become requisition lines, and how."""

    items: FieldPath
    variable: str
    origin: Origin
    fields: list[tuple[str, ValueNode]]
    when: Test | None = None
    skip_when: Test | None = None


class InboundMapping:
    """A tenant's mapping of one channel's records into requisitions.

    Targets a mapping leaves empty keep the requisition's defaults: the currency is
    RUB, the delivery address is the tenant's default, a line's number is its
    position in the source, and an empty quantity or unit is kept as it is so that
    validation holds the requisition with the reason.
    """

    def __init__(
        self,
        *,
        file: str,
        version: str,
        header: list[tuple[str, ValueNode]],
        lines: LinesSpec | None,
    ):
        self.file = file
        self.version = version
        self.header = header
        self.lines = lines

    def to_requisition(
        self,
        tenant: TenantSettings,
        record: SourceRecord,
        trace: Trace | None = None,
    ) -> RequisitionDraft:
        doc = document_scope(record)
        scope = {"doc": doc, "tenant": tenant_scope(tenant)}
        values: dict[str, Any] = {}
        for name, node in self.header:
            value = node.evaluate(scope, name, trace)
            if value is not OMITTED and value is not None:
                values[name] = value
        if not values.get("delivery_address_code"):
            values["delivery_address_code"] = scope["tenant"].get("default_address")
            if trace is not None and values["delivery_address_code"]:
                trace.note(
                    "delivery_address_code",
                    TENANT_DEFAULT,
                    values["delivery_address_code"],
                )
        lines = self._lines(scope, trace) if self.lines is not None else []
        return RequisitionDraft(lines=lines, **values)

    def _lines(self, scope: dict[str, Any], trace: Trace | None) -> list[LineDraft]:
        spec = self.lines
        assert spec is not None
        try:
            items = spec.items.resolve(scope)
        except PathError as error:
            raise spec.origin.failure(str(error), "lines", spec.items.text) from None
        if items is None:
            return []
        if not isinstance(items, list):
            raise spec.origin.failure(
                "lines.each must lead to a list", "lines", spec.items.text, items
            )
        drafts = []
        inner = dict(scope)
        variable, when, skip_when, fields = (
            spec.variable,
            spec.when,
            spec.skip_when,
            spec.fields,
        )
        for index, item in enumerate(items, start=1):
            inner[variable] = item
            inner["index"] = index
            where = f"lines[{index}]"
            if when is not None and not when.holds(inner, where):
                continue
            if skip_when is not None and skip_when.holds(inner, where):
                continue
            values: dict[str, Any] = {}
            for name, node in fields:
                value = node.evaluate(inner, f"{where}.{name}", trace)
                if value is not OMITTED:
                    values[name] = value
            drafts.append(_line(values, index))
            if trace is not None:
                trace.note(where, str(spec.origin), index)
        return drafts


def _line(values: dict[str, Any], index: int) -> LineDraft:
    line_no = values.pop("line_no", None)
    quantity = values.pop("quantity", None)
    if "unit_code" in values and values["unit_code"] is None:
        values["unit_code"] = ""
    return LineDraft(
        line_no=index if line_no is None else line_no,
        quantity=Decimal(0) if quantity is None else quantity,
        **values,
    )


class OutboundMapping:
    """What one channel sends for an order, an event or a document."""

    def __init__(self, *, file: str, version: str, name: str, output: Node):
        self.file = file
        self.version = version
        self.name = name
        self.output = output

    def render(
        self,
        doc: dict[str, Any],
        *,
        tenant: TenantSettings | None = None,
        trace: Trace | None = None,
    ) -> Any:
        scope = {"doc": doc, "tenant": tenant_scope(tenant)}
        value = self.output.evaluate(scope, "", trace)
        return None if value is OMITTED else value


@dataclass
class MappingFile:
    """Everything one mapping file says, compiled."""

    file: str
    name: str
    version: str
    tenant: str
    channel: str
    reader: str | None = None
    description: str | None = None
    inbound: InboundMapping | None = None
    outbound: dict[str, OutboundMapping] = field(default_factory=dict)
    tables: frozenset[str] = frozenset()
