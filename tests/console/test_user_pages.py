"""Users page: disabling, enabling and a new password shown once, all audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from gateway.store.tables import AuditEntry, ConsoleUser
from tests.console.harness import Browser, add_user

USERS = "/console/users"


def _id_of(gateway, login: str) -> int:
    with gateway.db.session() as session:
        return session.execute(
            select(ConsoleUser.id).where(ConsoleUser.login == login)
        ).scalar_one()


def _actions(gateway) -> list[str]:
    with gateway.db.session() as session:
        return list(session.execute(select(AuditEntry.action)).scalars())


def test_a_disabled_user_is_signed_out_and_cannot_sign_in_until_enabled(
    gateway, browser, console_url
):
    viewer = browser("vika", "viewer", "acme")
    admin = browser("root", "admin")
    user_id = _id_of(gateway, "vika")

    disabled = admin.submit(USERS, f"{USERS}/{user_id}/disable")
    kicked = viewer.get("/console/").status_code
    refused = Browser(console_url).sign_in("vika").status_code
    enabled = admin.submit(USERS, f"{USERS}/{user_id}/enable")
    again = Browser(console_url).sign_in("vika").status_code

    assert disabled.status_code == 303 and enabled.status_code == 303
    assert kicked == 303
    assert refused == 401
    assert again == 303
    assert {"console.user.disable", "console.user.enable"} <= set(_actions(gateway))


def test_a_new_password_is_shown_once_and_replaces_the_old_one(
    gateway, browser, console_url
):
    add_user(gateway, "petya", "manager", "acme")
    admin = browser("root", "admin")
    user_id = _id_of(gateway, "petya")

    answer = admin.submit(USERS, f"{USERS}/{user_id}/password")
    shown = re.search(r'<pre class="excerpt">([^<]+)</pre>', answer.text)
    later = admin.get(USERS).text

    assert answer.status_code == 200 and shown
    password = shown.group(1)
    assert password not in later
    assert Browser(console_url).sign_in("petya").status_code == 401
    assert Browser(console_url).sign_in("petya", password).status_code == 303
    with gateway.db.session() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "console.user.password_reset")
        ).scalar_one()
    assert entry.actor == "console:root" and password not in str(entry.details)


def test_an_admin_cannot_disable_themselves(gateway, browser):
    admin = browser("root", "admin")

    answer = admin.submit(USERS, f"{USERS}/{_id_of(gateway, 'root')}/disable")

    assert answer.status_code == 409
    assert "самого себя" in answer.text
    assert admin.get("/console/").status_code == 200


def test_only_an_admin_may_change_users(gateway, browser):
    add_user(gateway, "olga", "viewer")
    integrator = browser("ivan", "integrator")
    user_id = _id_of(gateway, "olga")

    answers = [
        integrator.submit("/console/", f"{USERS}/{user_id}/{action}").status_code
        for action in ("disable", "enable", "password")
    ]

    assert answers == [403, 403, 403]
    assert "console.user.disable" not in _actions(gateway)


def test_user_forms_refuse_a_post_without_the_csrf_token(gateway, browser):
    add_user(gateway, "olga", "viewer")
    admin = browser("root", "admin")
    user_id = _id_of(gateway, "olga")
    forms = [f"{USERS}/{user_id}/{a}" for a in ("disable", "enable", "password")]

    answers = {path: admin.client.post(path, data={}).status_code for path in forms}

    assert answers == dict.fromkeys(forms, 403)
    with gateway.db.session() as session:
        assert session.get(ConsoleUser, user_id).disabled_at is None


def test_an_admin_of_one_tenant_cannot_touch_an_all_tenant_user(gateway, browser):
    add_user(gateway, "boss", "admin")
    local = browser("acme-admin", "admin", "acme")
    boss_id = _id_of(gateway, "boss")

    answers = [
        local.submit(USERS, f"{USERS}/{boss_id}/{action}").status_code
        for action in ("password", "disable", "unlock")
    ]

    assert answers == [404, 404, 404]
    assert "console.user.password_reset" not in _actions(gateway)
