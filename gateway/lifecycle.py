"""The life of an order, from the requisition received to the order closed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from gateway.errors import InvalidTransition


class OrderStatus(StrEnum):
    RECEIVED = "received"
    HELD = "held"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    PARTIALLY_CONFIRMED = "partially_confirmed"
    INVOICED = "invoiced"
    PAID = "paid"
    PICKING = "picking"
    SHIPPED = "shipped"
    PARTIALLY_SHIPPED = "partially_shipped"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = MappingProxyType(
    {
        OrderStatus.RECEIVED: frozenset(
            {
                OrderStatus.HELD,
                OrderStatus.SUBMITTED,
                OrderStatus.REJECTED,
                OrderStatus.CANCELLED,
            }
        ),
        OrderStatus.HELD: frozenset(
            {
                OrderStatus.RECEIVED,
                OrderStatus.SUBMITTED,
                OrderStatus.REJECTED,
                OrderStatus.CANCELLED,
            }
        ),
        OrderStatus.SUBMITTED: frozenset(
            {
                OrderStatus.CONFIRMED,
                OrderStatus.PARTIALLY_CONFIRMED,
                OrderStatus.INVOICED,
                OrderStatus.PICKING,
                OrderStatus.PARTIALLY_SHIPPED,
                OrderStatus.SHIPPED,
                OrderStatus.REJECTED,
                OrderStatus.CANCELLED,
            }
        ),
        OrderStatus.CONFIRMED: frozenset(
            {
                OrderStatus.PARTIALLY_CONFIRMED,
                OrderStatus.INVOICED,
                OrderStatus.PICKING,
                OrderStatus.PARTIALLY_SHIPPED,
                OrderStatus.SHIPPED,
                OrderStatus.REJECTED,
                OrderStatus.CANCELLED,
            }
        ),
        OrderStatus.PARTIALLY_CONFIRMED: frozenset(
            {
                OrderStatus.CONFIRMED,
                OrderStatus.INVOICED,
                OrderStatus.PICKING,
                OrderStatus.PARTIALLY_SHIPPED,
                OrderStatus.SHIPPED,
                OrderStatus.REJECTED,
                OrderStatus.CANCELLED,
            }
        ),
        OrderStatus.INVOICED: frozenset(
            {
                OrderStatus.PAID,
                OrderStatus.PICKING,
                OrderStatus.PARTIALLY_SHIPPED,
                OrderStatus.SHIPPED,
                OrderStatus.CANCELLED,
            }
        ),
        OrderStatus.PAID: frozenset(
            {
                OrderStatus.PICKING,
                OrderStatus.PARTIALLY_SHIPPED,
                OrderStatus.SHIPPED,
            }
        ),
        OrderStatus.PICKING: frozenset(
            {
                OrderStatus.PARTIALLY_SHIPPED,
                OrderStatus.SHIPPED,
                OrderStatus.CANCELLED,
            }
        ),
        OrderStatus.PARTIALLY_SHIPPED: frozenset(
            {OrderStatus.SHIPPED, OrderStatus.DELIVERED}
        ),
        OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
        OrderStatus.DELIVERED: frozenset({OrderStatus.CLOSED}),
        OrderStatus.CLOSED: frozenset(),
        OrderStatus.CANCELLED: frozenset(),
        OrderStatus.REJECTED: frozenset(),
    }
)
"""Moves allowed between different statuses; staying put is always allowed.

The choices that are not obvious:

- submitted may go straight to picking or shipped: a poll can find an order
  already on its way when Komus sent no confirmation or we missed it.
- confirmed goes to picking or shipped without invoiced: on deferred payment,
  the usual B2B contract, the only invoice is the УПД that travels with the goods.
- confirmed may still become rejected: Komus can revise every line to zero
  before anything ships.
- paid cannot be cancelled, nor can a partial shipment: money or goods have
  moved, and undoing that is a refund or a return for a person to handle.
- partially_shipped may become delivered: Komus dropped the remainder (revised
  its confirmation down) and what did ship arrived.
- shipped never returns to partially_shipped: shipments are not taken back.
"""

_PROGRESS: Mapping[OrderStatus, int] = MappingProxyType(
    {
        OrderStatus.RECEIVED: 0,
        OrderStatus.HELD: 0,
        OrderStatus.SUBMITTED: 1,
        OrderStatus.CONFIRMED: 2,
        OrderStatus.PARTIALLY_CONFIRMED: 2,
        OrderStatus.INVOICED: 3,
        OrderStatus.PAID: 4,
        OrderStatus.PICKING: 5,
        OrderStatus.PARTIALLY_SHIPPED: 6,
        OrderStatus.SHIPPED: 7,
        OrderStatus.DELIVERED: 8,
        OrderStatus.CLOSED: 9,
    }
)


def is_terminal(status: OrderStatus) -> bool:
    return not TRANSITIONS[status]


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    return new == current or new in TRANSITIONS[current]


def check_transition(current: OrderStatus, new: OrderStatus) -> None:
    if can_transition(current, new):
        return
    if is_terminal(current):
        raise InvalidTransition(
            f"an order cannot go from {current} to {new}: {current} is final"
        )
    allowed = ", ".join(
        status for status in OrderStatus if status in TRANSITIONS[current]
    )
    raise InvalidTransition(
        f"an order cannot go from {current} to {new}; "
        f"from {current} it can go to: {allowed}"
    )


@dataclass(frozen=True)
class LineProgress:
    """Cumulative quantities of one order line; ``confirmed`` None: not answered."""

    ordered: Decimal
    confirmed: Decimal | None = None
    shipped: Decimal = Decimal(0)
    delivered: Decimal = Decimal(0)


def status_from_lines(
    lines: Iterable[LineProgress],
    *,
    current: OrderStatus,
    invoiced: bool = False,
    paid: bool = False,
    picking: bool = False,
    cancelled: bool = False,
) -> OrderStatus:
    """The status the latest news about an order calls for.

    Lines speak first: deliveries and shipments are measured against the
    confirmed quantity (the ordered one for a line Komus never answered), then
    confirmations, which count only once every line is answered. The flags lift
    the status to invoiced, paid or picking when the lines have not gone further.

    A status never moves back: the result is the furthest of ``current`` and
    what the news shows, so a shipped order stays shipped when a later poll
    repeats the confirmation. Between confirmed and partially_confirmed the
    news wins, since Komus may revise a confirmation.

    Endings are reported as they are, not filtered: ``cancelled`` wins unless
    the order was delivered, and lines all confirmed at zero mean rejected.
    Whether the lifecycle allows that from ``current`` (a paid order cancelled
    needs a refund) is for ``check_transition`` to say. A terminal ``current``
    is returned unchanged.
    """
    if is_terminal(current):
        return current
    if cancelled:
        return current if current == OrderStatus.DELIVERED else OrderStatus.CANCELLED
    from_lines = _status_of(list(lines))
    if from_lines == OrderStatus.REJECTED:
        return OrderStatus.REJECTED
    flags = (
        (OrderStatus.INVOICED, invoiced),
        (OrderStatus.PAID, paid),
        (OrderStatus.PICKING, picking),
    )
    news = [] if from_lines is None else [from_lines]
    news += [status for status, raised in flags if raised]
    return max([*news, current], key=_PROGRESS.__getitem__)


def _status_of(lines: list[LineProgress]) -> OrderStatus | None:
    if not lines:
        return None
    if any(line.shipped > 0 or line.delivered > 0 for line in lines):
        if all(line.delivered >= _due(line) for line in lines):
            return OrderStatus.DELIVERED
        if all(max(line.shipped, line.delivered) >= _due(line) for line in lines):
            return OrderStatus.SHIPPED
        return OrderStatus.PARTIALLY_SHIPPED
    if any(line.confirmed is None for line in lines):
        return None
    if all(line.confirmed == 0 for line in lines):
        return OrderStatus.REJECTED
    if all(_due(line) >= line.ordered for line in lines):
        return OrderStatus.CONFIRMED
    return OrderStatus.PARTIALLY_CONFIRMED


def _due(line: LineProgress) -> Decimal:
    return line.ordered if line.confirmed is None else line.confirmed


_DETOURS = frozenset(
    {
        OrderStatus.PARTIALLY_CONFIRMED,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.PAID,  # deferred payment: goods often ship unpaid
        OrderStatus.PICKING,
    }
)


def path_to(current: OrderStatus, target: OrderStatus) -> list[OrderStatus] | None:
    """The allowed steps from ``current`` to ``target``, ``target`` included.

    A poll can miss states: an order seen submitted and then paid went through
    confirmed and invoiced. Forward progress walks the main road (confirmed,
    invoiced, shipped, delivered) one stage at a time; partial states, payment
    and picking are entered only as the target, since a missed poll says nothing
    of them. An ending (cancelled, rejected) must be reachable directly, so that
    no step is invented on the way to it. None when there is no such path.
    """
    if current == target:
        return []
    if target in (OrderStatus.CANCELLED, OrderStatus.REJECTED):
        return [target] if can_transition(current, target) else None
    if current not in _PROGRESS or target not in _PROGRESS:
        return None
    route: list[OrderStatus] = []
    here = current
    while here != target:
        onward = [
            step
            for step in TRANSITIONS[here]
            if step in _PROGRESS
            and _PROGRESS[here] < _PROGRESS[step] <= _PROGRESS[target]
            and (step == target or step not in _DETOURS)
        ]
        if not onward:
            return None
        here = min(onward, key=lambda step: (_PROGRESS[step], step != target))
        route.append(here)
    return route
