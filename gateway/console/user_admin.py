"""What an admin does to a console user: disable, enable, give a new password.

Disabling or resetting ends the user's sessions at once, on every node, since a
session is a row. A reset password is random, shown to the admin once and stored
only as its argon2 hash; the admin passes it on and the user signs in with it.
"""

from __future__ import annotations

import secrets

import structlog
from sqlalchemy import delete
from sqlmodel import Session

from gateway.console.audit import audit
from gateway.console.passwords import hash_password
from gateway.errors import NotFound, ValidationFailed
from gateway.hub import Hub
from gateway.store.tables import ConsoleSession, ConsoleUser

log = structlog.get_logger(__name__)

RESET_PASSWORD_BYTES = 12
"""16 characters of URL-safe base64: easy to pass on, hard to guess."""


def set_disabled(
    hub: Hub, user_id: int, disabled: bool, *, actor: str, actor_id: int
) -> ConsoleUser:
    """Disable a user (sessions end) or enable them again; audited."""
    if disabled and user_id == actor_id:
        raise ValidationFailed(["нельзя отключить самого себя"])
    now = hub.clock.now()
    with hub.db.session() as session:
        user = session.get(ConsoleUser, user_id)
        if user is None:
            raise NotFound(f"console user {user_id} does not exist")
        user.disabled_at = now if disabled else None
        user.updated_at = now
        if disabled:
            _end_sessions(session, user_id)
        audit(
            session,
            hub.clock,
            actor,
            "console.user.disable" if disabled else "console.user.enable",
            f"console_user:{user_id}",
            tenant_id=user.tenant_id,
            details={"login": user.login},
        )
    log.info(
        "console_user_disabled" if disabled else "console_user_enabled",
        login=user.login,
        actor=actor,
    )
    return user


def reset_password(hub: Hub, user_id: int, *, actor: str) -> tuple[ConsoleUser, str]:
    """A new random password for the user, returned once; the lockout is lifted."""
    password = secrets.token_urlsafe(RESET_PASSWORD_BYTES)
    now = hub.clock.now()
    with hub.db.session() as session:
        user = session.get(ConsoleUser, user_id)
        if user is None:
            raise NotFound(f"console user {user_id} does not exist")
        user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_at = None
        user.updated_at = now
        _end_sessions(session, user_id)
        audit(
            session,
            hub.clock,
            actor,
            "console.user.password_reset",
            f"console_user:{user_id}",
            tenant_id=user.tenant_id,
            details={"login": user.login},
        )
    log.info("console_user_password_reset", login=user.login, actor=actor)
    return user, password


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
