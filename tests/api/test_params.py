"""Ids, pages and dates from paths and queries: bounded, and refused in plain words."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.api.paging import MAX_PAGE, MAX_PER_PAGE
from gateway.api.params import BIGINT_MAX, ID_MAX
from tests.api.harness import Api

TOO_BIG = 10**20
ROUTES_WITH_AN_ID = [
    ("GET", "/messages/{id}", "message_id"),
    ("GET", "/messages/{id}/payload", "message_id"),
    ("POST", "/messages/{id}/replay", "message_id"),
    ("GET", "/requisitions/{id}", "requisition_id"),
    ("GET", "/orders/{id}", "order_id"),
    ("GET", "/orders/1/documents/{id}/files/1", "document_id"),
    ("GET", "/orders/1/documents/1/files/{id}", "file_id"),
    ("GET", "/deliveries/{id}", "delivery_id"),
    ("POST", "/deliveries/{id}/retry", "delivery_id"),
    ("POST", "/deliveries/{id}/replay", "delivery_id"),
    ("DELETE", "/tokens/{id}", "token_id"),
]


def located(answer_json: dict[str, Any]) -> list[list[str]]:
    return [field["location"] for field in answer_json["error"]["details"]["fields"]]


@pytest.mark.parametrize(("method", "path", "name"), ROUTES_WITH_AN_ID)
def test_an_id_far_beyond_any_column_is_422_naming_the_parameter(
    api: Api, method: str, path: str, name: str
) -> None:
    answer = api.admin.request(method, path.format(id=TOO_BIG))

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"
    assert ["path", name] in located(answer.json())


@pytest.mark.parametrize(("method", "path", "name"), ROUTES_WITH_AN_ID)
def test_an_id_below_one_is_422(api: Api, method: str, path: str, name: str) -> None:
    answer = api.admin.request(method, path.format(id=0))

    assert answer.status_code == 422
    assert ["path", name] in located(answer.json())


def test_an_id_just_past_what_its_column_holds_is_422(api: Api) -> None:
    answer = api.admin.get(f"/orders/{ID_MAX + 1}")

    assert answer.status_code == 422
    assert located(answer.json()) == [["path", "order_id"]]


@pytest.mark.parametrize(
    "path",
    [
        "/messages/{id}",
        "/requisitions/{id}",
        "/orders/{id}",
        "/orders/{id}/documents/{id}/files/{id}",
        "/deliveries/{id}",
    ],
)
def test_the_largest_id_is_404_when_nothing_has_it(api: Api, path: str) -> None:
    answer = api.admin.get(path.format(id=ID_MAX))

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/messages", "requisition_id"),
        ("/messages", "order_id"),
        ("/deliveries", "order_id"),
    ],
)
def test_an_id_filter_past_what_its_column_holds_is_422(
    api: Api, path: str, name: str
) -> None:
    answer = api.admin.get(path, params={name: ID_MAX + 1})

    assert answer.status_code == 422
    assert located(answer.json()) == [["query", name]]


def test_a_page_whose_offset_would_overflow_is_422(api: Api) -> None:
    answer = api.admin.get("/orders", params={"page": BIGINT_MAX})

    assert answer.status_code == 422
    assert located(answer.json()) == [["query", "page"]]


def test_the_last_page_there_can_be_is_empty(api: Api) -> None:
    answer = api.admin.get(
        "/orders", params={"page": MAX_PAGE, "per_page": MAX_PER_PAGE}
    )

    assert answer.status_code == 200
    assert answer.json()["items"] == []


@pytest.mark.parametrize("written", ["20260331", "31.03.2026", "2026-3-31"])
def test_a_date_not_written_as_yyyy_mm_dd_is_422_saying_so(
    api: Api, written: str
) -> None:
    answer = api.admin.get("/messages", params={"date_from": written})

    assert answer.status_code == 422
    assert "YYYY-MM-DD" in answer.json()["error"]["message"]
