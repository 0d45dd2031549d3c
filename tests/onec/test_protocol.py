"""The exchange protocol mode by mode: what 1C sends and what it must get back."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest
from lxml import etree

from connectors.onec import catalog_dispatch
from gateway.store.tables import Requisition
from tests.onec.conftest import CML31_ORDERS, UT11_ORDERS
from tests.onec.harness import OneC, basic, count, messages, requisitions


def test_checkauth_answers_success_cookie_sessid_and_timestamp(onec):
    answer = onec.checkauth()

    assert answer.status_code == 200
    assert answer.content_type == "text/plain; charset=windows-1251"
    assert answer.lines[0] == "success"
    assert answer.lines[1] == "KOMUS_1C_SESSION"
    assert answer.lines[2].split(".", 1)[0].isdigit()
    assert answer.lines[3].startswith("sessid=")
    assert answer.lines[4].startswith("timestamp=")


def test_checkauth_without_credentials_says_the_header_did_not_arrive(gateway_url):
    answer = httpx.get(
        f"{gateway_url}/1c/exchange", params={"type": "sale", "mode": "checkauth"}
    )

    assert answer.text.splitlines()[0] == "failure"
    assert "Authorization header" in answer.text


def test_later_requests_are_accepted_with_the_session_cookie(onec):
    onec.checkauth()

    answer = onec.init()

    assert answer.lines[0] == "zip=yes"


def test_later_requests_are_accepted_with_basic_credentials_alone(onec):
    answer = onec.call("init", credentials=True, version="2.08")

    assert answer.lines[0] == "zip=yes"
    assert "version=2.08" in answer.lines


def test_a_request_without_cookie_or_credentials_gets_failure(onec):
    answer = onec.call("init")

    assert answer.lines[0] == "failure"
    assert "mode=checkauth" in answer.text


def test_a_sessid_of_another_session_is_refused(onec):
    onec.checkauth()
    onec.sessid = "0" * 32

    answer = onec.init()

    assert answer.lines[0] == "failure"
    assert "sessid" in answer.text


def test_requests_without_sessid_are_accepted(onec):
    onec.checkauth()
    onec.sessid = None

    answer = onec.init()

    assert answer.lines[0] == "zip=yes"


def test_init_with_a_version_adds_sessid_and_the_version_spoken(onec):
    onec.checkauth()

    answer = onec.init(version="2.09")

    assert answer.lines == [
        "zip=yes",
        "file_limit=8388608",
        f"sessid={onec.sessid}",
        "version=2.09",
    ]


def test_init_without_a_version_answers_zip_and_file_limit_only(onec):
    onec.checkauth()

    answer = onec.init(version=None)

    assert answer.lines == ["zip=yes", "file_limit=8388608"]


@pytest.mark.parametrize("onec_options", [{"max_body_bytes": 65536}])
def test_file_limit_is_never_above_the_servers_body_limit(onec):
    onec.checkauth()

    answer = onec.init()

    assert "file_limit=65536" in answer.lines


@pytest.mark.parametrize("onec_options", [{"max_body_bytes": 4096}])
def test_a_body_above_the_servers_limit_gets_failure_and_is_logged(onec, gateway):
    onec.checkauth()
    onec.init()

    answer = onec.call("file", body=UT11_ORDERS.read_bytes(), filename="a.xml")

    assert answer.lines[0] == "failure"
    assert "the gateway takes 4096" in answer.text
    assert [m.state for m in messages(gateway, kind="onec.file")] == ["failed"]


def test_the_bitrix_path_speaks_the_same_protocol(gateway_url):
    onec = OneC(gateway_url, path="/bitrix/admin/1c_exchange.php")

    answer = onec.checkauth()

    assert answer.lines[0] == "success"


@pytest.mark.parametrize(
    ("type_", "mode", "reason"),
    [
        ("sale", "sync", "unknown mode=sync for type=sale"),
        ("reference", "init", "unknown type=reference"),
        ("", "init", "unknown type=(none)"),
    ],
)
def test_anything_else_gets_failure_with_the_reason(onec, type_, mode, reason):
    onec.checkauth()

    answer = onec.call(mode, type_)

    assert answer.lines[0] == "failure"
    assert answer.lines[1].startswith(reason)


def test_answers_are_never_html_even_for_a_wrong_method(gateway_url):
    response = httpx.put(f"{gateway_url}/1c/exchange?type=sale&mode=checkauth")

    assert "html" not in response.headers.get("content-type", "")


def test_a_tenant_with_utf8_output_gets_its_text_in_utf8(acme_onec):
    answer = acme_onec.checkauth()

    assert answer.content_type == "text/plain; charset=utf-8"
    assert answer.lines[0] == "success"


def test_chunks_of_one_file_are_appended_in_order(onec, gateway):
    data = CML31_ORDERS.read_bytes()
    onec.checkauth()
    onec.init()

    onec.upload("documents/3/orders.xml", data, chunk=1000)
    onec.import_file("documents/3/orders.xml")

    (stored,) = messages(gateway, kind="onec.file")
    assert stored.payload == data
    assert stored.filename == "documents/3/orders.xml"


def test_a_chunk_sent_again_after_a_lost_answer_is_appended_once(onec, gateway):
    data = CML31_ORDERS.read_bytes()
    chunks = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    onec.checkauth()
    onec.init()

    answers = [onec.call("file", body=chunk, filename="o.xml") for chunk in chunks[:2]]
    answers.append(onec.call("file", body=chunks[1], filename="o.xml"))
    answers += [onec.call("file", body=chunk, filename="o.xml") for chunk in chunks[2:]]
    imported = onec.import_file("o.xml")[-1]

    assert {a.first for a in answers} == {"success"}
    assert imported.lines[:2] == ["success", "o.xml: 4 order(s): 4 created"]
    (stored,) = messages(gateway, kind="onec.file")
    assert stored.payload == data


@pytest.mark.parametrize("onec_options", [{"max_body_bytes": 4096}])
def test_without_a_version_a_last_chunk_sent_again_gets_the_same_answer(onec, gateway):
    data = CML31_ORDERS.read_bytes()
    onec.checkauth()
    onec.init(version=None)
    first = onec.upload("o.xml", data)[-1]

    again = onec.call("file", body=data[len(data) // 4096 * 4096 :], filename="o.xml")

    assert again.lines == first.lines
    assert first.lines[:2] == ["success", "o.xml: 4 order(s): 4 created"]
    (stored,) = messages(gateway, kind="onec.file")
    assert stored.payload == data
    assert count(gateway, Requisition) == 4


def test_a_file_sent_again_after_its_import_starts_over(onec, gateway):
    onec.checkauth()
    onec.init()
    onec.upload("orders.xml", UT11_ORDERS.read_bytes())
    onec.import_file("orders.xml")

    onec.upload("orders.xml", CML31_ORDERS.read_bytes())
    answer = onec.import_file("orders.xml")[-1]

    assert "4 order(s): 4 created" in answer.text


def test_importing_a_file_that_was_not_uploaded_gets_failure(onec):
    onec.checkauth()
    onec.init()

    answer = onec.import_file("never.xml")[-1]

    assert answer.lines[0] == "failure"
    assert "never.xml was not uploaded in this exchange session" in answer.text


@pytest.mark.parametrize("onec_options", [{"max_body_bytes": 4096}])
def test_without_a_version_a_sale_file_is_imported_as_soon_as_it_has_arrived(
    onec, gateway
):
    onec.checkauth()
    onec.init(version=None)

    answers = onec.upload(CML31_ORDERS.name, CML31_ORDERS.read_bytes())

    assert [a.first for a in answers[:-1]] == ["success"] * (len(answers) - 1)
    assert answers[-1].lines[:2] == [
        "success",
        f"{CML31_ORDERS.name}: 4 order(s): 4 created",
    ]
    assert set(requisitions(gateway)) == {"319", "479", "480", "481"}


def _padded_to(data: bytes, multiple: int) -> bytes:
    """Trailing newlines until the length is an exact multiple of ``multiple``."""
    return data + b"\n" * (-len(data) % multiple)


@pytest.mark.parametrize("onec_options", [{"max_body_bytes": 4096}])
def test_without_a_version_a_file_of_whole_chunks_is_imported_at_its_last(
    onec, gateway
):
    data = _padded_to(CML31_ORDERS.read_bytes(), 4096)
    onec.checkauth()
    onec.init(version=None)

    answers = onec.upload(CML31_ORDERS.name, data)

    assert len(answers[-1].body) and len(data) % 4096 == 0
    assert answers[-1].lines[:2] == [
        "success",
        f"{CML31_ORDERS.name}: 4 order(s): 4 created",
    ]
    assert [a.lines for a in answers[:-1]] == [["success"]] * (len(answers) - 1)
    assert set(requisitions(gateway)) == {"319", "479", "480", "481"}


@pytest.mark.parametrize("onec_options", [{"max_body_bytes": 4096}])
def test_without_a_version_a_zip_of_whole_chunks_is_imported_at_its_last(onec, gateway):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("orders.xml", CML31_ORDERS.read_bytes())
    size = len(buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("orders.xml", CML31_ORDERS.read_bytes())
        bundle.comment = b"1" * (-size % 4096 + 4096)
    data = buffer.getvalue()
    onec.checkauth()
    onec.init(version=None)

    answers = onec.upload("v8_8789_c.zip", data)

    assert len(data) % 4096 == 0 and len(answers) > 1
    assert answers[-1].lines[:2] == ["success", "orders.xml: 4 order(s): 4 created"]
    assert count(gateway, Requisition) == 4


def test_a_zip_archive_is_unpacked_and_its_orders_imported(onec, gateway):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("documents___1.xml", CML31_ORDERS.read_bytes())
    onec.checkauth()
    onec.init()
    onec.upload("v8_3B8F_3e.zip", buffer.getvalue())

    answers = onec.import_file("documents___1.xml")

    assert answers[0].lines == ["progress", "archive unpacked: documents___1.xml"]
    assert answers[-1].first == "success"
    assert count(gateway, Requisition) == 4


@pytest.mark.parametrize("onec_options", [{"max_body_bytes": 65536}])
def test_without_a_version_a_zip_is_unpacked_and_imported_as_it_arrives(onec, gateway):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("orders.xml", CML31_ORDERS.read_bytes())
    onec.checkauth()
    onec.init(version=None)

    (answer,) = onec.upload("v8_8789_c.zip", buffer.getvalue())

    assert answer.lines[:2] == ["success", "orders.xml: 4 order(s): 4 created"]
    assert count(gateway, Requisition) == 4


def test_info_lists_the_status_codes_1c_maps(onec):
    onec.checkauth()

    answer = onec.call("info")

    root = etree.fromstring(answer.body)
    statuses = root.find("\u0043татусы")
    assert answer.content_type == "application/xml; charset=windows-1251"
    assert root.tag == "Справочник"
    assert [e.findtext("Ид") for e in statuses] == [
        "N",
        "H",
        "C",
        "I",
        "P",
        "K",
        "S",
        "F",
        "X",
        "R",
    ]


def test_catalog_upload_answers_failure_until_catalog_matching_exists(
    onec, monkeypatch
):
    monkeypatch.setattr(catalog_dispatch, "MATCH", ("connectors.onec.nowhere", "x"))
    onec.checkauth()
    onec.init(type_="catalog")
    onec.upload("import.xml", b"<x/>", type_="catalog")

    answer = onec.call("import", "catalog", filename="import.xml")

    assert answer.lines[0] == "failure"
    assert "catalogue upload (type=catalog) is not available" in answer.text


def test_catalog_upload_hands_every_uploaded_xml_to_catalog_matching(
    onec, gateway, monkeypatch
):
    seen = {}

    def matcher(hub, tenant_id, files):
        seen.update(tenant=tenant_id, files=sorted(files))
        return "3 items matched"

    monkeypatch.setattr(catalog_dispatch, "_function", lambda *_: matcher)
    onec.checkauth()
    onec.init(type_="catalog")
    onec.upload("import0_1.xml", b"<a/>", type_="catalog")
    onec.upload("offers0_1.xml", b"<b/>", type_="catalog")

    answer = onec.call("import", "catalog", filename="offers0_1.xml")

    assert answer.lines == ["success", "3 items matched"]
    assert seen == {"tenant": "demo", "files": ["import0_1.xml", "offers0_1.xml"]}


def test_a_catalog_upload_is_matched_once_however_many_files_1c_imports(
    onec, monkeypatch
):
    calls = []
    monkeypatch.setattr(
        catalog_dispatch, "_function", lambda *_: lambda *a: calls.append(a) or "ok"
    )
    onec.checkauth()
    onec.init(type_="catalog")
    onec.upload("import.xml", b"<a/>", type_="catalog")
    onec.upload("offers.xml", b"<b/>", type_="catalog")

    first = onec.call("import", "catalog", filename="import.xml")
    second = onec.call("import", "catalog", filename="offers.xml")

    assert (first.lines, second.lines) == (["success", "ok"], ["success", "ok"])
    assert len(calls) == 1


def test_get_catalog_sends_the_export_with_the_charset_it_declares(onec, monkeypatch):
    export = '<?xml version="1.0" encoding="windows-1251"?><Каталог/>'.encode("cp1251")
    monkeypatch.setattr(catalog_dispatch, "_function", lambda *_: lambda *a: export)
    onec.checkauth()
    onec.init(type_="get_catalog")

    answer = onec.call("query", "get_catalog")

    assert answer.content_type == "application/xml; charset=windows-1251"
    assert answer.body == export


def test_credentials_of_one_tenant_do_not_open_anothers_session(acme_onec, gateway_url):
    acme_onec.checkauth()

    answer = httpx.get(
        f"{gateway_url}/1c/exchange",
        params={"type": "sale", "mode": "init"},
        headers={"Authorization": basic("demo", "acme-1c-secret")},
    )

    assert answer.text.splitlines()[0] == "failure"
