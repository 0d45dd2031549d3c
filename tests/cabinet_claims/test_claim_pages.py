"""The console's claim pages: the form from an order line, the claim, the list."""

from __future__ import annotations

import json

from sqlalchemy import select

from gateway.store.tables import Message
from tests.cabinet_claims.harness import Cabinet, png_of_size
from tests.console.harness import Browser, add_user, csrf_of


def _manager(cabinet: Cabinet, login: str = "petrov", tenant: str = "acme") -> Browser:
    add_user(cabinet.hub, login, "manager", tenant)
    browser = Browser(cabinet.url)
    assert browser.sign_in(login).status_code == 303
    return browser


def test_claim_filed_from_the_order_page_shows_its_answer(cabinet: Cabinet):
    order = cabinet.order()
    browser = _manager(cabinet)

    page = browser.get(f"/console/orders/{order.id}")
    assert f'href="/console/orders/{order.id}/claim?line=2"' in page.text
    form = browser.get(f"/console/orders/{order.id}/claim?line=2")
    assert form.status_code == 200
    photo = png_of_size(50_000)
    posted = browser.client.post(
        f"/console/orders/{order.id}/claim",
        data={
            "csrf": csrf_of(form.text),
            "line_no": "2",
            "quantity": "1",
            "reason": "not_delivered",
            "text": "Не привезли <b>одну</b> позицию",
        },
        files=[("photos", ("склад.png", photo, "image/png"))],
    )

    assert posted.status_code == 303, posted.text
    claim_url = posted.headers["location"].split("?")[0]
    cabinet.dispatch()
    cabinet.sandbox.advance(241)
    assert cabinet.cabinet.tracker is not None
    cabinet.cabinet.tracker.run_once()
    shown = browser.get(claim_url)
    assert shown.status_code == 200
    assert 'id="claim-status">удовлетворена' in shown.text
    assert "Не привезли &lt;b&gt;одну&lt;/b&gt; позицию" in shown.text
    assert "склад.png" in shown.text
    listing = browser.get("/console/claims")
    assert claim_url.rsplit("/", 1)[1] in listing.text
    photo_id = shown.text.split(f"{claim_url}/photos/")[1].split('"')[0]
    assert browser.get(f"{claim_url}/photos/{photo_id}").content == photo
    browser.close()


def test_claim_form_refusal_is_shown_on_the_form(cabinet: Cabinet):
    order = cabinet.order()
    browser = _manager(cabinet)
    form = browser.get(f"/console/orders/{order.id}/claim?line=1")

    posted = browser.client.post(
        f"/console/orders/{order.id}/claim",
        data={
            "csrf": csrf_of(form.text),
            "line_no": "1",
            "quantity": "5",
            "reason": "damaged",
            "text": "Разбито",
        },
        files=[("photos", ("scan.jpg", b"not an image at all", "image/jpeg"))],
    )

    assert posted.status_code == 415
    assert "is not a JPEG or PNG image" in posted.text
    with cabinet.hub.db.session() as session:
        [kept] = session.execute(
            select(Message).where(Message.channel == "console")
        ).scalars()
    assert kept.state == "failed" and "not a JPEG or PNG" in (kept.error or "")
    assert json.loads(kept.payload)["claim"]["text"] == "Разбито"
    browser.close()


def test_claim_form_without_csrf_is_refused(cabinet: Cabinet):
    order = cabinet.order()
    browser = _manager(cabinet)

    posted = browser.client.post(
        f"/console/orders/{order.id}/claim",
        data={"line_no": "1", "quantity": "1", "reason": "damaged", "text": "x"},
    )

    assert posted.status_code == 403
    assert cabinet.hub.outbox.depth()["states"]["pending"] == 0
    browser.close()


def test_another_tenants_order_has_no_claim_form(cabinet: Cabinet):
    theirs = cabinet.order("globex", "ГЛ-2")
    browser = _manager(cabinet)

    assert browser.get(f"/console/orders/{theirs.id}/claim?line=1").status_code == 404
    browser.close()
