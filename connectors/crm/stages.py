"""Which CRM stage means "order this" and which means "cancel": a value table.

``mappings/tables/crm_stages.yaml`` (or ``<tenant>_crm_stages``) keys rows by
``<kind>:<stage>`` and gives an ``action``: ``order`` or ``cancel``. A stage not in
the table changes nothing.
"""

from __future__ import annotations

from gateway.mapping.registry import MappingRegistry

TABLE = "crm_stages"
ORDER, CANCEL = "order", "cancel"


def stage_action(
    registry: MappingRegistry, tenant_id: str, kind: str, stage: str | None
) -> str | None:
    if stage is None:
        return None
    registry.versions()  # loads the folder on first use
    for name in (f"{tenant_id}_{TABLE}", TABLE):
        table = registry.tables.get(name)
        if table is None:
            continue
        row = table.find(f"{kind}:{stage}")
        if row is not None:
            return row.get("action")
    return None
