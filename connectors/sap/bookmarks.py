"""Where an OData intake got to: the latest change time it has taken in; and
whether a requisition is known at all.

Kept as a binding ``(tenant, sap, bookmark, odata:<service>)`` whose internal id is
the change time in whole seconds since the epoch, so no table of its own is needed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from connectors.sap.settings import CHANNEL
from gateway.store.database import Database
from gateway.store.tables import Binding

KIND = "bookmark"


def read_bookmark(db: Database, tenant_id: str, name: str) -> datetime | None:
    with db.session() as session:
        seconds = session.execute(
            select(Binding.internal_id).where(
                Binding.tenant_id == tenant_id,
                Binding.channel == CHANNEL,
                Binding.kind == KIND,
                Binding.external_id == name,
            )
        ).scalar_one_or_none()
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def move_bookmark(db: Database, tenant_id: str, name: str, to: datetime) -> None:
    """Only ever forward: a late, older answer never moves it back."""
    seconds = int(to.timestamp())
    with db.session() as session:
        row = session.execute(
            select(Binding).where(
                Binding.tenant_id == tenant_id,
                Binding.channel == CHANNEL,
                Binding.kind == KIND,
                Binding.external_id == name,
            )
        ).scalar_one_or_none()
        if row is None:
            session.add(
                Binding(
                    tenant_id=tenant_id,
                    channel=CHANNEL,
                    kind=KIND,
                    external_id=name,
                    internal_id=seconds,
                )
            )
        elif seconds > row.internal_id:
            row.internal_id = seconds
            row.synced_at = datetime.now(UTC)


def is_known(db: Database, tenant_id: str, number: str) -> bool:
    """Whether the gateway holds the SAP requisition ``number`` already."""
    with db.session() as session:
        found = session.execute(
            select(Binding.id).where(
                Binding.tenant_id == tenant_id,
                Binding.channel == CHANNEL,
                Binding.kind == "requisition",
                Binding.external_id == number,
            )
        ).first()
    return found is not None
