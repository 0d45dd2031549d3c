"""The kinds of news a person can choose, and the event types behind each.

A user picks per kind: ``off``, ``immediate`` or ``digest``. The default for a user
who never opened the page is ``off`` for everything: nobody gets mail they did not
ask for.
"""

from __future__ import annotations

from typing import Final

PRICE: Final = "price.changed"
PROMOTION: Final = "promotion.published"
CLAIM_ANSWERED: Final = "claim.answered"
CLAIM_SUBMITTED: Final = "claim.submitted"
PAYMENT_OVERDUE: Final = "payment.overdue"
ENDPOINT_DISABLED: Final = "webhook.endpoint_disabled"

KINDS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "order_status": ("Изменение статуса заказа", ("order.status_changed",)),
    "invoice": ("Выставлен счёт", ("invoice.issued",)),
    "payment_overdue": ("Просрочена оплата", (PAYMENT_OVERDUE,)),
    "shipment": ("Отгрузка", ("shipment.dispatched",)),
    "claim": ("Ответ по претензии", (CLAIM_ANSWERED,)),
    "price": ("Изменение цен на закупаемые товары", (PRICE,)),
    "promotion": ("Акции Комуса в ваших категориях", (PROMOTION,)),
    "webhook_disabled": ("Отключён адрес вебхука", (ENDPOINT_DISABLED,)),
}
"""Kind → (title in the console, event types)."""

MODES: Final = {
    "off": "не присылать",
    "immediate": "сразу",
    "digest": "в ежедневной сводке",
}

KIND_OF_EVENT: Final = {
    event_type: kind for kind, (_, types) in KINDS.items() for event_type in types
}
