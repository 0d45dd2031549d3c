"""Signing in and out, the lockout, and CSRF on every form."""

from __future__ import annotations

from sqlalchemy import select

from gateway.store.tables import AuditEntry, ConsoleUser
from tests.api.builders import add_delivery, add_order
from tests.console.harness import Browser, add_user


def test_sign_in_sets_a_hardened_cookie_and_opens_the_dashboard(gateway, console_url):
    add_user(gateway, "olga", "manager", "acme")
    visitor = Browser(console_url)

    answer = visitor.sign_in("olga")

    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "kgw_console=" in cookie and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    dashboard = visitor.get("/console/")
    assert dashboard.status_code == 200 and "Сводка" in dashboard.text


def test_pages_redirect_to_sign_in_without_a_session(console_url):
    visitor = Browser(console_url)

    answer = visitor.get("/console/orders")

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=/console/orders")


def test_five_wrong_passwords_lock_the_account(gateway, console_url):
    add_user(gateway, "ivan", "viewer")
    visitor = Browser(console_url)

    refusals = [visitor.sign_in("ivan", "wrong password").status_code for _ in range(5)]
    after = visitor.sign_in("ivan")

    assert refusals == [401] * 5
    assert after.status_code == 401 and "заблокирована" in after.text
    with gateway.db.session() as session:
        user = session.execute(
            select(ConsoleUser).where(ConsoleUser.login == "ivan")
        ).scalar_one()
        actions = session.execute(select(AuditEntry.action)).scalars().all()
    assert user.locked_at is not None
    assert "console.user.locked" in actions


def test_sign_in_without_the_csrf_token_is_refused(gateway, console_url):
    add_user(gateway, "petr", "viewer")
    visitor = Browser(console_url)
    visitor.get("/console/login")

    answer = visitor.client.post(
        "/console/login", data={"login": "petr", "password": "correct horse 42"}
    )

    assert answer.status_code == 403
    assert "kgw_console=" not in answer.headers.get("set-cookie", "")


def test_every_form_refuses_a_post_without_the_csrf_token(gateway, browser):
    order_id = add_order(gateway, "acme")
    delivery_id = add_delivery(gateway, "acme")
    admin = browser("root", "admin")
    forms = [
        "/console/logout",
        f"/console/orders/{order_id}/repeat",
        f"/console/orders/{order_id}/cancel",
        "/console/messages/1/replay",
        f"/console/deliveries/{delivery_id}/retry",
        f"/console/deliveries/{delivery_id}/replay",
        "/console/users",
        "/console/users/1/unlock",
    ]

    answers = {path: admin.client.post(path, data={}).status_code for path in forms}
    forged = admin.client.post("/console/logout", data={"csrf": "forged"})

    assert answers == dict.fromkeys(forms, 403)
    assert forged.status_code == 403
    assert admin.get("/console/").status_code == 200


def test_sign_out_ends_the_session_on_the_server(gateway, browser):
    manager = browser("masha", "manager", "acme")
    stolen = manager.client.cookies.get("kgw_console")

    answer = manager.submit("/console/", "/console/logout")
    replayed = Browser(manager.client.base_url.__str__().rstrip("/"))
    replayed.client.cookies.set("kgw_console", stolen, path="/console")

    assert answer.status_code == 303
    assert replayed.get("/console/").status_code == 303
