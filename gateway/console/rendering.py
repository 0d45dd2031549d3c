"""Jinja2 with autoescape on, Russian formatting, and the headers every page gets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from gateway.console.roles import ROLE_TITLES, allows
from gateway.status_titles import ORDER_STATUS_TITLES

HERE = Path(__file__).resolve().parent

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

STATUS_TITLES = {
    **ORDER_STATUS_TITLES,
    "pending": "ожидает",
    "in_flight": "отправляется",
    "retrying": "повтор",
    "dead": "не доставлено",
    "failed": "ошибка",
}

NAVIGATION = (
    ("dashboard", "/console/", "Сводка"),
    ("orders.view", "/console/orders", "Заказы"),
    ("catalog.view", "/console/catalog", "Каталог"),
    ("cart.order", "/console/cart", "Корзина"),
    ("cart.order", "/console/templates", "Шаблоны"),
    ("orders.approve", "/console/approvals", "Согласование"),
    ("budgets.view", "/console/budgets", "Бюджеты"),
    ("payments.view", "/console/finances", "Финансы"),
    ("reports.view", "/console/reports", "Отчёты"),
    ("messages.view", "/console/messages", "Сообщения"),
    ("deliveries.view", "/console/deliveries", "Доставки"),
    ("mappings.view", "/console/mappings", "Маппинги"),
    ("settings.manage", "/console/settings", "Настройки"),
    ("claims.view", "/console/claims", "Претензии"),
    ("notifications.own", "/console/notifications", "Уведомления"),
    ("users.manage", "/console/users", "Пользователи"),
)


def money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    whole = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{whole}\u00a0₽"


def quantity(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = (
        format(value.normalize(), "f") if value == value.to_integral() else str(value)
    )
    return text.replace(".", ",")


def moment(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M") + " UTC"
    return value.strftime("%d.%m.%Y")


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(money=money, quantity=quantity, moment=moment)
    environment.globals.update(
        status_title=lambda s: STATUS_TITLES.get(s or "", s or "—"),
        role_title=lambda r: ROLE_TITLES.get(r, r),
    )
    return environment


templates = _environment()


def render(
    template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    operator = context.get("operator")
    role = operator.role if operator else ""
    context = {
        "operator": None,
        "csrf": operator.csrf_token if operator else "",
        "navigation": [
            (href, title) for need, href, title in NAVIGATION if allows(role, need)
        ],
        "can": lambda permission: allows(role, permission),
        "note": None,
        "error": None,
        **context,
    }
    html = templates.get_template(template).render(context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
