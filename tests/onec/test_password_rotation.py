"""An admin issues a new 1C exchange password in the console; the old one stops."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlmodel import SQLModel

from connectors.onec.connector import OneCConnector
from connectors.onec.throttle import MAX_FAILURES
from gateway.api.app import create_app
from gateway.config import load_settings
from gateway.hub import Hub
from gateway.store.onec_passwords import OneCPassword
from gateway.store.tables import AuditEntry
from tests.console.harness import Browser, add_user
from tests.onec.harness import ACME_LOGIN, ACME_PASSWORD, OneC
from tests.support.servers import serve

PAGE = "/console/settings/acme"
ROTATE = f"{PAGE}/onec-password/rotate"
SHOWN = re.compile(r'<pre class="excerpt">([^<]+)</pre>')


@pytest.fixture
def browser(gateway_url: str, gateway: Hub) -> Iterator[Callable[..., Browser]]:
    """``browser(login, role, tenant)``: a console user of the 1C gateway, signed in."""
    opened: list[Browser] = []

    def open_as(login: str, role: str, tenant: str | None = None) -> Browser:
        add_user(gateway, login, role, tenant)
        client = Browser(gateway_url)
        assert client.sign_in(login).status_code == 303
        opened.append(client)
        return client

    yield open_as
    for client in opened:
        client.close()


@pytest.fixture
def acme_as(gateway_url: str) -> Iterator[Callable[[str], OneC]]:
    """``acme_as(password)``: 1C of tenant acme with that password."""
    opened: list[OneC] = []

    def make(password: str) -> OneC:
        client = OneC(gateway_url, login=ACME_LOGIN, password=password)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def _rotate(admin: Browser) -> str:
    answer = admin.submit(PAGE, ROTATE)
    assert answer.status_code == 200, answer.text
    return SHOWN.search(answer.text).group(1)


def _stored(gateway: Hub) -> list[OneCPassword]:
    with gateway.db.session() as session:
        return list(session.execute(select(OneCPassword)).scalars())


def test_a_new_password_works_and_the_old_one_gets_failure(gateway, browser, acme_as):
    before = acme_as(ACME_PASSWORD).checkauth()
    admin = browser("root", "admin")

    password = _rotate(admin)

    assert before.first == "success"
    old = acme_as(ACME_PASSWORD).checkauth()
    assert old.first == "failure"
    assert "wrong 1C login or password" in old.text
    new = acme_as(password)
    assert new.checkauth().first == "success"
    assert new.init().first == "zip=yes"


def test_the_new_password_is_shown_once_and_only_its_hash_is_kept(gateway, browser):
    admin = browser("root", "admin")

    password = _rotate(admin)
    page = admin.get(PAGE).text

    assert password not in page
    assert "Пароль выдан в консоли (console:root" in page
    [stored] = _stored(gateway)
    assert stored.tenant_id == "acme" and stored.rotated_by == "console:root"
    assert password not in stored.password_hash
    assert stored.password_hash.startswith("scrypt$")


def test_a_second_rotation_retires_the_first_new_password(gateway, browser, acme_as):
    admin = browser("root", "admin")

    first = _rotate(admin)
    second = _rotate(admin)

    assert first != second
    assert acme_as(first).checkauth().first == "failure"
    assert acme_as(second).checkauth().first == "success"


def test_sessions_opened_with_the_old_password_end_at_once(gateway, browser, acme_as):
    old = acme_as(ACME_PASSWORD)
    assert old.checkauth().first == "success"
    assert old.init().first == "zip=yes"
    admin = browser("root", "admin")

    password = _rotate(admin)
    with_cookie = old.init()
    with_basic = old.call("init", credentials=True)

    assert with_cookie.first == "failure"
    assert "the 1C password of this login was changed" in with_cookie.text
    assert with_basic.first == "failure"
    renewed = acme_as(password)
    assert renewed.checkauth().first == "success"
    assert renewed.init().first == "zip=yes"
    assert renewed.call("init", credentials=True).first == "zip=yes"


def test_other_tenants_keep_their_password_and_sessions(gateway, browser, onec):
    assert onec.checkauth().first == "success"
    admin = browser("root", "admin")

    _rotate(admin)

    assert onec.init().first == "zip=yes", "the demo tenant's session goes on"
    assert onec.checkauth().first == "success"
    assert [row.tenant_id for row in _stored(gateway)] == ["acme"]


def test_the_rotation_is_audited_without_the_password(gateway, browser):
    admin = browser("root", "admin")

    password = _rotate(admin)

    with gateway.db.session() as session:
        entries = list(
            session.execute(
                select(AuditEntry).where(AuditEntry.action == "onec.password.rotate")
            ).scalars()
        )
    assert [(e.actor, e.tenant_id, e.target) for e in entries] == [
        ("console:root", "acme", f"onec_login:{ACME_LOGIN}")
    ]
    assert password not in repr(entries[0].details)


def test_a_restarted_gateway_keeps_the_new_password(gateway, browser):
    admin = browser("root", "admin")
    password = _rotate(admin)

    restarted = Hub(load_settings(gateway.settings.source))
    restarted.prepare()
    connector = OneCConnector()
    connector.install(restarted)
    try:
        with serve(create_app(restarted)) as url:
            new = OneC(url, login=ACME_LOGIN, password=password)
            old = OneC(url, login=ACME_LOGIN, password=ACME_PASSWORD)
            answers = (new.checkauth().first, old.checkauth().first)
            new.close()
            old.close()
    finally:
        connector.close()
        restarted.stop()

    assert answers == ("success", "failure")


def test_the_form_refuses_a_post_without_the_csrf_token(gateway, browser, acme_as):
    admin = browser("root", "admin")

    answer = admin.client.post(ROTATE, data={})

    assert answer.status_code == 403
    assert _stored(gateway) == []
    assert acme_as(ACME_PASSWORD).checkauth().first == "success"


def test_only_admins_of_the_tenant_may_rotate(gateway, browser, acme_as):
    integrator = browser("ivan", "integrator")
    globex_admin = browser("gadmin", "admin", "demo")

    by_integrator = integrator.submit("/console/", ROTATE)
    by_other_tenant = globex_admin.submit("/console/", ROTATE)

    assert by_integrator.status_code == 403
    assert by_other_tenant.status_code == 404
    assert _stored(gateway) == []
    assert acme_as(ACME_PASSWORD).checkauth().first == "success"


def test_the_replaced_password_is_named_as_such_and_never_pauses_the_login(
    gateway, browser, acme_as
):
    admin = browser("root", "admin")
    password = _rotate(admin)

    stale = [acme_as(ACME_PASSWORD).checkauth() for _ in range(MAX_FAILURES + 1)]
    guessed = acme_as("not-the-password").checkauth()
    fresh = acme_as(password).checkauth()

    assert [a.first for a in stale] == ["failure"] * (MAX_FAILURES + 1)
    assert "this password was replaced in the gateway's console" in stale[-1].text
    assert "too many" not in stale[-1].text
    assert "replaced" not in guessed.text
    assert fresh.first == "success"


def test_after_a_second_rotation_the_first_new_password_is_named_replaced(
    gateway, browser, acme_as
):
    admin = browser("root", "admin")
    first = _rotate(admin)
    _rotate(admin)

    answer = acme_as(first).checkauth()
    config_password = acme_as(ACME_PASSWORD).checkauth()

    assert "this password was replaced" in answer.text
    assert "replaced" not in config_password.text


def test_migrated_onec_passwords_table_matches_the_model(gateway):
    with gateway.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert [d for d in differences if "onec_passwords" in repr(d)] == []
