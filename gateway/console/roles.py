"""Console roles and what each may do.

Unlike API token roles these are not ranked: an accountant sees documents and payments
but not the message log, an integrator the message log but not the documents.
"""

from __future__ import annotations

from typing import Final

ROLES: Final = ("admin", "integrator", "manager", "approver", "accountant", "viewer")

ROLE_TITLES: Final = {
    "admin": "администратор",
    "integrator": "интегратор",
    "manager": "менеджер",
    "approver": "согласующий",
    "accountant": "бухгалтер",
    "viewer": "наблюдатель",
}

_EVERYONE = frozenset({"dashboard", "orders.view", "claims.view", "notifications.own"})

PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "viewer": _EVERYONE,
    "manager": _EVERYONE
    | {"orders.repeat", "orders.cancel", "documents.view", "documents.download"}
    | {"catalog.view", "cart.order", "budgets.view", "reports.view"},
    # Approving catalog orders is a role of its own, so that the people who order
    # and the people who approve can be kept apart; admins may do both.
    "approver": _EVERYONE
    | {"catalog.view", "orders.approve", "budgets.view", "reports.view"},
    # Accountants see the money (Финансы: invoices, payments, reconciliation
    # statements, payment requests) and the reports; managers and approvers see
    # the reports, which are about what they order and approve, not the money.
    "accountant": _EVERYONE
    | {"documents.view", "documents.download", "payments.view", "reports.view"},
    "integrator": _EVERYONE
    | {
        "connectors.view",
        "mappings.view",
        "mappings.preview",
        "mappings.edit",
        "messages.view",
        "messages.replay",
        "deliveries.view",
        "deliveries.retry",
    },
}
# Managers file claims about their orders' lines.
PERMISSIONS["manager"] = PERMISSIONS["manager"] | {"claims.create"}
PERMISSIONS["admin"] = frozenset().union(*PERMISSIONS.values()) | {
    "users.manage",
    "settings.manage",
    "budgets.manage",
}


def allows(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())
