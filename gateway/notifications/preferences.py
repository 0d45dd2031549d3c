"""Each console user's own notification settings: address, kinds, modes, threshold."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlmodel import Session

from gateway.clock import Clock
from gateway.errors import ValidationFailed
from gateway.notifications.kinds import KIND_OF_EVENT, KINDS, MODES
from gateway.store.database import Database
from gateway.store.notifications import NotificationPreference
from gateway.store.tables import ConsoleUser

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
MAX_THRESHOLD = Decimal("1000")
DEFAULT_THRESHOLD = Decimal("5")


@dataclass(frozen=True)
class Recipient:
    user_id: int
    login: str
    email: str
    mode: str
    threshold: Decimal


def preference_of(session: Session, user_id: int) -> NotificationPreference | None:
    return session.execute(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    ).scalar_one_or_none()


def save_preference(
    db: Database,
    clock: Clock,
    user: ConsoleUser,
    *,
    email: str,
    modes: dict[str, str],
    threshold: str,
) -> NotificationPreference:
    """Check and keep what a user chose; every problem is named at once."""
    problems = []
    email = email.strip()
    if email and (len(email) > 254 or not EMAIL.match(email)):
        problems.append(f"e-mail {email!r} is not an address like name@example.ru")
    unknown = sorted(set(modes) - set(KINDS))
    if unknown:
        problems.append(f"unknown kinds of news {unknown}")
    wrong = sorted(k for k, m in modes.items() if m not in MODES)
    if wrong:
        problems.append(f"mode for {wrong}: one of {', '.join(MODES)}")
    percent = _percent(threshold)
    if percent is None:
        problems.append(
            f"price threshold {threshold!r}: a number of percent from 0 to "
            f"{MAX_THRESHOLD}"
        )
    if not email and any(m != "off" for m in modes.values()):
        problems.append("give an e-mail address to receive notifications")
    if problems:
        raise ValidationFailed(problems)
    assert percent is not None and user.id is not None
    with db.session() as session:
        found = preference_of(session, user.id)
        if found is None:
            found = NotificationPreference(user_id=user.id)
        found.tenant_id = user.tenant_id
        found.email = email or None
        found.modes = {kind: modes.get(kind, "off") for kind in KINDS}
        found.price_threshold_percent = percent
        found.updated_at = clock.now()
        session.add(found)
        session.flush()
        session.expunge(found)
        return found


def recipients(session: Session, tenant_id: str, event_type: str) -> list[Recipient]:
    """Active users of the tenant who want this event, with how they want it."""
    kind = KIND_OF_EVENT.get(event_type)
    if kind is None:
        return []
    rows = session.execute(
        select(NotificationPreference, ConsoleUser)
        .join(ConsoleUser, ConsoleUser.id == NotificationPreference.user_id)  # type: ignore[arg-type]
        .where(
            NotificationPreference.tenant_id == tenant_id,
            ConsoleUser.tenant_id == tenant_id,
            ConsoleUser.disabled_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(NotificationPreference.user_id)
    ).all()
    found = []
    for preference, user in rows:
        mode = (preference.modes or {}).get(kind, "off")
        if mode == "off" or not preference.email:
            continue
        found.append(
            Recipient(
                user_id=preference.user_id,
                login=user.login,
                email=preference.email,
                mode=mode,
                threshold=preference.price_threshold_percent,
            )
        )
    return found


def price_floor(session: Session, tenant_id: str, default: Decimal) -> Decimal:
    """The smallest change in percent anyone of the tenant wants to hear about."""
    wanted = [r.threshold for r in recipients(session, tenant_id, "price.changed")]
    return min(wanted) if wanted else default


def _percent(text: str) -> Decimal | None:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value > MAX_THRESHOLD:
        return None
    return value.quantize(Decimal("0.01"))
