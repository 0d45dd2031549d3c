"""Signed-in browsers: a random token in a signed cookie, its hash in the store.

The cookie is signed (itsdangerous) so a forged or truncated one is turned away
before the database is asked; the row makes sign-out and expiry real on every node.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select

from gateway.config import ConsoleSettings
from gateway.hub import Hub
from gateway.store.tables import ConsoleSession, ConsoleUser

COOKIE = "kgw_console"
COOKIE_PATH = "/console"
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Operator:
    """The signed-in console user a request comes from."""

    user_id: int
    login: str
    role: str
    tenant_id: str | None
    csrf_token: str
    session_hash: str

    @property
    def actor(self) -> str:
        return f"console:{self.login}"[:128]

    def can_see(self, tenant_id: str | None) -> bool:
        return self.tenant_id is None or self.tenant_id == tenant_id


class Sessions:
    def __init__(self, hub: Hub, settings: ConsoleSettings, secret: str):
        self.hub = hub
        self.settings = settings
        self.lifetime = timedelta(hours=settings.session_hours)
        self.signer = URLSafeTimedSerializer(secret, salt="console-session")

    def open(self, user: ConsoleUser) -> str:
        """A new session for ``user``; the cookie value to set."""
        token = secrets.token_urlsafe(32)
        now = self.hub.clock.now()
        assert user.id is not None
        with self.hub.db.session() as session:
            session.execute(
                delete(ConsoleSession).where(
                    ConsoleSession.user_id == user.id,
                    ConsoleSession.expires_at < now,  # type: ignore[arg-type]
                )
            )
            session.add(
                ConsoleSession(
                    token_hash=_digest(token),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + self.lifetime,
                    last_seen_at=now,
                )
            )
        return self.signer.dumps(token)

    def operator(self, cookie: str | None) -> Operator | None:
        """Who holds this cookie, if it is a live session of an active user."""
        token = self._token(cookie)
        if token is None:
            return None
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            row = session.execute(
                select(ConsoleSession, ConsoleUser)
                .join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
                .where(ConsoleSession.token_hash == _digest(token))
            ).first()
            if row is None:
                return None
            stored, user = row
            if stored.expires_at <= now or user.disabled_at or user.locked_at:
                return None
            if now - stored.last_seen_at >= LAST_SEEN_RESOLUTION:
                stored.last_seen_at = now
            assert user.id is not None
            return Operator(
                user.id,
                user.login,
                user.role,
                user.tenant_id,
                stored.csrf_token,
                stored.token_hash,
            )

    def close(self, operator: Operator) -> None:
        with self.hub.db.session() as session:
            session.execute(
                delete(ConsoleSession).where(
                    ConsoleSession.token_hash == operator.session_hash
                )
            )

    def _token(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            token = self.signer.loads(
                cookie, max_age=int(self.lifetime.total_seconds())
            )
        except BadSignature:
            return None
        return token if isinstance(token, str) else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
