"""The daily digest: at the configured hour, one e-mail per user with all waiting news.

The job may run as often as it likes: a user gets at most one digest per local day
(``last_digest_on``), and only when something waits. The hour is read in the
configured time zone (Moscow by default), so a digest at 8 comes at 8 in Moscow.
"""

from __future__ import annotations

from collections import defaultdict

import structlog
from sqlalchemy import select

from gateway.hub import Hub
from gateway.notifications.email import compose, notice_for
from gateway.notifications.route import CHANNEL, CONTENT_TYPE
from gateway.outbox import DeliveryDraft
from gateway.store.notifications import DigestItem, NotificationPreference
from gateway.store.tables import Event

log = structlog.get_logger(__name__)


class Digest:
    def __init__(self, hub: Hub):
        self.hub = hub

    def run_once(self) -> int:
        """Queue today's digests that are due; returns how many were queued."""
        settings = self.hub.settings
        if not settings.smtp.enabled:
            return 0
        now = self.hub.clock.now()
        local = now.astimezone(settings.notifications.zone)
        if local.hour < settings.notifications.digest_hour:
            return 0
        today = local.date()
        queued = 0
        with self.hub.db.session() as session:
            waiting: dict[int, list[DigestItem]] = defaultdict(list)
            for item in session.execute(
                select(DigestItem)
                .where(DigestItem.sent_at.is_(None))  # type: ignore[union-attr]
                .order_by(DigestItem.id)
            ).scalars():
                waiting[item.user_id].append(item)
            for user_id, items in waiting.items():
                preference = session.execute(
                    select(NotificationPreference).where(
                        NotificationPreference.user_id == user_id
                    )
                ).scalar_one_or_none()
                if preference is None or not preference.email:
                    continue
                if preference.last_digest_on == today:
                    continue
                events = [session.get(Event, item.event_id) for item in items]
                notices = [
                    notice_for(session, event, settings.notifications)
                    for event in events
                    if event is not None
                ]
                subject = (
                    f"Сводка уведомлений за {today:%d.%m.%Y}: {_count(len(notices))}"
                )
                self.hub.outbox.add(
                    session,
                    DeliveryDraft(
                        tenant_id=events[0].tenant_id if events[0] else "",
                        channel=CHANNEL,
                        target=preference.email,
                        payload=compose(
                            settings.smtp, preference.email, subject, notices, now=now
                        ),
                        content_type=CONTENT_TYPE,
                        event_type="notification.digest",
                        dedupe_key=f"digest:{user_id}:{today.isoformat()}",
                    ),
                )
                for item in items:
                    item.sent_at = now
                preference.last_digest_on = today
                queued += 1
                log.info(
                    "digest_queued",
                    user_id=user_id,
                    events=len(notices),
                    day=str(today),
                )
        return queued


def _count(number: int) -> str:
    """``1 событие``, ``3 события``, ``5 событий``: Russian plural forms."""
    tail, tens = number % 10, number % 100
    if tail == 1 and tens != 11:
        word = "событие"
    elif 2 <= tail <= 4 and not 12 <= tens <= 14:
        word = "события"
    else:
        word = "событий"
    return f"{number} {word}"
