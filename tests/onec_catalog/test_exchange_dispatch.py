"""The 1C exchange's ``type=catalog`` and ``type=get_catalog`` calls reach the
real matching and export, and 1C hears what they did."""

from __future__ import annotations

import pytest

from connectors.onec import catalog_dispatch
from connectors.onec.catalog_reader import read_catalog
from connectors.onec.protocol import Answer
from connectors.onec.settings import ExchangeSettings, OneCProfile, OutputProfile
from gateway.hub import Hub

from .builders import BILLION_LAUGHS, client_goods, import_xml, offers_xml
from .conftest import KomusSandbox


def test_catalog_upload_answers_success_with_the_counts(
    gateway: Hub, komus_sandbox: KomusSandbox
):
    goods = client_goods(komus_sandbox.catalog)
    files = {"import.xml": import_xml(goods), "offers.xml": offers_xml(goods)}

    reply = catalog_dispatch.match(gateway, "acme", files)

    assert reply.status == "success"
    assert reply.lines[1].startswith("22 item(s): 6 by barcode, 6 by article")


def test_a_hostile_catalog_upload_answers_failure_with_the_reason(gateway: Hub):
    reply = catalog_dispatch.match(gateway, "acme", {"import.xml": BILLION_LAUGHS})

    assert reply.status == "failure"
    assert "import.xml: a DOCTYPE is not allowed" in reply.reason


@pytest.mark.parametrize("encoding", ["windows-1251", "utf-8"])
def test_get_catalog_sends_the_export_in_the_tenants_output_profile(
    gateway: Hub, encoding: str
):
    tenant = gateway.settings.tenant("acme")
    assert tenant is not None
    settings = ExchangeSettings(output=OutputProfile(version="2.10", encoding=encoding))

    answer = catalog_dispatch.export(gateway, OneCProfile(tenant, "acme", settings))

    assert isinstance(answer, Answer), answer
    assert answer.content_type == f"application/xml; charset={encoding}"
    exported = read_catalog(answer.body)
    assert (exported.schema_version, exported.kind) == ("2.10", "catalog")
    assert exported.goods > 0
