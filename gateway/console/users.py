"""Console users: creating them, signing in with a lockout, unlocking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.config import ConsoleSettings
from gateway.console.audit import actor_for, audit
from gateway.console.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from gateway.console.roles import ROLES
from gateway.errors import ValidationFailed
from gateway.hub import Hub
from gateway.store.tables import ConsoleUser, Tenant

log = structlog.get_logger(__name__)

DEMO_ADMIN_LOGIN = "admin"
DEMO_ADMIN_PASSWORD = "demo-admin"
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to; ``user`` only when it succeeded."""

    user: ConsoleUser | None
    locked: bool = False


def create_user(
    hub: Hub,
    login: str,
    password: str,
    role: str,
    tenant_id: str | None,
    *,
    actor: str,
) -> ConsoleUser:
    """A new user; ``ValidationFailed`` lists every problem with the input."""
    problems = []
    if not _LOGIN.fullmatch(login):
        problems.append("логин: латинские буквы, цифры и . _ @ -, до 64 символов")
    if role not in ROLES:
        problems.append(f"роль: одна из {', '.join(ROLES)}")
    if problem := password_problem(password):
        problems.append(problem)
    with hub.db.session() as session:
        if tenant_id is not None and session.get(Tenant, tenant_id) is None:
            problems.append(f"организация {tenant_id!r} не найдена")
        taken = session.execute(
            select(ConsoleUser.id).where(ConsoleUser.login == login)
        ).first()
        if taken:
            problems.append(f"логин {login!r} уже занят")
        if problems:
            raise ValidationFailed(problems)
        user = ConsoleUser(
            login=login,
            password_hash=hash_password(password),
            role=role,
            tenant_id=tenant_id,
            created_at=hub.clock.now(),
            updated_at=hub.clock.now(),
        )
        session.add(user)
        session.flush()
        audit(
            session,
            hub.clock,
            actor,
            "console.user.create",
            f"console_user:{user.id}",
            tenant_id=tenant_id,
            details={"login": login, "role": role},
        )
    log.info("console_user_created", login=login, role=role, tenant=tenant_id)
    return user


def sign_in(hub: Hub, settings: ConsoleSettings, login: str, password: str) -> SignIn:
    """Check a password; count failures and lock the user at the threshold."""
    now = hub.clock.now()
    with hub.db.session() as session:
        user = session.execute(
            select(ConsoleUser).where(ConsoleUser.login == login)
        ).scalar_one_or_none()
        if user is None or user.disabled_at is not None:
            verify_password(None, password)
            log.warning("console_sign_in_refused", login=login[:64], reason="unknown")
            return SignIn(None)
        actor = actor_for(user.login)
        if user.locked_at is not None:
            until = user.locked_at + timedelta(minutes=settings.lockout_minutes)
            if settings.lockout_minutes == 0 or now < until:
                log.warning("console_sign_in_refused", login=login, reason="locked")
                audit(session, hub.clock, actor, "console.sign_in.locked", actor)
                return SignIn(None, locked=True)
            user.locked_at = None
            user.failed_logins = 0
        if not verify_password(user.password_hash, password):
            user.failed_logins += 1
            user.updated_at = now
            locked = user.failed_logins >= settings.lockout_threshold
            audit(
                session,
                hub.clock,
                actor,
                "console.sign_in.failed",
                f"console_user:{user.id}",
                tenant_id=user.tenant_id,
                details={"failures": user.failed_logins},
            )
            if locked:
                user.locked_at = now
                audit(
                    session,
                    hub.clock,
                    actor,
                    "console.user.locked",
                    f"console_user:{user.id}",
                    tenant_id=user.tenant_id,
                )
                log.warning(
                    "console_user_locked", login=login, failures=user.failed_logins
                )
            else:
                log.warning("console_sign_in_refused", login=login, reason="password")
            return SignIn(None, locked=locked)
        user.failed_logins = 0
        user.last_login_at = now
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit(
            session,
            hub.clock,
            actor,
            "console.sign_in",
            f"console_user:{user.id}",
            tenant_id=user.tenant_id,
        )
    log.info("console_signed_in", login=login, role=user.role)
    return SignIn(user)


def unlock(hub: Hub, user_id: int, *, actor: str) -> ConsoleUser | None:
    with hub.db.session() as session:
        user = session.get(ConsoleUser, user_id)
        if user is None:
            return None
        user.locked_at = None
        user.failed_logins = 0
        user.updated_at = hub.clock.now()
        audit(
            session,
            hub.clock,
            actor,
            "console.user.unlock",
            f"console_user:{user_id}",
            tenant_id=user.tenant_id,
        )
    log.info("console_user_unlocked", user_id=user_id, actor=actor)
    return user


def list_users(hub: Hub) -> list[ConsoleUser]:
    with hub.db.session() as session:
        return list(
            session.execute(select(ConsoleUser).order_by(ConsoleUser.login)).scalars()
        )


def ensure_demo_admin(hub: Hub, settings: ConsoleSettings) -> None:
    """Create the demo admin when config names a password and no such user exists."""
    secret = settings.demo_admin_password
    password = secret.get_secret_value() if secret else ""
    if not password:
        return
    if password == DEMO_ADMIN_PASSWORD:
        log.warning(
            "console_demo_admin_password_in_use",
            login=DEMO_ADMIN_LOGIN,
            next_step="set GATEWAY_DEMO_ADMIN_PASSWORD before exposing this gateway",
        )
    with hub.db.session() as session:
        exists = session.execute(
            select(ConsoleUser.id).where(ConsoleUser.login == DEMO_ADMIN_LOGIN)
        ).first()
    if exists:
        return
    try:
        create_user(hub, DEMO_ADMIN_LOGIN, password, "admin", None, actor="config")
    except (IntegrityError, ValidationFailed):
        log.info("console_demo_admin_exists", login=DEMO_ADMIN_LOGIN)
