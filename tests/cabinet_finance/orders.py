"""Orders written straight into the store, for reports that only read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from gateway.hub import Hub
from gateway.money import line_amounts, parse_vat_rate, sum_lines
from gateway.store.tables import Order, OrderLine, OrderStatusChange, Requisition


@dataclass(frozen=True)
class Item:
    article: str
    name: str
    quantity: Decimal
    price: Decimal  # with VAT


def place(
    hub: Hub,
    tenant: str,
    number: str,
    items: list[Item],
    *,
    day: date,
    channel: str = "api",
    status: str = "delivered",
    cost_center: str | None = None,
    address: str | None = None,
    lead_days: float | None = None,
) -> Decimal:
    """One order as the pipeline leaves it; returns its total with VAT."""
    created = datetime.combine(day, time(9), UTC)
    rate = parse_vat_rate("22")
    amounts = [
        line_amounts(i.quantity, i.price, rate, price_includes_vat=True) for i in items
    ]
    totals = sum_lines(amounts)
    with hub.db.session() as session:
        requisition = Requisition(
            tenant_id=tenant,
            channel=channel,
            external_id=number,
            number=number,
            state="ordered",
            cost_center=cost_center,
            delivery_address_code=address,
            created_at=created,
        )
        session.add(requisition)
        session.flush()
        order = Order(
            tenant_id=tenant,
            requisition_id=requisition.id,
            channel=channel,
            number=number,
            status=status,
            net_total=totals.net,
            vat_total=totals.vat,
            total=totals.gross,
            delivery_address_code=address,
            submitted_at=created,
            created_at=created,
        )
        session.add(order)
        session.flush()
        for line_no, (item, figures) in enumerate(zip(items, amounts, strict=True), 1):
            session.add(
                OrderLine(
                    order_id=order.id,
                    line_no=line_no,
                    article=item.article,
                    name=item.name,
                    price=item.price,
                    vat_rate=rate.value,
                    net_amount=figures.net,
                    vat_amount=figures.vat,
                    gross_amount=figures.gross,
                    quantity_ordered=item.quantity,
                )
            )
        if lead_days is not None:
            session.add(
                OrderStatusChange(
                    order_id=order.id,
                    from_status="shipped",
                    to_status="delivered",
                    at=created + timedelta(days=lead_days),
                )
            )
    return totals.gross
