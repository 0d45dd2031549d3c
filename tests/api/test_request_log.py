"""One structured line per request, with its id and tenant, and never the token."""

from __future__ import annotations

from structlog.testing import capture_logs

from tests.api.harness import Api


def test_request_line_carries_id_method_path_and_tenant_but_no_token(
    api: Api,
) -> None:
    secret = api.token("viewer", "acme")
    client = api.client(secret)

    with capture_logs() as lines:
        answer = client.get("/orders", headers={"X-Request-ID": "req-42"})

    [line] = [line for line in lines if line["event"] == "http_request"]
    assert answer.headers["x-request-id"] == "req-42"
    assert (line["request_id"], line["method"], line["path"]) == (
        "req-42",
        "GET",
        "/api/v1/orders",
    )
    assert (line["tenant"], line["status"]) == ("acme", 200)
    assert secret not in repr(lines)


def test_a_request_id_that_is_not_plain_is_replaced(api: Api) -> None:
    offered = "<script>" + "y" * 100

    answer = api.admin.get("/orders", headers={"X-Request-ID": offered})

    assert answer.headers["x-request-id"] != offered
    assert len(answer.headers["x-request-id"]) == 32


def test_hook_secrets_in_paths_are_not_logged() -> None:
    from gateway.api.request_log import loggable_path

    logged = loggable_path("/hooks/acme/bitrix24/CIrnhKi8PSYxP_ocE96yjV0t3")

    assert logged == "/hooks/acme/bitrix24/***"
