"""A token sees its own tenant only; roles decide what it may change."""

from __future__ import annotations

from tests.api.builders import add_delivery, add_order, receive
from tests.api.harness import Api, requisition_body


def test_acme_token_gets_404_for_a_globex_order(api: Api) -> None:
    globex_order = add_order(api.hub, "globex")
    acme = api.as_("viewer", "acme")

    answer = acme.get(f"/orders/{globex_order}")

    assert answer.status_code == 404
    assert answer.json() == {
        "error": {
            "code": "not_found",
            "message": f"order {globex_order} does not exist",
        }
    }


def test_acme_token_gets_404_for_a_globex_message(api: Api) -> None:
    globex_message = receive(api.hub, "globex", requisition_body()).message_id
    acme = api.as_("viewer", "acme")

    detail = acme.get(f"/messages/{globex_message}")
    payload = acme.get(f"/messages/{globex_message}/payload")

    assert detail.status_code == 404
    assert payload.status_code == 404


def test_acme_lists_hold_nothing_of_globex(api: Api) -> None:
    acme_order = add_order(api.hub, "acme")
    add_order(api.hub, "globex")
    acme_message = receive(api.hub, "acme", requisition_body("A-1")).message_id
    receive(api.hub, "globex", requisition_body("G-1"))
    acme_delivery = add_delivery(api.hub, "acme")
    add_delivery(api.hub, "globex")
    acme = api.as_("viewer", "acme")

    orders = acme.get("/orders").json()["items"]
    messages = acme.get("/messages").json()["items"]
    deliveries = acme.get("/deliveries").json()["items"]
    requisitions = acme.get("/requisitions").json()["items"]

    assert [o["id"] for o in orders] == [acme_order]
    assert [m["id"] for m in messages] == [acme_message]
    assert [d["id"] for d in deliveries] == [acme_delivery]
    assert {r["tenant_id"] for r in requisitions} == {"acme"}


def test_acme_token_cannot_list_globex_by_naming_it(api: Api) -> None:
    add_order(api.hub, "globex")
    acme = api.as_("viewer", "acme")

    answer = acme.get("/orders", params={"tenant": "globex"})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


def test_viewer_cannot_retry_a_delivery(api: Api) -> None:
    delivery = add_delivery(api.hub, "acme", state="dead")
    viewer = api.as_("viewer", "acme")

    answer = viewer.post(f"/deliveries/{delivery}/retry")

    assert answer.status_code == 403
    assert "integrator" in answer.json()["error"]["message"]
    assert api.admin.get(f"/deliveries/{delivery}").json()["state"] == "dead"


def test_request_without_token_is_401_with_a_bearer_challenge(api: Api) -> None:
    anonymous = api.client(None)

    answer = anonymous.get("/orders")

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["error"]["code"] == "unauthenticated"


def test_unknown_token_is_401(api: Api) -> None:
    stranger = api.client("kgw_not-a-token-anyone-was-given")

    answer = stranger.get("/orders")

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
