"""The ``cabinet`` channel's mapping: a plain record, plus the approval hold.

Checkout decides whether an order needs approval before it hands the cart to the
pipeline, and writes the reason into the record. Turning that reason into a
validation problem here holds the requisition in the same transaction that
stores it, so the scheduler can never submit it in between.
"""

from __future__ import annotations

from gateway.config import TenantSettings
from gateway.plain import PlainMapper
from gateway.records import RequisitionDraft, SourceRecord

CHANNEL = "cabinet"
APPROVAL_FIELD = "awaiting_approval"


class CabinetMapper:
    version = "cabinet/1"

    def __init__(self) -> None:
        self.plain = PlainMapper()

    def to_requisition(
        self, tenant: TenantSettings, record: SourceRecord
    ) -> RequisitionDraft:
        draft = self.plain.to_requisition(tenant, record)
        reason = record.fields.get(APPROVAL_FIELD)
        if isinstance(reason, str) and reason:
            draft.problems.append(reason)
        return draft
