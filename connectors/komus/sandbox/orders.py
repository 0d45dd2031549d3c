"""Placing, changing and cancelling orders, with the checks Komus makes."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal

import structlog

from connectors.komus.sandbox.catalog import Article
from connectors.komus.sandbox.clients import consignee, contract_price, region_of
from connectors.komus.sandbox.clock import komus_date
from connectors.komus.sandbox.errors import KomusError
from connectors.komus.sandbox.model import (
    CANCELLABLE,
    DELIVERIES,
    PAYSYSTEMS,
    Order,
    Row,
)
from connectors.komus.sandbox.progress import catch_up, next_due, release_stock
from connectors.komus.sandbox.state import SandboxState
from gateway.config import SandboxClient
from gateway.money import vat_rate_for

log = structlog.get_logger(__name__)

ORDER_NUMBER_BASE = 41_000_000


@dataclass(frozen=True)
class RowRequest:
    artnumber: int
    quantity: Decimal
    line_ref: str | None = None


@dataclass(frozen=True)
class OrderRequest:
    external_id: str
    rows: list[RowRequest]
    consignee_id: int | None = None
    comment: str = ""
    paysystem_id: int = 9
    delivery_code: int = 1


def create_order(
    state: SandboxState, client: SandboxClient, request: OrderRequest
) -> tuple[Order, bool]:
    """The order for ``request.external_id``, and whether it was created just now."""
    state.stats.create()
    now = state.clock.now()
    with state.store.transaction() as db:
        existing = db.execute(
            "SELECT id FROM orders WHERE token = ? AND external_id = ?",
            (client.token, request.external_id),
        ).fetchone()
        if existing is not None:
            log.info(
                "komus_sandbox_order_repeated",
                order_id=existing[0],
                external_id=request.external_id,
            )
            order = state.store.order_for_update(db, existing[0])
            return order, False

        chosen = consignee(client, request.consignee_id)
        if request.consignee_id is not None and chosen is None:
            raise KomusError(
                400,
                "Неизвестный грузополучатель",
                [f"consigneeId {request.consignee_id}"],
            )
        region = region_of(client, chosen)
        _check_values(request)
        articles = _articles(state, region, request.rows)

        order_id, _ = state.store.claim_external_id(
            db, client.token, request.external_id, now
        )
        order = Order(
            id=order_id,
            token=client.token,
            external_id=request.external_id,
            order_num=str(ORDER_NUMBER_BASE + order_id),
            created_at=now,
            modified_at=now,
            status="N",
            status_at=now,
            region=region,
            consignee_id=chosen.id if chosen else None,
            comment=request.comment,
            paysystem_id=request.paysystem_id,
            delivery_code=request.delivery_code,
            rows=[],
            history=[("N", now)],
        )
        for wanted in request.rows:
            order.rows.append(
                _row(state, client, order, articles[wanted.artnumber], wanted)
            )
        state.store.save_order(db, order, next_due(order, state.options.stages))
    log.info(
        "komus_sandbox_order_created",
        order_id=order.id,
        external_id=order.external_id,
        rows=len(order.rows),
    )
    return order, True


def change_order(
    state: SandboxState, client: SandboxClient, order_id: int, rows: list[RowRequest]
) -> Order:
    catch_up(state)
    with state.store.transaction() as db:
        order = _owned(state, db, client, order_id)
        if order.status != "N":
            raise KomusError(
                409,
                f"Заказ в статусе {order.status} изменить нельзя: "
                "изменения принимаются только до резервирования",
            )
        _check_values_rows(rows)
        articles = _articles(state, order.region, [r for r in rows if r.quantity > 0])
        by_article = {row.artnumber: row for row in order.rows}
        for wanted in rows:
            current = by_article.get(wanted.artnumber)
            if wanted.quantity == 0:
                if current is not None:
                    order.rows.remove(current)
            elif current is not None:
                current.quantity = wanted.quantity
                current.line_ref = wanted.line_ref or current.line_ref
            else:
                order.rows.append(
                    _row(state, client, order, articles[wanted.artnumber], wanted)
                )
        if not order.rows:
            raise KomusError(400, "В заказе не осталось строк")
        order.modified_at = state.clock.now()
        state.store.save_order(db, order, next_due(order, state.options.stages))
    log.info("komus_sandbox_order_changed", order_id=order.id, rows=len(order.rows))
    return order


def cancel_order(
    state: SandboxState, client: SandboxClient, order_id: int, reason: str | None
) -> Order:
    catch_up(state)
    with state.store.transaction() as db:
        order = _owned(state, db, client, order_id)
        if order.status == "X":
            return order
        if order.status not in CANCELLABLE:
            raise KomusError(
                409,
                f"Заказ в статусе {order.status} отменить нельзя: "
                "по нему уже есть отгрузка",
            )
        release_stock(state, db, order)
        order.cancel_reason = reason or "Отменён покупателем"
        order.move("X", state.clock.now())
        state.store.save_order(db, order, None)
    log.info("komus_sandbox_order_cancelled", order_id=order.id)
    return order


def find_order(state: SandboxState, client: SandboxClient, order_id: int) -> Order:
    catch_up(state)
    order = state.store.order(client.token, order_id)
    if order is None:
        raise KomusError(404, f"Заказ {order_id} не найден")
    return order


def _owned(
    state: SandboxState, db: sqlite3.Connection, client: SandboxClient, order_id: int
) -> Order:
    row = db.execute(
        "SELECT id FROM orders WHERE id = ? AND token = ? AND body != '{}'",
        (order_id, client.token),
    ).fetchone()
    if row is None:
        raise KomusError(404, f"Заказ {order_id} не найден")
    return state.store.order_for_update(db, order_id)


def _check_values(request: OrderRequest) -> None:
    if request.paysystem_id not in PAYSYSTEMS:
        raise KomusError(400, "Неизвестная система оплаты", [str(request.paysystem_id)])
    if request.delivery_code not in DELIVERIES:
        raise KomusError(
            400, "Неизвестный способ доставки", [str(request.delivery_code)]
        )
    _check_values_rows(request.rows)


def _check_values_rows(rows: list[RowRequest]) -> None:
    seen: set[int] = set()
    repeated = []
    for row in rows:
        if row.artnumber in seen:
            repeated.append(f"artnumber {row.artnumber}: appears more than once")
        seen.add(row.artnumber)
    if repeated:
        raise KomusError(400, "Артикул повторяется в заказе", repeated)


def _articles(
    state: SandboxState, region: str, rows: list[RowRequest]
) -> dict[int, Article]:
    articles: dict[int, Article] = {}
    problems: list[str] = []
    for wanted in rows:
        article = state.catalog.article(wanted.artnumber, region)
        if article is None:
            problems.append(
                f"artnumber {wanted.artnumber}: not sold in region {region}"
            )
            continue
        if (problem := article.quantity_problem(wanted.quantity)) is not None:
            problems.append(problem)
        articles[wanted.artnumber] = article
    if problems:
        raise KomusError(400, "Заказ не принят: ошибки в строках", problems)
    return articles


def _row(
    state: SandboxState,
    client: SandboxClient,
    order: Order,
    article: Article,
    wanted: RowRequest,
) -> Row:
    regional = state.catalog.price(article.artnumber, order.region)
    assert regional is not None
    rate = vat_rate_for(komus_date(order.created_at), article.vat)
    return Row(
        id=order.next_row_id(),
        artnumber=article.artnumber,
        name=article.name,
        okei=article.okei,
        quantity=wanted.quantity,
        price=contract_price(client, regional),
        vat=rate.value,
        unit_weight=article.weight,
        unit_volume=article.volume,
        line_ref=wanted.line_ref,
    )
