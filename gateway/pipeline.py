"""The one path every document takes, from a connector's record to deliveries out.

    record ─▶ inbox (message stored first) ─▶ inbound mapping ─▶ validation
        ─▶ requisition (received or held) ─▶ submission ─▶ order ─▶ events ─▶ outbox

Connectors call ``receive``; the scheduler calls ``submit_ready``; the Komus side calls
``record_event``. The mapping and the Komus submission sit behind the small protocols
below so that the mapping engine and the Komus connector plug in without this module
knowing them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from gateway.clock import Clock, SystemClock
from gateway.config import Settings, TenantSettings
from gateway.errors import (
    FinalError,
    GatewayError,
    NotFound,
    RetryableError,
    ValidationFailed,
)
from gateway.lifecycle import OrderStatus
from gateway.metrics import MESSAGES, REQUISITIONS
from gateway.money import line_amounts, parse_vat_rate, sum_lines, vat_rate_for
from gateway.outbox import DeliveryDraft, Outbox
from gateway.records import RequisitionDraft, SourceRecord
from gateway.store.database import Database
from gateway.store.locks import locked_session, try_lock
from gateway.store.tables import (
    Binding,
    Event,
    Message,
    Order,
    OrderLine,
    OrderStatusChange,
    Requisition,
    RequisitionLine,
)
from gateway.validation import problems_of, storable

log = structlog.get_logger(__name__)

OPEN_REQUISITION_STATES = ("received", "held")
MAX_EXTERNAL_ID = 255
MAX_REVISION = 64


class InboundMapper(Protocol):
    """Turns a connector's record into a canonical requisition draft."""

    version: str

    def to_requisition(
        self, tenant: TenantSettings, record: SourceRecord
    ) -> RequisitionDraft: ...


@dataclass
class SubmittedLine:
    line_no: int
    article: str
    quantity: Decimal
    price: Decimal
    vat_rate: str
    unit_code: str = "796"
    name: str | None = None


@dataclass
class SubmittedOrder:
    komus_order_id: str
    number: str | None
    lines: list[SubmittedLine]
    komus_status_code: str | None = None
    price_includes_vat: bool = False


class OrderSubmitter(Protocol):
    """Places a Komus order for a requisition, idempotently by the requisition's key.

    Raises ``ValidationFailed`` when Komus cannot take the requisition as it is (held),
    ``RetryableError`` when it should be tried again later, ``FinalError`` when Komus
    refused it for good (rejected).
    """

    def submit(
        self,
        tenant: TenantSettings,
        requisition: Requisition,
        lines: list[RequisitionLine],
    ) -> SubmittedOrder: ...


EventRoute = Callable[[Session, Event], Iterable[DeliveryDraft]]
"""Given a new event, the deliveries one channel owes because of it."""

Reader = Callable[[Message], list[SourceRecord]]
"""Turns a stored message back into records, for replay."""


@dataclass
class Intake:
    """What happened to one record; connectors turn it into their protocol's answer."""

    message_id: int
    outcome: str  # created, updated, duplicate, stale, cancelled, failed, after_order
    requisition_id: int | None = None
    state: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.outcome != "failed"


def checksum(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def revision_order(revision: str) -> tuple[int, Any]:
    """Numeric revisions compare as numbers, anything else as text; none is oldest."""
    if not revision:
        return (0, 0)
    if revision.isascii() and revision.isdigit():
        return (1, int(revision))
    return (2, revision)


def identity_problem(record: SourceRecord) -> str | None:
    """What makes a record impossible to identify, so that it cannot be kept apart."""
    if "\x00" in record.external_id + record.revision:
        return "the document id or revision contains a NUL character"
    if not record.external_id.strip():
        return "the document has no id (external_id is empty)"
    if record.external_id != record.external_id.strip():
        return f"the document id {record.external_id!r} has spaces around it"
    if len(record.external_id) > MAX_EXTERNAL_ID:
        return f"the document id is longer than {MAX_EXTERNAL_ID} characters"
    if len(record.revision) > MAX_REVISION:
        return f"the revision is longer than {MAX_REVISION} characters"
    return None


class Pipeline:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        outbox: Outbox,
        *,
        mapper_for: Callable[[TenantSettings, str], InboundMapper],
        clock: Clock | None = None,
    ):
        self.db = db
        self.settings = settings
        self.outbox = outbox
        self.mapper_for = mapper_for
        self.clock = clock or SystemClock()
        self.submitter: OrderSubmitter | None = None
        self.routes: list[EventRoute] = []
        self.readers: dict[str, Reader] = {}

    # -- inbox ---------------------------------------------------------------------

    def tenant(self, tenant_id: str) -> TenantSettings:
        tenant = self.settings.tenant(tenant_id)
        if tenant is None:
            raise NotFound(f"tenant {tenant_id!r} is not configured")
        return tenant

    def store_message(
        self, record: SourceRecord, *, replay_of: int | None = None
    ) -> int:
        """Keep the payload before anyone is told it was accepted."""
        now = self.clock.now()
        with self.db.session() as session:
            message = Message(
                tenant_id=record.tenant_id,
                channel=record.channel,
                direction="in",
                kind=record.kind,
                state="received",
                external_id=record.external_id,
                revision=record.revision,
                dedupe_key=record.dedupe_key,
                content_type=record.content_type,
                filename=record.filename,
                payload=record.payload,
                size=len(record.payload),
                checksum=checksum(record.payload),
                replay_of=replay_of,
                created_at=now,
                updated_at=now,
            )
            session.add(message)
            session.flush()
            assert message.id is not None
            return message.id

    def keep_refused(self, record: SourceRecord, reason: str) -> int:
        """Keep a payload no reader could make sense of, as a failed message.

        Such a payload identifies no document, so it carries no dedupe key.
        """
        message_id = self.store_message(record)
        with self.db.session() as session:
            message = session.get(Message, message_id)
            assert message is not None
            message.state = "failed"
            message.error = reason
            message.external_id = record.external_id or None
            message.dedupe_key = None
            message.updated_at = self.clock.now()
        MESSAGES.labels(record.channel, "in", "failed").inc()
        log.warning(
            "payload_refused",
            tenant=record.tenant_id,
            channel=record.channel,
            message_id=message_id,
            reason=reason,
        )
        return message_id

    def receive(
        self,
        record: SourceRecord,
        *,
        message_id: int | None = None,
        replayed: bool = False,
    ) -> Intake:
        """Store, map, validate and keep one record; never raises for bad content."""
        tenant = self.tenant(record.tenant_id)
        if message_id is None:
            message_id = self.store_message(record)
        bound = log.bind(
            tenant=record.tenant_id,
            channel=record.channel,
            message_id=message_id,
            external_id=record.external_id,
            revision=record.revision,
        )
        if problem := identity_problem(record):
            bound.warning("record_unidentifiable", problem=problem)
            self._finish_message(message_id, "failed", problem, None)
            return Intake(message_id, "failed", problems=[problem])
        mapper = self.mapper_for(tenant, record.channel)
        try:
            draft = mapper.to_requisition(tenant, record)
        except GatewayError as error:
            bound.warning("mapping_failed", error=str(error))
            self._finish_message(message_id, "failed", str(error), mapper.version)
            return Intake(message_id, "failed", problems=[str(error)])

        try:
            intake = self._keep(
                tenant, record, draft, message_id, mapper.version, replayed
            )
        except Exception as error:
            # The payload stays in the log with what went wrong, ready for replay.
            bound.exception("intake_failed")
            reason = f"internal error while keeping the requisition: {error!r}"
            self._finish_message(message_id, "failed", reason[:2000], mapper.version)
            raise
        self._finish_message(
            message_id,
            intake.state
            if intake.outcome in ("created", "updated")
            else intake.outcome,
            "; ".join(intake.problems) or None,
            mapper.version,
            intake.requisition_id,
        )
        REQUISITIONS.labels(record.channel, intake.outcome).inc()
        bound.info(
            "requisition_received",
            outcome=intake.outcome,
            requisition_id=intake.requisition_id,
            state=intake.state,
        )
        return intake

    def _keep(
        self,
        tenant: TenantSettings,
        record: SourceRecord,
        draft: RequisitionDraft,
        message_id: int,
        mapping_version: str,
        replayed: bool = False,
    ) -> Intake:
        problems = problems_of(draft, tenant)
        draft = storable(draft)
        now = self.clock.now()
        lock = f"requisition:{record.tenant_id}:{record.channel}:{record.external_id}"
        with locked_session(self.db, lock) as session:
            binding = session.execute(
                select(Binding).where(
                    Binding.tenant_id == record.tenant_id,
                    Binding.channel == record.channel,
                    Binding.kind == "requisition",
                    Binding.external_id == record.external_id,
                )
            ).scalar_one_or_none()

            if binding is None:
                if draft.cancelled:
                    return Intake(
                        message_id, "stale", problems=["cancelled before ordered"]
                    )
                requisition = Requisition(
                    tenant_id=record.tenant_id,
                    channel=record.channel,
                    external_id=record.external_id,
                    revision=record.revision,
                    message_id=message_id,
                    mapping_version=mapping_version,
                    created_at=now,
                )
                self._fill(session, requisition, draft, problems, now)
                session.add(
                    Binding(
                        tenant_id=record.tenant_id,
                        channel=record.channel,
                        kind="requisition",
                        external_id=record.external_id,
                        internal_id=requisition.id,
                        synced_at=now,
                    )
                )
                self._announce_requisition(session, requisition, problems, "received")
                return Intake(
                    message_id, "created", requisition.id, requisition.state, problems
                )

            requisition = session.get(Requisition, binding.internal_id)
            assert requisition is not None
            same = record.revision == requisition.revision and not draft.cancelled
            # A held requisition replayed by an integrator is looked at again when
            # the reasons differ now: the item table or the mapping was fixed, or
            # the hold came from Komus and the submission should be tried again.
            again = (
                replayed
                and requisition.state == "held"
                and ("; ".join(problems) or None) != requisition.hold_reason
            )
            if same and not again:
                return Intake(
                    message_id, "duplicate", requisition.id, requisition.state
                )
            if not same and revision_order(record.revision) < revision_order(
                requisition.revision
            ):
                return Intake(message_id, "stale", requisition.id, requisition.state)
            if requisition.state not in OPEN_REQUISITION_STATES:
                requisition.revision = record.revision
                self.record_event(
                    session,
                    requisition.tenant_id,
                    "requisition.revised",
                    {"cancel": draft.cancelled, "revision": record.revision},
                    requisition_id=requisition.id,
                )
                return Intake(
                    message_id, "after_order", requisition.id, requisition.state
                )

            requisition.revision = record.revision
            requisition.message_id = message_id
            requisition.mapping_version = mapping_version
            if draft.cancelled:
                requisition.state = "cancelled"
                requisition.updated_at = now
                self.record_event(
                    session,
                    requisition.tenant_id,
                    "requisition.cancelled",
                    {"revision": record.revision},
                    requisition_id=requisition.id,
                )
                return Intake(message_id, "cancelled", requisition.id, "cancelled")
            for old in session.execute(
                select(RequisitionLine).where(
                    RequisitionLine.requisition_id == requisition.id
                )
            ).scalars():
                session.delete(old)
            session.flush()
            self._fill(session, requisition, draft, problems, now)
            self._announce_requisition(session, requisition, problems, "updated")
            return Intake(
                message_id, "updated", requisition.id, requisition.state, problems
            )

    def _fill(
        self,
        session: Session,
        requisition: Requisition,
        draft: RequisitionDraft,
        problems: list[str],
        now: datetime,
    ) -> None:
        requisition.number = draft.number
        requisition.document_date = draft.document_date
        requisition.delivery_address_code = draft.delivery_address_code
        requisition.cost_center = draft.cost_center
        requisition.comment = draft.comment
        requisition.currency = draft.currency
        requisition.state = "held" if problems else "received"
        requisition.hold_reason = "; ".join(problems) or None
        requisition.updated_at = now
        session.add(requisition)
        session.flush()
        for line in draft.lines:
            session.add(
                RequisitionLine(
                    requisition_id=requisition.id,
                    line_no=line.line_no,
                    client_item_code=line.client_item_code,
                    client_item_name=line.client_item_name,
                    article=line.article,
                    quantity=line.quantity,
                    unit_code=line.unit_code,
                    expected_price=line.expected_price,
                    vat_rate=line.vat_rate,
                )
            )
        session.flush()

    def _announce_requisition(
        self, session: Session, requisition: Requisition, problems: list[str], verb: str
    ) -> None:
        held = bool(problems)
        self.record_event(
            session,
            requisition.tenant_id,
            "requisition.held" if held else f"requisition.{verb}",
            {
                "external_id": requisition.external_id,
                "revision": requisition.revision,
                "number": requisition.number,
                "reasons": problems,
            },
            requisition_id=requisition.id,
        )

    def _finish_message(
        self,
        message_id: int,
        state: str | None,
        error: str | None,
        mapping_version: str | None,
        requisition_id: int | None = None,
    ) -> None:
        with self.db.session() as session:
            message = session.get(Message, message_id)
            assert message is not None
            message.state = state or "processed"
            message.error = error
            message.mapping_version = mapping_version
            message.requisition_id = requisition_id
            message.updated_at = self.clock.now()
            MESSAGES.labels(message.channel, message.direction, message.state).inc()

    def replay_message(self, message_id: int, *, actor: str) -> list[Intake]:
        """Run a stored payload through the path again, e.g. after a mapping fix."""
        with self.db.session() as session:
            original = session.get(Message, message_id)
            if original is None:
                raise NotFound(f"message {message_id} does not exist")
        reader = self.readers.get(original.channel)
        if reader is None or original.direction != "in":
            raise FinalError(
                f"message {message_id} ({original.direction}, channel "
                f"{original.channel}) cannot be replayed: no reader for it"
            )
        intakes = []
        for record in reader(original):
            copy_id = self.store_message(record, replay_of=message_id)
            intakes.append(self.receive(record, message_id=copy_id, replayed=True))
        log.info(
            "message_replayed", message_id=message_id, actor=actor, count=len(intakes)
        )
        return intakes

    # -- submission ----------------------------------------------------------------

    def submit_ready(self, limit: int = 20) -> int:
        """Order what is ready; returns how many requisitions became orders."""
        if self.submitter is None:
            return 0
        with self.db.session() as session:
            ready = (
                session.execute(
                    select(Requisition.id)
                    .where(Requisition.state == "received")
                    .order_by(Requisition.id)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
        submitted = 0
        for requisition_id in ready:
            with try_lock(self.db, f"submit:{requisition_id}") as held:
                if held and self.submit(requisition_id):
                    submitted += 1
        return submitted

    def submit(self, requisition_id: int) -> bool:
        """Order one requisition; False when it is not ready or was not ordered now."""
        assert self.submitter is not None
        with self.db.session() as session:
            requisition = session.get(Requisition, requisition_id)
            if requisition is None or requisition.state != "received":
                return False
            lines = list(
                session.execute(
                    select(RequisitionLine)
                    .where(RequisitionLine.requisition_id == requisition_id)
                    .order_by(RequisitionLine.line_no)
                ).scalars()
            )
        tenant = self.tenant(requisition.tenant_id)
        bound = log.bind(tenant=tenant.id, requisition_id=requisition_id)
        try:
            submitted = self.submitter.submit(tenant, requisition, lines)
        except ValidationFailed as failure:
            self._set_requisition(requisition_id, "held", failure.reasons)
            bound.warning("requisition_held", reasons=failure.reasons)
            return False
        except RetryableError as error:
            bound.warning("submission_retry", error=str(error), next_step="next run")
            return False
        except FinalError as error:
            self._set_requisition(requisition_id, "rejected", [str(error)])
            bound.error("requisition_rejected", error=str(error))
            return False
        try:
            order_id = self._open_order(requisition, submitted)
        except IntegrityError:
            # Another node ordered it meanwhile; Komus answered both with one order.
            bound.warning(
                "order_already_bound", komus_order_id=submitted.komus_order_id
            )
            return False
        bound.info(
            "order_submitted",
            order_id=order_id,
            komus_order_id=submitted.komus_order_id,
        )
        return True

    def _set_requisition(
        self, requisition_id: int, state: str, reasons: list[str]
    ) -> None:
        with self.db.session() as session:
            requisition = session.get(Requisition, requisition_id)
            assert requisition is not None
            requisition.state = state
            requisition.hold_reason = "; ".join(reasons)
            requisition.updated_at = self.clock.now()
            self.record_event(
                session,
                requisition.tenant_id,
                f"requisition.{state}",
                {"external_id": requisition.external_id, "reasons": reasons},
                requisition_id=requisition_id,
            )

    def _open_order(self, requisition: Requisition, submitted: SubmittedOrder) -> int:
        now = self.clock.now()
        day = requisition.document_date or now.date()
        with self.db.session() as session:
            order = Order(
                tenant_id=requisition.tenant_id,
                requisition_id=requisition.id,
                channel=requisition.channel,
                number=submitted.number,
                komus_order_id=submitted.komus_order_id,
                komus_status_code=submitted.komus_status_code,
                status=OrderStatus.SUBMITTED,
                delivery_address_code=requisition.delivery_address_code,
                currency=requisition.currency,
                submitted_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(order)
            session.flush()
            amounts = []
            for line in submitted.lines:
                rate = vat_rate_for(day, parse_vat_rate(line.vat_rate))
                figures = line_amounts(
                    line.quantity,
                    line.price,
                    rate,
                    price_includes_vat=submitted.price_includes_vat,
                )
                amounts.append(figures)
                session.add(
                    OrderLine(
                        order_id=order.id,
                        line_no=line.line_no,
                        article=line.article,
                        name=line.name,
                        unit_code=line.unit_code,
                        price=line.price,
                        vat_rate=rate.value,
                        net_amount=figures.net,
                        vat_amount=figures.vat,
                        gross_amount=figures.gross,
                        quantity_ordered=line.quantity,
                    )
                )
            totals = sum_lines(amounts)
            order.net_total, order.vat_total, order.total = (
                totals.net,
                totals.vat,
                totals.gross,
            )
            session.add(
                OrderStatusChange(
                    order_id=order.id, to_status=OrderStatus.SUBMITTED, at=now
                )
            )
            session.add(
                Binding(
                    tenant_id=requisition.tenant_id,
                    channel="komus",
                    kind="order",
                    external_id=submitted.komus_order_id,
                    internal_id=order.id,
                    synced_at=now,
                )
            )
            stored = session.get(Requisition, requisition.id)
            assert stored is not None
            stored.state = "ordered"
            stored.updated_at = now
            self.record_event(
                session,
                requisition.tenant_id,
                "order.submitted",
                {
                    "komus_order_id": submitted.komus_order_id,
                    "number": submitted.number,
                    "total": str(order.total),
                },
                requisition_id=requisition.id,
                order_id=order.id,
            )
            assert order.id is not None
            return order.id

    # -- events --------------------------------------------------------------------

    def record_event(
        self,
        session: Session,
        tenant_id: str,
        event_type: str,
        data: dict[str, Any],
        *,
        requisition_id: int | None = None,
        order_id: int | None = None,
        document_id: int | None = None,
    ) -> Event:
        """Keep an event and queue every delivery it causes, in one transaction."""
        event = Event(
            tenant_id=tenant_id,
            type=event_type,
            data=data,
            requisition_id=requisition_id,
            order_id=order_id,
            document_id=document_id,
            created_at=self.clock.now(),
        )
        session.add(event)
        session.flush()
        for route in self.routes:
            for draft in route(session, event):
                self.outbox.add(session, draft)
        return event
