"""GET /api/v1/orders: filters, paging, one order in full, and its document files."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from gateway.lifecycle import OrderStatus
from tests.api.builders import add_document, add_order
from tests.api.harness import Api


def day(
    month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def orders(api: Api) -> dict[str, int]:
    """Three acme orders and one globex order that resembles the first."""
    hub = api.hub
    return {
        "paper": add_order(
            hub,
            "acme",
            status="submitted",
            total="1234.50",
            created_at=day(1, 10, 0, 0, 0),
            channel="api",
            article="1000001",
            name="Бумага офисная А4",
        ),
        "pens": add_order(
            hub,
            "acme",
            status="confirmed",
            total="99.99",
            created_at=day(1, 20, 23, 59, 59),
            channel="onec",
            article="2000002",
            name="Ручка шариковая",
            requisition_external_id="1C-00042",
        ),
        "stapler": add_order(
            hub,
            "acme",
            status="shipped",
            total="5000.00",
            created_at=day(2, 1, 0, 0, 0),
            channel="sap",
            article="3000003",
            name="Степлер",
        ),
        "globex_paper": add_order(
            hub,
            "globex",
            status="submitted",
            total="1234.50",
            created_at=day(1, 15),
            channel="api",
            article="1000001",
        ),
    }


def ids(answer: httpx.Response) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def test_orders_are_listed_newest_first_with_amounts_as_strings(
    api: Api, orders: dict[str, int]
) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders")

    assert ids(answer) == [orders["stapler"], orders["pens"], orders["paper"]]
    paper = answer.json()["items"][2]
    assert (paper["total"], paper["vat_total"]) == ("1234.50", "0.00")


def test_status_filter_takes_several_statuses(api: Api, orders: dict[str, int]) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get(
        "/orders", params=[("status", "submitted"), ("status", "shipped")]
    )

    assert ids(answer) == [orders["stapler"], orders["paper"]]


def test_date_range_includes_both_days_whole(api: Api, orders: dict[str, int]) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get(
        "/orders", params={"date_from": "2026-01-10", "date_to": "2026-01-20"}
    )

    assert ids(answer) == [orders["pens"], orders["paper"]]


def test_a_range_to_the_last_date_there_is_has_no_end(
    api: Api, orders: dict[str, int]
) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get(
        "/orders", params={"date_from": "2026-01-10", "date_to": "9999-12-31"}
    )

    assert answer.status_code == 200, answer.text
    assert orders["pens"] in ids(answer) and orders["paper"] in ids(answer)


def test_total_range_compares_decimal_strings_exactly(
    api: Api, orders: dict[str, int]
) -> None:
    acme = api.as_("viewer", "acme")

    within = acme.get("/orders", params={"total_min": "99.99", "total_max": "1234.50"})
    above = acme.get("/orders", params={"total_min": "1234.51"})
    below = acme.get("/orders", params={"total_max": "99.98"})

    assert ids(within) == [orders["pens"], orders["paper"]]
    assert ids(above) == [orders["stapler"]]
    assert ids(below) == []


def test_total_range_upside_down_is_422(api: Api, orders: dict[str, int]) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params={"total_min": "500", "total_max": "100"})

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("total_min", "99999999999999999999"),
        ("total_min", "1e400"),
        ("total_max", "-99999999999999999999"),
        ("total_max", "1e400"),
    ],
)
def test_total_beyond_what_an_order_can_hold_is_422(
    api: Api, name: str, value: str
) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params={name: value})

    error = answer.json()["error"]
    assert answer.status_code == 422
    assert error["details"]["fields"][0]["location"] == ["query", name]
    assert "10000000000000" in error["message"]


def test_total_in_fractions_of_a_kopeck_is_422(api: Api) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params={"total_min": "99.995"})

    assert answer.status_code == 422
    assert "2 decimal places" in answer.json()["error"]["message"]


def test_unknown_status_is_422_naming_the_statuses(api: Api) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params=[("status", "shipped"), ("status", "sent")])

    error = answer.json()["error"]
    assert answer.status_code == 422
    assert error["details"]["fields"][0]["location"] == ["query", "status", "1"]
    assert all(f"'{status}'" in error["message"] for status in OrderStatus)


def test_channel_filter(api: Api, orders: dict[str, int]) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params={"channel": "onec"})

    assert ids(answer) == [orders["pens"]]


def test_text_search_finds_a_line_article(api: Api, orders: dict[str, int]) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params={"q": "3000003"})

    assert ids(answer) == [orders["stapler"]]


def test_text_search_finds_a_line_name_and_a_requisition_id(
    api: Api, orders: dict[str, int]
) -> None:
    acme = api.as_("viewer", "acme")

    by_name = acme.get("/orders", params={"q": "Степлер"})
    by_requisition = acme.get("/orders", params={"q": "1c-00042"})

    assert ids(by_name) == [orders["stapler"]]
    assert ids(by_requisition) == [orders["pens"]]


def test_text_search_ignores_cyrillic_case(api: Api, orders: dict[str, int]) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params={"q": "сТЕПЛЕР"})

    assert ids(answer) == [orders["stapler"]]


def test_text_search_takes_percent_literally(api: Api, orders: dict[str, int]) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params={"q": "%"})

    assert ids(answer) == []


def test_tenant_filter_lets_an_all_tenant_token_pick_one(
    api: Api, orders: dict[str, int]
) -> None:
    everyone = api.as_("viewer")

    globex = everyone.get("/orders", params={"tenant": "globex"})
    both = everyone.get("/orders", params={"q": "1000001"})

    assert ids(globex) == [orders["globex_paper"]]
    assert set(ids(both)) == {orders["paper"], orders["globex_paper"]}


def test_paging_envelope(api: Api, orders: dict[str, int]) -> None:
    acme = api.as_("viewer", "acme")

    second = acme.get("/orders", params={"page": 2, "per_page": 2}).json()

    assert [item["id"] for item in second["items"]] == [orders["paper"]]
    assert (second["total"], second["page"], second["per_page"], second["pages"]) == (
        3,
        2,
        2,
        2,
    )


def test_more_than_200_per_page_is_refused(api: Api, orders: dict[str, int]) -> None:
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params={"per_page": 201})

    assert answer.status_code == 422
    fields = answer.json()["error"]["details"]["fields"]
    assert fields[0]["location"] == ["query", "per_page"]


def test_order_detail_has_lines_history_documents_and_requisition(
    api: Api, orders: dict[str, int]
) -> None:
    order_id = orders["pens"]
    add_document(api.hub, "acme", order_id, filename="invoice.pdf", content=b"%PDF-1.7")
    acme = api.as_("viewer", "acme")

    order = acme.get(f"/orders/{order_id}").json()

    line = order["lines"][0]
    assert (line["article"], line["price"], line["vat_rate"]) == (
        "2000002",
        "99.99",
        "без НДС",
    )
    assert (line["quantity_ordered"], line["quantity_confirmed"]) == ("1.000", "1.000")
    assert (line["quantity_shipped"], line["quantity_delivered"]) == ("0.000", "0.000")
    assert [change["to_status"] for change in order["status_history"]] == ["submitted"]
    document = order["documents"][0]
    assert document["files"][0]["filename"] == "invoice.pdf"
    assert document["files"][0]["size"] == 8
    assert "content" not in document["files"][0]
    assert order["requisition"]["external_id"] == "1C-00042"


def test_document_file_downloads_with_an_encoded_filename(
    api: Api, orders: dict[str, int]
) -> None:
    order_id = orders["paper"]
    document_id, file_id = add_document(
        api.hub,
        "acme",
        order_id,
        filename='../Счёт №12 "январь".pdf',
        content=b"%PDF-1.7 invoice",
    )
    acme = api.as_("viewer", "acme")

    answer = acme.get(f"/orders/{order_id}/documents/{document_id}/files/{file_id}")

    assert answer.status_code == 200
    assert answer.content == b"%PDF-1.7 invoice"
    assert answer.headers["content-type"] == "application/pdf"
    disposition = answer.headers["content-disposition"]
    assert disposition == (
        "attachment; filename=\"download.pdf\"; filename*=UTF-8''"
        "%D0%A1%D1%87%D1%91%D1%82%20%E2%84%9612%20_%D1%8F%D0%BD%D0%B2%D0%B0%D1%80%D1%8C_.pdf"
    )


def test_document_file_of_another_order_is_404(
    api: Api, orders: dict[str, int]
) -> None:
    document_id, file_id = add_document(
        api.hub, "acme", orders["paper"], filename="a.pdf", content=b"x"
    )
    acme = api.as_("viewer", "acme")

    answer = acme.get(
        f"/orders/{orders['pens']}/documents/{document_id}/files/{file_id}"
    )

    assert answer.status_code == 404
