"""A 1C line's Komus article: the tenant's item table first, else what 1C wrote.

The YAML mapping looks the 1C item up in the tenant's item table. A mapping
cannot fall back to another source once a look-up has missed, so this wrapper
does that one step: a line the mapping left without an article takes the Komus
article 1C wrote itself, in ``Артикул`` or the requisite «Артикул поставщика»
(the reader offers it as ``line.komus_article`` when it is 1 to 12 digits).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gateway.config import TenantSettings
from gateway.mapping.registry import MappingRegistry
from gateway.plain import PlainMapper
from gateway.records import RequisitionDraft, SourceRecord

# TODO(mapping-coalesce): once a mapping field can fall back to another path
# after a look-up misses, this step belongs in mappings/*/onec.yaml, where
# `mappings preview` would show it.


class ArticleFallback:
    """The tenant's 1C mapping, then 1C's own Komus articles for unmatched lines."""

    def __init__(self, registry: MappingRegistry, tenant_id: str, channel: str):
        self.registry = registry
        self.tenant_id = tenant_id
        self.channel = channel

    def _inner(self) -> Any:
        return self.registry.inbound(self.tenant_id, self.channel) or PlainMapper()

    @property
    def version(self) -> str:
        return str(self._inner().version)

    def to_requisition(
        self, tenant: TenantSettings, record: SourceRecord
    ) -> RequisitionDraft:
        draft: RequisitionDraft = self._inner().to_requisition(tenant, record)
        by_position = dict(enumerate(record.lines, start=1))
        by_item = {line.get("id"): line for line in record.lines if line.get("id")}
        lines = []
        for line in draft.lines:
            if not line.article:
                source = by_position.get(line.line_no)
                if source is None or source.get("id") != line.client_item_code:
                    source = by_item.get(line.client_item_code)
                article = source.get("komus_article") if source else None
                if article:
                    line = replace(line, article=article)
            lines.append(line)
        return replace(draft, lines=lines)
