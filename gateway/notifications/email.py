"""E-mails in Russian: one per event, or one digest; plain text and HTML, both.

Every value that came from data (an order number, a claim answer, an article name)
is escaped before it goes into the HTML part. The message is composed once, when the
delivery is queued, so a retry sends the same bytes with the same ``Message-ID``
and a receiving server can drop a repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any

from sqlmodel import Session

from gateway.console.rendering import STATUS_TITLES, money
from gateway.notifications.settings import NotificationSettings, SmtpSettings
from gateway.store.tables import Document, Event, Order

CLAIM_OUTCOMES = {
    "answered": "дан ответ",
    "accepted": "удовлетворена",
    "rejected": "отклонена",
}


@dataclass
class Notice:
    """One event told in words: a subject and facts as (label, value) pairs."""

    subject: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    link: str | None = None


def notice_for(
    session: Session, event: Event, settings: NotificationSettings
) -> Notice:
    data = event.data or {}
    order = session.get(Order, event.order_id) if event.order_id else None
    number = (order.number or order.komus_order_id or str(order.id)) if order else ""
    link = _link(settings, f"/console/orders/{order.id}") if order else None
    if event.type == "order.status_changed":
        status = _status(data.get("status") or (order.status if order else ""))
        return Notice(
            f"Заказ {number}: {status}",
            [
                ("Заказ", number),
                ("Был статус", _status(data.get("from"))),
                ("Новый статус", status),
                ("Сумма", money(order.total) if order else "—"),
            ],
            link=link,
        )
    if event.type in ("invoice.issued", "shipment.dispatched"):
        document = (
            session.get(Document, event.document_id) if event.document_id else None
        )
        what = "Выставлен счёт" if event.type == "invoice.issued" else "Отгрузка"
        doc_number = document.number if document and document.number else ""
        return Notice(
            f"{what} {doc_number} по заказу {number}".replace("  ", " "),
            [
                ("Заказ", number),
                ("Документ", doc_number or "—"),
                ("Сумма", money(document.total) if document else "—"),
            ],
            link=link,
        )
    if event.type == "payment.overdue":
        facts = [
            ("Заказ", number or "—"),
            ("Счёт", str(data.get("number") or "—")),
            ("Срок оплаты", _day(data.get("due"))),
            ("Дней просрочки", str(data.get("days_overdue", "—"))),
            ("Сумма счёта", _money_text(data.get("total"))),
            ("Не оплачено", _money_text(data.get("outstanding"))),
        ]
        invoice = data.get("number")
        return Notice(
            f"Просрочена оплата счёта {invoice}" if invoice else "Просрочена оплата",
            facts,
            link=link,
        )
    if event.type == "claim.answered":
        outcome = CLAIM_OUTCOMES.get(str(data.get("status")), str(data.get("status")))
        claim_id = data.get("claim_id")
        return Notice(
            f"Ответ по претензии № {claim_id}: {outcome}",
            [("Претензия", str(claim_id)), ("Заказ", number), ("Решение", outcome)],
            text=str(data.get("answer") or ""),
            link=_link(settings, f"/console/claims/{claim_id}"),
        )
    if event.type == "price.changed":
        percent = _decimal(data.get("percent"))
        sign = "+" if percent is not None and percent > 0 else ""
        name = data.get("name") or f"артикул {data.get('article')}"
        change = (
            f"{sign}{percent}".replace(".", ",") + " %" if percent is not None else ""
        )
        return Notice(
            f"Цена изменилась: {name} ({change})",
            [
                ("Товар", str(name)),
                ("Артикул", str(data.get("article"))),
                ("Было", _money_text(data.get("old_price"))),
                ("Стало", _money_text(data.get("new_price"))),
                ("Изменение", change),
            ],
        )
    if event.type == "promotion.published":
        return Notice(
            f"Акция Комуса: {data.get('title')}",
            [
                (
                    "Категория",
                    str(data.get("category_name") or data.get("category_id")),
                ),
                ("Скидка", f"{data.get('discount_percent')} %".replace(".", ",")),
                (
                    "Действует",
                    f"с {_day(data.get('valid_from'))} по {_day(data.get('valid_to'))}",
                ),
            ],
            text=str(data.get("description") or ""),
        )
    if event.type == "webhook.endpoint_disabled":
        return Notice(
            "Адрес вебхука отключён",
            [
                ("Адрес", str(data.get("url") or "—")),
                ("Причина", str(data.get("reason") or "—")),
            ],
            text="События на этот адрес больше не отправляются. Исправьте приёмник "
            "и включите адрес снова в настройках; пропущенное можно отправить "
            "повторно (recover).",
            link=_link(settings, "/console/settings"),
        )
    return Notice(f"Событие {event.type}", [(k, str(v)) for k, v in data.items()])


def plain_body(notices: list[Notice], greeting: str) -> str:
    parts = [greeting, ""]
    for notice in notices:
        parts.append(notice.subject)
        parts.extend(f"  {label}: {value}" for label, value in notice.facts)
        if notice.text:
            parts.append(f"  {notice.text}")
        if notice.link:
            parts.append(f"  {notice.link}")
        parts.append("")
    parts.append(_footer())
    return "\n".join(parts)


def html_body(notices: list[Notice], greeting: str) -> str:
    blocks = []
    for notice in notices:
        rows = "".join(
            f'<tr><th align="left">{escape(label)}</th><td>{escape(value)}</td></tr>'
            for label, value in notice.facts
        )
        text = f"<p>{escape(notice.text)}</p>" if notice.text else ""
        link = (
            f'<p><a href="{escape(notice.link, quote=True)}">Открыть в консоли</a></p>'
            if notice.link
            else ""
        )
        blocks.append(
            f"<h2>{escape(notice.subject)}</h2><table>{rows}</table>{text}{link}"
        )
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8"></head><body>'
        f"<p>{escape(greeting)}</p>{''.join(blocks)}"
        f"<p><small>{escape(_footer())}</small></p></body></html>"
    )


def compose(
    smtp: SmtpSettings,
    to: str,
    subject: str,
    notices: list[Notice],
    *,
    now: datetime,
    greeting: str = "Здравствуйте!",
) -> bytes:
    """An RFC 5322 message, UTF-8 throughout, ready for ``sendmail``."""
    message = EmailMessage(policy=SMTP)
    sender = _address(smtp.from_address, smtp.from_name)
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(
        idstring="kgw", domain=smtp.from_address.rpartition("@")[2] or "localhost"
    )
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain_body(notices, greeting), charset="utf-8", cte="base64")
    message.add_alternative(
        html_body(notices, greeting), subtype="html", charset="utf-8", cte="base64"
    )
    return _subject_line(subject) + message.as_bytes()


def _subject_line(subject: str) -> bytes:
    """``Subject`` as RFC 2047 encoded words, folded with the spaces kept.

    The modern header folder of Python 3.11 drops the space between two encoded
    words when it folds a long Cyrillic subject; the classic ``Header`` keeps it.
    """
    encoded = Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")
    return b"Subject: " + encoded.encode("ascii") + b"\r\n"


def _address(address: str, name: str) -> Address:
    user, _, domain = address.partition("@")
    return Address(display_name=name, username=user, domain=domain)


def _footer() -> str:
    return (
        "Это письмо отправил Komus Gateway. Какие уведомления приходят, можно "
        "изменить в консоли на странице «Уведомления»."
    )


def _link(settings: NotificationSettings, path: str) -> str | None:
    return settings.console_url.rstrip("/") + path if settings.console_url else None


def _status(code: Any) -> str:
    text = str(code or "")
    return STATUS_TITLES.get(text, text or "—")


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _money_text(value: Any) -> str:
    number = _decimal(value)
    return money(number) if number is not None else "—"


def _day(value: Any) -> str:
    text = str(value or "")
    if len(text) == 10 and text[4] == "-":
        return f"{text[8:10]}.{text[5:7]}.{text[0:4]}"
    return text or "—"
