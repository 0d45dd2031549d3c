"""Tenant settings edited in the console, laid over config.yaml.

config.yaml is the seed: it names each tenant with its requisites and delivery
addresses. What an admin changes in the console is kept here and wins over the
seed (``gateway.tenant_overlay`` merges the two), so an edit takes effect at once
and survives a restart, while the file stays as the operator wrote it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.clock import utcnow


class TenantRequisites(SQLModel, table=True):
    """A tenant's legal name, ИНН and КПП as last set in the console."""

    __tablename__ = "tenant_requisites"

    tenant_id: str = Field(primary_key=True, foreign_key="tenants.id", max_length=63)
    legal_name: str
    inn: str = Field(max_length=12)
    kpp: str | None = Field(default=None, max_length=9)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(max_length=128)


class TenantAddress(SQLModel, table=True):
    """A delivery address set in the console.

    A row whose code config.yaml also has replaces that address; a disabled row
    hides it; a new code adds one. Rows are disabled, never deleted, so that the
    requisitions naming a code keep meaning something.
    """

    __tablename__ = "tenant_addresses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code", name="uq_tenant_addresses_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63)
    code: str = Field(max_length=64)
    address: str
    komus_address_id: str | None = Field(default=None, max_length=64)
    is_default: bool = False
    disabled: bool = False
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(max_length=128)
