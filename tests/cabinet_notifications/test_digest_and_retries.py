"""The daily digest gathers news into one e-mail at the hour; a dead SMTP server
delays e-mail without losing it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from gateway.clock import ManualClock
from gateway.notifications.connector import NotificationsConnector
from gateway.notifications.digest import Digest
from gateway.store.tables import Attempt, Delivery
from tests.cabinet_claims.harness import Cabinet, Mailbox, smtp_server
from tests.cabinet_notifications.test_price_changes import _raise_price, _watch


def _digest(cabinet: Cabinet) -> int:
    return Digest(cabinet.hub).run_once()


def _email_deliveries(cabinet: Cabinet) -> list[Delivery]:
    with cabinet.hub.db.session() as session:
        return list(
            session.execute(
                select(Delivery)
                .where(Delivery.channel == "email")
                .order_by(Delivery.id)
            ).scalars()
        )


def test_digest_gathers_the_days_news_into_one_email_at_the_hour(
    cabinet: Cabinet, mailbox: Mailbox, clock: ManualClock
):
    cabinet.order()
    cabinet.user("anna", "anna@acme.test", {"price": "digest"}, threshold="1")
    cabinet.user("boris", "boris@acme.test", {"price": "immediate"}, threshold="1")
    _watch(cabinet)
    first, second = cabinet.sandbox.articles(2)
    _raise_price(cabinet, first.artnumber, "1.10")
    _raise_price(cabinet, second.artnumber, "0.80")
    assert _watch(cabinet) == 2

    assert _digest(cabinet) == 0  # 07:00 in Moscow: not yet
    cabinet.dispatch()
    assert mailbox.to("anna@acme.test") == []
    assert len(mailbox.to("boris@acme.test")) == 2

    clock.advance(timedelta(hours=1, minutes=5).total_seconds())
    assert _digest(cabinet) == 1
    assert _digest(cabinet) == 0  # one digest a day
    cabinet.dispatch()

    [digest] = mailbox.to("anna@acme.test")
    assert str(digest["Subject"]) == "Сводка уведомлений за 02.03.2026: 2 события"
    plain = digest.get_body(("plain",)).get_content()
    assert plain.count("Цена изменилась:") == 2
    assert "Цена изменилась:" in digest.get_body(("html",)).get_content()


def test_news_after_the_digest_waits_for_the_next_day(
    cabinet: Cabinet, mailbox: Mailbox, clock: ManualClock
):
    cabinet.order()
    cabinet.user("anna", "anna@acme.test", {"price": "digest"}, threshold="1")
    _watch(cabinet)
    first, second = cabinet.sandbox.articles(2)
    clock.advance(timedelta(hours=2).total_seconds())
    _raise_price(cabinet, first.artnumber, "1.10")
    _watch(cabinet)
    assert _digest(cabinet) == 1
    _raise_price(cabinet, second.artnumber, "1.10")
    _watch(cabinet)

    assert _digest(cabinet) == 0
    clock.advance(timedelta(days=1).total_seconds())
    assert _digest(cabinet) == 1
    cabinet.dispatch()

    subjects = sorted(str(m["Subject"]) for m in mailbox.to("anna@acme.test"))
    assert subjects == [
        "Сводка уведомлений за 02.03.2026: 1 событие",
        "Сводка уведомлений за 03.03.2026: 1 событие",
    ]


def test_smtp_server_down_is_retried_through_the_outbox_and_nothing_is_lost(
    cabinet: Cabinet, clock: ManualClock
):
    cabinet.order()
    cabinet.user("anna", "anna@acme.test", {"price": "immediate"}, threshold="1")
    _watch(cabinet)
    first, _ = cabinet.sandbox.articles(2)
    _raise_price(cabinet, first.artnumber, "1.25")
    _watch(cabinet)

    cabinet.dispatch()  # nothing listens on the SMTP port yet

    [delivery] = _email_deliveries(cabinet)
    assert delivery.state == "retrying"
    assert "cannot reach the SMTP server" in (delivery.last_error or "")
    with cabinet.hub.db.session() as session:
        [attempt] = session.execute(
            select(Attempt).where(Attempt.delivery_id == delivery.id)
        ).scalars()
    assert attempt.outcome == "failed" and "SMTP" in (attempt.error or "")

    with smtp_server(cabinet.smtp_port) as mailbox:
        clock.advance(1)
        cabinet.dispatch()
        [mail] = mailbox.to("anna@acme.test")

    [delivery] = _email_deliveries(cabinet)
    assert delivery.state == "delivered" and delivery.attempts == 2
    assert str(mail["Subject"]).startswith("Цена изменилась:")
    assert Decimal(cabinet.events("price.changed")[0].data["percent"]) > 20


def test_smtp_disabled_queues_no_email_and_says_so(cabinet: Cabinet, capsys):
    cabinet.hub.settings.smtp.enabled = False
    NotificationsConnector().install(cabinet.hub)
    cabinet.order()
    cabinet.user("anna", "anna@acme.test", {"price": "immediate"}, threshold="1")
    _watch(cabinet)
    first, _ = cabinet.sandbox.articles(2)
    _raise_price(cabinet, first.artnumber, "1.25")
    _watch(cabinet)

    assert len(cabinet.events("price.changed")) == 1
    assert _email_deliveries(cabinet) == []
    assert "smtp_disabled" in capsys.readouterr().out
