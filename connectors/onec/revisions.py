"""New versions of a 1C order: which is newer, and what happens once it is ordered.

``НомерВерсии`` is the data version 1C stamps on every write of an object: eight
bytes in base64 whose big-endian value grows with each write. It is turned into
that number, so the pipeline compares revisions as numbers; anything else 1C
might write is kept as it is and compared as text.

A new version of an order that is already a Komus order:

* cancels it (``ПометкаУдаления`` or «Отменен»): the pipeline's
  ``requisition.revised`` event reaches the Komus connector, which sends the
  cancel; an order that has shipped cannot be cancelled, and 1C is told so now;
* changes it: Komus takes new row quantities only while the order waits for
  reservation (status N), so the change is queued as a delivery on the
  ``komus-change`` channel and sent by ``ChangeSender``; later it is refused,
  and 1C is told so at once or, when Komus refuses it, at its next ``query``.

Every refusal is an event (``requisition.revision_refused``) that the 1C outbox
route turns into a document for 1C.

A cancel judged in time can still be refused: the order may ship between the
gateway's last look at it and the cancel's delivery to Komus, which then ends as
a dead letter of the ``komus`` channel. ``CancelRefusals`` finds such dead
cancels of 1C orders (before every ``query`` and on a schedule) and records the
refusal, once per dead delivery, so 1C hears about it like any other.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import select
from sqlmodel import col

from gateway.config import TenantSettings
from gateway.errors import FinalError, GatewayError, RetryableError
from gateway.lifecycle import OrderStatus
from gateway.money import (
    line_amounts,
    parse_vat_rate,
    sum_lines,
    vat_rate_for,
)
from gateway.outbox import Claimed, DeliveryDraft
from gateway.pipeline import Intake
from gateway.records import LineDraft, SourceRecord
from gateway.senders import SendResult
from gateway.store.locks import try_lock
from gateway.store.tables import (
    Delivery,
    Event,
    Order,
    OrderLine,
    Requisition,
    RequisitionLine,
)
from gateway.validation import problems_of

if TYPE_CHECKING:
    from gateway.hub import Hub

log = structlog.get_logger(__name__)

CHANGE_CHANNEL = "komus-change"
CHANGE_TARGET = "komus:change-order"
CANCEL_TARGET = "komus:cancel-order"
"""The Komus connector's cancel deliveries (``connectors/komus/cancellation.py``)."""
DEAD = "dead"
REFUSED = "requisition.revision_refused"
CHANGED = "order.changed"
CHANGEABLE = (OrderStatus.SUBMITTED,)
SHIPPED = (
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.CLOSED,
)
ENDED = (OrderStatus.CANCELLED, OrderStatus.REJECTED)


def revision_of(version: str | None) -> str:
    """1C's ``НомерВерсии`` as a revision the pipeline orders correctly."""
    if not version:
        return ""
    try:
        raw = base64.b64decode(version, validate=True)
    except (binascii.Error, ValueError):
        return version
    if len(raw) != 8:
        return version
    return str(int.from_bytes(raw, "big"))


def normalised(record: SourceRecord) -> SourceRecord:
    record.revision = revision_of(record.fields.get("version") or record.revision)
    return record


@dataclass(frozen=True)
class Verdict:
    """What 1C is told about a version that came after its order was placed."""

    text: str
    refused: bool = False


class AfterOrder:
    def __init__(self, hub: Hub):
        self.hub = hub

    def judge(
        self, tenant: TenantSettings, record: SourceRecord, intake: Intake
    ) -> Verdict:
        requisition_id = intake.requisition_id
        assert requisition_id is not None
        with self.hub.db.session() as session:
            order = session.execute(
                select(Order).where(Order.requisition_id == requisition_id)
            ).scalar_one_or_none()
        if order is None:
            return Verdict("ordering is under way; the new version waits for it")
        status = OrderStatus(order.status)
        where = f"Komus order {order.number or order.komus_order_id}"
        try:
            draft = self.hub.mapper_for(tenant, record.channel).to_requisition(
                tenant, record
            )
        except GatewayError as error:
            return refuse(
                self.hub,
                order,
                record.revision,
                f"the new version is unusable: {error}",
            )
        if draft.cancelled:
            if status in ENDED:
                return Verdict(f"{where} is already {status.value}")
            # Should it ship before the cancel reaches Komus, CancelRefusals
            # tells 1C once the cancel is a dead letter.
            if status in SHIPPED:
                return refuse(
                    self.hub,
                    order,
                    record.revision,
                    f"{where} has shipped; Komus cannot cancel it",
                )
            return Verdict(f"cancellation of {where} sent to Komus")
        if status not in CHANGEABLE:
            return refuse(
                self.hub,
                order,
                record.revision,
                f"{where} is {status.value}; Komus takes changes only before it "
                "reserves the goods, so the new version is not applied",
            )
        problems = problems_of(draft, tenant)
        if problems:
            return refuse(
                self.hub,
                order,
                record.revision,
                "the new version cannot be ordered: " + "; ".join(problems),
            )
        with self.hub.db.session() as session:
            current = _quantities(
                session.execute(
                    select(OrderLine).where(OrderLine.order_id == order.id)
                ).scalars()
            )
            if _wanted(draft.lines) == current:
                return Verdict(f"{where} already holds what the new version asks")
            self.hub.outbox.add(session, _change_draft(order, record, draft.lines))
        return Verdict(f"change of {where} sent to Komus")


def refuse(
    hub: Hub,
    order: Order,
    revision: str,
    reason: str,
    *,
    delivery_id: int | None = None,
) -> Verdict:
    """Tell 1C, through an event its outbox route turns into a document."""
    data: dict[str, Any] = {"revision": revision, "reason": reason}
    if delivery_id is not None:
        data["delivery_id"] = delivery_id
    with hub.db.session() as session:
        hub.pipeline.record_event(
            session,
            order.tenant_id,
            REFUSED,
            data,
            requisition_id=order.requisition_id,
            order_id=order.id,
        )
    log.warning(
        "onec_revision_refused",
        tenant=order.tenant_id,
        order_id=order.id,
        revision=revision,
        reason=reason,
    )
    return Verdict(reason, refused=True)


class CancelRefusals:
    """Cancels of 1C orders that Komus refused after 1C heard they were sent."""

    def __init__(self, hub: Hub, channel: str = "onec"):
        self.hub = hub
        self.channel = channel

    def tell(self, tenant_id: str | None = None) -> int:
        """Record a refusal for each dead cancel not told yet; how many.

        One node at a time, so that two never record the same refusal."""
        with try_lock(self.hub.db, "onec-cancel-refusals") as held:
            return self._tell(tenant_id) if held else 0

    def _tell(self, tenant_id: str | None) -> int:
        with self.hub.db.session() as session:
            query = (
                select(Delivery, Order, Event)
                .join(Order, col(Order.id) == Delivery.order_id)
                .join(Requisition, col(Requisition.id) == Order.requisition_id)
                .join(Event, col(Event.id) == Delivery.event_id)
                .where(
                    Delivery.target == CANCEL_TARGET,
                    Delivery.state == DEAD,
                    Requisition.channel == self.channel,
                )
            )
            if tenant_id is not None:
                query = query.where(Delivery.tenant_id == tenant_id)
            dead = session.execute(query).all()
            if not dead:
                return 0
            told = {
                event.data.get("delivery_id")
                for event in session.execute(
                    select(Event).where(
                        Event.type == REFUSED,
                        col(Event.order_id).in_({o.id for _, o, _ in dead}),
                    )
                ).scalars()
            }
        fresh = [(d, o, e) for d, o, e in dead if d.id not in told]
        for delivery, order, revised in fresh:
            where = f"Komus order {order.number or order.komus_order_id}"
            reason = (
                f"Komus refused to cancel {where}: {delivery.last_error or 'no reason'}"
            )
            refuse(
                self.hub,
                order,
                str(revised.data.get("revision") or ""),
                reason,
                delivery_id=delivery.id,
            )
        return len(fresh)


def _wanted(lines: list[LineDraft]) -> dict[str, Decimal]:
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.article:
            wanted[line.article] += line.quantity
    return dict(wanted)


def _quantities(lines: Any) -> dict[str, Decimal]:
    return {line.article: line.quantity_ordered for line in lines}


def _change_draft(
    order: Order, record: SourceRecord, lines: list[LineDraft]
) -> DeliveryDraft:
    body = {
        "order_id": order.id,
        "requisition_id": order.requisition_id,
        "revision": record.revision,
        "lines": [
            {
                "line_no": line.line_no,
                "article": line.article,
                "quantity": str(line.quantity),
                "unit_code": line.unit_code,
                "client_item_code": line.client_item_code,
                "client_item_name": line.client_item_name,
                "expected_price": None
                if line.expected_price is None
                else str(line.expected_price),
                "vat_rate": line.vat_rate,
            }
            for line in lines
        ],
    }
    return DeliveryDraft(
        tenant_id=order.tenant_id,
        channel=CHANGE_CHANNEL,
        target=CHANGE_TARGET,
        payload=json.dumps(body, ensure_ascii=False).encode(),
        order_id=order.id,
        dedupe_key=f"komus-change:{order.id}:{record.revision}"[:255],
    )


class ChangeSender:
    """Sends a queued change to Komus and applies what Komus then holds."""

    def __init__(self, hub: Hub):
        self.hub = hub
        self._clients: Any = None

    def __call__(self, claimed: Claimed) -> SendResult:
        from connectors.komus.errors import KomusRefused, KomusTokenRefused
        from connectors.komus.models import OrderChange, OrderRowDraft

        body = json.loads(claimed.payload)
        tenant = self.hub.settings.tenant(claimed.tenant_id)
        if tenant is None:
            raise FinalError(f"tenant {claimed.tenant_id!r} is no longer configured")
        with self.hub.db.session() as session:
            order = session.get(Order, body["order_id"])
            if order is None:
                raise FinalError(f"order {body['order_id']} does not exist")
            current = _quantities(
                session.execute(
                    select(OrderLine).where(OrderLine.order_id == order.id)
                ).scalars()
            )
        lines = [_line_draft(item) for item in body["lines"]]
        wanted = _wanted(lines)
        refs = {line.article: str(line.line_no) for line in lines if line.article}
        rows = [
            OrderRowDraft(
                artnumber=int(article),
                quantity=wanted.get(article, Decimal(0)),
                line_ref=refs.get(article),
            )
            for article in sorted(set(wanted) | set(current))
            if wanted.get(article, Decimal(0)) != current.get(article)
        ]
        if not rows:
            return SendResult(200, "nothing to change")
        client = self._komus().for_tenant(tenant)
        try:
            answer = client.change_order(order.komus_order_id, OrderChange(rows=rows))
        except KomusTokenRefused as refused:
            raise RetryableError(str(refused)) from refused
        except KomusRefused as refused:
            reason = f"Komus refused the change: {refused.response_excerpt or refused}"
            refuse(self.hub, order, body["revision"], reason)
            raise
        self._apply(order, lines, answer, body["revision"])
        log.info(
            "komus_order_changed",
            tenant=tenant.id,
            order_id=order.id,
            komus_order_id=order.komus_order_id,
            rows=len(rows),
        )
        return SendResult(200, f"Komus order {answer.id} changed")

    def _komus(self) -> Any:
        if self._clients is None:
            from connectors.komus.clients import SANDBOX, KomusClients
            from connectors.komus.ratelimit import WINDOW_SECONDS, RateBudget

            settings = self.hub.settings.komus
            window = WINDOW_SECONDS
            if settings.base_url == SANDBOX:
                window *= settings.sandbox_options.time_scale
            budget = RateBudget(
                self.hub.db, limit=settings.requests_per_minute, window_seconds=window
            )
            self._clients = KomusClients(settings, self.hub.db, budget=budget)
        return self._clients

    def close(self) -> None:
        if self._clients is not None:
            self._clients.close()

    def _apply(
        self, order: Order, lines: list[LineDraft], answer: Any, revision: str
    ) -> None:
        """Order lines, totals and the requisition's lines as Komus now holds them."""
        rows = {row.artnumber: row for row in answer.rows if row.analogue_for is None}
        by_article = {line.article: line for line in lines if line.article}
        with self.hub.db.session() as session:
            stored = session.get(Order, order.id)
            requisition = session.get(Requisition, order.requisition_id)
            assert stored is not None and requisition is not None
            day = requisition.document_date or stored.created_at.date()
            existing = {
                line.article: line
                for line in session.execute(
                    select(OrderLine).where(OrderLine.order_id == order.id)
                ).scalars()
            }
            amounts = []
            for article, line in existing.items():
                if int(article) not in rows:
                    session.delete(line)
            for artnumber, row in rows.items():
                source = by_article.get(str(artnumber))
                line = existing.get(str(artnumber))
                if line is None:
                    line = OrderLine(
                        order_id=order.id,
                        line_no=source.line_no if source else len(existing) + 1,
                        article=str(artnumber),
                    )
                rate = vat_rate_for(day, parse_vat_rate(str(row.nds)))
                figures = line_amounts(
                    row.quantity, row.price, rate, price_includes_vat=True
                )
                line.name = row.name or line.name
                line.price = row.price
                line.vat_rate = rate.value
                line.quantity_ordered = row.quantity
                line.net_amount, line.vat_amount, line.gross_amount = (
                    figures.net,
                    figures.vat,
                    figures.gross,
                )
                amounts.append(figures)
                session.add(line)
            totals = sum_lines(amounts)
            stored.net_total, stored.vat_total, stored.total = (
                totals.net,
                totals.vat,
                totals.gross,
            )
            stored.updated_at = self.hub.clock.now()
            for old in session.execute(
                select(RequisitionLine).where(
                    RequisitionLine.requisition_id == requisition.id
                )
            ).scalars():
                session.delete(old)
            session.flush()
            for source in lines:
                session.add(
                    RequisitionLine(
                        requisition_id=requisition.id,
                        line_no=source.line_no,
                        client_item_code=source.client_item_code,
                        client_item_name=source.client_item_name,
                        article=source.article,
                        quantity=source.quantity,
                        unit_code=source.unit_code,
                        expected_price=source.expected_price,
                        vat_rate=source.vat_rate,
                    )
                )
            self.hub.pipeline.record_event(
                session,
                order.tenant_id,
                CHANGED,
                {"revision": revision, "total": str(totals.gross)},
                requisition_id=requisition.id,
                order_id=order.id,
            )


def _line_draft(item: dict[str, Any]) -> LineDraft:
    price = item.get("expected_price")
    return LineDraft(
        line_no=int(item["line_no"]),
        quantity=Decimal(item["quantity"]),
        unit_code=item.get("unit_code") or "796",
        client_item_code=item.get("client_item_code"),
        client_item_name=item.get("client_item_name"),
        article=item.get("article"),
        expected_price=None if price is None else Decimal(price),
        vat_rate=item.get("vat_rate"),
    )
