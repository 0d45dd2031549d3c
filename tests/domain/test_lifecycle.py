from decimal import Decimal

import pytest

from gateway.errors import GatewayError, InvalidTransition
from gateway.lifecycle import (
    TRANSITIONS,
    LineProgress,
    OrderStatus,
    can_transition,
    check_transition,
    is_terminal,
    path_to,
    status_from_lines,
)

S = OrderStatus


def line(
    ordered: str,
    confirmed: str | None = None,
    shipped: str = "0",
    delivered: str = "0",
) -> LineProgress:
    return LineProgress(
        ordered=Decimal(ordered),
        confirmed=None if confirmed is None else Decimal(confirmed),
        shipped=Decimal(shipped),
        delivered=Decimal(delivered),
    )


def test_statuses_are_exactly_the_agreed_values():
    assert [status.value for status in OrderStatus] == [
        "received",
        "held",
        "submitted",
        "confirmed",
        "partially_confirmed",
        "invoiced",
        "paid",
        "picking",
        "shipped",
        "partially_shipped",
        "delivered",
        "closed",
        "cancelled",
        "rejected",
    ]


def test_every_status_has_a_row_in_the_transition_table():
    assert set(TRANSITIONS) == set(OrderStatus)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.RECEIVED, S.HELD),
        (S.RECEIVED, S.SUBMITTED),
        (S.RECEIVED, S.REJECTED),
        (S.RECEIVED, S.CANCELLED),
        (S.HELD, S.RECEIVED),
        (S.HELD, S.SUBMITTED),
        (S.HELD, S.REJECTED),
        (S.HELD, S.CANCELLED),
        (S.SUBMITTED, S.CONFIRMED),
        (S.SUBMITTED, S.PARTIALLY_CONFIRMED),
        (S.SUBMITTED, S.REJECTED),
        (S.SUBMITTED, S.CANCELLED),
        (S.SUBMITTED, S.INVOICED),
        (S.SUBMITTED, S.SHIPPED),
        (S.CONFIRMED, S.PARTIALLY_CONFIRMED),
        (S.PARTIALLY_CONFIRMED, S.CONFIRMED),
        (S.CONFIRMED, S.INVOICED),
        (S.CONFIRMED, S.PICKING),
        (S.CONFIRMED, S.SHIPPED),
        (S.CONFIRMED, S.REJECTED),
        (S.INVOICED, S.PAID),
        (S.INVOICED, S.PICKING),
        (S.INVOICED, S.SHIPPED),
        (S.INVOICED, S.PARTIALLY_SHIPPED),
        (S.INVOICED, S.CANCELLED),
        (S.PAID, S.PICKING),
        (S.PAID, S.SHIPPED),
        (S.PAID, S.PARTIALLY_SHIPPED),
        (S.PICKING, S.SHIPPED),
        (S.PICKING, S.PARTIALLY_SHIPPED),
        (S.PICKING, S.CANCELLED),
        (S.PARTIALLY_SHIPPED, S.SHIPPED),
        (S.PARTIALLY_SHIPPED, S.DELIVERED),
        (S.SHIPPED, S.DELIVERED),
        (S.DELIVERED, S.CLOSED),
    ],
)
def test_lifecycle_allows_the_moves_of_a_b2b_order(current, new):
    assert can_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.RECEIVED, S.CONFIRMED),
        (S.HELD, S.CONFIRMED),
        (S.SUBMITTED, S.PAID),
        (S.SUBMITTED, S.DELIVERED),
        (S.CONFIRMED, S.SUBMITTED),
        (S.INVOICED, S.CONFIRMED),
        (S.INVOICED, S.REJECTED),
        (S.PAID, S.CANCELLED),
        (S.PICKING, S.DELIVERED),
        (S.PARTIALLY_SHIPPED, S.CANCELLED),
        (S.SHIPPED, S.PARTIALLY_SHIPPED),
        (S.SHIPPED, S.CANCELLED),
        (S.SHIPPED, S.CONFIRMED),
        (S.DELIVERED, S.CANCELLED),
    ],
)
def test_lifecycle_refuses_moves_backwards_or_past_the_point_of_no_return(current, new):
    assert not can_transition(current, new)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_staying_in_the_same_status_is_always_allowed(status):
    check_transition(status, status)

    assert can_transition(status, status)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_the_table_lists_only_moves_to_other_statuses(status):
    assert status not in TRANSITIONS[status]


@pytest.mark.parametrize("status", [S.CLOSED, S.CANCELLED, S.REJECTED])
def test_closed_cancelled_and_rejected_are_terminal(status):
    assert is_terminal(status)
    assert not any(can_transition(status, new) for new in OrderStatus if new != status)


@pytest.mark.parametrize(
    "status", [s for s in OrderStatus if s not in (S.CLOSED, S.CANCELLED, S.REJECTED)]
)
def test_every_other_status_is_not_terminal(status):
    assert not is_terminal(status)


def test_refused_move_names_both_statuses_and_the_allowed_ones():
    with pytest.raises(InvalidTransition) as refused:
        check_transition(S.SHIPPED, S.CONFIRMED)

    assert str(refused.value) == (
        "an order cannot go from shipped to confirmed; "
        "from shipped it can go to: delivered"
    )


def test_refused_move_out_of_a_terminal_status_says_it_is_final():
    with pytest.raises(InvalidTransition, match="cancelled is final"):
        check_transition(S.CANCELLED, S.SUBMITTED)


def test_invalid_transition_is_a_gateway_error():
    assert issubclass(InvalidTransition, GatewayError)


def test_lines_all_confirmed_in_full_make_the_order_confirmed():
    lines = [line("10", confirmed="10"), line("2", confirmed="2")]

    status = status_from_lines(lines, current=S.SUBMITTED)

    assert status == S.CONFIRMED


def test_confirmation_above_the_ordered_quantity_counts_as_in_full():
    lines = [line("10", confirmed="12")]

    status = status_from_lines(lines, current=S.SUBMITTED)

    assert status == S.CONFIRMED


def test_a_line_confirmed_below_ordered_makes_the_order_partially_confirmed():
    lines = [line("10", confirmed="6"), line("2", confirmed="2")]

    status = status_from_lines(lines, current=S.SUBMITTED)

    assert status == S.PARTIALLY_CONFIRMED


def test_a_line_confirmed_at_zero_among_others_makes_it_partially_confirmed():
    lines = [line("10", confirmed="0"), line("2", confirmed="2")]

    status = status_from_lines(lines, current=S.SUBMITTED)

    assert status == S.PARTIALLY_CONFIRMED


def test_lines_all_confirmed_at_zero_make_the_order_rejected():
    lines = [line("10", confirmed="0"), line("2", confirmed="0")]

    status = status_from_lines(lines, current=S.SUBMITTED)

    assert status == S.REJECTED


def test_confirmation_counts_only_once_every_line_is_answered():
    lines = [line("10", confirmed="10"), line("2")]

    status = status_from_lines(lines, current=S.SUBMITTED)

    assert status == S.SUBMITTED


def test_a_revised_confirmation_moves_partially_confirmed_to_confirmed():
    lines = [line("10", confirmed="10")]

    status = status_from_lines(lines, current=S.PARTIALLY_CONFIRMED)

    assert status == S.CONFIRMED


def test_a_revised_confirmation_moves_confirmed_to_partially_confirmed():
    lines = [line("10", confirmed="7")]

    status = status_from_lines(lines, current=S.CONFIRMED)

    assert status == S.PARTIALLY_CONFIRMED


def test_every_line_shipped_as_confirmed_makes_the_order_shipped():
    lines = [
        line("10", confirmed="6", shipped="6"),
        line("2", confirmed="2", shipped="2"),
    ]

    status = status_from_lines(lines, current=S.PARTIALLY_CONFIRMED)

    assert status == S.SHIPPED


def test_a_line_confirmed_at_zero_needs_no_shipment_for_the_order_to_be_shipped():
    lines = [line("10", confirmed="0"), line("2", confirmed="2", shipped="2")]

    status = status_from_lines(lines, current=S.PARTIALLY_CONFIRMED)

    assert status == S.SHIPPED


def test_some_lines_shipped_make_the_order_partially_shipped():
    lines = [line("10", confirmed="10", shipped="4"), line("2", confirmed="2")]

    status = status_from_lines(lines, current=S.CONFIRMED)

    assert status == S.PARTIALLY_SHIPPED


def test_a_line_never_confirmed_is_due_in_the_ordered_quantity():
    lines = [line("10", shipped="10"), line("2", shipped="1")]

    status = status_from_lines(lines, current=S.SUBMITTED)

    assert status == S.PARTIALLY_SHIPPED


def test_everything_confirmed_delivered_makes_the_order_delivered():
    lines = [line("10", confirmed="8", shipped="8", delivered="8")]

    status = status_from_lines(lines, current=S.SHIPPED)

    assert status == S.DELIVERED


def test_partial_delivery_of_a_full_shipment_leaves_the_order_shipped():
    lines = [line("10", confirmed="10", shipped="10", delivered="5")]

    status = status_from_lines(lines, current=S.SHIPPED)

    assert status == S.SHIPPED


def test_invoice_lifts_a_confirmed_order_to_invoiced():
    lines = [line("10", confirmed="10")]

    status = status_from_lines(lines, current=S.CONFIRMED, invoiced=True)

    assert status == S.INVOICED


def test_payment_lifts_an_invoiced_order_to_paid():
    lines = [line("10", confirmed="10")]

    status = status_from_lines(lines, current=S.INVOICED, invoiced=True, paid=True)

    assert status == S.PAID


def test_picking_lifts_a_paid_order_to_picking():
    lines = [line("10", confirmed="10")]

    status = status_from_lines(lines, current=S.PAID, paid=True, picking=True)

    assert status == S.PICKING


def test_flags_do_not_pull_a_shipped_order_back():
    lines = [line("10", confirmed="10", shipped="10")]

    status = status_from_lines(lines, current=S.PICKING, invoiced=True, paid=True)

    assert status == S.SHIPPED


def test_repeated_confirmation_does_not_move_a_shipped_order_back():
    lines = [line("10", confirmed="10")]

    status = status_from_lines(lines, current=S.SHIPPED)

    assert status == S.SHIPPED


def test_repeated_confirmation_does_not_move_an_invoiced_order_back():
    lines = [line("10", confirmed="6")]

    status = status_from_lines(lines, current=S.INVOICED)

    assert status == S.INVOICED


def test_no_news_keeps_the_current_status():
    status = status_from_lines([], current=S.PICKING)

    assert status == S.PICKING


def test_cancellation_wins_over_progress_on_the_lines():
    lines = [line("10", confirmed="10")]

    status = status_from_lines(lines, current=S.CONFIRMED, cancelled=True)

    assert status == S.CANCELLED


def test_cancellation_does_not_undo_a_delivery():
    lines = [line("10", confirmed="10", shipped="10", delivered="10")]

    status = status_from_lines(lines, current=S.DELIVERED, cancelled=True)

    assert status == S.DELIVERED


def test_cancellation_of_a_paid_order_is_reported_for_check_transition_to_refuse():
    lines = [line("10", confirmed="10")]

    status = status_from_lines(lines, current=S.PAID, paid=True, cancelled=True)

    assert status == S.CANCELLED
    assert not can_transition(S.PAID, status)


@pytest.mark.parametrize("terminal", [S.CLOSED, S.CANCELLED, S.REJECTED])
def test_news_about_a_terminal_order_leaves_it_where_it_is(terminal):
    lines = [line("10", confirmed="10", shipped="10")]

    status = status_from_lines(lines, current=terminal, invoiced=True)

    assert status == terminal


def test_lines_from_a_generator_are_read():
    lines = (line("1", confirmed="1") for _ in range(2))

    status = status_from_lines(lines, current=S.SUBMITTED)

    assert status == S.CONFIRMED


def test_missed_states_are_walked_along_the_main_road():
    route = path_to(OrderStatus.SUBMITTED, OrderStatus.DELIVERED)

    assert route == [
        OrderStatus.CONFIRMED,
        OrderStatus.INVOICED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ]


def test_payment_is_never_invented_on_the_way():
    route = path_to(OrderStatus.CONFIRMED, OrderStatus.SHIPPED)

    assert OrderStatus.PAID not in route


def test_an_ending_must_be_reachable_directly():
    assert path_to(OrderStatus.PAID, OrderStatus.CANCELLED) is None
    assert path_to(OrderStatus.SUBMITTED, OrderStatus.CANCELLED) == [
        OrderStatus.CANCELLED
    ]
