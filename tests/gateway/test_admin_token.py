"""The admin token comes from config; replacing it there retires the old one."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gateway.config import load_settings
from gateway.hub import Hub, hash_token
from gateway.store.tables import ApiToken
from tests.support.config import write_config


def _active(hub: Hub) -> set[str]:
    with hub.db.session() as session:
        return set(
            session.execute(
                select(ApiToken.token_hash).where(ApiToken.revoked_at.is_(None))
            ).scalars()
        )


def test_changing_the_admin_token_in_config_revokes_the_old_one(
    tmp_path: Path, sqlite_url: str
):
    config = write_config(tmp_path, sqlite_url)
    first = Hub(load_settings(config))
    first.prepare()
    first.stop()
    text = config.read_text()
    config.write_text(
        text.replace("admin_token: test-admin-token", "admin_token: s3cret")
    )

    second = Hub(load_settings(config))
    second.prepare()

    assert _active(second) == {hash_token("s3cret")}
    second.stop()


def test_restarting_with_the_same_token_keeps_it(tmp_path: Path, sqlite_url: str):
    config = write_config(tmp_path, sqlite_url)
    for _ in range(2):
        hub = Hub(load_settings(config))
        hub.prepare()
        hub.stop()

    assert _active(hub) == {hash_token("test-admin-token")}
