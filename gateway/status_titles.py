"""How an order's status is said in Russian, on console pages and in reports."""

from __future__ import annotations

ORDER_STATUS_TITLES = {
    "received": "получен",
    "held": "задержан",
    "submitted": "отправлен",
    "confirmed": "подтверждён",
    "partially_confirmed": "подтверждён частично",
    "invoiced": "выставлен счёт",
    "paid": "оплачен",
    "picking": "комплектуется",
    "shipped": "отгружен",
    "partially_shipped": "отгружен частично",
    "delivered": "доставлен",
    "closed": "закрыт",
    "cancelled": "отменён",
    "rejected": "отклонён",
}
