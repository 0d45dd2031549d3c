"""One buyer's cart inside one tenant: add, change, remove, clear.

Every quantity is checked against the article's minimum lot and multiplicity when
it is set, so a cart never holds a line Komus would refuse for its quantity.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import delete, select
from sqlmodel import Session

from gateway.cabinet.actor import Actor
from gateway.cabinet.catalog import CatalogItem, CatalogService, Offer, lot_problem
from gateway.cabinet.errors import OrderingRefused
from gateway.config import TenantSettings
from gateway.hub import Hub
from gateway.money import to_quantity
from gateway.store.ordering import CartLine
from gateway.validation import MAX_QUANTITY

log = structlog.get_logger(__name__)

MAX_CART_LINES = 500
"""Komus takes at most 500 rows in one order."""


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    offer: Offer | None

    @property
    def amount(self) -> Decimal | None:
        if self.offer is None:
            return None
        return (self.offer.price * self.line.quantity).quantize(Decimal("0.01"))


def parse_quantity(value: Any, article: str = "") -> Decimal:
    """A quantity as a buyer types it; refused with a reason when it is not one."""
    where = f"article {article}: " if article else ""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise OrderingRefused([f"{where}quantity is missing"])
    if isinstance(value, bool | dict | list):
        raise OrderingRefused([f"{where}quantity {value!r} is not a number"])
    if isinstance(value, float):
        value = repr(value)
    try:
        quantity = to_quantity(value)
    except (TypeError, ValueError) as exc:
        raise OrderingRefused([f"{where}quantity: {str(exc)[:200]}"]) from None
    if not quantity.is_finite():
        raise OrderingRefused([f"{where}quantity {value!r} is not a number"])
    _check_size(quantity, where)
    return quantity


def _check_size(quantity: Decimal, where: str) -> None:
    """Refuse a quantity no order could hold before the store's column overflows."""
    if quantity >= MAX_QUANTITY:
        raise OrderingRefused(
            [f"{where}quantity {quantity} is too large: at most {MAX_QUANTITY - 1:f}"]
        )


def lines(hub: Hub, tenant_id: str, owner: str) -> list[CartLine]:
    with hub.db.session() as session:
        return list(
            session.execute(
                select(CartLine)
                .where(CartLine.tenant_id == tenant_id, CartLine.owner == owner)
                .order_by(CartLine.added_at, CartLine.id)
            ).scalars()
        )


def priced(
    hub: Hub,
    catalog: CatalogService,
    tenant: TenantSettings,
    owner: str,
    address_code: str | None = None,
) -> list[PricedLine]:
    found = lines(hub, tenant.id, owner)
    region = catalog.region(tenant, address_code)
    offers = catalog.offers(tenant, [line.article for line in found], region)
    return [PricedLine(line, offers.get(line.article)) for line in found]


def _orderable(
    catalog: CatalogService, tenant: TenantSettings, article: Any, quantity: Any
) -> tuple[CatalogItem, Decimal]:
    """The catalog item and the quantity asked, refused unless whole lots."""
    item = catalog.item(tenant, str(article or ""))
    wanted = parse_quantity(quantity, item.article)
    if problem := lot_problem(item, wanted):
        raise OrderingRefused([problem])
    return item, wanted


def _detach(session: Session, line: CartLine) -> None:
    """Write ``line`` and keep it readable after its session closes."""
    session.flush()
    session.refresh(line)
    session.expunge(line)


def add(
    hub: Hub,
    catalog: CatalogService,
    tenant: TenantSettings,
    actor: Actor,
    article: str,
    quantity: Any,
) -> CartLine:
    """Add ``quantity`` of an article; an article already in the cart adds up."""
    item, wanted = _orderable(catalog, tenant, article, quantity)
    now = hub.clock.now()
    with hub.db.session() as session:
        line = _line(session, tenant.id, actor.owner, item.article)
        if line is None:
            count = len(lines(hub, tenant.id, actor.owner))
            if count >= MAX_CART_LINES:
                raise OrderingRefused(
                    [f"the cart already has {MAX_CART_LINES} lines, Komus's limit"]
                )
            line = CartLine(
                tenant_id=tenant.id,
                owner=actor.owner,
                article=item.article,
                name=item.name,
                unit_code=item.unit_code,
                quantity=wanted,
                added_at=now,
                updated_at=now,
            )
        else:
            line.quantity = line.quantity + wanted
            _check_size(line.quantity, f"article {item.article}: ")
            if problem := lot_problem(item, line.quantity):
                raise OrderingRefused([problem])
            line.updated_at = now
        session.add(line)
        _detach(session, line)
    log.info(
        "cart_line_added",
        tenant=tenant.id,
        owner=actor.owner,
        article=item.article,
        quantity=str(line.quantity),
    )
    return line


def change(
    hub: Hub,
    catalog: CatalogService,
    tenant: TenantSettings,
    actor: Actor,
    article: str,
    quantity: Any,
) -> CartLine:
    """Set a line's quantity; it must still be a whole number of lots."""
    item, wanted = _orderable(catalog, tenant, article, quantity)
    with hub.db.session() as session:
        line = _line(session, tenant.id, actor.owner, item.article)
        if line is None:
            raise OrderingRefused([f"article {item.article} is not in the cart"])
        line.quantity = wanted
        line.updated_at = hub.clock.now()
        _detach(session, line)
    return line


def remove(hub: Hub, tenant_id: str, actor: Actor, article: str) -> None:
    with hub.db.session() as session:
        line = _line(session, tenant_id, actor.owner, str(article or "").strip())
        if line is None:
            raise OrderingRefused([f"article {str(article)[:32]!r} is not in the cart"])
        session.delete(line)


def clear(hub: Hub, tenant_id: str, owner: str) -> int:
    with hub.db.session() as session:
        result = session.execute(
            delete(CartLine).where(
                CartLine.tenant_id == tenant_id, CartLine.owner == owner
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _line(session: Any, tenant_id: str, owner: str, article: str) -> CartLine | None:
    return session.execute(
        select(CartLine).where(
            CartLine.tenant_id == tenant_id,
            CartLine.owner == owner,
            CartLine.article == article,
        )
    ).scalar_one_or_none()
