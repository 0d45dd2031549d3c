"""«Уведомления»: a user keeps their own settings; a post without CSRF is refused."""

from __future__ import annotations

from sqlalchemy import select

from gateway.store.notifications import NotificationPreference
from tests.cabinet_claims.harness import Cabinet
from tests.console.harness import Browser, add_user


def _signed_in(cabinet: Cabinet, login: str) -> Browser:
    add_user(cabinet.hub, login, "viewer", "acme")
    browser = Browser(cabinet.url)
    assert browser.sign_in(login).status_code == 303
    return browser


def _preferences(cabinet: Cabinet) -> list[NotificationPreference]:
    with cabinet.hub.db.session() as session:
        return list(session.execute(select(NotificationPreference)).scalars())


def test_user_saves_own_address_modes_and_threshold(cabinet: Cabinet):
    browser = _signed_in(cabinet, "olga")
    page = browser.get("/console/notifications")
    assert page.status_code == 200
    assert 'href="/console/notifications"' in page.text

    saved = browser.submit(
        "/console/notifications",
        "/console/notifications",
        email="olga@acme.test",
        mode_price="digest",
        mode_claim="immediate",
        threshold="7,5",
    )

    assert saved.status_code == 303
    [preference] = _preferences(cabinet)
    assert preference.email == "olga@acme.test"
    assert preference.modes["price"] == "digest"
    assert preference.modes["claim"] == "immediate"
    assert preference.modes["order_status"] == "off"
    assert str(preference.price_threshold_percent) == "7.50"
    shown = browser.get("/console/notifications").text
    assert 'value="olga@acme.test"' in shown
    assert '<option value="digest" selected>' in shown
    browser.close()


def test_post_without_csrf_token_is_refused_and_nothing_saved(cabinet: Cabinet):
    browser = _signed_in(cabinet, "olga")

    refused = browser.client.post(
        "/console/notifications",
        data={"email": "evil@example.com", "mode_price": "immediate", "threshold": "1"},
    )

    assert refused.status_code == 403
    assert _preferences(cabinet) == []
    browser.close()


def test_bad_address_and_threshold_are_named_on_the_page(cabinet: Cabinet):
    browser = _signed_in(cabinet, "olga")

    answer = browser.submit(
        "/console/notifications",
        "/console/notifications",
        email="not an address",
        mode_price="immediate",
        threshold="много",
    )

    assert answer.status_code == 422
    assert "is not an address like name@example.ru" in answer.text
    assert "price threshold" in answer.text
    assert _preferences(cabinet) == []
    browser.close()
