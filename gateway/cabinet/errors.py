"""What ordering from the catalog refuses, in words the buyer can act on."""

from __future__ import annotations

from gateway.errors import ValidationFailed


class OrderingRefused(ValidationFailed):
    """Bad input to search, cart, templates, budgets or approvals: nothing changed.

    It is a ``ValidationFailed`` so that the REST API answers it as a 422 with the
    reasons, like any requisition it cannot take as it is.
    """
