"""Pages by role and tenant, and the actions behind their forms."""

from __future__ import annotations

import json

from sqlalchemy import select

from gateway.store.tables import AuditEntry, Delivery, Event, Message, Requisition
from tests.api.builders import add_delivery, add_document, add_order
from tests.console.payloads import SCRIPT_PAYLOAD, store_message


def test_manager_of_one_tenant_gets_404_for_another_tenants_order(gateway, browser):
    theirs = add_order(gateway, "globex")
    manager = browser("anna", "manager", "acme")

    answer = manager.get(f"/console/orders/{theirs}")

    assert answer.status_code == 404


def test_each_role_sees_only_its_pages(gateway, browser):
    pages = ["/console/orders", "/console/messages", "/console/deliveries"]
    pages.append("/console/users")
    expected = {
        "viewer": [200, 403, 403, 403],
        "manager": [200, 403, 403, 403],
        "accountant": [200, 403, 403, 403],
        "integrator": [200, 200, 200, 403],
        "admin": [200, 200, 200, 200],
    }

    signed_in = {role: browser(f"u-{role}", role) for role in expected}
    seen = {
        role: [client.get(page).status_code for page in pages]
        for role, client in signed_in.items()
    }

    assert seen == expected


def test_order_list_filters_by_status_and_amount(gateway, browser):
    add_order(gateway, "acme", status="shipped", total="500.00")
    add_order(gateway, "acme", status="shipped", total="50.00")
    add_order(gateway, "acme", status="submitted", total="700.00")
    viewer = browser("vera", "viewer", "acme")

    page = viewer.get("/console/orders?status=shipped&min=100&sort=total")

    assert "Всего: 1." in page.text
    assert "500,00" in page.text and "700,00" not in page.text


def test_invoice_downloads_for_a_manager_but_not_for_a_viewer(gateway, browser):
    order_id = add_order(gateway, "acme")
    _, file_id = add_document(
        gateway, "acme", order_id, filename="счёт.pdf", content=b"%PDF-1.4 test"
    )
    path = f"/console/orders/{order_id}/files/{file_id}"

    manager = browser("mila", "manager", "acme").get(path)
    viewer = browser("vlad", "viewer", "acme").get(path)

    assert manager.status_code == 200 and manager.content == b"%PDF-1.4 test"
    assert "attachment" in manager.headers["content-disposition"]
    assert viewer.status_code == 403


def test_repeat_makes_a_new_console_requisition_through_the_pipeline(gateway, browser):
    order_id = add_order(gateway, "acme")
    manager = browser("mark", "manager", "acme")

    answer = manager.submit(
        f"/console/orders/{order_id}", f"/console/orders/{order_id}/repeat"
    )

    assert answer.status_code == 303
    with gateway.db.session() as session:
        made = session.execute(
            select(Requisition).where(Requisition.channel == "console")
        ).scalar_one()
        audit = session.execute(
            select(AuditEntry).where(AuditEntry.action == "order.repeat")
        ).scalar_one()
    assert made.external_id.startswith(f"repeat-{order_id}-")
    assert made.state == "received"
    assert audit.actor == "console:mark"


def test_cancel_asks_komus_through_a_revised_requisition_event(gateway, browser):
    order_id = add_order(gateway, "acme", status="confirmed")
    manager = browser("kate", "manager", "acme")
    page = f"/console/orders/{order_id}"

    first = manager.submit(page, f"{page}/cancel")
    second = manager.submit(page, f"{page}/cancel")

    assert first.headers["location"].endswith("note=cancel-asked")
    assert second.headers["location"].endswith("note=cancel-again")
    with gateway.db.session() as session:
        events = (
            session.execute(select(Event).where(Event.type == "requisition.revised"))
            .scalars()
            .all()
        )
    assert [e.data["cancel"] for e in events] == [True]


def test_retry_puts_a_dead_delivery_back_in_the_queue(gateway, browser):
    delivery_id = add_delivery(gateway, "acme", state="dead")
    integrator = browser("igor", "integrator")
    page = f"/console/deliveries/{delivery_id}"

    answer = integrator.submit(page, f"{page}/retry")

    assert answer.status_code == 303
    with gateway.db.session() as session:
        assert session.get(Delivery, delivery_id).state == "pending"


def test_script_in_a_payload_is_shown_escaped(gateway, browser):
    message_id = store_message(gateway, SCRIPT_PAYLOAD)
    integrator = browser("inna", "integrator")

    page = integrator.get(f"/console/messages/{message_id}")

    assert "<script>alert" not in page.text
    assert '&lt;<span class="tag">script</span>&gt;alert(1)' in page.text
    assert "<img" not in page.text and "<b>" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_windows_1251_xml_is_decoded_by_its_declaration(gateway, browser):
    xml = '<?xml version="1.0" encoding="windows-1251"?><Док>Бумага</Док>'
    message_id = store_message(gateway, xml.encode("cp1251"), "application/xml")
    integrator = browser("ilya", "integrator")

    page = integrator.get(f"/console/messages/{message_id}")

    assert "Бумага" in page.text and "windows-1251" in page.text


def test_replay_runs_a_held_message_again(gateway, browser):
    body = {"external_id": "R-1", "lines": [{"article": "1", "quantity": "0"}]}
    raw = json.dumps(body).encode()
    message_id = store_message(gateway, raw, "application/json", channel="api")
    integrator = browser("ira", "integrator")
    page = f"/console/messages/{message_id}"

    answer = integrator.submit(page, f"{page}/replay")

    assert answer.status_code == 303
    with gateway.db.session() as session:
        copies = (
            session.execute(select(Message).where(Message.replay_of == message_id))
            .scalars()
            .all()
        )
    assert len(copies) == 1
