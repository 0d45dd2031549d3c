"""1C exchange passwords set in the console, laid over config.yaml's.

config.yaml gives each tenant's 1C login and a first password. Once an admin
issues a new password in the console, its hash is kept here and wins over the
file for that tenant, on every node and after every restart, while the file
stays as the operator wrote it. Only the hash is stored (its format belongs to
the 1C connector); the password itself is shown once and never kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel

from gateway.store.database import Database


class OneCPassword(SQLModel, table=True):
    """The password hash that opens a tenant's 1C exchange, as last issued."""

    __tablename__ = "onec_passwords"

    tenant_id: str = Field(primary_key=True, foreign_key="tenants.id", max_length=63)
    password_hash: str = Field(max_length=255)
    previous_hash: str | None = Field(default=None, max_length=255)
    """The hash this one replaced; None when it replaced config.yaml's password.
    A 1C still sending the replaced password is told so, not taken for a guesser."""
    rotated_at: datetime
    rotated_by: str = Field(max_length=128)


def stored_password(db: Database, tenant_id: str) -> OneCPassword | None:
    """The tenant's issued password hash; None while config.yaml's one holds."""
    with db.session() as session:
        found = session.get(OneCPassword, tenant_id)
        if found is not None:
            session.expunge(found)
        return found


def replace_password(
    session: Session,
    tenant_id: str,
    password_hash: str,
    *,
    now: datetime,
    actor: str,
) -> None:
    """Keep ``password_hash`` as the tenant's only valid 1C password, in the
    caller's transaction (so the audit entry lands with it)."""
    found = session.get(OneCPassword, tenant_id)
    if found is None:
        found = OneCPassword(tenant_id=tenant_id, password_hash=password_hash)
    else:
        found.previous_hash = found.password_hash
    found.password_hash = password_hash
    found.rotated_at = now
    found.rotated_by = actor[:128]
    session.add(found)
