"""A gateway with Komus, claims, notifications and webhooks, beside a Komus sandbox,
an SMTP server and a webhook receiver, all on loopback; and what tests need of them.
"""

from __future__ import annotations

import secrets
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import select

from connectors.crm.connector import CrmConnector
from connectors.komus.cabinet import KomusCabinetConnector
from connectors.komus.connector import KomusConnector
from connectors.komus.sandbox import create_sandbox_app
from gateway.api.app import create_app
from gateway.clock import Clock
from gateway.config import load_settings
from gateway.console.users import create_user
from gateway.hub import Hub, hash_token
from gateway.notifications.connector import NotificationsConnector
from gateway.notifications.preferences import save_preference
from gateway.store.tables import ApiToken, ConsoleUser, Event, Order
from tests.crm.conftest import loopback_resolver
from tests.komus.conftest import QUICK_RETRIES
from tests.komus.harness import Sandbox, line, order_of, receive, write_komus_config
from tests.support.servers import free_port, serve

PASSWORD = "correct horse 42"


def cabinet_config(
    directory: Path, database_url: str, sandbox_port: int, smtp_port: int
) -> Path:
    """The Komus test config plus SMTP on loopback and a quick outbox schedule."""
    path = write_komus_config(directory, database_url, sandbox_port)
    path.write_text(
        path.read_text(encoding="utf-8")
        + f"""
outbox:
  allow_private_targets: ["127.0.0.0/8"]
  schedules:
    default:
      delays: [0, 0.2, 0.2, 0.2, 0.2]
      jitter: 0
smtp:
  enabled: true
  host: 127.0.0.1
  port: {smtp_port}
  security: none
  from_address: gateway@komus-gateway.test
notifications:
  digest_hour: 8
  console_url: http://console.test
""",
        encoding="utf-8",
    )
    return path


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [
                message_from_bytes(raw, policy=default_policy)
                for rcpts, raw in self.messages
                if address in rcpts
            ]


@contextmanager
def smtp_server(port: int) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Cabinet:
    hub: Hub
    url: str
    sandbox: Sandbox
    komus: KomusConnector
    cabinet: KomusCabinetConnector
    crm: CrmConnector
    smtp_port: int
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, tenant: str, role: str = "manager") -> str:
        key = f"{tenant}:{role}"
        if key not in self.tokens:
            secret = "kgw_" + secrets.token_urlsafe(24)
            with self.hub.db.session() as session:
                session.add(
                    ApiToken(
                        name=f"test {key}",
                        token_hash=hash_token(secret),
                        role=role,
                        tenant_id=tenant,
                    )
                )
            self.tokens[key] = secret
        return self.tokens[key]

    def api(self, tenant: str = "acme") -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/api/v1",
            headers={"Authorization": f"Bearer {self.token(tenant)}"},
            timeout=60,
        )

    def order(self, tenant: str = "acme", external_id: str = "ЗК-1") -> Order:
        """A Komus order of two plain lines (2 and 1 pieces), placed now."""
        plain = self.sandbox.articles(2, region="77" if tenant == "acme" else "78")
        requisition_id = receive(
            self.hub, external_id, [line(plain[0], 2), line(plain[1], 1)], tenant
        )
        assert self.hub.pipeline.submit_ready() >= 1
        found = order_of(self.hub, requisition_id)
        assert found is not None and found.komus_order_id is not None
        return found

    def user(
        self,
        login: str,
        email: str,
        modes: dict[str, str],
        threshold: str = "5",
        tenant: str = "acme",
    ) -> int:
        create_user(self.hub, login, PASSWORD, "manager", tenant, actor="test")
        with self.hub.db.session() as session:
            user = session.execute(
                select(ConsoleUser).where(ConsoleUser.login == login)
            ).scalar_one()
            session.expunge(user)
        save_preference(
            self.hub.db,
            self.hub.clock,
            user,
            email=email,
            modes=modes,
            threshold=threshold,
        )
        assert user.id is not None
        return user.id

    def events(self, event_type: str) -> list[Event]:
        with self.hub.db.session() as session:
            return list(
                session.execute(
                    select(Event).where(Event.type == event_type).order_by(Event.id)
                ).scalars()
            )

    def dispatch(self) -> int:
        return self.hub.dispatcher.run_once()


@contextmanager
def cabinet_gateway(
    tmp_path: Path, database_url: str, clock: Clock | None = None
) -> Iterator[Cabinet]:
    sandbox_port, smtp_port = free_port(), free_port()
    settings = load_settings(
        cabinet_config(tmp_path, database_url, sandbox_port, smtp_port)
    )
    app = create_sandbox_app(settings)
    hub = Hub(settings, clock=clock)
    hub.prepare()
    komus = KomusConnector(policy=QUICK_RETRIES)
    cabinet = KomusCabinetConnector(policy=QUICK_RETRIES)
    crm = CrmConnector(resolver=loopback_resolver)
    for connector in (komus, cabinet, NotificationsConnector(), crm):
        connector.install(hub)
    try:
        with (
            serve(app, port=sandbox_port) as sandbox_url,
            serve(create_app(hub)) as url,
        ):
            yield Cabinet(
                hub,
                url,
                Sandbox(sandbox_url, app.state.sandbox.catalog),
                komus,
                cabinet,
                crm,
                smtp_port,
            )
    finally:
        komus.close()
        cabinet.close()
        if crm.sender is not None:
            crm.sender.close()
        hub.stop()
        app.state.sandbox.close()


def png_of_size(size: int) -> bytes:
    """A valid PNG of about ``size`` bytes: random pixels, stored uncompressed."""
    width = 1024
    height = max(1, size // (width * 3 + 1))
    rows = b"".join(b"\x00" + secrets.token_bytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )
