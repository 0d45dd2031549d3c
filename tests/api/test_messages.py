"""The message log over HTTP: listing, detail, raw payload and replay."""

from __future__ import annotations

from sqlalchemy import select

from gateway.store.tables import AuditEntry
from tests.api.builders import receive
from tests.api.harness import JSON, Api, requisition_body


def test_messages_filter_by_state_and_requisition(api: Api) -> None:
    held = receive(api.hub, "acme", requisition_body("A-1", lines=[]))
    receive(api.hub, "acme", requisition_body("A-2"))
    viewer = api.as_("viewer", "acme")

    by_state = viewer.get("/messages", params={"state": "held"}).json()
    by_requisition = viewer.get(
        "/messages", params={"requisition_id": held.requisition_id}
    ).json()

    assert [m["id"] for m in by_state["items"]] == [held.message_id]
    assert [m["id"] for m in by_requisition["items"]] == [held.message_id]


def test_unknown_direction_is_422_naming_in_and_out(api: Api) -> None:
    viewer = api.as_("viewer", "acme")

    answer = viewer.get("/messages", params={"direction": "inbound"})

    assert answer.status_code == 422
    assert "Input should be 'in' or 'out'" in answer.json()["error"]["message"]


def test_state_longer_than_any_stored_is_422(api: Api) -> None:
    viewer = api.as_("viewer", "acme")

    answer = viewer.get("/messages", params={"state": "x" * 33})

    assert answer.status_code == 422
    assert "at most 32 characters" in answer.json()["error"]["message"]


def test_message_detail_has_checksum_and_error_but_no_payload(api: Api) -> None:
    held = receive(api.hub, "acme", requisition_body("A-1", lines=[]))
    viewer = api.as_("viewer", "acme")

    message = viewer.get(f"/messages/{held.message_id}").json()

    assert len(message["checksum"]) == 64
    assert message["error"] == "the requisition has no lines"
    assert message["state"] == "held"
    assert "payload" not in message


def test_replay_runs_the_payload_again_and_is_audited(api: Api) -> None:
    original = receive(api.hub, "acme", requisition_body("A-1"))
    integrator = api.as_("integrator", "acme")

    answer = integrator.post(f"/messages/{original.message_id}/replay")

    assert answer.status_code == 200
    [replay] = answer.json()["replays"]
    assert replay["outcome"] == "duplicate"
    assert replay["message_id"] != original.message_id
    copy = integrator.get(f"/messages/{replay['message_id']}").json()
    assert copy["replay_of"] == original.message_id
    with api.hub.db.session() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "message.replay")
        ).scalar_one()
    assert entry.target == f"message:{original.message_id}"
    assert "integrator of acme" in entry.actor


def test_replay_of_an_unreadable_payload_is_409(api: Api) -> None:
    manager = api.as_("manager", "acme")
    refused = manager.post("/requisitions", content=b"{not json", headers=JSON)
    message_id = refused.json()["error"]["details"]["message_id"]
    integrator = api.as_("integrator", "acme")

    answer = integrator.post(f"/messages/{message_id}/replay")

    assert answer.status_code == 409
    assert "is not JSON" in answer.json()["error"]["message"]


def test_manager_cannot_replay(api: Api) -> None:
    original = receive(api.hub, "acme", requisition_body("A-1"))
    manager = api.as_("manager", "acme")

    answer = manager.post(f"/messages/{original.message_id}/replay")

    assert answer.status_code == 403
