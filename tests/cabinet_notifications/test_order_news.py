"""The order news a user chose reaches them by e-mail, escaped and in Russian."""

from __future__ import annotations

from tests.cabinet_claims.harness import Cabinet, Mailbox


def test_order_status_and_invoice_reach_users_who_chose_them(
    cabinet: Cabinet, mailbox: Mailbox
):
    order = cabinet.order()
    cabinet.user("anna", "anna@acme.test", {"order_status": "immediate"})
    cabinet.user("boris", "boris@acme.test", {"invoice": "immediate"})
    cabinet.user("vera", "vera@acme.test", {"shipment": "immediate"})

    cabinet.sandbox.advance(5 + 10)
    assert cabinet.komus.tracker is not None
    cabinet.komus.tracker.run_once()
    cabinet.dispatch()

    statuses = [str(m["Subject"]) for m in mailbox.to("anna@acme.test")]
    assert f"Заказ {order.number}: выставлен счёт" in statuses
    [invoice] = mailbox.to("boris@acme.test")
    assert str(invoice["Subject"]).startswith("Выставлен счёт ")
    assert str(invoice["Subject"]).endswith(f"по заказу {order.number}")
    assert (
        f"http://console.test/console/orders/{order.id}"
        in invoice.get_body(("plain",)).get_content()
    )
    assert mailbox.to("vera@acme.test") == []


def test_overdue_payment_is_told_with_the_invoice_and_what_is_unpaid(
    cabinet: Cabinet, mailbox: Mailbox
):
    order = cabinet.order()
    cabinet.user("gleb", "gleb@acme.test", {"payment_overdue": "immediate"})

    with cabinet.hub.db.session() as session:
        cabinet.hub.pipeline.record_event(
            session,
            "acme",
            "payment.overdue",
            {
                "order_id": order.id,
                "number": "<СЧ-1>",
                "due": "2026-02-20",
                "days_overdue": 3,
                "total": "1200.00",
                "outstanding": "700.50",
            },
            order_id=order.id,
        )
    cabinet.dispatch()

    [mail] = mailbox.to("gleb@acme.test")
    assert str(mail["Subject"]) == "Просрочена оплата счёта <СЧ-1>"
    plain = mail.get_body(("plain",)).get_content()
    assert "Срок оплаты: 20.02.2026" in plain
    assert "Не оплачено: 700,50\u00a0₽" in plain
    html = mail.get_body(("html",)).get_content()
    assert "&lt;СЧ-1&gt;" in html and "<СЧ-1>" not in html


def test_a_disabled_webhook_endpoint_is_told_to_users_who_chose_it(
    cabinet: Cabinet, mailbox: Mailbox
):
    cabinet.user("dina", "dina@acme.test", {"webhook_disabled": "immediate"})
    cabinet.user("egor", "egor@acme.test", {"order_status": "immediate"})

    with cabinet.hub.db.session() as session:
        cabinet.hub.pipeline.record_event(
            session,
            "acme",
            "webhook.endpoint_disabled",
            {
                "subscription_id": 7,
                "url": "https://erp.acme.test/hooks?a=1&b=<2>",
                "reason": "no successful delivery for 5 days",
            },
        )
    cabinet.dispatch()

    [mail] = mailbox.to("dina@acme.test")
    assert str(mail["Subject"]) == "Адрес вебхука отключён"
    plain = mail.get_body(("plain",)).get_content()
    assert "Адрес: https://erp.acme.test/hooks?a=1&b=<2>" in plain
    assert "Причина: no successful delivery for 5 days" in plain
    html = mail.get_body(("html",)).get_content()
    assert "&lt;2&gt;" in html and "<2>" not in html
    assert mailbox.to("egor@acme.test") == []
