"""Orders moving on the sandbox clock: N → R → I → P → C → (SP →) S → D → F.

Each step is due a configured number of minutes after the previous one and is
stamped with the moment it was due, not the moment someone looked: advancing the
clock by a day and reading the order once gives the same history as watching.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import structlog

from connectors.komus.sandbox.clients import consignee, contract_price
from connectors.komus.sandbox.clock import komus_date
from connectors.komus.sandbox.documents import (
    invoice_draft,
    payment_draft,
    shipment_drafts,
)
from connectors.komus.sandbox.model import FINAL, Order, Row, Shipment, ShipmentRow
from connectors.komus.sandbox.state import SandboxState
from gateway.config import SandboxClient, SandboxStages
from gateway.money import vat_rate_for

log = structlog.get_logger(__name__)

Step = Callable[[SandboxState, sqlite3.Connection, Order, datetime], None]


def catch_up(state: SandboxState) -> int:
    """Apply every step that is due by now; returns how many orders moved."""
    now = state.clock.now()
    moved = 0
    for order_id in state.store.due_order_ids(now):
        with state.store.transaction() as db:
            order = state.store.order_for_update(db, order_id)
            while (pending := _pending(order, state.options.stages)) is not None:
                due, step = pending
                if due > now:
                    break
                step(state, db, order, due)
            state.store.save_order(db, order, next_due(order, state.options.stages))
        moved += 1
    return moved


def next_due(order: Order, stages: SandboxStages) -> datetime | None:
    pending = _pending(order, stages)
    return pending[0] if pending else None


def release_stock(state: SandboxState, db: sqlite3.Connection, order: Order) -> None:
    """Give back what reservation took, less what has already left the warehouse."""
    for row in order.rows:
        held = (row.quantity_confirmed or Decimal(0)) - row.quantity_shipped
        if held > 0:
            _move_stock(state, db, order.region, row.artnumber, held)


def _pending(order: Order, stages: SandboxStages) -> tuple[datetime, Step] | None:
    if order.status in FINAL:
        return None
    after = timedelta(minutes=1)
    candidates: list[tuple[datetime, Step]] = []
    by_status: dict[str, tuple[float, Step]] = {
        "N": (stages.reserve, _reserve),
        "R": (stages.invoice, _invoice),
        "I": (stages.pay, _pay),
        "P": (stages.pick, _pick),
        "C": (stages.ship, _ship),
        "SP": (stages.ship_rest, _ship),
        "D": (stages.close, _close),
    }
    if order.status in by_status:
        minutes, step = by_status[order.status]
        candidates.append((order.status_at + after * minutes, step))
    for shipment in order.shipments:
        if shipment.delivered_at is None:
            due = shipment.shipped_at + after * stages.deliver
            candidates.append((due, _deliverer(shipment.id)))
    if order.status == "S" and all(s.delivered_at for s in order.shipments):
        last = max(s.delivered_at for s in order.shipments if s.delivered_at)
        candidates.append((max(last, order.status_at), _delivered))
    return min(candidates, key=lambda c: c[0]) if candidates else None


def _reserve(state: SandboxState, db: sqlite3.Connection, order: Order, at: datetime):
    client = state.clients.get(order.token)
    for row in list(order.rows):
        available = _stock(state, db, order.region, row.artnumber)
        article = state.catalog.article(row.artnumber)
        confirmed = min(row.quantity, article.round_down(available)) if article else 0
        if confirmed == 0 and client is not None:
            analogue = _analogue_row(state, db, order, row, client)
            if analogue is not None:
                row.quantity_confirmed = Decimal(0)
                row.replaced_by = analogue.artnumber
                order.rows.append(analogue)
                continue
        row.quantity_confirmed = Decimal(confirmed)
        _move_stock(state, db, order.region, row.artnumber, -row.quantity_confirmed)

    if all(row.quantity_confirmed == 0 for row in order.rows):
        order.cancel_reason = "Нет товара в наличии"
        order.move("X", at)
        log.info("komus_sandbox_order_unavailable", order_id=order.id)
        return
    order.move("R", at)
    log.info(
        "komus_sandbox_order_reserved",
        order_id=order.id,
        short_rows=sum(1 for r in order.rows if r.quantity_confirmed != r.quantity),
    )


def _analogue_row(
    state: SandboxState,
    db: sqlite3.Connection,
    order: Order,
    row: Row,
    client: SandboxClient,
) -> Row | None:
    article = state.catalog.article(row.artnumber)
    for artnumber in article.analogues if article else ():
        analogue = state.catalog.article(artnumber, order.region)
        regional = state.catalog.price(artnumber, order.region)
        if analogue is None or regional is None:
            continue
        available = analogue.round_down(_stock(state, db, order.region, artnumber))
        if available == 0:
            continue
        confirmed = min(row.quantity, available)
        _move_stock(state, db, order.region, artnumber, -confirmed)
        return Row(
            id=order.next_row_id(),
            artnumber=artnumber,
            name=analogue.name,
            okei=analogue.okei,
            quantity=row.quantity,
            price=contract_price(client, regional),
            vat=vat_rate_for(komus_date(order.created_at), analogue.vat).value,
            unit_weight=analogue.weight,
            unit_volume=analogue.volume,
            quantity_confirmed=confirmed,
            line_ref=row.line_ref,
            analogue_for=row.artnumber,
        )
    return None


def _invoice(state: SandboxState, db: sqlite3.Connection, order: Order, at: datetime):
    client = state.clients.get(order.token)
    chosen = consignee(client, order.consignee_id) if client else None
    if client is not None:
        # Imported here: the payments module serves an API that catches orders up.
        from connectors.komus.sandbox.payments import terms_for

        days = terms_for(state, order.token).days
        draft = invoice_draft(order, client, chosen, at, payment_days=days)
        order.invoice_id = state.store.add_document(db, order.id, draft)
    order.move("I", at)


def _pay(state: SandboxState, db: sqlite3.Connection, order: Order, at: datetime):
    # Imported here: the payments module serves an API that catches orders up.
    from connectors.komus.sandbox.payments import follows_plan

    if follows_plan(state, order.token):
        # The client pays by its own plan: the order goes to picking on its terms
        # and the money arrives as payments of their own (payments.settle).
        order.move("C", at)
        return
    state.store.add_document(db, order.id, payment_draft(order, at))
    order.paid = True
    order.move("P", at)


def _pick(_state: SandboxState, _db: sqlite3.Connection, order: Order, at: datetime):
    order.move("C", at)


def _ship(state: SandboxState, db: sqlite3.Connection, order: Order, at: datetime):
    client = state.clients.get(order.token)
    remaining = {
        row.id: (row.quantity_confirmed or Decimal(0)) - row.quantity_shipped
        for row in order.rows
    }
    remaining = {row_id: qty for row_id, qty in remaining.items() if qty > 0}
    split = order.status == "C" and _ships_in_parts(state, client)
    parts = _first_part(state, order, remaining) if split else remaining

    number = len(order.shipments) + 1
    shipment = Shipment(
        id=order.id * 100 + number,
        number=f"{order.order_num}/{number}",
        shipped_at=at,
        rows=[
            ShipmentRow(row_id, order.row(row_id).artnumber, quantity)
            for row_id, quantity in parts.items()
        ],
    )
    for part in shipment.rows:
        order.row(part.row_id).quantity_shipped += part.quantity
    order.shipments.append(shipment)
    if client is not None:
        chosen = consignee(client, order.consignee_id)
        record, upd = shipment_drafts(order, shipment, client, chosen, state.catalog)
        state.store.add_document(db, order.id, record)
        shipment.upd_id = state.store.add_document(db, order.id, upd)

    complete = all(
        row.quantity_shipped >= (row.quantity_confirmed or 0) for row in order.rows
    )
    order.move("S" if complete else "SP", at)
    log.info(
        "komus_sandbox_order_shipped",
        order_id=order.id,
        shipment=shipment.number,
        complete=complete,
    )


def _ships_in_parts(state: SandboxState, client: SandboxClient | None) -> bool:
    if client is not None and client.partial_shipments is not None:
        return client.partial_shipments
    return state.options.partial_shipments


def _first_part(
    state: SandboxState, order: Order, remaining: dict[int, Decimal]
) -> dict[int, Decimal]:
    """About half: the first half of the rows, or half of a single row's lots."""
    row_ids = list(remaining)
    if len(row_ids) > 1:
        return {row_id: remaining[row_id] for row_id in row_ids[: len(row_ids) // 2]}
    (row_id,) = row_ids
    article = state.catalog.article(order.row(row_id).artnumber)
    half = article.round_down(remaining[row_id] / 2) if article else Decimal(0)
    return {row_id: half} if 0 < half < remaining[row_id] else remaining


def _deliverer(shipment_id: int) -> Step:
    def deliver(
        _state: SandboxState, _db: sqlite3.Connection, order: Order, at: datetime
    ) -> None:
        shipment = next(s for s in order.shipments if s.id == shipment_id)
        shipment.delivered_at = at
        for part in shipment.rows:
            order.row(part.row_id).quantity_delivered += part.quantity
        order.modified_at = at

    return deliver


def _delivered(_state: SandboxState, _db: sqlite3.Connection, order: Order, at):
    order.move("D", at)


def _close(_state: SandboxState, _db: sqlite3.Connection, order: Order, at):
    order.move("F", at)


def _stock(
    state: SandboxState, db: sqlite3.Connection, region: str, artnumber: int
) -> Decimal:
    initial = state.catalog.stock.get((region, artnumber), Decimal(0))
    return state.store.stock(db, region, artnumber, initial)


def _move_stock(
    state: SandboxState,
    db: sqlite3.Connection,
    region: str,
    artnumber: int,
    change: Decimal,
) -> None:
    level = _stock(state, db, region, artnumber) + change
    state.store.set_stock(db, region, artnumber, max(level, Decimal(0)))
