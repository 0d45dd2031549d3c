"""Bad input gets ``failure`` with the reason, stays in the log, and nothing of it is
accepted. The attack payloads are made here; every other input is a real sample."""

from __future__ import annotations

import io
import zipfile

from gateway.store.tables import Requisition
from tests.onec.conftest import (
    BITRIX_CP1251,
    CML31_ORDERS,
    OFFICIAL_CP1251,
    UT11_ORDERS,
)
from tests.onec.harness import OneC, count, messages, requisitions

BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE \xd0\x9a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;">]>\n'
    + '<КоммерческаяИнформация ВерсияСхемы="2.08"><Документ><Ид>&d;</Ид>'.encode()
    + "</Документ></КоммерческаяИнформация>".encode()
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE КоммерческаяИнформация [<!ENTITY ext SYSTEM "http://127.0.0.1:9/x">]>'
    "<КоммерческаяИнформация><Документ><Ид>&ext;</Ид></Документ>"
    "</КоммерческаяИнформация>"
).encode()


def send(onec: OneC, name: str, data: bytes) -> str:
    """A whole upload; the text of the last answer."""
    onec.checkauth()
    onec.init()
    stored = onec.upload(name, data)
    if stored[-1].first != "success":
        return stored[-1].text
    return onec.import_file(name)[-1].text


def kept(gateway, name: str) -> list:
    return [m for m in messages(gateway, filename=name) if m.state == "failed"]


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def test_malformed_xml_is_refused_before_any_of_its_orders_is_taken(onec, gateway):
    data = CML31_ORDERS.read_bytes()
    broken = data[: data.index("<Ид>480</Ид>".encode())]

    answer = send(onec, "documents.xml", broken)

    assert answer.startswith("failure\n")
    assert "not well-formed XML" in answer
    assert [m.payload for m in kept(gateway, "documents.xml")] == [broken]
    assert count(gateway, Requisition) == 0


def test_an_xml_bomb_is_refused_unexpanded(onec, gateway):
    answer = send(onec, "bomb.xml", BILLION_LAUGHS)

    assert answer.startswith("failure\n")
    assert "DOCTYPE is not allowed" in answer
    assert [m.payload for m in kept(gateway, "bomb.xml")] == [BILLION_LAUGHS]


def test_an_external_entity_is_refused_and_never_fetched(onec, gateway):
    answer = send(onec, "entity.xml", EXTERNAL_ENTITY)

    assert answer.startswith("failure\n")
    assert "DOCTYPE is not allowed" in answer
    assert [m.payload for m in kept(gateway, "entity.xml")] == [EXTERNAL_ENTITY]


def test_a_zip_bomb_is_refused_and_nothing_is_unpacked(onec, gateway):
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle,
        bundle.open("orders.xml", "w") as entry,
    ):
        for _ in range(100):
            entry.write(bytes(1024 * 1024))
    bomb = buffer.getvalue()

    answer = send(onec, "v8_exchange.zip", bomb)

    assert answer.startswith("failure\n")
    assert "zip bomb" in answer
    assert [m.payload for m in kept(gateway, "v8_exchange.zip")] == [bomb]
    assert count(gateway, Requisition) == 0


def test_a_zip_entry_that_climbs_out_is_refused(onec, gateway, tmp_path):
    archive = zipped({"../../outside.xml": UT11_ORDERS.read_bytes()})

    answer = send(onec, "v8_exchange.zip", archive)

    assert answer.startswith("failure\n")
    assert "climbs out" in answer
    assert [m.payload for m in kept(gateway, "v8_exchange.zip")] == [archive]
    assert not list(tmp_path.rglob("outside.xml"))


def test_a_filename_that_climbs_out_of_the_upload_folder_is_refused(
    onec, gateway, tmp_path
):
    data = UT11_ORDERS.read_bytes()

    answer = send(onec, "../../outside.xml", data)

    assert answer.startswith("failure\n")
    assert "climbs out of the upload folder" in answer
    (message,) = [m for m in messages(gateway, kind="onec.file")]
    assert (message.state, message.payload) == ("failed", data)
    assert not list(tmp_path.rglob("outside.xml"))


def test_a_wrong_password_is_refused_and_the_attempt_logged(onec, gateway):
    onec.password = "not-the-password"

    answer = onec.checkauth()

    assert answer.lines[0] == "failure"
    assert "wrong 1C login or password (login 'demo')" in answer.text
    (attempt,) = messages(gateway, kind="onec.login")
    assert attempt.state == "failed"
    assert b"not-the-password" not in attempt.payload


def test_an_unknown_article_holds_the_order_and_1c_is_told(onec, gateway):
    answer = send(onec, BITRIX_CP1251.name, BITRIX_CP1251.read_bytes())

    assert answer.startswith("failure\n")
    assert "2 of 2 order(s) not accepted" in answer
    assert (
        "client item '910e89e5-205e-4d95-872a-0a0255c42f02' has no Komus article"
        in (answer)
    )
    assert {r.state for r in requisitions(gateway).values()} == {"held"}


def test_a_negative_quantity_is_refused_before_any_order_is_taken(onec, gateway):
    data = UT11_ORDERS.read_bytes().replace(
        "<Количество>1</Количество>".encode(),
        "<Количество>-1</Количество>".encode(),
        1,
    )

    answer = send(onec, "documents.xml", data)

    assert answer.startswith("failure\n")
    assert "order 142, line 1" in answer and "Количество -1 is negative" in answer
    assert [m.payload for m in kept(gateway, "documents.xml")] == [data]
    assert count(gateway, Requisition) == 0


def test_a_file_in_another_encoding_than_declared_is_refused(onec, gateway):
    data = OFFICIAL_CP1251.read_bytes().decode("cp1251").encode("utf-8")

    answer = send(onec, "to.xml", data)

    assert answer.startswith("failure\n")
    assert "says windows-1251, but the bytes are UTF-8" in answer
    assert [m.payload for m in kept(gateway, "to.xml")] == [data]
    assert count(gateway, Requisition) == 0
