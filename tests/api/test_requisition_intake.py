"""POST /api/v1/requisitions: the API channel onto the shared path."""

from __future__ import annotations

import json

import pytest

from gateway.store.tables import Message
from tests.api.harness import JSON, Api, requisition_body


def test_same_requisition_posted_ten_times_is_kept_once(api: Api) -> None:
    manager = api.as_("manager", "acme")
    body = json.dumps(requisition_body("REQ-10")).encode()

    answers = [
        manager.post("/requisitions", content=body, headers=JSON) for _ in range(10)
    ]

    statuses = [answer.status_code for answer in answers]
    assert statuses == [201] + [200] * 9
    assert [a.json()["outcome"] for a in answers[1:]] == ["duplicate"] * 9
    assert {a.json()["requisition_id"] for a in answers} == {
        answers[0].json()["requisition_id"]
    }
    assert manager.get("/requisitions").json()["total"] == 1
    messages = manager.get("/messages", params={"external_id": "REQ-10"}).json()
    assert messages["total"] == 10


def test_raw_body_is_kept_byte_for_byte(api: Api) -> None:
    manager = api.as_("manager", "acme")
    body = (
        b'{"external_id": "REQ-RAW",\n'
        b' "lines": [{"article": "1000001", "quantity": 1.5}]}'
    )

    posted = manager.post("/requisitions", content=body, headers=JSON)

    message_id = posted.json()["message_id"]
    payload = manager.get(f"/messages/{message_id}/payload")
    assert payload.content == body
    assert payload.headers["content-type"] == "application/json"
    assert (
        f'filename="message-{message_id}.json"'
        in payload.headers["content-disposition"]
    )


def test_lines_without_quantity_or_with_a_bad_unit_are_held_with_reasons(
    api: Api,
) -> None:
    manager = api.as_("manager", "acme")
    body = requisition_body(
        "REQ-HELD",
        lines=[
            {"line_no": 1, "article": "1000001", "unit_code": "796"},
            {"line_no": 2, "article": "1000002", "quantity": "3", "unit_code": "шт"},
        ],
    )

    answer = manager.post("/requisitions", json=body)

    result = answer.json()
    assert answer.status_code == 201
    assert (result["outcome"], result["state"]) == ("created", "held")
    assert "line 1: quantity is missing" in result["problems"]
    assert any(
        p.startswith("line 2: unit 'шт' is not an ОКЕИ code")
        for p in result["problems"]
    )
    stored = manager.get(f"/requisitions/{result['requisition_id']}").json()
    assert stored["state"] == "held"
    assert "line 1: quantity is missing" in stored["hold_reason"]


def test_broken_json_is_400_and_kept_as_a_failed_message(api: Api) -> None:
    manager = api.as_("manager", "acme")
    body = b'{"external_id": "REQ-BROKEN", "lines": [{"article": "1000001",'

    answer = manager.post("/requisitions", content=body, headers=JSON)

    error = answer.json()["error"]
    assert answer.status_code == 400
    assert error["code"] == "malformed_json"
    assert error["message"].startswith("the body is not valid JSON")
    assert "line 1 column" in error["message"]
    assert manager.get("/requisitions").json()["total"] == 0
    with api.hub.db.session() as session:
        kept = session.get(Message, error["details"]["message_id"])
    assert kept is not None
    assert (kept.tenant_id, kept.state, kept.payload) == ("acme", "failed", body)
    assert kept.error == error["message"]


def test_broken_json_of_an_all_tenant_token_is_kept_when_the_query_names_the_tenant(
    api: Api,
) -> None:
    admin = api.admin

    answer = admin.post("/requisitions?tenant=globex", content=b"[1, 2", headers=JSON)

    message_id = answer.json()["error"]["details"]["message_id"]
    assert answer.status_code == 400
    assert admin.get(f"/messages/{message_id}").json()["tenant_id"] == "globex"


def test_json_nested_too_deeply_to_read_is_400_and_kept_as_a_failed_message(
    api: Api,
) -> None:
    manager = api.as_("manager", "acme")
    depth = 100_000
    body = b'{"external_id": "DEEP", "lines": [], "x": %s%s}' % (
        b"[" * depth,
        b"]" * depth,
    )

    answer = manager.post("/requisitions", content=body, headers=JSON)

    error = answer.json()["error"]
    assert answer.status_code == 400
    assert error["code"] == "malformed_json"
    assert "nests arrays or objects too deeply" in error["message"]
    with api.hub.db.session() as session:
        kept = session.get(Message, error["details"]["message_id"])
    assert kept is not None
    assert (kept.state, kept.payload, kept.error) == ("failed", body, error["message"])


def test_body_sent_as_plain_text_is_415_and_kept_with_the_reason(api: Api) -> None:
    manager = api.as_("manager", "acme")
    body = json.dumps(requisition_body("REQ-TEXT")).encode()

    answer = manager.post(
        "/requisitions", content=body, headers={"Content-Type": "text/plain"}
    )

    error = answer.json()["error"]
    assert answer.status_code == 415
    assert error["code"] == "unsupported_media_type"
    assert "Content-Type: application/json" in error["message"]
    assert manager.get("/requisitions").json()["total"] == 0
    with api.hub.db.session() as session:
        kept = session.get(Message, error["details"]["message_id"])
    assert kept is not None
    assert (kept.state, kept.content_type, kept.payload) == (
        "failed",
        "text/plain",
        body,
    )
    assert kept.error == error["message"]


def test_body_without_a_content_type_is_415_saying_what_to_send(api: Api) -> None:
    manager = api.as_("manager", "acme")
    body = json.dumps(requisition_body("REQ-UNTYPED")).encode()

    answer = manager.post("/requisitions", content=body)

    error = answer.json()["error"]
    assert answer.status_code == 415
    assert error["message"] == (
        "the request has no Content-Type; send the body as JSON with "
        "Content-Type: application/json"
    )
    assert error["details"]["message_id"] is not None


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.komus.requisition+json",
    ],
)
def test_json_is_taken_with_a_charset_or_as_a_json_suffix_type(
    api: Api, content_type: str
) -> None:
    manager = api.as_("manager", "acme")
    body = json.dumps(requisition_body("REQ-TYPED")).encode()

    answer = manager.post(
        "/requisitions", content=body, headers={"Content-Type": content_type}
    )

    assert answer.status_code == 201


def test_body_without_external_id_is_422_with_its_location(api: Api) -> None:
    manager = api.as_("manager", "acme")

    answer = manager.post("/requisitions", json={"lines": []})

    error = answer.json()["error"]
    assert answer.status_code == 422
    assert error["code"] == "invalid_request"
    assert ["body", "external_id"] in [
        f["location"] for f in error["details"]["fields"]
    ]


def test_body_over_the_size_limit_is_413(api: Api) -> None:
    api.hub.settings.server.max_body_bytes = 2048
    manager = api.as_("manager", "acme")
    body = requisition_body("REQ-BIG", comment="x" * 4096)

    answer = manager.post("/requisitions", json=body)

    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert manager.get("/messages").json()["total"] == 0


def test_chunked_body_over_the_size_limit_is_413(api: Api) -> None:
    api.hub.settings.server.max_body_bytes = 2048
    manager = api.as_("manager", "acme")
    chunks = iter([b'{"external_id": "REQ-BIG", "comment": "', b"x" * 4096, b'"}'])

    answer = manager.post("/requisitions", content=chunks)

    assert answer.status_code == 413
    assert manager.get("/messages").json()["total"] == 0


def test_tenant_bound_token_cannot_post_for_another_tenant(api: Api) -> None:
    manager = api.as_("manager", "acme")

    answer = manager.post("/requisitions", json=requisition_body(tenant="globex"))

    assert answer.status_code == 403
    assert (
        api.admin.get("/requisitions", params={"tenant": "globex"}).json()["total"] == 0
    )


def test_tenant_bound_token_may_name_its_own_tenant(api: Api) -> None:
    manager = api.as_("manager", "acme")

    answer = manager.post("/requisitions", json=requisition_body(tenant="acme"))

    assert answer.status_code == 201


def test_all_tenant_token_must_name_the_tenant(api: Api) -> None:
    integrator = api.as_("integrator")

    unnamed = integrator.post("/requisitions", json=requisition_body())
    named = integrator.post("/requisitions", json=requisition_body(tenant="globex"))

    assert unnamed.status_code == 422
    assert "must name the tenant" in unnamed.json()["error"]["message"]
    assert named.status_code == 201
    requisition = integrator.get(f"/requisitions/{named.json()['requisition_id']}")
    assert requisition.json()["tenant_id"] == "globex"


def test_viewer_cannot_post_a_requisition(api: Api) -> None:
    viewer = api.as_("viewer", "acme")

    answer = viewer.post("/requisitions", json=requisition_body())

    assert answer.status_code == 403


def test_new_revision_is_201_updated_and_an_older_one_200_stale(api: Api) -> None:
    manager = api.as_("manager", "acme")
    manager.post("/requisitions", json=requisition_body("REQ-R", revision="2"))

    newer = manager.post("/requisitions", json=requisition_body("REQ-R", revision="3"))
    older = manager.post("/requisitions", json=requisition_body("REQ-R", revision="1"))

    assert (newer.status_code, newer.json()["outcome"]) == (201, "updated")
    assert (older.status_code, older.json()["outcome"]) == (200, "stale")
