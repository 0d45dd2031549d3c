"""Exchange sessions: opened by ``checkauth``, named by a cookie, kept in the log.

A session is a message of its own (channel ``onec``, kind ``onec.session``) whose
payload is the session's record as JSON: the tenant, the CommerceML version 1C
asked for in ``init``, and one step per request (mode, file, first answer line,
what an import produced). An operator finds everything a session did by its
``external_id``, ``1c-session:<id>``, which its files and answers carry too.

The cookie value is ``<id>.<secret>``; only a SHA-256 of the secret is stored, so
the log cannot be used to take a session over. The ``sessid`` token 1C appends to
its URLs is derived from the secret, so it is checked without being stored.
Every node reads sessions from the store, so any node can serve any request.

A session also keeps the stamp of the password that opened it (``credential``);
once an admin issues a new password, sessions opened with the old one end.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select

from connectors.onec.credentials import CONFIG_CREDENTIAL
from connectors.onec.settings import CHANNEL, OneCProfile
from gateway.clock import Clock
from gateway.pipeline import checksum
from gateway.store.database import Database
from gateway.store.locks import locked_session
from gateway.store.tables import Message

log = structlog.get_logger(__name__)

COOKIE_NAME = "KOMUS_1C_SESSION"
KIND = "onec.session"
MAX_STEPS = 500
IMPLICIT_REUSE = timedelta(minutes=30)
"""A request with Basic credentials but no cookie joins the tenant's session that
was active this recently; 1C builds that drop cookies still pair query and success."""


def external_id(session_id: int) -> str:
    return f"1c-session:{session_id}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sessid_for(secret: str) -> str:
    return hashlib.sha256(f"sessid:{secret}".encode()).hexdigest()[:32]


@dataclass
class ExchangeSession:
    id: int
    tenant_id: str
    record: dict[str, Any]
    secret: str | None = None
    """The cookie's secret when the request brought the cookie; never stored."""
    last_seen: datetime | None = None

    @property
    def external_id(self) -> str:
        return external_id(self.id)

    @property
    def owner(self) -> str:
        """The lease owner of what this session's ``query`` answers claimed."""
        return f"onec-session:{self.id}"

    @property
    def version(self) -> str | None:
        """The version agreed in ``init``; None when 1C named none (old protocol)."""
        return self.record.get("version")

    @property
    def credential(self) -> str:
        """The stamp of the password the session was opened with."""
        return str(self.record.get("credential") or CONFIG_CREDENTIAL)

    @property
    def initialised(self) -> bool:
        return bool(self.record.get("initialised"))

    @property
    def sessid(self) -> str | None:
        return sessid_for(self.secret) if self.secret else None

    def sessid_matches(self, sessid: str) -> bool:
        """A sessid can only be checked against the cookie it was derived from."""
        expected = self.sessid
        return expected is None or hmac.compare_digest(sessid, expected)


@dataclass(frozen=True)
class Opened:
    session: ExchangeSession
    cookie: str
    sessid: str


class SessionStore:
    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    def open(
        self,
        profile: OneCProfile,
        *,
        implicit: bool = False,
        credential: str = CONFIG_CREDENTIAL,
    ) -> Opened:
        secret = secrets.token_urlsafe(24)
        now = self.clock.now()
        record: dict[str, Any] = {
            "tenant": profile.tenant_id,
            "login": profile.login,
            "started_at": now.isoformat(),
            "implicit": implicit,
            "secret_sha256": _digest(secret),
            "credential": credential,
            "version": None,
            "initialised": False,
            "steps": [],
            "steps_dropped": 0,
        }
        payload = _dump(record)
        with self.db.session() as session:
            message = Message(
                tenant_id=profile.tenant_id,
                channel=CHANNEL,
                direction="in",
                kind=KIND,
                state="open",
                content_type="application/json",
                payload=payload,
                size=len(payload),
                checksum=checksum(payload),
                created_at=now,
                updated_at=now,
            )
            session.add(message)
            session.flush()
            assert message.id is not None
            message.external_id = external_id(message.id)
            record["session"] = message.id
            message.payload = _dump(record)
            message.size = len(message.payload)
            message.checksum = checksum(message.payload)
            opened = ExchangeSession(message.id, profile.tenant_id, record, secret)
        log.info(
            "onec_session_opened",
            tenant=profile.tenant_id,
            session=opened.id,
            implicit=implicit,
        )
        return Opened(opened, f"{opened.id}.{secret}", sessid_for(secret))

    def find(self, cookie: str | None) -> ExchangeSession | None:
        """The session a cookie names, if the secret matches."""
        if not cookie:
            return None
        number, _, secret = cookie.partition(".")
        if not number.isdigit() or not secret or len(number) > 18:
            return None
        with self.db.session() as session:
            message = session.get(Message, int(number))
            if message is None or message.kind != KIND or message.channel != CHANNEL:
                return None
            record = json.loads(message.payload)
            updated = message.updated_at
        if not hmac.compare_digest(_digest(secret), record.get("secret_sha256", "")):
            return None
        return ExchangeSession(int(number), message.tenant_id, record, secret, updated)

    def expired(self, session: ExchangeSession, ttl: timedelta) -> bool:
        return session.last_seen is not None and self._stale(session.last_seen, ttl)

    def latest(self, tenant_id: str) -> ExchangeSession | None:
        """The tenant's most recent session, if active within ``IMPLICIT_REUSE``."""
        with self.db.session() as session:
            message = session.execute(
                select(Message)
                .where(
                    Message.tenant_id == tenant_id,
                    Message.channel == CHANNEL,
                    Message.kind == KIND,
                )
                .order_by(Message.id.desc())  # type: ignore[union-attr]
                .limit(1)
            ).scalar_one_or_none()
        if message is None or message.id is None:
            return None
        if self._stale(message.updated_at, IMPLICIT_REUSE):
            return None
        return ExchangeSession(message.id, tenant_id, json.loads(message.payload))

    def note(
        self, exchange: ExchangeSession, step: dict[str, Any], **changes: Any
    ) -> None:
        """Append a step to the session's record and apply ``changes`` to it."""
        now = self.clock.now()
        step = {"at": now.isoformat(timespec="seconds"), **step}
        with locked_session(self.db, f"onec-session:{exchange.id}") as session:
            message = session.get(Message, exchange.id)
            if message is None:
                return
            record = json.loads(message.payload)
            record.update(changes)
            steps = record.setdefault("steps", [])
            steps.append(step)
            if len(steps) > MAX_STEPS:
                record["steps_dropped"] = record.get("steps_dropped", 0) + 1
                del steps[0]
            message.payload = _dump(record)
            message.size = len(message.payload)
            message.checksum = checksum(message.payload)
            message.updated_at = now
            if step.get("answer") == "failure":
                message.error = str(step.get("reason", ""))[:2000] or None
        exchange.record.update(changes)
        exchange.record.setdefault("steps", []).append(step)

    def _stale(self, updated: datetime, ttl: timedelta) -> bool:
        now = self.clock.now()
        if updated.tzinfo is None:
            updated = updated.replace(tzinfo=now.tzinfo)
        return now - updated > ttl


def _dump(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
