"""The Komus API as ``schemas/komus-api.yaml`` describes it, served under ``/api2``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from connectors.komus.sandbox import render
from connectors.komus.sandbox.catalog import REGIONS
from connectors.komus.sandbox.clients import contract_price
from connectors.komus.sandbox.clock import MOSCOW, parse_komus_time
from connectors.komus.sandbox.errors import KomusError
from connectors.komus.sandbox.gate import API_PREFIX, CLIENT_KEY
from connectors.komus.sandbox.model import STATUS_NAMES
from connectors.komus.sandbox.orders import (
    OrderRequest,
    RowRequest,
    cancel_order,
    change_order,
    create_order,
    find_order,
)
from connectors.komus.sandbox.progress import catch_up
from connectors.komus.sandbox.state import SandboxState
from connectors.komus.sandbox.store import OrderFilter
from gateway.config import SandboxClient
from gateway.money import round_money

router = APIRouter(prefix=API_PREFIX)

BATCH_LIMIT = 250
RRC_MARKUP = Decimal("1.28")
PMC_MARKUP = Decimal("1.12")
PageNumber = Annotated[int, Query(ge=1)]
Region = Annotated[str | None, Query(pattern=r"^[0-9]{2}$")]


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Artnumbers(Payload):
    artnumbers: Annotated[
        list[Annotated[int, Field(ge=1)]],
        Field(min_length=1, max_length=BATCH_LIMIT),
    ]


class RowBody(Payload):
    artnumber: Annotated[int, Field(ge=1)]
    quantity: Annotated[Decimal, Field(gt=0, decimal_places=3)]
    price: Annotated[Decimal | None, Field(ge=0)] = None
    lineRef: Annotated[str | None, Field(max_length=64)] = None


class OrderBody(Payload):
    externalId: Annotated[str, Field(min_length=1, max_length=64)]
    consigneeId: int | None = None
    comment: Annotated[str, Field(max_length=1000)] = ""
    paysystemId: int = 9
    deliveryCode: int = 1
    rows: Annotated[list[RowBody], Field(min_length=1, max_length=500)]


class ChangeRow(Payload):
    artnumber: Annotated[int, Field(ge=1)]
    quantity: Annotated[Decimal, Field(ge=0, decimal_places=3)]
    lineRef: Annotated[str | None, Field(max_length=64)] = None


class ChangeBody(Payload):
    rows: Annotated[list[ChangeRow], Field(min_length=1)]


class CancelBody(Payload):
    reason: Annotated[str | None, Field(max_length=500)] = None


def sandbox(request: Request) -> SandboxState:
    return request.app.state.sandbox


def client(request: Request) -> SandboxClient:
    found = request.scope.get("state", {}).get(CLIENT_KEY)
    if found is None:
        raise KomusError(401, "Не передан токен")
    return found


State = Annotated[SandboxState, Depends(sandbox)]
Client = Annotated[SandboxClient, Depends(client)]


# -- catalogue -------------------------------------------------------------------


@router.get("/elements")
def elements(
    state: State,
    _client: Client,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    categoryId: int | None = None,  # noqa: N803 - Komus's parameter name
) -> dict:
    articles = list(state.catalog.articles.values())
    if categoryId is not None:
        articles = [a for a in articles if a.category_id == categoryId]
    chunk = articles[(page - 1) * limit : page * limit]
    return render.page([render.element(a) for a in chunk], len(articles), page, limit)


@router.get("/categories")
def categories(
    state: State,
    client: Client,
    region: Region = None,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> dict:
    items = state.catalog.categories_in(_region(client, region))
    chunk = items[(page - 1) * limit : page * limit]
    return render.page([render.category(c) for c in chunk], len(items), page, limit)


@router.get("/shipdata/")
def shipdata(client: Client) -> dict:
    items = [
        {"shipmentInfo": {"regionID": region, "regionName": REGIONS[region]}}
        for region in client.regions
        if region in REGIONS
    ]
    return render.page(items, len(items), 1, max(len(items), 1))


@router.get("/consignees")
def consignees(
    client: Client,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=250)] = 50,
) -> dict:
    items = [
        {
            "id": c.id,
            "name": c.name,
            "inn": c.inn,
            "kpp": c.kpp,
            "address": c.address,
            "region": c.region,
            "default": c.default,
        }
        for c in client.consignees
    ]
    chunk = items[(page - 1) * limit : page * limit]
    return render.page(chunk, len(items), page, limit)


@router.post("/prices/")
def prices(state: State, client: Client, body: Artnumbers, region: Region = None):
    regions = [_region(client, region)] if region else client.regions
    found, lost = [], []
    for artnumber in dict.fromkeys(body.artnumbers):
        article = state.catalog.article(artnumber)
        offers = [
            {
                "region": r,
                **_prices(state, client, artnumber, r),
                "modTime": article.price_changed.strftime("%Y-%m-%d %H:%M:%S"),
            }
            for r in regions
            if article is not None and state.catalog.price(artnumber, r) is not None
        ]
        if not offers:
            lost.append(artnumber)
            continue
        found.append(
            {"artnumber": artnumber, "nds": render.nds(article.vat), "prices": offers}
        )
    return render.batch(found, lost)


@router.post("/stock/")
def stock(state: State, client: Client, body: Artnumbers, region: Region = None):
    regions = [_region(client, region)] if region else client.regions
    moved = {r: state.store.stock_levels(r) for r in regions}
    found, lost = [], []
    for artnumber in dict.fromkeys(body.artnumbers):
        article = state.catalog.article(artnumber)
        levels = [
            {
                "region": r,
                "quantity": render.number(
                    moved[r].get(artnumber, state.catalog.stock.get((r, artnumber)))
                ),
            }
            for r in regions
            if article is not None and r in article.regions
        ]
        if not levels:
            lost.append(artnumber)
            continue
        found.append({"artnumber": artnumber, "stock": levels})
    return render.batch(found, lost)


@router.post("/props/")
def props(
    state: State,
    client: Client,
    body: Artnumbers,
    fields: str | None = None,
) -> dict:
    wanted = render.PROPS_FIELDS
    if fields:
        wanted = tuple(f.strip() for f in fields.split(",") if f.strip())
        unknown = [f for f in wanted if f not in render.PROPS_FIELDS]
        if unknown:
            raise KomusError(
                400,
                "Неизвестные группы свойств",
                [f"{f}: known are {', '.join(render.PROPS_FIELDS)}" for f in unknown],
            )
    found, lost = [], []
    for artnumber in dict.fromkeys(body.artnumbers):
        article = state.catalog.article(artnumber)
        if article is None or not set(article.regions) & set(client.regions):
            lost.append(artnumber)
            continue
        found.append(render.props(article, state.catalog, wanted))
    return render.batch(found, lost)


# -- orders ------------------------------------------------------------------------


@router.get("/orders")
def orders(
    state: State,
    client: Client,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=250)] = 50,
    dateFrom: date | None = None,  # noqa: N803
    dateTo: date | None = None,  # noqa: N803
    status: str | None = None,
    modifiedSince: Annotated[  # noqa: N803
        str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
    ] = None,
    externalId: Annotated[str | None, Query(min_length=1, max_length=64)] = None,  # noqa: N803
) -> dict:
    catch_up(state)
    where = OrderFilter(
        created_from=_day_start(dateFrom) if dateFrom else None,
        created_before=_day_start(dateTo + timedelta(days=1)) if dateTo else None,
        statuses=_statuses(status),
        modified_since=parse_komus_time(modifiedSince) if modifiedSince else None,
        external_id=externalId,
    )
    found, total = state.store.orders(client.token, where, (page - 1) * limit, limit)
    items = [render.order(o, state.store.documents(o.id)) for o in found]
    return render.page(items, total, page, limit)


@router.post("/orders")
def place(state: State, client: Client, body: OrderBody) -> JSONResponse:
    request = OrderRequest(
        external_id=body.externalId,
        rows=[RowRequest(r.artnumber, r.quantity, r.lineRef) for r in body.rows],
        consignee_id=body.consigneeId,
        comment=body.comment,
        paysystem_id=body.paysystemId,
        delivery_code=body.deliveryCode,
    )
    order, created = create_order(state, client, request)
    content = render.order(order, state.store.documents(order.id))
    return JSONResponse(content, status_code=201 if created else 200)


@router.get("/orders/{order_id}")
def one(state: State, client: Client, order_id: int) -> dict:
    order = find_order(state, client, order_id)
    return render.order(order, state.store.documents(order.id))


@router.patch("/orders/{order_id}")
def change(state: State, client: Client, order_id: int, body: ChangeBody) -> dict:
    rows = [RowRequest(r.artnumber, r.quantity, r.lineRef) for r in body.rows]
    order = change_order(state, client, order_id, rows)
    return render.order(order, state.store.documents(order.id))


@router.post("/orders/{order_id}/cancel")
def cancel(
    state: State,
    client: Client,
    order_id: int,
    body: Annotated[CancelBody | None, Body()] = None,
) -> dict:
    order = cancel_order(state, client, order_id, body.reason if body else None)
    return render.order(order, state.store.documents(order.id))


@router.get("/orders/{order_id}/invoice")
def invoice(state: State, client: Client, order_id: int) -> Response:
    order = find_order(state, client, order_id)
    if order.invoice_id is None:
        raise KomusError(404, f"Счёт по заказу {order.order_num} ещё не выставлен")
    return _file(state, order.id, order.invoice_id)


@router.get("/orders/{order_id}/documents")
def documents(
    state: State,
    client: Client,
    order_id: int,
    page: PageNumber = 1,
    limit: Annotated[int, Query(ge=1, le=250)] = 50,
) -> dict:
    order = find_order(state, client, order_id)
    items = [render.document(d) for d in state.store.documents(order.id)]
    chunk = items[(page - 1) * limit : page * limit]
    return render.page(chunk, len(items), page, limit)


@router.get("/orders/{order_id}/documents/{document_id}")
def document(state: State, client: Client, order_id: int, document_id: int) -> Response:
    order = find_order(state, client, order_id)
    return _file(state, order.id, document_id)


# -- helpers -------------------------------------------------------------------------


def _region(client: SandboxClient, region: str | None) -> str:
    if region is None:
        return client.regions[0]
    if region not in client.regions:
        raise KomusError(
            400,
            f"Регион {region} недоступен для этого токена",
            [f"available: {', '.join(client.regions)}"],
        )
    return region


def _prices(
    state: SandboxState, client: SandboxClient, artnumber: int, region: str
) -> dict:
    """Contract price, and the retail and lowest-internet thresholds above it."""
    regional = state.catalog.price(artnumber, region)
    return {
        "partnerPrice": render.number(contract_price(client, regional)),
        "rrcPrice": render.number(round_money(regional * RRC_MARKUP)),
        "pricePmc": render.number(round_money(regional * PMC_MARKUP)),
    }


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=MOSCOW)


def _statuses(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    codes = tuple(code.strip() for code in text.split(",") if code.strip())
    unknown = [code for code in codes if code not in STATUS_NAMES]
    if unknown:
        raise KomusError(
            400,
            "Неизвестный статус заказа",
            [f"{code}: known are {', '.join(STATUS_NAMES)}" for code in unknown],
        )
    return codes


def _file(state: SandboxState, order_id: int, document_id: int) -> Response:
    found = state.store.document_file(order_id, document_id)
    if found is None:
        raise KomusError(404, f"Документ {document_id} не найден")
    stored, content = found
    if content is None or stored.file_name is None:
        raise KomusError(404, f"У документа {stored.number} нет файла")
    return Response(
        content,
        media_type=stored.content_type,
        headers={"content-disposition": _attachment(stored.file_name)},
    )


def _attachment(name: str) -> str:
    if name.isascii():
        return f'attachment; filename="{name}"'
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
