"""Claims about delivered orders: a multipart form in, a status that moves on the clock.

``POST /orders/{id}/claims`` takes a ``claim`` part (JSON: ``externalId``, ``text``,
``rows`` of ``rowId`` or ``artnumber``, ``quantity`` and ``reason``) and up to ten
``photos`` (JPEG or PNG, checked by their first bytes, 10 MB each). The same
``externalId`` from the same token answers the claim already made, so a client may
repeat a request whose answer it lost. A claim is ``new``, then ``in_review`` after
``REVIEW_MINUTES``, then answered after ``ANSWER_MINUTES`` on the sandbox clock:
``accepted`` when every row stands, ``rejected`` when one does not (damage to goods
that were never delivered, more than the row holds), ``answered`` for quality
complaints that go to the maker.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import UploadFile

from connectors.komus.sandbox.api import Client, State
from connectors.komus.sandbox.clock import from_stored, komus_time, stored
from connectors.komus.sandbox.errors import KomusError
from connectors.komus.sandbox.gate import API_PREFIX
from connectors.komus.sandbox.model import Order
from connectors.komus.sandbox.orders import find_order
from gateway.cabinet.photos import MAX_PHOTO_BYTES, MAX_PHOTOS, image_type

router = APIRouter(prefix=API_PREFIX)
controls = APIRouter(prefix="/sandbox", tags=["sandbox"])

REVIEW_MINUTES = 30
ANSWER_MINUTES = 240
REASONS = {
    "not_delivered": "не доставлен",
    "damaged": "повреждён",
    "wrong_item": "не тот товар",
    "quality": "качество",
}
STATUSES = {
    "new": "Новая",
    "in_review": "На рассмотрении",
    "answered": "Дан ответ",
    "accepted": "Удовлетворена",
    "rejected": "Отклонена",
}
MAX_TEXT = 4000
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS claims (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token TEXT NOT NULL,
        external_id TEXT,
        order_id INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL,
        outcome TEXT NOT NULL,
        answer TEXT NOT NULL,
        UNIQUE (token, external_id)
    )""",
    """CREATE TABLE IF NOT EXISTS claim_photos (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        claim_id INTEGER NOT NULL REFERENCES claims (id),
        file_name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        content BLOB NOT NULL
    )""",
)


@dataclass(frozen=True)
class ClaimRow:
    row_id: int
    artnumber: int
    quantity: Decimal
    reason: str


@router.post("/orders/{order_id}/claims")
async def create_claim(
    order_id: int, request: Request, state: State, client: Client
) -> Response:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip()
    if media_type != "multipart/form-data":
        raise KomusError(
            415,
            "Претензия передаётся как multipart/form-data",
            ["части: claim (JSON) и photos (JPEG или PNG)"],
        )
    form = await request.form(max_files=MAX_PHOTOS + 1, max_fields=10)
    try:
        body = _claim_part(form.get("claim"))
        photos = [await _photo(p, n) for n, p in enumerate(form.getlist("photos"), 1)]
    finally:
        await form.close()
    order = find_order(state, client, order_id)
    rows = _rows(order, body.get("rows"))
    text = _text(body.get("text"))
    external_id = _external_id(body.get("externalId"))
    outcome, answer = _verdict(order, rows)
    now = state.clock.now()
    with state.store.transaction() as db:
        _ensure_schema(db)
        if external_id is not None:
            existing = db.execute(
                "SELECT id FROM claims WHERE token = ? AND external_id = ?",
                (client.token, external_id),
            ).fetchone()
            if existing is not None:
                return _json(_render(db, existing[0], now), 200)
        claim_id = db.execute(
            "INSERT INTO claims (token, external_id, order_id, created_at, body, "
            "outcome, answer) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                client.token,
                external_id,
                order.id,
                stored(now),
                json.dumps(
                    {
                        "text": text,
                        "orderNum": order.order_num,
                        "rows": [_row_json(r) for r in rows],
                    },
                    ensure_ascii=False,
                ),
                outcome,
                answer,
            ),
        ).fetchone()[0]
        for name, content_type, content in photos:
            db.execute(
                "INSERT INTO claim_photos (claim_id, file_name, content_type, content) "
                "VALUES (?, ?, ?, ?)",
                (claim_id, name, content_type, content),
            )
        return _json(_render(db, claim_id, now), 201)


@router.get("/claims/{claim_id}")
def one_claim(claim_id: int, state: State, client: Client) -> Response:
    with state.store.transaction() as db:
        _ensure_schema(db)
        owner = db.execute(
            "SELECT token FROM claims WHERE id = ?", (claim_id,)
        ).fetchone()
        if owner is None or owner[0] != client.token:
            raise KomusError(404, f"Претензия {claim_id} не найдена")
        return _json(_render(db, claim_id, state.clock.now()), 200)


@controls.get("/claims/{claim_id}")
def inspect_claim(claim_id: int, state: State) -> dict:
    """The claim as Komus holds it, with each photo's size and SHA-256."""
    with state.store.transaction() as db:
        _ensure_schema(db)
        if db.execute("SELECT 1 FROM claims WHERE id = ?", (claim_id,)).fetchone():
            body = _render(db, claim_id, state.clock.now())
        else:
            raise KomusError(404, f"Претензия {claim_id} не найдена")
        photos = db.execute(
            "SELECT id, content FROM claim_photos WHERE claim_id = ? ORDER BY id",
            (claim_id,),
        ).fetchall()
    digests = {pid: hashlib.sha256(content).hexdigest() for pid, content in photos}
    for photo in body["photos"]:
        photo["sha256"] = digests[photo["id"]]
    return body


# -- the form ------------------------------------------------------------------------


def _claim_part(part: Any) -> dict[str, Any]:
    if part is None:
        raise KomusError(400, "Нет части claim", ["claim: JSON с rows и text"])
    raw = part if isinstance(part, str) else None
    if isinstance(part, UploadFile):
        raise KomusError(400, "Часть claim должна быть JSON-текстом, а не файлом")
    try:
        body = json.loads(raw or "")
    except ValueError as exc:
        raise KomusError(400, "Часть claim не является JSON", [str(exc)]) from exc
    if not isinstance(body, dict):
        raise KomusError(400, "Часть claim должна быть JSON-объектом")
    return body


async def _photo(part: Any, number: int) -> tuple[str, str, bytes]:
    if not isinstance(part, UploadFile):
        raise KomusError(400, f"photos[{number}]: ожидается файл")
    content = await part.read(MAX_PHOTO_BYTES + 1)
    if len(content) > MAX_PHOTO_BYTES:
        raise KomusError(
            413,
            "Фотография слишком большая",
            [f"photos[{number}] {part.filename}: больше {MAX_PHOTO_BYTES} байт"],
        )
    kind = image_type(content)
    if kind is None:
        raise KomusError(
            415,
            "Фотография должна быть в формате JPEG или PNG",
            [f"photos[{number}] {part.filename}: содержимое не JPEG и не PNG"],
        )
    return (part.filename or f"photo-{number}", kind, content)


def _rows(order: Order, rows: Any) -> list[ClaimRow]:
    if not isinstance(rows, list) or not rows:
        raise KomusError(400, "В претензии нет строк", ["rows: минимум одна строка"])
    found, problems = [], []
    for index, row in enumerate(rows):
        where = f"rows[{index}]"
        if not isinstance(row, dict):
            problems.append(f"{where}: ожидается объект")
            continue
        target = _order_row(order, row)
        reason = row.get("reason")
        quantity = _quantity(row.get("quantity"))
        if target is None:
            problems.append(f"{where}: строки {row} нет в заказе {order.order_num}")
        elif reason not in REASONS:
            problems.append(f"{where}.reason: одно из {', '.join(REASONS)}")
        elif quantity is None or quantity <= 0:
            problems.append(f"{where}.quantity: положительное число")
        elif quantity > target.quantity:
            problems.append(
                f"{where}.quantity: {quantity} больше, чем в строке ({target.quantity})"
            )
        else:
            found.append(ClaimRow(target.id, target.artnumber, quantity, reason))
    if problems:
        raise KomusError(400, "Строки претензии не приняты", problems)
    return found


def _order_row(order: Order, row: dict[str, Any]) -> Any:
    if row.get("rowId") is not None:
        return next((r for r in order.rows if r.id == row["rowId"]), None)
    if row.get("artnumber") is not None:
        return next((r for r in order.rows if r.artnumber == row["artnumber"]), None)
    return None


def _quantity(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise KomusError(400, "Нет текста претензии", ["text: опишите, что случилось"])
    if len(value) > MAX_TEXT:
        raise KomusError(400, "Текст претензии слишком длинный", [f"до {MAX_TEXT}"])
    return value.strip()


def _external_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 64:
        raise KomusError(400, "externalId: строка от 1 до 64 символов")
    return value


# -- the verdict ---------------------------------------------------------------------


def _verdict(order: Order, rows: list[ClaimRow]) -> tuple[str, str]:
    """What Komus will answer, fixed now and shown once the answer is due."""
    refusals = []
    for row in rows:
        line = order.row(row.row_id)
        if row.reason == "not_delivered":
            missing = line.quantity - line.quantity_delivered
            if row.quantity > missing:
                refusals.append(
                    f"артикул {row.artnumber}: доставлено {line.quantity_delivered}, "
                    f"недопоставка не больше {missing}"
                )
        elif row.quantity > line.quantity_delivered:
            refusals.append(
                f"артикул {row.artnumber}: доставлено {line.quantity_delivered}, "
                f"претензия на {row.quantity} не подтверждается"
            )
    if refusals:
        return "rejected", "Претензия отклонена: " + "; ".join(refusals)
    if all(row.reason == "quality" for row in rows):
        return (
            "answered",
            "Претензия по качеству передана производителю; замена товара будет "
            "предложена после экспертизы.",
        )
    return (
        "accepted",
        "Претензия удовлетворена: недостающий или повреждённый товар будет "
        f"заменён со следующей поставкой по заказу {order.order_num}.",
    )


def _status(created: datetime, outcome: str, now: datetime) -> str:
    elapsed = now - created
    if elapsed >= timedelta(minutes=ANSWER_MINUTES):
        return outcome
    if elapsed >= timedelta(minutes=REVIEW_MINUTES):
        return "in_review"
    return "new"


# -- storage and rendering -------------------------------------------------------------


def _ensure_schema(db: sqlite3.Connection) -> None:
    for statement in SCHEMA:
        db.execute(statement)


def _render(db: sqlite3.Connection, claim_id: int, now: datetime) -> dict[str, Any]:
    order_id, created_text, body_text, outcome, answer = db.execute(
        "SELECT order_id, created_at, body, outcome, answer FROM claims WHERE id = ?",
        (claim_id,),
    ).fetchone()
    created = from_stored(created_text)
    body = json.loads(body_text)
    status = _status(created, outcome, now)
    answered = status in ("answered", "accepted", "rejected")
    changed = {
        "new": created,
        "in_review": created + timedelta(minutes=REVIEW_MINUTES),
    }.get(status, created + timedelta(minutes=ANSWER_MINUTES))
    photos = db.execute(
        "SELECT id, file_name, content_type, length(content) FROM claim_photos "
        "WHERE claim_id = ? ORDER BY id",
        (claim_id,),
    ).fetchall()
    return {
        "id": claim_id,
        "orderId": order_id,
        "orderNum": body["orderNum"],
        "status": {"code": status, "name": STATUSES[status]},
        "dateCreate": komus_time(created),
        "modTime": komus_time(changed),
        "text": body["text"],
        "rows": body["rows"],
        "photos": [
            {"id": pid, "fileName": name, "contentType": kind, "size": size}
            for pid, name, kind, size in photos
        ],
        "answer": answer if answered else None,
        "dateAnswer": komus_time(changed) if answered else None,
    }


def _row_json(row: ClaimRow) -> dict[str, Any]:
    return {
        "rowId": row.row_id,
        "artnumber": row.artnumber,
        "quantity": format(row.quantity.normalize(), "f"),
        "reason": row.reason,
    }


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type="application/json",
    )


routes = APIRouter()
"""The API endpoints and their controls, for the sandbox app to mount at once."""
routes.include_router(router)
routes.include_router(controls)
