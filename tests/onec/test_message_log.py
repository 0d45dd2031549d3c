"""What an operator finds in the message log: sessions, files, answers, replays."""

from __future__ import annotations

import json

import pytest

from gateway.errors import FinalError
from tests.onec.conftest import CML31_ORDERS
from tests.onec.harness import messages


def exchange(onec, data: bytes = b"", name: str = CML31_ORDERS.name) -> None:
    onec.checkauth()
    onec.init()
    onec.upload(name, data or CML31_ORDERS.read_bytes())
    onec.import_file(name)
    onec.query()


def test_each_session_is_in_the_log_with_every_step(onec, gateway):
    exchange(onec)

    (session,) = messages(gateway, kind="onec.session")
    record = json.loads(session.payload)
    assert session.external_id == f"1c-session:{session.id}"
    assert [step["mode"] for step in record["steps"]] == [
        "checkauth",
        "init",
        "file",
        "import",
        "query",
    ]


def test_each_file_is_in_the_log_with_its_bytes_and_what_it_produced(onec, gateway):
    exchange(onec)

    (file,) = messages(gateway, kind="onec.file")
    (session,) = messages(gateway, kind="onec.session")
    produced = next(
        step["documents"]
        for step in json.loads(session.payload)["steps"]
        if step.get("message_id") == file.id
    )
    assert (file.state, file.payload) == ("processed", CML31_ORDERS.read_bytes())
    assert file.external_id == session.external_id
    assert [(d["id"], d["outcome"]) for d in produced] == [
        ("319", "created"),
        ("479", "created"),
        ("480", "created"),
        ("481", "created"),
    ]
    orders = messages(gateway, kind="requisition")
    assert {m.id for m in orders} == {d["message_id"] for d in produced}


def test_what_query_sent_is_in_the_log_byte_for_byte(onec, gateway):
    onec.checkauth()
    answer = onec.query()

    (sent,) = messages(gateway, kind="onec.query")
    assert (sent.direction, sent.payload) == ("out", answer.body)


def test_a_session_record_is_not_replayable(onec, gateway):
    exchange(onec)
    (session,) = messages(gateway, kind="onec.session")

    with pytest.raises(FinalError, match="record of the exchange"):
        gateway.pipeline.replay_message(session.id, actor="integrator")


def test_the_password_is_in_no_message_and_no_log_line(acme_onec, gateway, capfd):
    exchange(acme_onec)
    acme_onec.password = "wrong-acme-password"
    acme_onec.checkauth()

    payloads = b"".join(m.payload for m in messages(gateway))
    printed = "".join(capfd.readouterr())
    for secret in ("acme-1c-secret", "wrong-acme-password"):
        assert secret.encode() not in payloads
        assert secret not in printed
