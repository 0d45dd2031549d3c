"""Claims about order lines: checked, kept with their photos, queued for Komus.

A claim names lines of one of the tenant's own orders, a quantity no larger than
the line's and a reason, with a text and up to ten JPEG or PNG photos. It is kept
with its photos in one transaction together with the outbox delivery that takes it
to Komus (channel ``komus-claim``), so a crash never leaves a claim that is not on
its way. What Komus answers is written back by ``record_status``, which announces
``claim.submitted`` and ``claim.answered`` through the pipeline's events.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import structlog
from sqlalchemy import select
from sqlmodel import Session

from gateway.cabinet.photos import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    image_type,
    safe_filename,
)
from gateway.errors import GatewayError, NotFound
from gateway.hub import Hub
from gateway.outbox import DeliveryDraft
from gateway.records import SourceRecord
from gateway.store.claims import Claim, ClaimLine, ClaimPhoto
from gateway.store.tables import Order, OrderLine

log = structlog.get_logger(__name__)

CHANNEL = "komus-claim"
REASONS = {
    "not_delivered": "не доставлен",
    "damaged": "повреждён",
    "wrong_item": "не тот товар",
    "quality": "качество",
}
STATUS_TITLES = {
    "queued": "отправляется",
    "new": "принята Комусом",
    "in_review": "на рассмотрении",
    "answered": "дан ответ",
    "accepted": "удовлетворена",
    "rejected": "отклонена",
    "failed": "не принята",
}
WHOLE_UNITS = {
    "796": "шт",
    "778": "упак",
    "704": "набор",
    "625": "лист",
    "736": "рул",
    "715": "пар",
}
"""ОКЕИ units counted in whole things: a claim cannot name half a piece of them."""
MAX_ID = 2**31 - 1
ANSWERED = ("answered", "accepted", "rejected")
OPEN = ("new", "in_review")
MAX_TEXT = 4000


class ClaimRefused(GatewayError):
    """The claim cannot be made as it is; ``status`` is the HTTP answer it deserves.

    404 another tenant's or a missing order, 413 a photo too large, 415 a file
    that is not a JPEG or PNG, 422 anything else wrong with the claim.
    """

    def __init__(self, status: int, reasons: list[str]):
        self.status = status
        self.reasons = reasons
        super().__init__("; ".join(reasons))


@dataclass
class LineRequest:
    line_no: Any
    quantity: Any
    reason: Any


@dataclass
class PhotoUpload:
    filename: str | None
    content: bytes


@dataclass
class ClaimRequest:
    order_id: int
    text: Any
    lines: list[LineRequest]
    photos: list[PhotoUpload] = field(default_factory=list)


class Claims:
    def __init__(self, hub: Hub):
        self.hub = hub

    def create(self, request: ClaimRequest, *, tenant: str | None, actor: str) -> int:
        """Check and keep a claim, queued for Komus; returns its id.

        ``tenant`` is the caller's own tenant (None: every tenant): an order of any
        other tenant is answered as missing.
        """
        photos = _checked_photos(request.photos)
        text = _checked_text(request.text)
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            order = session.get(Order, request.order_id)
            if order is None or (tenant is not None and order.tenant_id != tenant):
                raise ClaimRefused(404, [f"order {request.order_id} does not exist"])
            lines = _checked_lines(session, order, request.lines)
            claim = Claim(
                tenant_id=order.tenant_id,
                order_id=order.id,
                text=text,
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
            session.add(claim)
            session.flush()
            for line, quantity, reason in lines:
                session.add(
                    ClaimLine(
                        claim_id=claim.id,
                        order_line_id=line.id,
                        line_no=line.line_no,
                        article=line.article,
                        quantity=quantity,
                        reason=reason,
                    )
                )
            for number, (name, kind, content) in enumerate(photos, start=1):
                session.add(
                    ClaimPhoto(
                        claim_id=claim.id,
                        filename=safe_filename(name, kind, number),
                        content_type=kind,
                        size=len(content),
                        checksum=hashlib.sha256(content).hexdigest(),
                        content=content,
                    )
                )
            self.hub.outbox.add(
                session,
                DeliveryDraft(
                    tenant_id=order.tenant_id,
                    channel=CHANNEL,
                    target=f"komus:orders/{order.komus_order_id}/claims",
                    payload=json.dumps({"claim_id": claim.id}).encode(),
                    order_id=order.id,
                    dedupe_key=f"{CHANNEL}:{claim.id}",
                ),
            )
            assert claim.id is not None
            claim_id = claim.id
        log.info(
            "claim_created",
            tenant=order.tenant_id,
            order_id=order.id,
            claim_id=claim_id,
            lines=len(lines),
            photos=len(photos),
            actor=actor,
        )
        return claim_id

    def record_status(
        self,
        claim_id: int,
        *,
        komus_claim_id: str,
        status: str,
        komus_status: str | None = None,
        answer: str | None = None,
    ) -> Claim:
        """Write back what Komus says; announce it the first time it is said."""
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            claim = session.get(
                Claim, claim_id, with_for_update=self.hub.db.is_postgres
            )
            if claim is None:
                raise NotFound(f"claim {claim_id} does not exist")
            before = claim.status
            claim.komus_claim_id = komus_claim_id
            claim.komus_status = komus_status
            claim.error = None
            if claim.submitted_at is None:
                claim.submitted_at = now
                self._announce(session, claim, "claim.submitted")
            if status != before and before not in ANSWERED:
                claim.status = status
                claim.updated_at = now
                if status in ANSWERED:
                    claim.answer = answer
                    claim.answered_at = now
                    self._announce(session, claim, "claim.answered")
                log.info(
                    "claim_status_changed",
                    tenant=claim.tenant_id,
                    claim_id=claim_id,
                    komus_claim_id=komus_claim_id,
                    status=status,
                )
            session.flush()
            session.expunge(claim)
            return claim

    def record_failure(self, claim_id: int, reason: str) -> None:
        """Komus refused the claim for good: it stays with the reason, for a person."""
        with self.hub.db.session() as session:
            claim = session.get(Claim, claim_id)
            if claim is None:
                return
            claim.status = "failed"
            claim.error = reason[:2000]
            claim.updated_at = self.hub.clock.now()
        log.error(
            "claim_refused_by_komus",
            claim_id=claim_id,
            reason=reason[:300],
            next_step="correct the claim and file a new one",
        )

    def _announce(self, session: Session, claim: Claim, event_type: str) -> None:
        self.hub.pipeline.record_event(
            session,
            claim.tenant_id,
            event_type,
            claim_data(claim),
            order_id=claim.order_id,
        )


def keep_refused(
    hub: Hub,
    tenant: str | None,
    fields: dict[str, Any],
    photos: list[PhotoUpload],
    refused: ClaimRefused,
    channel: str,
) -> int | None:
    """Keep a refused claim in the message log, photos by name and size only.

    A caller of every tenant names none, so the claim is kept for the tenant of the
    order it is about when that order exists. Returns the message id, or None when
    no single tenant can be named.
    """
    if tenant is None:
        tenant = _order_tenant(hub, fields.get("order_id"))
    if tenant is None or hub.settings.tenant(tenant) is None:
        return None
    summary = {
        "claim": fields,
        "photos": [{"filename": p.filename, "size": len(p.content)} for p in photos],
    }
    payload = json.dumps(summary, ensure_ascii=False, default=str).encode()
    record = SourceRecord(
        tenant_id=tenant, channel=channel, external_id="", payload=payload, kind="claim"
    )
    return hub.pipeline.keep_refused(record, str(refused))


def keep_unreadable(
    hub: Hub,
    tenant: str | None,
    payload: bytes,
    content_type: str,
    reason: str,
    channel: str,
) -> int | None:
    """Keep a claim body that could not be read at all, exactly as it arrived.

    Returns the message id, or None when the caller names no tenant: then only the
    log records what came.
    """
    if tenant is None or hub.settings.tenant(tenant) is None:
        log.warning(
            "claim_refused_unattributed",
            channel=channel,
            size=len(payload),
            reason=reason,
            next_step="post claims with a token of one tenant so refusals are kept",
        )
        return None
    record = SourceRecord(
        tenant_id=tenant,
        channel=channel,
        external_id="",
        payload=payload,
        content_type=(content_type or "application/octet-stream")[:128],
        kind="claim",
    )
    return hub.pipeline.keep_refused(record, reason)


def _order_tenant(hub: Hub, order_id: Any) -> str | None:
    """The tenant of the order a refused claim names, when there is such an order."""
    number = _integer(order_id)
    if number is None or not 1 <= number <= MAX_ID:
        return None
    with hub.db.session() as session:
        order = session.get(Order, number)
        return order.tenant_id if order is not None else None


def claim_data(claim: Claim) -> dict[str, Any]:
    """What an event about a claim carries: enough for an e-mail or a webhook."""
    return {
        "claim_id": claim.id,
        "komus_claim_id": claim.komus_claim_id,
        "status": claim.status,
        "answer": claim.answer,
    }


def claim_lines(session: Session, claim_id: int) -> list[ClaimLine]:
    """The claim's lines in the order they were filed."""
    return list(
        session.execute(
            select(ClaimLine)
            .where(ClaimLine.claim_id == claim_id)
            .order_by(ClaimLine.line_no)  # type: ignore[arg-type]
        ).scalars()
    )


def open_claims(session: Session, tenant_id: str) -> list[Claim]:
    return list(
        session.execute(
            select(Claim)
            .where(
                Claim.tenant_id == tenant_id,
                Claim.status.in_(OPEN),  # type: ignore[attr-defined]
            )
            .order_by(Claim.id)
        ).scalars()
    )


# -- checks ---------------------------------------------------------------------------


def _checked_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ClaimRefused(422, ["text: describe what went wrong (it is empty)"])
    if len(text) > MAX_TEXT:
        raise ClaimRefused(422, [f"text: at most {MAX_TEXT} characters"])
    if "\x00" in text:
        raise ClaimRefused(422, ["text: contains a NUL character"])
    return text.strip()


def _checked_photos(photos: list[PhotoUpload]) -> list[tuple[str | None, str, bytes]]:
    if len(photos) > MAX_PHOTOS:
        raise ClaimRefused(422, [f"at most {MAX_PHOTOS} photos per claim"])
    checked = []
    for number, photo in enumerate(photos, start=1):
        name = photo.filename or f"photo {number}"
        if len(photo.content) > MAX_PHOTO_BYTES:
            raise ClaimRefused(
                413,
                [
                    f"photo {name!r} is {len(photo.content)} bytes; each photo may be "
                    f"at most {MAX_PHOTO_BYTES} bytes (10 MB)"
                ],
            )
        kind = image_type(photo.content)
        if kind is None:
            raise ClaimRefused(
                415, [f"photo {name!r} is not a JPEG or PNG image; attach photos only"]
            )
        checked.append((photo.filename, kind, photo.content))
    return checked


def _checked_lines(
    session: Session, order: Order, requested: list[LineRequest]
) -> list[tuple[OrderLine, Decimal, str]]:
    if order.komus_order_id is None:
        raise ClaimRefused(
            422, [f"order {order.id} has not reached Komus yet; claim once it has"]
        )
    if not requested:
        raise ClaimRefused(422, ["lines: name at least one line of the order"])
    by_number = {
        line.line_no: line
        for line in session.execute(
            select(OrderLine).where(OrderLine.order_id == order.id)
        ).scalars()
    }
    checked, problems, seen = [], [], set()
    for index, line in enumerate(requested):
        where = f"lines[{index}]"
        number = _integer(line.line_no)
        found = by_number.get(number) if number is not None else None
        quantity = _decimal(line.quantity)
        if found is None:
            known = ", ".join(map(str, sorted(by_number)))
            problems.append(
                f"{where}.line_no: order {order.number or order.id} has no line "
                f"{line.line_no!r} (its lines: {known})"
            )
        elif number in seen:
            problems.append(f"{where}.line_no: line {number} is named twice")
        elif line.reason not in REASONS:
            problems.append(f"{where}.reason: one of {', '.join(REASONS)}")
        elif quantity is None or quantity <= 0:
            problems.append(f"{where}.quantity: a positive number")
        elif (
            found.unit_code in WHOLE_UNITS and quantity != quantity.to_integral_value()
        ):
            problems.append(
                f"{where}.quantity: {quantity} is fractional; line {number} is "
                f"counted in whole units ({WHOLE_UNITS[found.unit_code]})"
            )
        elif quantity > found.quantity_ordered:
            problems.append(
                f"{where}.quantity: {quantity} is more than line {number} holds "
                f"({found.quantity_ordered.normalize():f})"
            )
        else:
            seen.add(number)
            checked.append((found, quantity, str(line.reason)))
    if problems:
        raise ClaimRefused(422, problems)
    return checked


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def status_title(status: str) -> str:
    return STATUS_TITLES.get(status, status)
