"""Follow open orders at Komus and turn what changed into order news and documents.

A periodic singleton job. For each tenant with open orders (not yet delivered,
closed, cancelled or rejected) it pages through the Komus orders changed since the
last poll (``modifiedSince``, Komus's own clock, with an overlap), and for each of
ours: line quantities and status flags go to ``apply_news``, documents with their
files to ``record_document``. Both ignore what they already know, so a poll that
sees the same order twice changes nothing; statuses never move backwards.

Rows are matched to lines by the ``lineRef`` sent with the order (the line number).
An analogue row Komus added for an ordered article counts towards that line, and
the substitution is announced once as an ``order.line_substituted`` event.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select
from sqlmodel import col

from connectors.komus.client import KomusClient
from connectors.komus.clients import KomusClients
from connectors.komus.errors import KomusRateLimited, KomusTokenRefused
from connectors.komus.models import (
    MOSCOW,
    DocumentInfo,
    KomusOrder,
    OrderRow,
    komus_time,
)
from connectors.komus.statuses import StatusTable
from gateway.config import TenantSettings
from gateway.errors import GatewayError
from gateway.lifecycle import OrderStatus
from gateway.pipeline import Pipeline
from gateway.progress import (
    DocumentFileDraft,
    LineNews,
    OrderNews,
    apply_news,
    record_document,
)
from gateway.store.tables import Document, Event, Order, OrderLine

log = structlog.get_logger(__name__)

SETTLED = (
    OrderStatus.DELIVERED,
    OrderStatus.CLOSED,
    OrderStatus.CANCELLED,
    OrderStatus.REJECTED,
)
OVERLAP = timedelta(minutes=5)
"""Polls overlap by this much so that a change stamped during a poll is not missed."""

SUBSTITUTED = "order.line_substituted"
DOCUMENT_KINDS = {"invoice", "upd", "payment", "shipment"}
SHIPPED_OR_LATER = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED)
DELIVERED_OR_LATER = (OrderStatus.DELIVERED, OrderStatus.CLOSED)


@dataclass
class OpenLine:
    line_no: int
    article: str
    ordered: Decimal


@dataclass
class OpenOrder:
    id: int
    komus_order_id: str
    created_at: datetime
    lines: list[OpenLine]
    documents: set[tuple[str, str]] = field(default_factory=set)
    substitutions: set[tuple[int, int]] = field(default_factory=set)


class KomusTracker:
    def __init__(
        self, pipeline: Pipeline, clients: KomusClients, statuses: StatusTable
    ):
        self.pipeline = pipeline
        self.clients = clients
        self.statuses = statuses
        self._since: dict[str, datetime] = {}
        self._seen: dict[str, set[str]] = {}

    def run_once(self) -> int:
        """Poll every tenant; returns how many orders were looked at."""
        followed = 0
        for tenant in self.pipeline.settings.tenants:
            if not self.clients.configured(tenant):
                continue
            bound = log.bind(tenant=tenant.id)
            try:
                followed += self.track(tenant)
            except KomusTokenRefused:
                continue  # logged with what to do where it was raised
            except GatewayError as error:
                bound.warning(
                    "komus_tracking_failed", error=str(error), next_step="next poll"
                )
        return followed

    def track(self, tenant: TenantSettings) -> int:
        """Follow one tenant's open orders; returns how many were looked at."""
        orders = self._open_orders(tenant.id)
        if not orders:
            return 0
        client = self.clients.for_tenant(tenant)
        seen = self._seen.setdefault(tenant.id, set())
        since = self._since.get(tenant.id)
        followed, failed = 0, False
        if since is None:
            earliest = min(order.created_at for order in orders.values())
            first_day = earliest.astimezone(MOSCOW).date() - timedelta(days=1)
            query: dict[str, Any] = {"dateFrom": first_day.isoformat()}
        else:
            # Orders placed since the last poll are read once by id: a change
            # Komus stamped before the watermark would not be listed again.
            for key, order in orders.items():
                if key not in seen:
                    found = self._fetch(client, tenant, order)
                    failed |= found is None
                    followed += found is not None
            query = {"modifiedSince": komus_time(since - OVERLAP)}

        newest = since
        for found in client.orders(**query):
            if found.modified_at and (newest is None or found.modified_at > newest):
                newest = found.modified_at
            order = orders.get(str(found.id))
            if order is None:
                continue
            if self._follow_safely(client, tenant, order, found):
                followed += 1
            else:
                failed = True
        if not failed and newest is not None:
            self._since[tenant.id] = newest
        return followed

    def _fetch(
        self, client: KomusClient, tenant: TenantSettings, order: OpenOrder
    ) -> KomusOrder | None:
        try:
            found = client.order(order.komus_order_id)
        except (KomusTokenRefused, KomusRateLimited):
            raise  # the whole tenant waits, not this order alone
        except GatewayError as error:
            self._failed(tenant, order, error)
            return None
        return found if self._follow_safely(client, tenant, order, found) else None

    def _follow_safely(
        self,
        client: KomusClient,
        tenant: TenantSettings,
        order: OpenOrder,
        found: KomusOrder,
    ) -> bool:
        try:
            self.follow(client, tenant, order, found)
        except (KomusTokenRefused, KomusRateLimited):
            raise  # the whole tenant waits, not this order alone
        except GatewayError as error:
            self._failed(tenant, order, error)
            return False
        self._seen.setdefault(tenant.id, set()).add(order.komus_order_id)
        return True

    def _failed(
        self, tenant: TenantSettings, order: OpenOrder, error: GatewayError
    ) -> None:
        log.warning(
            "komus_order_follow_failed",
            tenant=tenant.id,
            order_id=order.id,
            komus_order_id=order.komus_order_id,
            error=str(error),
            next_step="next poll",
        )

    def follow(
        self,
        client: KomusClient,
        tenant: TenantSettings,
        order: OpenOrder,
        found: KomusOrder,
    ) -> OrderStatus:
        bound = log.bind(tenant=tenant.id, order_id=order.id, komus_order_id=found.id)
        known = self.statuses.get(found.status.code)
        if known is None:
            bound.warning(
                "komus_status_unknown",
                code=found.status.code,
                name=found.status.name,
                next_step=f"add the code to {self.statuses.source}; "
                "quantities and documents are still followed",
            )
        status = known.status if known else None
        by_line = _rows_by_line(order, found.rows)
        news = _news(order, found, status, by_line)
        for stage in _stages(news):
            result = apply_news(self.pipeline, order.id, stage)
        self._announce_substitutions(tenant, order, found, by_line)
        documents = found.documents
        if documents is None:
            documents = client.documents(found.id)
        for document in documents:
            self._keep_document(client, order, found, document)
        if found.invoice_done and not any(d.kind == "invoice" for d in documents):
            self._keep_invoice(client, order, found)
        bound.debug("komus_order_followed", code=found.status.code, status=result)
        return result

    # -- documents ---------------------------------------------------------------------

    def _keep_document(
        self,
        client: KomusClient,
        order: OpenOrder,
        found: KomusOrder,
        document: DocumentInfo,
    ) -> None:
        if document.kind not in DOCUMENT_KINDS:
            log.warning(
                "komus_document_kind_unknown",
                order_id=order.id,
                komus_order_id=found.id,
                kind=document.kind,
            )
            return
        external_id = f"{found.id}/{document.id}"
        if (document.kind, external_id) in order.documents:
            return
        files = []
        if document.has_file:
            file = client.document_file(found.id, document.id)
            files.append(
                DocumentFileDraft(
                    filename=file.filename
                    or document.file_name
                    or f"{document.kind}-{document.number or document.id}",
                    content_type=document.content_type or file.content_type,
                    content=file.content,
                )
            )
        net = None
        if document.amount is not None and document.amount_nds is not None:
            net = document.amount - document.amount_nds
        record_document(
            self.pipeline,
            order.id,
            kind=document.kind,
            external_id=external_id,
            number=document.number or None,
            document_date=document.issued_on,
            net_amount=net,
            vat_amount=document.amount_nds,
            total=document.amount,
            details={"komus_order_id": found.id, "shipment_id": document.shipment_id},
            files=files,
        )
        order.documents.add((document.kind, external_id))

    def _keep_invoice(
        self, client: KomusClient, order: OpenOrder, found: KomusOrder
    ) -> None:
        """The invoice when Komus flags it issued but lists no invoice document."""
        external_id = f"{found.id}/invoice"
        if ("invoice", external_id) in order.documents:
            return
        file = client.invoice_pdf(found.id)
        record_document(
            self.pipeline,
            order.id,
            kind="invoice",
            external_id=external_id,
            total=found.price,
            vat_amount=found.price_nds,
            details={"komus_order_id": found.id},
            files=[
                DocumentFileDraft(
                    filename=file.filename or f"invoice-{found.number}.pdf",
                    content_type=file.content_type,
                    content=file.content,
                )
            ],
        )
        order.documents.add(("invoice", external_id))

    # -- substitutions -----------------------------------------------------------------

    def _announce_substitutions(
        self,
        tenant: TenantSettings,
        order: OpenOrder,
        found: KomusOrder,
        by_line: dict[int, list[OrderRow]],
    ) -> None:
        for line in order.lines:
            for row in by_line.get(line.line_no, []):
                if row.analogue_for is None:
                    continue
                if (line.line_no, row.artnumber) in order.substitutions:
                    continue
                with self.pipeline.db.session() as session:
                    self.pipeline.record_event(
                        session,
                        tenant.id,
                        SUBSTITUTED,
                        {
                            "order_id": order.id,
                            "komus_order_id": found.id,
                            "line_no": line.line_no,
                            "article": line.article,
                            "substitute": str(row.artnumber),
                            "substitute_name": row.name,
                            "quantity": str(row.quantity_confirmed or row.quantity),
                            "price": str(row.price),
                        },
                        order_id=order.id,
                    )
                order.substitutions.add((line.line_no, row.artnumber))
                log.info(
                    "komus_line_substituted",
                    tenant=tenant.id,
                    order_id=order.id,
                    komus_order_id=found.id,
                    line=line.line_no,
                    article=line.article,
                    substitute=row.artnumber,
                )

    # -- the store, read only ----------------------------------------------------------

    def _open_orders(self, tenant_id: str) -> dict[str, OpenOrder]:
        with self.pipeline.db.session() as session:
            rows = session.execute(
                select(Order).where(
                    Order.tenant_id == tenant_id,
                    col(Order.komus_order_id).is_not(None),
                    col(Order.status).not_in([s.value for s in SETTLED]),
                )
            ).scalars()
            orders = {
                str(order.komus_order_id): OpenOrder(
                    id=order.id or 0,
                    komus_order_id=str(order.komus_order_id),
                    created_at=order.submitted_at or order.created_at,
                    lines=[],
                )
                for order in rows
            }
            by_id = {order.id: order for order in orders.values()}
            if not by_id:
                return {}
            for line in session.execute(
                select(OrderLine)
                .where(col(OrderLine.order_id).in_(by_id))
                .order_by(OrderLine.order_id, OrderLine.line_no)
            ).scalars():
                by_id[line.order_id].lines.append(
                    OpenLine(line.line_no, line.article, line.quantity_ordered)
                )
            for order_id, kind, external_id in session.execute(
                select(Document.order_id, Document.kind, Document.external_id).where(
                    col(Document.order_id).in_(by_id)
                )
            ):
                by_id[order_id].documents.add((kind, external_id))
            for order_id, data in session.execute(
                select(Event.order_id, Event.data).where(
                    col(Event.order_id).in_(by_id),
                    Event.type == SUBSTITUTED,
                )
            ):
                by_id[order_id].substitutions.add(
                    (int(data["line_no"]), int(data["substitute"]))
                )
        return orders


def _rows_by_line(order: OpenOrder, rows: list[OrderRow]) -> dict[int, list[OrderRow]]:
    """Komus rows per line: by ``lineRef``, else by the (replaced) article."""
    numbers = {str(line.line_no): line.line_no for line in order.lines}
    by_article = {line.article: line.line_no for line in order.lines}
    grouped: dict[int, list[OrderRow]] = defaultdict(list)
    for row in rows:
        line_no = numbers.get(row.line_ref or "")
        if line_no is None:
            ordered = row.analogue_for if row.analogue_for else row.artnumber
            line_no = by_article.get(str(ordered))
        if line_no is None:
            log.warning(
                "komus_row_without_line",
                order_id=order.id,
                komus_order_id=order.komus_order_id,
                row=row.id,
                article=row.artnumber,
            )
            continue
        grouped[line_no].append(row)
    return grouped


def _news(
    order: OpenOrder,
    found: KomusOrder,
    status: OrderStatus | None,
    by_line: dict[int, list[OrderRow]],
) -> OrderNews:
    delivered_rows = _delivered_by_row(found)
    lines = []
    for line in order.lines:
        rows = by_line.get(line.line_no, [])
        if not rows:
            continue
        # The ordered row decides whether Komus has answered; analogues add to it.
        answered = all(
            row.quantity_confirmed is not None
            for row in rows
            if row.analogue_for is None
        )
        confirmed = (
            sum((row.quantity_confirmed or Decimal(0) for row in rows), Decimal(0))
            if answered
            else None
        )
        shipped = sum((row.quantity_shipped for row in rows), Decimal(0))
        delivered = sum(
            (
                row.quantity_delivered
                if row.quantity_delivered is not None
                else delivered_rows.get(row.id, Decimal(0))
                for row in rows
            ),
            Decimal(0),
        )
        if status == OrderStatus.REJECTED:
            confirmed = Decimal(0)
        due = line.ordered if confirmed is None else confirmed
        if status in SHIPPED_OR_LATER and shipped == 0:
            shipped = due
        if status in DELIVERED_OR_LATER and delivered == 0:
            delivered = shipped or due
        lines.append(
            LineNews(
                line.line_no,
                confirmed=confirmed,
                shipped=shipped or None,
                delivered=delivered or None,
            )
        )
    return OrderNews(
        lines=lines,
        komus_status_code=found.status.code,
        invoiced=found.invoice_done or status == OrderStatus.INVOICED,
        paid=found.paid or status == OrderStatus.PAID,
        picking=status == OrderStatus.PICKING,
        cancelled=found.canceled or status == OrderStatus.CANCELLED,
        reason=found.cancel_reason,
    )


def _stages(news: OrderNews) -> list[OrderNews]:
    """The news of one poll told in the order things happen at Komus.

    A poll may find an order several steps on (after an outage, or a long pause
    between polls). Applied at once, the lifecycle would take the shortest allowed
    route there: from submitted to delivered it would skip confirmed and invoiced
    and pass through partially_shipped for an order that shipped whole. Told as
    confirmation, invoice, payment, picking, shipment, delivery and ending, each
    step the order took is recorded. A stage that adds nothing is left out, and
    ``apply_news`` ignores one the order has already passed.
    """
    confirmed = [replace(line, shipped=None, delivered=None) for line in news.lines]
    shipped = [replace(line, delivered=None) for line in news.lines]
    ongoing = replace(news, cancelled=False, reason=None)
    answered = replace(
        ongoing, lines=confirmed, invoiced=False, paid=False, picking=False
    )
    candidates = [
        answered,
        replace(answered, invoiced=news.invoiced),
        replace(answered, invoiced=news.invoiced, paid=news.paid),
        replace(ongoing, lines=confirmed),
        replace(ongoing, lines=shipped),
        ongoing,
        news,
    ]
    stages = candidates[:1]
    for stage in candidates[1:]:
        if stage != stages[-1]:
            stages.append(stage)
    return stages


def _delivered_by_row(found: KomusOrder) -> dict[int, Decimal]:
    delivered: dict[int, Decimal] = defaultdict(Decimal)
    for shipment in found.shipments or []:
        if shipment.delivered:
            for row in shipment.rows:
                delivered[row.row_id] += row.quantity
    return delivered
